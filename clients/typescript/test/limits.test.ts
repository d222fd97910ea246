/** The mock's limits (`src/mock/limits.ts`) are the ones the committed OpenAPI document publishes. */

import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { LIMITS } from "../src/mock/limits.js";

// build/test/limits.test.js → the repository root.
const DOCUMENT = new URL("../../../../docs/openapi.json", import.meta.url);

test("every limit the OpenAPI document publishes is the mock's", async () => {
  const { components } = JSON.parse(await readFile(DOCUMENT, "utf8")) as { components: { schemas: Record<string, any> } };
  const { Persona, Evidence, ProcessRequest } = components.schemas;
  const persona = Persona.properties;
  const published: Record<string, unknown> = {
    textBlocks: ProcessRequest.properties.textBlocks.maxItems,
    blockChars: ProcessRequest.properties.textBlocks.items.maxLength,
    links: ProcessRequest.properties.links.maxItems,
    linkChars: ProcessRequest.properties.links.items.maxLength,
    shortChars: persona.name.maxLength,
    maxAge: persona.age.maximum,
    listItems: persona.traits.maxItems,
    itemChars: persona.traits.items.maxLength,
    styleChars: persona.communication_style.maxLength,
    backgroundChars: persona.background.maxLength,
    quoteChars: persona.quotes.items.maxLength,
    evidence: persona.evidence.maxItems,
    evidenceFieldChars: Evidence.properties.field.maxLength,
    evidenceSourceChars: Evidence.properties.source.maxLength,
  };
  for (const [name, value] of Object.entries(published)) {
    assert.equal(LIMITS[name as keyof typeof LIMITS], value, name);
  }
  // The same limit on every field that shares it, so one constant may stand for all.
  for (const field of ["occupation", "location"]) assert.equal(persona[field].maxLength, LIMITS.shortChars, field);
  for (const field of ["interests", "skills", "values", "goals", "languages"]) {
    assert.equal(persona[field].maxItems, LIMITS.listItems, field);
    assert.equal(persona[field].items.maxLength, LIMITS.itemChars, field);
  }
  assert.equal(persona.quotes.maxItems, LIMITS.listItems);
  assert.equal(Evidence.properties.quote.maxLength, LIMITS.quoteChars);
  // Published in prose only: "300,000 in all".
  assert.match(ProcessRequest.properties.textBlocks.description, new RegExp(LIMITS.totalChars.toLocaleString("en")));
});
