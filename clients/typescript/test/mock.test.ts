/** The mock on its own, with no server: what it promises besides parity. */

import { strict as assert } from "node:assert";
import { describe, test } from "node:test";

import { mockPersonaService, MOCK_EXAMPLES, SAMPLE_IDS } from "../src/index.js";
import { rejection } from "./helpers.js";

describe("mockPersonaService", () => {
  test("the same input always gives the same answer", async () => {
    for (const example of MOCK_EXAMPLES) {
      const blocks = [...example.textBlocks];
      const first = await mockPersonaService().processPersona(blocks, [...example.links]);
      const again = await mockPersonaService().processPersona(blocks, [...example.links]);
      assert.deepStrictEqual(again, first, example.name);
    }
  });

  test("every grounded value of a documented input is quoted, its quote inside its span", async () => {
    for (const example of MOCK_EXAMPLES) {
      const result = await mockPersonaService().processPersona([...example.textBlocks], [...example.links]);
      for (const [pointer, field] of Object.entries(result.grounding.fields)) {
        assert.equal(field.status, "quoted", `${example.name} ${pointer}`);
        const block = Array.from(example.textBlocks[Number(field.source?.slice(6))]!);
        const quoted = block.slice(field.span!.start, field.span!.end).join("");
        assert.equal(quoted.replace(/\s+/g, " "), field.quote, `${example.name} ${pointer}`);
      }
    }
  });

  test("the mock signs nothing and stores a saved grounding as the client's claim", async () => {
    const service = mockPersonaService();
    const processed = await service.processPersona([...MOCK_EXAMPLES[0]!.textBlocks]);
    const entries = Object.entries(processed.grounding.fields);
    assert.ok(entries.length > 0);
    assert.ok(entries.every(([, e]) => e.signature === undefined && e.verified === undefined));
    const claimed = JSON.parse(JSON.stringify(processed.grounding)) as typeof processed.grounding;
    claimed.fields["/name"]!.verified = true;
    const saved = await service.savePersona(processed.persona, undefined, { grounding: claimed });
    const got = await service.getPersona(saved.id);
    const flags = Object.values(got.grounding?.fields ?? {}).map((e) => e.verified);
    assert.deepStrictEqual(flags, entries.map(() => false), "a client's verified: true is not taken");
    const edited = { ...processed.persona, interests: processed.persona.interests.slice(1) };
    const refused = await rejection(service.savePersona(edited, undefined, { grounding: claimed }));
    assert.equal(refused.code, "INVALID_REQUEST");
    assert.deepStrictEqual(refused.details.map((d) => d.field), ["/grounding/fields/~1interests~11"]);
  });

  test("without Web Crypto's digest (a page that is not secure) saving says what the mock needs", async () => {
    const mock = mockPersonaService();
    const processed = await mock.processPersona([...MOCK_EXAMPLES[0]!.textBlocks]);
    const real = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    assert.ok(real?.configurable, "globalThis.crypto can be replaced for this test");
    const randomOnly = { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) };
    Object.defineProperty(globalThis, "crypto", { value: randomOnly, configurable: true });
    try {
      await assert.rejects(mock.savePersona(processed.persona), /needs Web Crypto's digest.*https or http:\/\/localhost/);
    } finally {
      Object.defineProperty(globalThis, "crypto", real);
    }
    assert.ok(globalThis.crypto.subtle !== undefined, "restored");
  });

  test("a text that names nobody gives Unnamed persona with its warning", async () => {
    const result = await mockPersonaService().processPersona(["Loves hiking. Works as a barista in Lisbon."]);
    assert.equal(result.persona.name, "Unnamed persona");
    assert.deepStrictEqual(result.warnings.map((w) => w.code), ["NAME_MISSING"]);
    assert.equal(result.grounding.fields["/name"], undefined);
  });

  test("error messages never repeat the user's text", async () => {
    const error = await rejection(mockPersonaService().processPersona(["secret diary"], ["secret-link"]));
    assert.equal(error.code, "INVALID_REQUEST");
    assert.ok(!error.message.includes("secret"), error.message);
    assert.ok(error.details.every((d) => !d.message.includes("secret")));
  });

  test("save gives a fresh id each time, and get returns a copy", async () => {
    const mock = mockPersonaService();
    const { persona } = await mock.processPersona([...MOCK_EXAMPLES[0]!.textBlocks]);
    const first = await mock.savePersona(persona);
    const second = await mock.savePersona(persona);
    assert.notEqual(first.id, second.id);
    assert.equal(first.metadata.content_sha256, second.metadata.content_sha256);
    const got = await mock.getPersona(first.id);
    got.persona.name = "changed";
    assert.equal((await mock.getPersona(first.id)).persona.name, "Maya Patel");
  });

  test("each mock has its own store, seeded with the samples", async () => {
    const one = mockPersonaService();
    const saved = await one.savePersona((await one.getPersona(SAMPLE_IDS[0])).persona);
    const error = await rejection(mockPersonaService().getPersona(saved.id));
    assert.equal(error.code, "NOT_FOUND");
    assert.equal((await mockPersonaService().getPersona(SAMPLE_IDS[1])).persona.name, "Grace Hopper");
  });

  test("an aborted signal is ABORTED", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(mockPersonaService().getPersona(SAMPLE_IDS[0], { signal: controller.signal }));
    assert.equal(error.code, "ABORTED");
  });
});
