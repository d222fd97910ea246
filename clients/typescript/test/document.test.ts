/** The committed OpenAPI document, which the types are generated from, is the running server's. */

import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { needsServer, serverUrl } from "./helpers.js";

// build/test/document.test.js → the repository root.
const COMMITTED = new URL("../../../../docs/openapi.json", import.meta.url);

test("GET /api/openapi.json equals docs/openapi.json", needsServer, async () => {
  const committed: unknown = JSON.parse(await readFile(COMMITTED, "utf8"));
  const response = await fetch(`${serverUrl()}/api/openapi.json`);
  assert.equal(response.status, 200);
  assert.deepStrictEqual(await response.json(), committed);
});
