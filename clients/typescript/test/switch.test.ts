/** One flag picks the mock or the real client; both have the same interface. */

import { strict as assert } from "node:assert";
import { describe, test } from "node:test";

import { createPersonaService, MOCK_EXAMPLES, useMockFromEnv } from "../src/index.js";
import { envelope, fakeFetch } from "./helpers.js";

describe("createPersonaService", () => {
  test("useMock: true answers with no server behind baseUrl", async () => {
    const { fetch, seen } = fakeFetch(() => envelope({}));
    const service = createPersonaService({ useMock: true, baseUrl: "http://127.0.0.1:9", fetch });
    const example = MOCK_EXAMPLES[0]!;
    const result = await service.processPersona([...example.textBlocks], [...example.links]);
    assert.equal(result.persona.name, "Maya Patel");
    assert.equal(result.usage.model, "mock");
    const saved = await service.savePersona(result.persona);
    assert.equal((await service.getPersona(saved.id)).persona.name, "Maya Patel");
    assert.equal(seen.length, 0, "the mock never fetches");
  });

  test("useMock: false talks to baseUrl", async () => {
    const { fetch, seen } = fakeFetch(() => envelope({ id: "x" }));
    const service = createPersonaService({ useMock: false, baseUrl: "https://personas.example.com", fetch });
    await service.getPersona("sample-ada-lovelace01");
    assert.deepStrictEqual(
      seen.map((s) => s.url),
      ["https://personas.example.com/api/get-persona?id=sample-ada-lovelace01"],
    );
  });
});

test("useMockFromEnv reads the flag as the server reads USE_MOCK_DATA", () => {
  const table: Array<[string | undefined, boolean]> = [
    ["true", true],
    ["TRUE", true],
    [" True ", true],
    ["1", true],
    ["yes", true],
    ["Yes", true],
    ["on", true],
    ["ON", true],
    ["false", false],
    ["0", false],
    ["no", false],
    ["off", false],
    ["", false],
    [undefined, false],
    ["enabled", false],
    ["truthy", false],
    ["2", false],
  ];
  for (const [value, expected] of table) {
    assert.equal(useMockFromEnv(value), expected, JSON.stringify(value));
  }
});
