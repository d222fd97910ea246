/**
 * The mock scenarios (`x-mock-scenario`, `MOCK_FAULT_RATE`, `MOCK_LATENCY_MS`): the mock's answers
 * are the table's, and the server in mock mode answers each one as the mock does.
 */

import { strict as assert } from "node:assert";
import { afterEach, describe, mock, test } from "node:test";

import {
  apiPersonaService,
  createPersonaService,
  mockPersonaService,
  MOCK_EXAMPLES,
  MOCK_SCENARIOS,
  type MockScenario,
  type PersonaApiError,
  type PersonaService,
} from "../src/index.js";
import { envelope, fakeFetch, needsServer, outcome, rejection, serverUrl } from "./helpers.js";

type Call = (service: PersonaService, scenario?: MockScenario) => Promise<unknown>;
const maya = MOCK_EXAMPLES[0]!;
const PERSONA = { name: "Ada Lovelace", skills: ["mathematics"] };
/** One valid call of each operation, with the scenario given. */
const CALLS: Record<string, Call> = {
  "process-persona": (s, scenario) => s.processPersona([...maya.textBlocks], [], { scenario }),
  "save-persona": (s, scenario) => s.savePersona(PERSONA, undefined, { scenario }),
  "get-persona": (s, scenario) => s.getPersona("sample-ada-lovelace01", { scenario }),
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const INVALID = (message: string) => ({ code: "INVALID_REQUEST", status: 400, message, retryable: false, details: [] });

/** What the table says each fault answers, per operation. */
function expected(scenario: MockScenario, op: string): { outcome: object; retryAfter: number | null } {
  const process = op === "process-persona";
  const error = (code: string, status: number, message: string, retryable: boolean, retryAfter: number | null = null) => ({
    outcome: { code, status, message, retryable, details: [] },
    retryAfter,
  });
  switch (scenario) {
    case "RATE_LIMITED":
      return error("RATE_LIMITED", 429, `too many ${op} requests from this client; wait 10 s and try again`, true, 10);
    case "UPSTREAM_TIMEOUT":
      return process
        ? error("UPSTREAM_TIMEOUT", 504, "the persona model did not answer in time; try again", true)
        : error("UPSTREAM_TIMEOUT", 504, "the request took longer than 30000 ms; try again, perhaps with less material", true);
    case "UPSTREAM_UNAVAILABLE":
      return process
        ? error("UPSTREAM_UNAVAILABLE", 503, "the persona model is unavailable right now", true)
        : error("UPSTREAM_UNAVAILABLE", 503, "persona storage is unavailable right now; try again shortly", true, 5);
    case "EXTRACTION_FAILED":
      return process
        ? error("EXTRACTION_FAILED", 422, "the persona model did not produce a valid persona; try again, or shorten or rephrase the material", true)
        : { outcome: INVALID("x-mock-scenario EXTRACTION_FAILED applies to process-persona only"), retryAfter: null };
    case "REFUSED":
      return process
        ? error("REFUSED", 422, "the persona model declined to process this material", false)
        : { outcome: INVALID("x-mock-scenario REFUSED applies to process-persona only"), retryAfter: null };
    default:
      return error("INTERNAL", 500, "something went wrong on our side; the request id helps us find out what", false);
  }
}

const FAULTS = MOCK_SCENARIOS.filter((s) => s !== "slow");
const UNKNOWN = "x-mock-scenario must be one of RATE_LIMITED, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, EXTRACTION_FAILED, REFUSED, INTERNAL, slow";

describe("the mock's scenarios", () => {
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });

  for (const [op, call] of Object.entries(CALLS)) {
    test(`${op}: every fault scenario is the table's answer, with a request id`, async () => {
      for (const scenario of FAULTS) {
        const error = await rejection(call(mockPersonaService(), scenario));
        const want = expected(scenario, op);
        assert.deepStrictEqual(outcome(error), want.outcome, `${op} ${scenario}`);
        assert.equal(error.retryAfter, want.retryAfter, `${op} ${scenario} Retry-After`);
        assert.match(error.requestId ?? "", UUID);
      }
    });
  }

  test("an unknown name is 400 naming the scenarios (never the value); a name is trimmed, case kept", async () => {
    for (const name of ["rate_limited", "NOPE <script>", ""]) {
      const error = await rejection(CALLS["get-persona"]!(mockPersonaService(), name as MockScenario));
      assert.deepStrictEqual(outcome(error), INVALID(UNKNOWN));
    }
    const trimmed = await rejection(CALLS["get-persona"]!(mockPersonaService(), " INTERNAL " as MockScenario));
    assert.equal(trimmed.code, "INTERNAL");
  });

  test("the input is checked first: a bad request still gets its 400", async () => {
    const process = await rejection(mockPersonaService().processPersona([], [], { scenario: "RATE_LIMITED" }));
    assert.equal(process.message, "textBlocks must hold at least one block of text");
    const save = await rejection(mockPersonaService().savePersona({ name: " " }, undefined, { scenario: "INTERNAL" }));
    assert.deepStrictEqual(save.details, [{ field: "/persona/name", message: "name must not be empty" }]);
    const get = await rejection(mockPersonaService().getPersona("short", { scenario: "UPSTREAM_TIMEOUT" }));
    assert.equal(get.code, "INVALID_ID");
  });

  test("slow answers normally after 3,000 ms, and an abort ends the wait", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    let answered: unknown = null;
    const slow = mockPersonaService().getPersona("sample-grace-hopper01", { scenario: "slow" }).then((r) => (answered = r));
    mock.timers.tick(2_999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, null, "still waiting at 2,999 ms");
    mock.timers.tick(1);
    const got = await slow;
    assert.equal(got.persona.name, "Grace Hopper");

    const controller = new AbortController();
    const waiting = mockPersonaService().processPersona([...maya.textBlocks], [], { scenario: "slow", signal: controller.signal });
    controller.abort();
    assert.equal((await rejection(waiting)).code, "ABORTED");
  });

  test("faultRate 1 fails every call with a fault of its operation, chosen uniformly", async () => {
    const draws = [0, 0.2, 0.4, 0.6, 0.8, 0.99];
    let next = 0;
    mock.method(Math, "random", () => draws[next++ % draws.length]!);
    const service = mockPersonaService({ faultRate: 1 });
    const codes = async (call: Call, n: number): Promise<string[]> => {
      const seen: string[] = [];
      for (let i = 0; i < n; i++) seen.push((await rejection(call(service))).code);
      return seen;
    };
    // Each call draws twice (whether to fail, then which fault): 0.2, 0.6, 0.99 pick the fault.
    next = 0;
    assert.deepStrictEqual(await codes(CALLS["process-persona"]!, 3), ["UPSTREAM_TIMEOUT", "EXTRACTION_FAILED", "INTERNAL"]);
    next = 0;
    assert.deepStrictEqual(await codes(CALLS["save-persona"]!, 3), ["RATE_LIMITED", "UPSTREAM_UNAVAILABLE", "INTERNAL"]);
  });

  test("faultRate 0 (the default) never fails; a scenario is never chosen at random for a named call", async () => {
    mock.method(Math, "random", () => 0);
    const got = await mockPersonaService({ faultRate: 0 }).getPersona("sample-ada-lovelace01");
    assert.equal(got.persona.name, "Ada Lovelace");
    const error = await rejection(mockPersonaService({ faultRate: 1 }).getPersona("sample-ada-lovelace01", { scenario: "INTERNAL" }));
    assert.equal(error.code, "INTERNAL");
  });

  test("latencyMs delays every answer, errors too; past the request deadline the deadline answers", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    let settled = false;
    const late = rejection(mockPersonaService({ latencyMs: 800 }).getPersona("short")).finally(() => (settled = true));
    mock.timers.tick(799);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    mock.timers.tick(1);
    assert.equal((await late).code, "INVALID_ID");

    mock.method(Math, "random", () => 0.999);
    const ranged = mockPersonaService({ latencyMs: [29_000, 31_000] }).getPersona("sample-ada-lovelace01", { scenario: "slow" });
    mock.timers.tick(30_000);
    const deadline = await rejection(ranged);
    assert.deepStrictEqual(outcome(deadline), expected("UPSTREAM_TIMEOUT", "get-persona").outcome);
  });

  test("options out of range are refused, saying what they accept", () => {
    assert.throws(() => mockPersonaService({ faultRate: 1.5 }), /faultRate must be a number from 0 to 1/);
    assert.throws(() => mockPersonaService({ faultRate: Number.NaN }), /faultRate/);
    assert.throws(() => mockPersonaService({ latencyMs: [2_500, 500] }), /latencyMs must be/);
    assert.throws(() => mockPersonaService({ latencyMs: 60_001 }), /<= 60000/);
  });

  test("createPersonaService passes faultRate and latencyMs to the mock", async () => {
    const error = await rejection(createPersonaService({ useMock: true, faultRate: 1 }).getPersona("sample-ada-lovelace01"));
    assert.ok(FAULTS.includes(error.code as (typeof FAULTS)[number]), error.code);
  });

  test("the client sends x-mock-scenario only when a call names a scenario", async () => {
    const { fetch, seen } = fakeFetch(() => envelope({}));
    const api = apiPersonaService({ fetch });
    await api.getPersona("sample-ada-lovelace01", { scenario: "slow" });
    await api.processPersona(["a"], [], { scenario: "REFUSED" });
    await api.savePersona(PERSONA, undefined, { scenario: "INTERNAL" });
    await api.getPersona("sample-ada-lovelace01");
    const sent = seen.map((s) => (s.init?.headers as Record<string, string>)["x-mock-scenario"]);
    assert.deepStrictEqual(sent, ["slow", "REFUSED", "INTERNAL", undefined]);
  });
});

describe("persona-server in mock mode answers each scenario as the mock does", needsServer, () => {
  const server = (): PersonaService => apiPersonaService({ baseUrl: serverUrl() });
  const compare = (actual: PersonaApiError, mocked: PersonaApiError, label: string): void => {
    assert.deepStrictEqual(outcome(actual), outcome(mocked), label);
    assert.equal(actual.retryAfter, mocked.retryAfter, `${label} Retry-After`);
    assert.match(actual.requestId ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, label);
  };

  for (const [op, call] of Object.entries(CALLS)) {
    test(`${op}: every fault scenario`, async () => {
      for (const scenario of FAULTS) {
        compare(await rejection(call(server(), scenario)), await rejection(call(mockPersonaService(), scenario)), `${op} ${scenario}`);
      }
    });
  }

  test("an unknown name, and a bad request with a scenario", async () => {
    const unknown = (s: PersonaService) => s.getPersona("sample-ada-lovelace01", { scenario: "nope" as MockScenario });
    compare(await rejection(unknown(server())), await rejection(unknown(mockPersonaService())), "unknown");
    const bad = (s: PersonaService) => s.processPersona([], [], { scenario: "RATE_LIMITED" });
    compare(await rejection(bad(server())), await rejection(bad(mockPersonaService())), "bad body");
  });

  test("slow gives the normal answer", async () => {
    const answer = await server().processPersona([...maya.textBlocks], [...maya.links], { scenario: "slow" });
    const mocked = await mockPersonaService().processPersona([...maya.textBlocks], [...maya.links]);
    assert.equal(answer.persona.name, mocked.persona.name);
    assert.deepStrictEqual(answer.warnings, mocked.warnings);
  });
});
