/**
 * Failing on purpose, as `persona-server` in mock mode does for `x-mock-scenario`,
 * `MOCK_FAULT_RATE` and `MOCK_LATENCY_MS`: each scenario answered with the error the real service
 * sends (status, code, message, retryable, Retry-After); random faults; added latency.
 */

import { PersonaApiError } from "../errors.js";
import { MOCK_SCENARIOS, type MockScenario } from "../scenarios.js";
import type { ErrorCode } from "../types.js";
import type { Violation } from "./rules.js";

/** The operations, by the names the server's messages use. */
export type Operation = "process-persona" | "save-persona" | "get-persona";

/** How a `mockPersonaService` misbehaves when a call asks for no scenario. */
export interface MockOptions {
  /** 0 to 1 (default 0): the chance that a call fails with a fault of its operation, at random. */
  faultRate?: number | undefined;
  /** Added before every answer, faults included: fixed ms, or `[min, max]` drawn uniformly. */
  latencyMs?: number | readonly [number, number] | undefined;
}

/** The server's default `REQUEST_DEADLINE_MS` (a later answer is the deadline's 504), and `slow`'s wait. */
export const REQUEST_DEADLINE_MS = 30_000;
export const SLOW_MS = 3_000;

type Answer = [ErrorCode, string, number?];
/** The API's own per-client limiter's answer, naming the operation. */
const LIMITED: Answer = ["RATE_LIMITED", "too many {op} requests from this client; wait 10 s and try again", 10];
const DEADLINE: Answer = ["UPSTREAM_TIMEOUT", `the request took longer than ${REQUEST_DEADLINE_MS} ms; try again, perhaps with less material`];
const INTERNAL: Answer = ["INTERNAL", "something went wrong on our side; the request id helps us find out what"];
const STORE_DOWN: Answer = ["UPSTREAM_UNAVAILABLE", "persona storage is unavailable right now; try again shortly", 5];
/** Each fault's answer to process-persona (the model's error), and to save and get (the store's). */
const FAULTS: Record<Exclude<MockScenario, "slow">, { process: Answer; store: Answer | null }> = {
  RATE_LIMITED: { process: LIMITED, store: LIMITED },
  UPSTREAM_TIMEOUT: { process: ["UPSTREAM_TIMEOUT", "the persona model did not answer in time; try again"], store: DEADLINE },
  UPSTREAM_UNAVAILABLE: { process: ["UPSTREAM_UNAVAILABLE", "the persona model is unavailable right now"], store: STORE_DOWN },
  EXTRACTION_FAILED: { process: ["EXTRACTION_FAILED", "the persona model did not produce a valid persona; try again, or shorten or rephrase the material"], store: null },
  REFUSED: { process: ["REFUSED", "the persona model declined to process this material"], store: null },
  INTERNAL: { process: INTERNAL, store: INTERNAL },
};

/** The faults that apply to `op` (process-persona has two of its own). */
export const faultsOf = (op: Operation): MockScenario[] =>
  (Object.keys(FAULTS) as Array<keyof typeof FAULTS>).filter((s) => op === "process-persona" || FAULTS[s].store !== null);

/** The scenario a call named, trimmed as the server trims the header; 400 when it names none. */
export function scenarioNamed(name: unknown): MockScenario {
  const known = MOCK_SCENARIOS.find((s) => s === (typeof name === "string" ? name.trim() : ""));
  if (known === undefined) throw apiError("INVALID_REQUEST", `x-mock-scenario must be one of ${MOCK_SCENARIOS.join(", ")}`);
  return known;
}

/** The error the real service answers `op` with in the fault `scenario`. */
export function scenarioError(scenario: Exclude<MockScenario, "slow">, op: Operation): PersonaApiError {
  const answer = op === "process-persona" ? FAULTS[scenario].process : FAULTS[scenario].store;
  if (answer === null) return apiError("INVALID_REQUEST", `x-mock-scenario ${scenario} applies to process-persona only`);
  const [code, message, retryAfter = null] = answer;
  return apiError(code, message.replace("{op}", op), retryAfter);
}

/** The request deadline's answer. */
export const deadlineError = (): PersonaApiError => apiError(...DEADLINE);

/** The latency to add now, drawn from `latencyMs` (refused as the server refuses a bad `MOCK_LATENCY_MS`). */
export function latencyOf(latencyMs: MockOptions["latencyMs"] = 0): number {
  const [min, max] = typeof latencyMs === "number" ? [latencyMs, latencyMs] : latencyMs;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && min <= max && max <= 60_000)) {
    throw new RangeError("latencyMs must be whole milliseconds, or [min, max] with 0 <= min <= max <= 60000");
  }
  return min === max ? min : min + Math.floor(Math.random() * (max - min + 1));
}

/** Waits `ms`; rejects with `ABORTED` as soon as `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal.reason));
    if (ms <= 0) return resolve();
    const onAbort = (): void => (clearTimeout(timer), reject(aborted(signal?.reason)));
    const timer = setTimeout(() => (signal?.removeEventListener("abort", onAbort), resolve()), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export const aborted = (cause: unknown): PersonaApiError =>
  new PersonaApiError({ code: "ABORTED", message: "the call was aborted", retryable: false, cause });

/** Each code's status and whether retrying can help, as the server's `ApiError::new` (else 500). */
const STATUS: Partial<Record<ErrorCode, [number, boolean]>> = {
  INVALID_REQUEST: [400, false], INVALID_ID: [400, false], NOT_FOUND: [404, false], PAYLOAD_TOO_LARGE: [413, false],
  EXTRACTION_FAILED: [422, true], REFUSED: [422, false], RATE_LIMITED: [429, true],
  UPSTREAM_UNAVAILABLE: [503, true], UPSTREAM_TIMEOUT: [504, true],
};

/** An error as the client makes it of the server's envelope, with a fresh request id (a UUID v4). */
export function apiError(code: ErrorCode, message: string, retryAfter: number | null = null, details: Violation[] = []): PersonaApiError {
  const [status, retryable] = STATUS[code] ?? [500, false];
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const requestId = hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
  return new PersonaApiError({ code, message, retryable, status, details, retryAfter, requestId });
}
