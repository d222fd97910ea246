/**
 * [`mockPersonaService`]: the `PersonaService` interface answered in the browser (or Node 20) with
 * nothing but the platform, as `persona-server` answers in mock mode: the input rules, the mock
 * extractor and its grounding, the rules of a save, an in-memory store seeded with the two
 * samples, and the scenarios, faults and latency a frontend can test its error states with.
 */

import type {
  CallOptions,
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
import { checkSource } from "./input.js";
import { LIMITS } from "./limits.js";
import { fromDraft, LIST_FIELDS, parse, type Draft, type Violation } from "./rules.js";
import { SAMPLE_CREATED_AT, SAMPLE_DRAFTS, SAMPLE_IDS, SAMPLE_SOURCE } from "./samples.js";
import * as s from "./scenarios.js";

const badShape = (): Error => s.apiError("INVALID_REQUEST", "the request body does not have the expected shape");
const invalid = (message: string, prefix: string, violations: Violation[]): Error =>
  s.apiError("INVALID_REQUEST", message, null, violations.map((v) => ({ field: `${prefix}${v.field}`, message: v.message })));

/**
 * A mock of the Persona API with the client's interface. Each call answers as `persona-server`
 * in mock mode would (the package README says what is and is not modelled); a call's
 * `scenario`, and `options.faultRate` and `options.latencyMs`, make it fail or wait as the server
 * does for `x-mock-scenario`, `MOCK_FAULT_RATE` and `MOCK_LATENCY_MS`. Every service has its own
 * store, seeded with the samples `sample-ada-lovelace01` and `sample-grace-hopper01`.
 */
export function mockPersonaService(options: s.MockOptions = {}): PersonaService {
  s.checkOptions(options);
  let store: Promise<Map<string, StoredPersonaResult>> | null = null;
  const documents = (): Promise<Map<string, StoredPersonaResult>> => (store ??= seeded());

  /** One call: its input checked, then the scenario or a random fault, the latency, the work. */
  async function call<P, T>(op: s.Operation, callOptions: CallOptions, check: () => P, work: (input: P) => Promise<T>): Promise<T> {
    const { signal, scenario } = callOptions;
    if (signal?.aborted) throw s.aborted(signal.reason);
    let input: P | undefined;
    let failure: unknown = null;
    let slow = false;
    try {
      input = check();
      const chosen = scenario !== undefined ? s.scenarioNamed(scenario) : null;
      slow = chosen === "slow";
      if (chosen !== null && !slow) failure = s.scenarioError(chosen, op);
      if (chosen === null && Math.random() < (options.faultRate ?? 0)) {
        const faults = s.faultsOf(op);
        failure = s.scenarioError(faults[Math.floor(Math.random() * faults.length)]!, op);
      }
    } catch (error) {
      failure = error;
    }
    const delay = s.latencyOf(options.latencyMs) + (slow ? s.SLOW_MS : 0);
    // As on the server, an answer later than the request deadline is the deadline's.
    await s.sleep(Math.min(delay, s.REQUEST_DEADLINE_MS), signal);
    if (delay >= s.REQUEST_DEADLINE_MS) throw s.deadlineError();
    if (failure !== null) throw failure;
    return work(input as P);
  }

  return {
    processPersona(textBlocks: string[], links: string[] = [], callOptions: CallOptions = {}): Promise<ProcessResult> {
      const check = () => {
        if (!isStringArray(textBlocks) || !isStringArray(links)) throw badShape();
        const size = new TextEncoder().encode(JSON.stringify({ textBlocks, links })).length;
        const max = LIMITS.bodyBytes;
        if (size > max) {
          const message = `the request body is ${size} bytes, ${size - max} over the limit of ${max} bytes (1 MiB); send less material in one request`;
          throw s.apiError("PAYLOAD_TOO_LARGE", message);
        }
        const checked = checkSource(textBlocks, links);
        if ("blocks" in checked) return checked.blocks;
        const { errors } = checked;
        const code = errors.every((e) => e.tooLarge) ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST";
        throw s.apiError(code, errors[0]!.message, null, errors.map((e) => ({ field: e.pointer, message: e.message })));
      };
      return call("process-persona", callOptions, check, async (blocks) => {
        const { draft, places } = read(blocks);
        const { persona, warnings } = fromDraft(draft);
        const grounding = ground(persona, blocks, places);
        const usage = { model: "mock", prompt_tokens: 0, completion_tokens: 0, attempts: 1, cached: false };
        return { persona, warnings, grounding, usage };
      });
    },

    savePersona(persona: PersonaDraft, source?: SourceCounts, saveOptions: SaveOptions = {}): Promise<SaveResult> {
      const check = () => {
        const draft = toDraft(persona);
        if (draft === null) throw badShape();
        const parsed = parse(draft);
        if (Array.isArray(parsed)) throw invalid("the persona breaks the rules; fix the fields listed in details", "/persona", parsed);
        const counts = source ?? { blocks: 0, links: 0 };
        const max = { blocks: LIMITS.textBlocks, links: LIMITS.links };
        const over = (["blocks", "links"] as const).filter((key) => counts[key] > max[key]);
        const violations = over.map((key) => ({ field: `/${key}`, message: `source.${key} must be at most ${max[key]}` }));
        if (violations.length > 0) throw invalid("source counts are out of range", "/source", violations);
        const grounding = saveOptions.grounding ?? undefined;
        const misfits = grounding === undefined ? [] : checkGrounding(grounding, parsed);
        if (misfits.length > 0) {
          throw invalid("the grounding does not fit the persona; fix or leave out the fields listed in details", "/grounding", misfits);
        }
        return { persona: parsed, counts, grounding };
      };
      return call("save-persona", saveOptions, check, async ({ persona: parsed, counts, grounding }) => {
        const saved = await documents();
        let id = freshId();
        while (saved.has(id)) id = freshId();
        const metadata = await metadataFor(id, parsed, counts, new Date());
        saved.set(id, stored(id, parsed, grounding === undefined ? undefined : asClaimed(grounding), metadata));
        return clone({ id, metadata });
      });
    },

    getPersona(id: string, callOptions: CallOptions = {}): Promise<StoredPersonaResult> {
      const check = () => {
        if (typeof id !== "string" || !/^[A-Za-z0-9_-]{21}$/.test(id)) {
          throw s.apiError("INVALID_ID", "a persona id is exactly 21 characters of A-Z, a-z, 0-9, '_' and '-'");
        }
      };
      return call("get-persona", callOptions, check, async () => {
        const document = (await documents()).get(id);
        if (document === undefined) throw s.apiError("NOT_FOUND", "no persona is saved under that id");
        return clone(document);
      });
    },
  };
}

async function seeded(): Promise<Map<string, StoredPersonaResult>> {
  const documents = new Map<string, StoredPersonaResult>();
  for (const [index, id] of SAMPLE_IDS.entries()) {
    const persona = fromDraft(SAMPLE_DRAFTS[index]!).persona;
    documents.set(id, stored(id, persona, undefined, await metadataFor(id, persona, SAMPLE_SOURCE, SAMPLE_CREATED_AT)));
  }
  return documents;
}

/** A stored document, its keys in the server's order: id, persona, grounding (if any), metadata. */
function stored(
  id: string,
  persona: StoredPersonaResult["persona"],
  grounding: Grounding | undefined,
  metadata: StoredPersonaResult["metadata"],
): StoredPersonaResult {
  return clone(grounding === undefined ? { id, persona, metadata } : { id, persona, grounding, metadata });
}

/** A deep copy, so no caller shares the store's objects. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The persona a client sent, with the schema's defaults for what it left out; null if ill-shaped. */
function toDraft(persona: PersonaDraft): Draft | null {
  if (typeof persona !== "object" || persona === null) return null;
  const p = persona as Partial<PersonaDraft>;
  const text = (v: unknown): boolean => v == null || typeof v === "string";
  const shaped =
    [p.name, p.occupation, p.location, p.communication_style].every(text) &&
    (p.background === undefined || typeof p.background === "string") &&
    (p.age == null || Number.isInteger(p.age)) &&
    LIST_FIELDS.every((name) => p[name] === undefined || isStringArray(p[name])) &&
    (p.evidence === undefined || Array.isArray(p.evidence));
  if (!shaped) return null;
  const lists = Object.fromEntries(LIST_FIELDS.map((name) => [name, p[name] ?? []])) as Pick<Draft, (typeof LIST_FIELDS)[number]>;
  return {
    name: p.name ?? null,
    age: p.age ?? null,
    occupation: p.occupation ?? null,
    location: p.location ?? null,
    background: p.background ?? "",
    ...lists,
    communication_style: p.communication_style ?? null,
    evidence: (p.evidence ?? []).map((e) => ({ field: e?.field ?? "", quote: e?.quote ?? "", source: e?.source ?? "" })),
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
