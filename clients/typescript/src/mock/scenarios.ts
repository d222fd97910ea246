/**
 * Failing on purpose, as `persona-server` in mock mode does with `x-mock-scenario`,
 * `MOCK_FAULT_RATE` and `MOCK_LATENCY_MS`: each scenario answered with the very error the real
 * service sends (status, code, message, retryable, Retry-After), random faults, added latency.
 */

import { PersonaApiError } from "../errors.js";
import type { ErrorCode } from "../types.js";

/** Every scenario, as `x-mock-scenario` names it. */
export const MOCK_SCENARIOS = [
  "RATE_LIMITED",
  "UPSTREAM_TIMEOUT",
  "UPSTREAM_UNAVAILABLE",
  "EXTRACTION_FAILED",
  "REFUSED",
  "INTERNAL",
  "slow",
] as const;
/** An outcome a call can ask the mock (or a server in mock mode) for. */
export type MockScenario = (typeof MOCK_SCENARIOS)[number];
/** The operations, by the names the server's messages use. */
export type Operation = "process-persona" | "save-persona" | "get-persona";

/** How a `mockPersonaService` misbehaves when no call asks for a scenario. */
export interface MockOptions {
  /** 0 to 1 (default 0): the chance that a call fails with a fault of its operation, at random. */
  faultRate?: number | undefined;
  /** Added before every answer, faults included: fixed ms, or `[min, max]` drawn uniformly. */
  latencyMs?: number | readonly [number, number] | undefined;
}

/** The server's default `REQUEST_DEADLINE_MS`: an answer later than this is the deadline's 504. */
export const REQUEST_DEADLINE_MS = 30_000;
/** How long `slow` waits before the normal answer. */
export const SLOW_MS = 3_000;

/** The scenarios that fail `op` (never `slow`; two are process-persona's only). */
export function faultsOf(op: Operation): MockScenario[] {
  const processOnly = ["EXTRACTION_FAILED", "REFUSED"];
  return MOCK_SCENARIOS.filter((s) => s !== "slow" && (op === "process-persona" || !processOnly.includes(s)));
}

/** The name a call passed, trimmed as the server trims the header; an error when it names none. */
export function scenarioNamed(name: unknown): MockScenario {
  const trimmed = typeof name === "string" ? name.trim() : "";
  const known = MOCK_SCENARIOS.find((s) => s === trimmed);
  if (known === undefined) throw apiError("INVALID_REQUEST", `x-mock-scenario must be one of ${MOCK_SCENARIOS.join(", ")}`);
  return known;
}

/** The error the real service answers `op` with for the fault `scenario`. */
export function scenarioError(scenario: MockScenario, op: Operation): PersonaApiError {
  const process = op === "process-persona";
  switch (scenario) {
    case "RATE_LIMITED":
      return apiError("RATE_LIMITED", `too many ${op} requests from this client; wait 10 s and try again`, 10);
    case "UPSTREAM_TIMEOUT":
      return process ? apiError("UPSTREAM_TIMEOUT", "the persona model did not answer in time; try again") : deadlineError();
    case "UPSTREAM_UNAVAILABLE":
      return process
        ? apiError("UPSTREAM_UNAVAILABLE", "the persona model is unavailable right now")
        : apiError("UPSTREAM_UNAVAILABLE", "persona storage is unavailable right now; try again shortly", 5);
    case "EXTRACTION_FAILED":
    case "REFUSED":
      if (!process) return apiError("INVALID_REQUEST", `x-mock-scenario ${scenario} applies to process-persona only`);
      return scenario === "REFUSED"
        ? apiError("REFUSED", "the persona model declined to process this material")
        : apiError("EXTRACTION_FAILED", "the persona model did not produce a valid persona; try again, or shorten or rephrase the material");
    case "INTERNAL":
    case "slow":
      return apiError("INTERNAL", "something went wrong on our side; the request id helps us find out what");
  }
}

/** The request deadline's answer. */
export const deadlineError = (): PersonaApiError =>
  apiError("UPSTREAM_TIMEOUT", `the request took longer than ${REQUEST_DEADLINE_MS} ms; try again, perhaps with less material`);

/** The latency to add now: `latencyMs` as given, or drawn from its range. */
export function latencyOf(latencyMs: MockOptions["latencyMs"]): number {
  if (latencyMs === undefined) return 0;
  if (typeof latencyMs === "number") return latencyMs;
  const [min, max] = latencyMs;
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** Checks the options as the server checks its variables, naming what each accepts. */
export function checkOptions({ faultRate = 0, latencyMs = 0 }: MockOptions): void {
  if (!(faultRate >= 0 && faultRate <= 1)) throw new RangeError("faultRate must be a number from 0 to 1");
  const [min, max] = typeof latencyMs === "number" ? [latencyMs, latencyMs] : latencyMs;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && min <= max && max <= 60_000)) {
    throw new RangeError("latencyMs must be whole milliseconds, or [min, max] with 0 <= min <= max <= 60000");
  }
}

/** Waits `ms`; rejects with `ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(aborted(signal.reason));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function aborted(cause: unknown): PersonaApiError {
  return new PersonaApiError({ code: "ABORTED", message: "the call was aborted", retryable: false, cause });
}

/** Each code's status and whether retrying can help, as the server's `ApiError::new`. */
const STATUS: Partial<Record<ErrorCode, [number, boolean]>> = {
  INVALID_REQUEST: [400, false],
  INVALID_ID: [400, false],
  NOT_FOUND: [404, false],
  PAYLOAD_TOO_LARGE: [413, false],
  EXTRACTION_FAILED: [422, true],
  REFUSED: [422, false],
  RATE_LIMITED: [429, true],
  UPSTREAM_UNAVAILABLE: [503, true],
  UPSTREAM_TIMEOUT: [504, true],
};

/** An error as the server's envelope gives it to the client, with a fresh request id. */
export function apiError(
  code: ErrorCode,
  message: string,
  retryAfter: number | null = null,
  details: Array<{ field: string; message: string }> = [],
): PersonaApiError {
  const [status, retryable] = STATUS[code] ?? [500, false];
  return new PersonaApiError({ code, message, retryable, status, details, retryAfter, requestId: requestId() });
}

/** A fresh request id (a UUID v4, as the server's) from `getRandomValues`, which every page has. */
function requestId(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
