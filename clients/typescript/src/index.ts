/**
 * The Persona API client: types generated from the server's OpenAPI document, the client
 * (`apiPersonaService`), an in-browser mock with the same interface (`mockPersonaService`), and
 * `createPersonaService`, which picks one by a flag.
 *
 * ```ts
 * const personas = createPersonaService({
 *   useMock: useMockFromEnv(process.env.NEXT_PUBLIC_USE_MOCK_DATA),
 *   baseUrl: process.env.NEXT_PUBLIC_PERSONA_API_URL ?? "",
 * });
 * ```
 */

import { apiPersonaService } from "./api.js";
import { mockPersonaService } from "./mock/service.js";
import type { MockOptions } from "./mock/scenarios.js";
import type { PersonaService } from "./types.js";

export type * from "./types.js";
export { apiPersonaService, parseRetryAfter, type ApiOptions } from "./api.js";
export {
  PersonaApiError,
  isPersonaApiError,
  type ClientErrorCode,
  type PersonaApiErrorCode,
  type PersonaApiErrorInit,
} from "./errors.js";
export { mockPersonaService } from "./mock/service.js";
export { MOCK_SCENARIOS, type MockScenario } from "./scenarios.js";
export type { MockOptions } from "./mock/scenarios.js";
export { MOCK_EXAMPLES, type MockExample } from "./mock/examples.js";
export { SAMPLE_IDS } from "./mock/samples.js";

/** What `createPersonaService` needs. */
export interface CreateOptions {
  /** The mock (no server) when true, the real client when false. */
  useMock: boolean;
  /** The server's origin for the real client; `""` (the default) is same origin. */
  baseUrl?: string | undefined;
  /** The `fetch` the real client uses; the global one by default. */
  fetch?: typeof fetch | undefined;
  /** The mock's random faults, 0 to 1 (as the server's `MOCK_FAULT_RATE`); ignored by the real client. */
  faultRate?: number | undefined;
  /** The mock's added latency (as the server's `MOCK_LATENCY_MS`); ignored by the real client. */
  latencyMs?: MockOptions["latencyMs"];
}

/** The real client or the mock, by one flag; both are a `PersonaService`. */
export function createPersonaService(options: CreateOptions): PersonaService {
  if (options.useMock) return mockPersonaService({ faultRate: options.faultRate, latencyMs: options.latencyMs });
  return apiPersonaService({ baseUrl: options.baseUrl, fetch: options.fetch });
}

/**
 * Reads a mock flag as the server reads `USE_MOCK_DATA`: "true", "1", "yes" and "on" (any case,
 * surrounding whitespace ignored) are true; anything else, or nothing, is false.
 */
export function useMockFromEnv(value: string | undefined): boolean {
  return ["true", "1", "yes", "on"].includes((value ?? "").trim().toLowerCase());
}
