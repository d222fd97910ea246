/**
 * Checked by `tsc --noEmit`, never run: wrong shapes do not compile, and the mock and the client
 * are the same type. Each `@ts-expect-error` fails the check if the line below it compiles.
 */

import {
  apiPersonaService,
  createPersonaService,
  mockPersonaService,
  PersonaApiError,
  MOCK_SCENARIOS,
  type ErrorCode,
  type MockScenario,
  type Persona,
  type PersonaDraft,
  type PersonaApiErrorCode,
  type PersonaService,
  type ProcessRequest,
  type ProcessResult,
  type StoredPersonaResult,
} from "../src/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <T extends true>(): T | undefined => undefined;

// The mock, the client and the switch all have exactly the PersonaService type.
same<Equal<ReturnType<typeof mockPersonaService>, ReturnType<typeof apiPersonaService>>>();
same<Equal<ReturnType<typeof createPersonaService>, PersonaService>>();
same<Equal<ReturnType<PersonaService["processPersona"]>, Promise<ProcessResult>>>();
same<Equal<ReturnType<PersonaService["getPersona"]>, Promise<StoredPersonaResult>>>();

const persona: Persona = {
  name: "Ada",
  age: 36,
  occupation: null,
  location: null,
  background: "",
  traits: [],
  interests: [],
  skills: [],
  values: [],
  goals: [],
  languages: [],
  communication_style: null,
  quotes: [],
  evidence: [],
};

// Save takes a partial persona (the server defaults what is missing); an answer's is whole.
const partial: PersonaDraft = { name: "Ada" };
// @ts-expect-error: a persona the server answers with has every field.
const partialAnswer: Persona = { name: "Ada" };

// @ts-expect-error: age is a number or null, never a string.
const stringAge: Persona = { ...persona, age: "36" };

// @ts-expect-error: a process request needs its textBlocks.
const noBlocks: ProcessRequest = { links: [] };

// @ts-expect-error: textBlocks is a list of strings.
const blockNumbers: ProcessRequest = { textBlocks: [1, 2], links: [] };

// @ts-expect-error: an error code the server does not have.
const unknownCode: ErrorCode = "TEAPOT";

// @ts-expect-error: nor does the client.
const unknownClientCode: PersonaApiErrorCode = "TIMEOUT";

const clientCode: PersonaApiErrorCode = "NETWORK_ERROR";
const serverCode: PersonaApiErrorCode = "RATE_LIMITED";

async function calls(service: PersonaService): Promise<void> {
  // @ts-expect-error: processPersona needs the text blocks.
  await service.processPersona();
  // @ts-expect-error: text blocks are strings, not one string.
  await service.processPersona("Hi, I am Ada.");
  // @ts-expect-error: savePersona takes a persona, not an id.
  await service.savePersona("V1StGXR8_Z5jdHi6B-myT");
  const saved = await service.savePersona(persona, { blocks: 1, links: 0 });
  // @ts-expect-error: source counts are numbers.
  await service.savePersona(persona, { blocks: "1", links: 0 });
  const got = await service.getPersona(saved.id);
  const years: number | null = got.persona.age;
  // @ts-expect-error: created_at is a string, not a Date.
  const when: Date = got.metadata.created_at;
  try {
    await service.getPersona("x");
  } catch (error) {
    if (error instanceof PersonaApiError) {
      const retry: number | null = error.retryAfter;
      const id: string | null = error.requestId;
      // @ts-expect-error: a request id may be null (no answer).
      const alwaysId: string = error.requestId;
      void [retry, id, alwaysId];
    }
  }
  void [years, when];
}

// The scenarios are exactly the seven names, and every call's options take one.
same<Equal<MockScenario, (typeof MOCK_SCENARIOS)[number]>>();
same<Equal<MockScenario, "RATE_LIMITED" | "UPSTREAM_TIMEOUT" | "UPSTREAM_UNAVAILABLE" | "EXTRACTION_FAILED" | "REFUSED" | "INTERNAL" | "slow">>();
// @ts-expect-error: names are case-sensitive.
const lowerScenario: MockScenario = "rate_limited";

async function scenarioCalls(service: PersonaService): Promise<void> {
  await service.processPersona(["I am Ada."], [], { scenario: "REFUSED" });
  await service.savePersona(persona, undefined, { scenario: "slow", grounding: null });
  await service.getPersona("sample-ada-lovelace01", { scenario: "INTERNAL" });
  // @ts-expect-error: not a scenario.
  await service.getPersona("sample-ada-lovelace01", { scenario: "TEAPOT" });
  mockPersonaService({ faultRate: 0.2, latencyMs: [500, 2500] });
  createPersonaService({ useMock: true, faultRate: 0.5, latencyMs: 800 });
  // @ts-expect-error: latency is a number of ms or a [min, max] pair.
  mockPersonaService({ latencyMs: "800" });
}

void [partial, partialAnswer, stringAge, noBlocks, blockNumbers, unknownCode, unknownClientCode, clientCode, serverCode, calls];
void [lowerScenario, scenarioCalls];
