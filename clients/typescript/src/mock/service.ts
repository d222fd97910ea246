/**
 * [`mockPersonaService`]: the `PersonaService` interface answered in the browser (or Node 20) with
 * nothing but the platform, as `persona-server` answers in mock mode: the input rules, the mock
 * extractor, the lenient rules, grounding, the strict rules of a save, and an in-memory store
 * seeded with the two samples.
 */

import { PersonaApiError } from "../errors.js";
import type {
  CallOptions,
  ErrorCode,
  ErrorDetail,
  Grounding,
  PersonaDraft,
  PersonaService,
  ProcessResult,
  SaveOptions,
  SaveResult,
  SourceCounts,
  StoredPersonaResult,
} from "../types.js";
import { asClaimed, checkGrounding } from "./check.js";
import { freshId, metadataFor } from "./document.js";
import { read } from "./extractor.js";
import { ground } from "./grounding.js";
import { fromDraft, LIST_FIELDS, parse, type Draft, type Violation } from "./rules.js";
import { SAMPLE_CREATED_AT, SAMPLE_DRAFTS, SAMPLE_IDS, SAMPLE_SOURCE } from "./samples.js";
import { SourceBundle } from "./source.js";
import { utf8Length } from "./text.js";

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_SOURCE_COUNT = 50;
const ID_PATTERN = /^[A-Za-z0-9_-]{21}$/;

/** Each code's status and whether retrying can help, as the server's `ApiError::new`. */
const STATUS: Partial<Record<ErrorCode, [number, boolean]>> = {
  INVALID_REQUEST: [400, false],
  INVALID_ID: [400, false],
  NOT_FOUND: [404, false],
  PAYLOAD_TOO_LARGE: [413, false],
};

/** A saved persona as the mock keeps it. */
type Stored = StoredPersonaResult;

/**
 * A mock of the Persona API with the client's interface. Each call answers as `persona-server`
 * in mock mode would (see the package README for what is and is not modelled). Every service has
 * its own store, seeded with the samples `sample-ada-lovelace01` and `sample-grace-hopper01`.
 */
export function mockPersonaService(): PersonaService {
  let store: Promise<Map<string, Stored>> | null = null;
  const documents = (): Promise<Map<string, Stored>> => (store ??= seeded());

  return {
    async processPersona(
      textBlocks: string[],
      links: string[] = [],
      options: CallOptions = {},
    ): Promise<ProcessResult> {
      checkAborted(options.signal);
      if (!isStringArray(textBlocks) || !isStringArray(links)) throw badShape();
      const size = utf8Length(JSON.stringify({ textBlocks, links }));
      if (size > MAX_BODY_BYTES) {
        throw failure(
          "PAYLOAD_TOO_LARGE",
          `the request body is ${size} bytes, ${size - MAX_BODY_BYTES} over the limit of ${MAX_BODY_BYTES} bytes (1 MiB); send less material in one request`,
        );
      }
      const bundle = SourceBundle.parse(textBlocks, links);
      if (Array.isArray(bundle)) {
        const code = bundle.every((e) => e.tooLarge) ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST";
        throw failure(
          code,
          bundle[0]?.message ?? "",
          bundle.map((e) => ({ field: e.pointer, message: e.message })),
        );
      }
      const normalised = fromDraft(read(bundle.blocks));
      const grounded = ground(normalised.persona, bundle);
      return {
        persona: grounded.persona,
        warnings: [...normalised.warnings, ...grounded.warnings],
        grounding: grounded.grounding,
        usage: { model: "mock", prompt_tokens: 0, completion_tokens: 0, attempts: 1, cached: false },
      };
    },

    async savePersona(
      persona: PersonaDraft,
      source?: SourceCounts,
      options: SaveOptions = {},
    ): Promise<SaveResult> {
      checkAborted(options.signal);
      const draft = toDraft(persona);
      if (draft === null) throw badShape();
      const parsed = parse(draft);
      if (Array.isArray(parsed)) {
        throw invalidWith(
          "the persona breaks the rules; fix the fields listed in details",
          "/persona",
          parsed,
        );
      }
      const counts = source ?? { blocks: 0, links: 0 };
      const countViolations: Violation[] = [];
      if (counts.blocks > MAX_SOURCE_COUNT) {
        countViolations.push({ field: "/blocks", message: `source.blocks must be at most ${MAX_SOURCE_COUNT}` });
      }
      if (counts.links > MAX_SOURCE_COUNT) {
        countViolations.push({ field: "/links", message: `source.links must be at most ${MAX_SOURCE_COUNT}` });
      }
      if (countViolations.length > 0) {
        throw invalidWith("source counts are out of range", "/source", countViolations);
      }
      const grounding = options.grounding ?? undefined;
      if (grounding !== undefined) {
        const violations = checkGrounding(grounding, parsed);
        if (violations.length > 0) {
          throw invalidWith(
            "the grounding does not fit the persona; fix or leave out the fields listed in details",
            "/grounding",
            violations,
          );
        }
      }
      const saved = await documents();
      let id = freshId();
      while (saved.has(id)) id = freshId();
      const metadata = await metadataFor(id, parsed, counts, new Date());
      saved.set(id, stored(id, parsed, grounding === undefined ? undefined : asClaimed(grounding), metadata));
      return clone({ id, metadata });
    },

    async getPersona(id: string, options: CallOptions = {}): Promise<StoredPersonaResult> {
      checkAborted(options.signal);
      if (typeof id !== "string" || !ID_PATTERN.test(id)) {
        throw failure("INVALID_ID", "a persona id is exactly 21 characters of A-Z, a-z, 0-9, '_' and '-'");
      }
      const document = (await documents()).get(id);
      if (document === undefined) throw failure("NOT_FOUND", "no persona is saved under that id");
      return clone(document);
    },
  };
}

async function seeded(): Promise<Map<string, Stored>> {
  const documents = new Map<string, Stored>();
  for (const [index, id] of SAMPLE_IDS.entries()) {
    const persona = fromDraft(SAMPLE_DRAFTS[index]!).persona;
    const metadata = await metadataFor(id, persona, SAMPLE_SOURCE, SAMPLE_CREATED_AT);
    documents.set(id, stored(id, persona, undefined, metadata));
  }
  return documents;
}

function stored(
  id: string,
  persona: Stored["persona"],
  grounding: Grounding | undefined,
  metadata: Stored["metadata"],
): Stored {
  // Key order as the server writes it: id, persona, grounding (when saved with one), metadata.
  return clone(grounding === undefined ? { id, persona, metadata } : { id, persona, grounding, metadata });
}

/** A deep copy, so no caller shares the store's objects. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The draft a client sent, with the schema's defaults for what it left out; null if ill-shaped. */
function toDraft(persona: PersonaDraft): Draft | null {
  if (typeof persona !== "object" || persona === null) return null;
  const p = persona as Partial<PersonaDraft>;
  const text = (v: unknown): v is string | null | undefined => v == null || typeof v === "string";
  const list = (v: unknown): v is string[] | undefined => v === undefined || isStringArray(v);
  const lists = LIST_FIELDS.map((name) => p[name]);
  if (
    !text(p.name) ||
    !text(p.occupation) ||
    !text(p.location) ||
    !text(p.communication_style) ||
    !(p.background === undefined || typeof p.background === "string") ||
    !(p.age == null || Number.isInteger(p.age)) ||
    !lists.every(list) ||
    !(p.evidence === undefined || Array.isArray(p.evidence))
  ) {
    return null;
  }
  return {
    name: p.name ?? null,
    age: p.age ?? null,
    occupation: p.occupation ?? null,
    location: p.location ?? null,
    background: p.background ?? "",
    traits: p.traits ?? [],
    interests: p.interests ?? [],
    skills: p.skills ?? [],
    values: p.values ?? [],
    goals: p.goals ?? [],
    languages: p.languages ?? [],
    communication_style: p.communication_style ?? null,
    quotes: p.quotes ?? [],
    evidence: (p.evidence ?? []).map((e) => ({
      field: e?.field ?? "",
      quote: e?.quote ?? "",
      source: e?.source ?? "",
    })),
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new PersonaApiError({
      code: "ABORTED",
      message: "the call was aborted",
      retryable: false,
      cause: signal.reason,
    });
  }
}

function badShape(): PersonaApiError {
  return failure("INVALID_REQUEST", "the request body does not have the expected shape");
}

function invalidWith(message: string, prefix: string, violations: Violation[]): PersonaApiError {
  return failure(
    "INVALID_REQUEST",
    message,
    violations.map((v) => ({ field: `${prefix}${v.field}`, message: v.message })),
  );
}

function failure(code: ErrorCode, message: string, details: ErrorDetail[] = []): PersonaApiError {
  const [status, retryable] = STATUS[code] ?? [500, false];
  return new PersonaApiError({ code, message, retryable, status, details, requestId: requestId() });
}

/** A fresh request id (a UUID v4, as the server's), from `getRandomValues` alone. */
function requestId(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
