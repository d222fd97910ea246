/**
 * [`apiPersonaService`]: the client of the server, over nothing but `fetch`.
 *
 * Paths are the same on both front doors (`/api/…`; Netlify rewrites them to its functions), so
 * one `baseUrl` works against `persona-server` and a Netlify deploy alike.
 */

import { PersonaApiError } from "./errors.js";
import type {
  CallOptions,
  ErrorBody,
  Job,
  PersonaDraft,
  PersonaService,
  ProcessOptions,
  ProcessRequest,
  ProcessResult,
  SaveOptions,
  SaveRequest,
  SaveResult,
  SourceCounts,
  StoredPersonaResult,
} from "./types.js";

/** Where the server is and how to reach it. */
export interface ApiOptions {
  /** The server's origin, e.g. `https://personas.example.com`; `""` (the default) is same origin. */
  baseUrl?: string | undefined;
  /** The `fetch` to use (a test's fake, or one with credentials); the global one by default. */
  fetch?: typeof fetch | undefined;
}

/** A save's body: the persona, and the source counts and grounding when there are any. */
type SaveBody = Pick<SaveRequest, "persona"> & Partial<Pick<SaveRequest, "source" | "grounding">>;

/** How many personas a client keeps with their `ETag`s, the least recently read dropped first. */
export const KEPT_PERSONAS = 100;

/** A persona the client read, and the `ETag` it came with. */
interface Kept {
  etag: string;
  data: StoredPersonaResult;
}

/**
 * The copy a conditional call may be answered with (`If-None-Match` names its tag; a 304 hands
 * it back), and where a fresh answer's tag and data go.
 */
interface Conditional<T> {
  copy: { etag: string; data: T } | undefined;
  keep(etag: string, data: T): void;
}

/** The client of the Persona API. */
export function apiPersonaService(options: ApiOptions = {}): PersonaService {
  const base = (options.baseUrl ?? "").replace(/\/+$/, "");
  const call = <T>(path: string, init: RequestInit, conditional?: Conditional<T>): Promise<T> =>
    request<T>(options.fetch ?? globalThis.fetch, `${base}${path}`, init, conditional);
  // Personas read by this client, by id: asked for again with If-None-Match, served on 304.
  const kept = new Map<string, Kept>();

  return {
    processPersona(
      textBlocks: ProcessRequest["textBlocks"],
      links: ProcessRequest["links"] = [],
      callOptions: ProcessOptions = {},
    ): Promise<ProcessResult> {
      const body: ProcessRequest = { textBlocks, links };
      const init = post(body, callOptions);
      if (callOptions.fresh === true) {
        init.headers = { ...(init.headers as Record<string, string>), "cache-control": "no-cache" };
      }
      if (callOptions.async !== true) return call("/api/process-persona", init);
      init.headers = { ...(init.headers as Record<string, string>), prefer: "respond-async" };
      return call<ProcessResult | { job: Job }>("/api/process-persona", init).then((data) =>
        "job" in data ? followJob(call, data.job, callOptions) : data,
      );
    },

    savePersona(
      persona: PersonaDraft,
      source?: SourceCounts,
      saveOptions: SaveOptions = {},
    ): Promise<SaveResult> {
      const body: SaveBody = { persona };
      if (source !== undefined) body.source = source;
      if (saveOptions.grounding !== undefined) body.grounding = saveOptions.grounding;
      return call("/api/save-persona", post(body, saveOptions));
    },

    getPersona(id: string, callOptions: CallOptions = {}): Promise<StoredPersonaResult> {
      const copy = kept.get(id);
      const condition = copy === undefined ? {} : { "if-none-match": copy.etag };
      return call(
        `/api/get-persona?id=${encodeURIComponent(id)}`,
        {
          method: "GET",
          headers: headers({ ...condition, accept: "application/json" }, callOptions),
          signal: callOptions.signal ?? null,
        },
        {
          copy: copy && { etag: copy.etag, data: structuredClone(copy.data) },
          keep(etag, data) {
            kept.delete(id);
            kept.set(id, { etag, data: structuredClone(data) });
            for (const oldest of kept.keys()) {
              if (kept.size <= KEPT_PERSONAS) break;
              kept.delete(oldest);
            }
          },
        },
      );
    },
  };
}

/** The first wait between two reads of a job, and the longest. */
export const JOB_POLL_FIRST_MS = 250;
export const JOB_POLL_MAX_MS = 4000;

/**
 * Reads the job at get-job until it ends, each wait 1.5 times the last (up to
 * `JOB_POLL_MAX_MS`): its `data` once succeeded, its `error` thrown once failed.
 */
async function followJob(
  call: <T>(path: string, init: RequestInit) => Promise<T>,
  first: Job,
  options: ProcessOptions,
): Promise<ProcessResult> {
  let job = first;
  let wait = JOB_POLL_FIRST_MS;
  for (;;) {
    options.onProgress?.(job);
    if (job.status === "succeeded" && job.data != null) return job.data;
    if (job.status === "failed" && job.error != null) {
      throw new PersonaApiError({
        code: job.error.code,
        message: job.error.message,
        retryable: job.error.retryable,
        requestId: job.error.request_id,
        status: 200,
        details: job.error.details,
      });
    }
    await pause(wait, options.signal);
    wait = Math.min(JOB_POLL_MAX_MS, Math.round(wait * 1.5));
    const data = await call<{ job: Job }>(`/api/get-job?id=${encodeURIComponent(job.id)}`, {
      method: "GET",
      headers: { accept: "application/json" },
      signal: options.signal ?? null,
    });
    job = data.job;
  }
}

/** Waits `ms`, or rejects with `ABORTED` as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = (): void => {
      clearTimeout(timer);
      reject(aborted(signal?.reason));
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}

function post(body: unknown, options: CallOptions): RequestInit {
  return {
    method: "POST",
    headers: headers({ "content-type": "application/json", accept: "application/json" }, options),
    body: JSON.stringify(body),
    signal: options.signal ?? null,
  };
}

/** The request's headers, with `x-mock-scenario` when the call asks for a scenario. */
function headers(base: Record<string, string>, options: CallOptions): Record<string, string> {
  return options.scenario === undefined ? base : { ...base, "x-mock-scenario": options.scenario };
}

/**
 * One call: the envelope's `data`, or a `PersonaApiError`. A conditional call answered 304 gives
 * back its copy; one answered 200 with an `ETag` keeps the data under it.
 */
async function request<T>(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  conditional?: Conditional<T>,
): Promise<T> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw aborted(signal.reason);
  let response: Response;
  try {
    response = await doFetch(url, init);
  } catch (cause) {
    if (signal?.aborted || isAbortError(cause)) throw aborted(cause);
    // The cause stays attached for debugging; the message never repeats what was sent.
    throw new PersonaApiError({
      code: "NETWORK_ERROR",
      message: "the Persona API could not be reached; check the connection and try again",
      retryable: true,
      cause,
    });
  }

  if (response.status === 304 && conditional?.copy !== undefined) {
    // Nothing to read: the copy the client named is current.
    return conditional.copy.data;
  }
  const headerId = response.headers.get("x-request-id");
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    if (signal?.aborted || isAbortError(cause)) throw aborted(cause);
    throw badResponse(response.status, headerId, retryAfter, cause);
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw badResponse(response.status, headerId, retryAfter);
  }

  if (isRecord(envelope) && envelope.success === true && "data" in envelope && response.ok) {
    const etag = response.headers.get("etag");
    if (etag !== null && conditional !== undefined) conditional.keep(etag, envelope.data as T);
    return envelope.data as T;
  }
  if (isRecord(envelope) && envelope.success === false && isErrorBody(envelope.error)) {
    const error = envelope.error;
    throw new PersonaApiError({
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      requestId: error.request_id || headerId,
      status: response.status,
      details: Array.isArray(error.details) ? error.details : [],
      retryAfter,
    });
  }
  throw badResponse(response.status, headerId, retryAfter);
}

function badResponse(
  status: number,
  requestId: string | null,
  retryAfter: number | null,
  cause?: unknown,
): PersonaApiError {
  return new PersonaApiError({
    code: "BAD_RESPONSE",
    message: `the Persona API answered HTTP ${status} without its JSON envelope (a proxy or gateway may have answered instead)`,
    retryable: status >= 500,
    requestId,
    status,
    retryAfter,
    cause,
  });
}

function aborted(cause: unknown): PersonaApiError {
  return new PersonaApiError({
    code: "ABORTED",
    message: "the call was aborted",
    retryable: false,
    cause,
  });
}

function isAbortError(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "AbortError"
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    isRecord(value) &&
    typeof value.code === "string" &&
    typeof value.message === "string" &&
    typeof value.retryable === "boolean"
  );
}

/**
 * `Retry-After` in seconds: a number of seconds, or an HTTP date turned into the seconds until it
 * (at least 0); null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
