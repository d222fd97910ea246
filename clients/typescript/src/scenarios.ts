/**
 * The mock scenarios' names: what a call's `scenario` option may ask for, sent by the client as
 * `x-mock-scenario` (answered by a server in mock mode, ignored by any other) and modelled by the
 * mock (`mock/scenarios.ts`). The package README has the table of their answers.
 */

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

/** An outcome a call can ask a mock, or a server in mock mode, for. */
export type MockScenario = (typeof MOCK_SCENARIOS)[number];
