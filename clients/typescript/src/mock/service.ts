/**
 * [`mockPersonaService`]: the `PersonaService` interface answered in the browser (or Node 20) with
 * nothing but the platform, as `persona-server` answers in mock mode: the input rules, the mock
 * extractor and its grounding, the rules of a save, an in-memory store seeded with the two
 * samples, and the scenarios, faults and latency a frontend can test its error states with.
 */

import type { MockScenario } from "../scenarios.js";
import type { CallOptions, PersonaDraft, PersonaService, ProcessResult, SaveOptions } from "../types.js";
import type { SaveResult, SourceCounts, StoredPersonaResult } from "../types.js";
import { ground, read } from "./extractor.js";
import { checkSource } from "./input.js";
import { LIMITS } from "./limits.js";
import { fromDraft, LIST_FIELDS, parse, type Draft, type Violation } from "./rules.js";
import * as s from "./scenarios.js";
import { asClaimed, checkGrounding, clone, freshId, metadataFor, seeded, stored } from "./store.js";

const invalid = (message: string, prefix: string, violations: Violation[]): Error =>
  s.apiError("INVALID_REQUEST", message, null, violations.map((v) => ({ field: `${prefix}${v.field}`, message: v.message })));

/**
 * A mock of the Persona API with the client's interface, answering as `persona-server` in mock
 * mode (the package README says what is and is not modelled), failing or waiting as it does for
 * a call's `scenario` and for `faultRate` and `latencyMs`. Each has its own store with the samples.
 */
export function mockPersonaService(options: s.MockOptions = {}): PersonaService {
  const faultRate = options.faultRate ?? 0;
  if (!(faultRate >= 0 && faultRate <= 1)) throw new RangeError("faultRate must be a number from 0 to 1");
  s.latencyOf(options.latencyMs);
  let store: Promise<Map<string, StoredPersonaResult>> | null = null;
  const documents = (): Promise<Map<string, StoredPersonaResult>> => (store ??= seeded());

  /** One call: its input checked, then the scenario or a random fault, the latency, the work. */
  async function call<P, T>(op: s.Operation, { signal, scenario }: CallOptions, check: () => P, work: (input: P) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw s.aborted(signal.reason);
    let input: P | undefined;
    let failure: unknown = null;
    let chosen: MockScenario | null = null;
    try {
      input = check();
      chosen = scenario === undefined ? null : s.scenarioNamed(scenario);
      const faults = s.faultsOf(op);
      if (chosen === null && Math.random() < faultRate) chosen = faults[Math.floor(Math.random() * faults.length)]!;
      if (chosen !== null && chosen !== "slow") failure = s.scenarioError(chosen, op);
    } catch (error) {
      failure = error;
    }
    const delay = s.latencyOf(options.latencyMs) + (chosen === "slow" ? s.SLOW_MS : 0);
    // As on the server, an answer later than the request deadline is the deadline's.
    await s.sleep(Math.min(delay, s.REQUEST_DEADLINE_MS), signal);
    if (delay >= s.REQUEST_DEADLINE_MS) throw s.deadlineError();
    if (failure !== null) throw failure;
    return work(input as P);
  }

  return {
    processPersona(textBlocks: string[], links: string[] = [], callOptions: CallOptions = {}): Promise<ProcessResult> {
      const check = () => {
        const checked = checkSource(textBlocks, links);
        if ("blocks" in checked) return checked.blocks;
        const errors = checked.errors;
        const code = errors.every((e) => e.tooLarge) ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST";
        throw s.apiError(code, errors[0]!.message, null, errors.map((e) => ({ field: e.pointer, message: e.message })));
      };
      return call("process-persona", callOptions, check, async (blocks) => {
        const { draft, places } = read(blocks);
        const { persona, warnings } = fromDraft(draft);
        // The in-browser mock reads any material in one call, as the server's mock does without MOCK_CHUNK_CHARS.
        const usage = { model: "mock", prompt_tokens: 0, completion_tokens: 0, attempts: 1, chunks: 1, cached: false };
        return { persona, warnings, grounding: ground(persona, blocks, places), usage };
      });
    },

    savePersona(persona: PersonaDraft, source?: SourceCounts, saveOptions: SaveOptions = {}): Promise<SaveResult> {
      const check = () => {
        const parsed = parse(toDraft(persona));
        if (Array.isArray(parsed)) throw invalid("the persona breaks the rules; fix the fields listed in details", "/persona", parsed);
        const counts = source ?? { blocks: 0, links: 0 };
        const max = { blocks: LIMITS.textBlocks, links: LIMITS.links };
        const over = (["blocks", "links"] as const).filter((key) => counts[key] > max[key]);
        const violations = over.map((key) => ({ field: `/${key}`, message: `source.${key} must be at most ${max[key]}` }));
        if (violations.length > 0) throw invalid("source counts are out of range", "/source", violations);
        const grounding = saveOptions.grounding ?? undefined;
        const misfits = grounding === undefined ? [] : checkGrounding(grounding, parsed);
        const misfit = "the grounding does not fit the persona; fix or leave out the fields listed in details";
        if (misfits.length > 0) throw invalid(misfit, "/grounding", misfits);
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
      const check = (): void => {
        if (!/^[A-Za-z0-9_-]{21}$/.test(id)) throw s.apiError("INVALID_ID", "a persona id is exactly 21 characters of A-Z, a-z, 0-9, '_' and '-'");
      };
      return call("get-persona", callOptions, check, async () => {
        const document = (await documents()).get(id);
        if (document === undefined) throw s.apiError("NOT_FOUND", "no persona is saved under that id");
        return clone(document);
      });
    },
  };
}

/** The persona sent, with the server's defaults for what it left out (the types allow no other shape). */
function toDraft(p: PersonaDraft): Draft {
  const lists = Object.fromEntries(LIST_FIELDS.map((name) => [name, p[name] ?? []])) as Pick<Draft, (typeof LIST_FIELDS)[number]>;
  const evidence = (p.evidence ?? []).map(({ field = "", quote = "", source = "" }) => ({ field, quote, source }));
  const { name = null, age = null, occupation = null, location = null, background = "", communication_style = null } = p;
  return { name, age, occupation, location, background, ...lists, communication_style, evidence };
}
