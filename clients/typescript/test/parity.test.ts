/**
 * The mock against persona-server in mock mode, on what the mock promises (its README): the
 * documented inputs give the same answer, field for field and in the same key order (compared as
 * JSON text); the input rules and the save rules refuse alike; the samples are the server's.
 */

import { strict as assert } from "node:assert";
import { describe, test } from "node:test";

import {
  apiPersonaService,
  mockPersonaService,
  MOCK_EXAMPLES,
  SAMPLE_IDS,
  type PersonaDraft,
  type PersonaService,
} from "../src/index.js";
import { needsServer, outcome, rejection, serverUrl } from "./helpers.js";

/** Inputs both must refuse alike: no blocks, empty blocks, too many, too long, bad links. */
const REFUSED_INPUTS: Array<{ name: string; textBlocks: string[]; links: string[] }> = [
  { name: "no blocks", textBlocks: [], links: [] },
  { name: "an empty block among others", textBlocks: ["fine", " \n\t\u0000 ", ""], links: [] },
  { name: "a block of invisible characters", textBlocks: ["fine", "\u200b\u200d\ufeff \u202e\u2066\u00ad"], links: [] },
  { name: "too many blocks", textBlocks: Array.from({ length: 51 }, () => "I am Ada."), links: [] },
  { name: "a block too long", textBlocks: ["é".repeat(100_005)], links: [] },
  { name: "too much text in all", textBlocks: ["a".repeat(100_000), "b".repeat(100_000), "c".repeat(100_000), "d"], links: [] },
  {
    name: "links that are no http URL",
    textBlocks: ["I am Ada."],
    links: ["https://ok.example", "/relative/path", "ftp://example.com/a", "mailto:a@b.c", "  ", "https://"],
  },
  { name: "too many links", textBlocks: ["I am Ada."], links: Array.from({ length: 51 }, () => "https://example.com") },
  { name: "a link too long", textBlocks: ["I am Ada."], links: [`https://example.com/${"a".repeat(2_048)}`] },
];

/**
 * A server's process answer (or anything else) without the grounding signatures, which only the
 * server can make: it holds the key, the mock does not. Everything else is still compared as
 * text. It also checks that the server did sign every entry of a process answer.
 */
function unsigned(answer: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(answer)) as { grounding?: { fields?: Record<string, Record<string, unknown>> } };
  for (const entry of Object.values(copy?.grounding?.fields ?? {})) {
    assert.match(String(entry.signature), /^[0-9a-f]{32}$/, "the server signs every entry");
    delete entry.signature;
  }
  return copy;
}

/** A persona as a client might send it back after editing. */
function edited(overrides: Partial<PersonaDraft>): PersonaDraft {
  return {
    name: "Maya Patel",
    age: 34,
    occupation: "product designer",
    location: "Berlin",
    background: "Hi, my name is Maya Patel.",
    traits: [],
    interests: ["climbing", "jazz"],
    skills: [],
    values: [],
    goals: [],
    languages: [],
    communication_style: null,
    quotes: [],
    evidence: [],
    ...overrides,
  };
}

/** Saves both must refuse alike: the strict rules. */
const REFUSED_SAVES: Array<{ name: string; persona: PersonaDraft }> = [
  { name: "an empty name", persona: edited({ name: "   " }) },
  { name: "a null name", persona: edited({ name: null }) },
  { name: "a name and a skill of invisible characters", persona: edited({ name: "\u200b\u2060\u202e", skills: ["Rust", "\ufeff\u200c"] }) },
  { name: "an age out of range", persona: edited({ age: 131 }) },
  { name: "a negative age", persona: edited({ age: -1 }) },
  { name: "too many traits", persona: edited({ traits: Array.from({ length: 21 }, (_, i) => `trait ${i}`) }) },
  { name: "a skill too long", persona: edited({ skills: ["x".repeat(201)] }) },
  { name: "a background too long and a name too long", persona: edited({ background: "b ".repeat(1_500), name: "N".repeat(201) }) },
];

describe("the mock answers as persona-server in mock mode", needsServer, () => {
  const server = (): PersonaService => apiPersonaService({ baseUrl: serverUrl() });

  for (const example of MOCK_EXAMPLES) {
    test(`process: ${example.name}`, async () => {
      // Fresh: the server may have kept a result for this material from an earlier test, which
      // would answer as cached (the mock keeps nothing).
      const expected = unsigned(
        await server().processPersona([...example.textBlocks], [...example.links], { fresh: true }),
      );
      const actual = await mockPersonaService().processPersona([...example.textBlocks], [...example.links]);
      assert.deepStrictEqual(actual, expected);
      assert.equal(JSON.stringify(actual), JSON.stringify(expected), "same key order");
    });
  }

  for (const input of REFUSED_INPUTS) {
    test(`process refuses alike: ${input.name}`, async () => {
      const expected = await rejection(server().processPersona(input.textBlocks, input.links));
      const actual = await rejection(mockPersonaService().processPersona(input.textBlocks, input.links));
      assert.deepStrictEqual(outcome(actual), outcome(expected));
      assert.match(actual.requestId ?? "", /^[0-9a-f-]{36}$/);
    });
  }

  for (const input of REFUSED_SAVES) {
    test(`save refuses alike: ${input.name}`, async () => {
      const expected = await rejection(server().savePersona(input.persona));
      const actual = await rejection(mockPersonaService().savePersona(input.persona));
      assert.deepStrictEqual(outcome(actual), outcome(expected));
    });
  }

  test("save refuses source counts and a grounding that does not fit alike", async () => {
    const processed = await server().processPersona([...MOCK_EXAMPLES[0]!.textBlocks]);
    const misfit = {
      ...processed.grounding,
      fields: { ...processed.grounding.fields, "/goals/0": { status: "inferred" as const } },
    };
    for (const call of [
      (s: PersonaService) => s.savePersona(processed.persona, { blocks: 51, links: 60 }),
      (s: PersonaService) => s.savePersona(processed.persona, undefined, { grounding: misfit }),
    ]) {
      const expected = await rejection(call(server()));
      const actual = await rejection(call(mockPersonaService()));
      assert.deepStrictEqual(outcome(actual), outcome(expected));
    }
  });

  test("getPersona refuses alike: a malformed id, an unknown id", async () => {
    for (const id of ["short", "../../../etc/passwd!!", "AAAAAAAAAAAAAAAAAAAAA"]) {
      const expected = await rejection(server().getPersona(id));
      const actual = await rejection(mockPersonaService().getPersona(id));
      assert.deepStrictEqual(outcome(actual), outcome(expected));
    }
  });

  for (const example of MOCK_EXAMPLES) {
    test(`save then get: ${example.name}`, async () => {
      const processed = await server().processPersona([...example.textBlocks], [...example.links]);
      // Whitespace and a repeated item, which a save tidies silently, so the checksum covers it.
      const persona = { ...processed.persona, background: `  ${processed.persona.background}  `, traits: [...processed.persona.traits, ...processed.persona.traits] };
      const source = { blocks: example.textBlocks.length, links: example.links.length };
      const options = { grounding: processed.grounding };
      const real = await server().savePersona(persona, source, options);
      const mock = mockPersonaService();
      const saved = await mock.savePersona(persona, source, options);

      assert.match(saved.id, /^[A-Za-z0-9_-]{21}$/);
      assert.deepStrictEqual(Object.keys(saved), Object.keys(real));
      assert.deepStrictEqual(Object.keys(saved.metadata), Object.keys(real.metadata));
      assert.equal(saved.metadata.persona_id, saved.id);
      assert.match(saved.metadata.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      for (const key of ["file_size", "content_sha256", "source_blocks", "source_links"] as const) {
        assert.equal(saved.metadata[key], real.metadata[key], key);
      }

      const expected = await server().getPersona(real.id);
      const actual = await mock.getPersona(saved.id);
      assert.deepStrictEqual(Object.keys(actual), Object.keys(expected));
      assert.equal(JSON.stringify(actual.persona), JSON.stringify(expected.persona));
      // The server verified its own signatures; the mock, holding no key, stores the same
      // entries (signatures kept) as the client's claim. Nothing else differs.
      const fields = Object.values(expected.grounding?.fields ?? {});
      assert.ok(fields.length > 0 && fields.every((e) => e.verified === true), "the server verified every entry");
      const claimed = JSON.parse(JSON.stringify(expected.grounding)) as typeof expected.grounding;
      for (const entry of Object.values(claimed?.fields ?? {})) entry.verified = false;
      assert.equal(JSON.stringify(actual.grounding), JSON.stringify(claimed));
      assert.deepStrictEqual(actual.metadata, saved.metadata);
    });
  }

  for (const id of SAMPLE_IDS) {
    test(`the sample ${id} is the server's`, async () => {
      const expected = await server().getPersona(id);
      const actual = await mockPersonaService().getPersona(id);
      assert.equal(JSON.stringify(actual), JSON.stringify(expected));
    });
  }
});
