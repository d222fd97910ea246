/** The real client against a running persona-server (mock mode), and against fakes. */

import { strict as assert } from "node:assert";
import { describe, test } from "node:test";

import {
  apiPersonaService,
  mockPersonaService,
  MOCK_EXAMPLES,
  parseRetryAfter,
  type Grounding,
  type PersonaDraft,
} from "../src/index.js";
import { closedPort, envelope, fakeFetch, needsServer, rejection, serverUrl } from "./helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("the client against persona-server", needsServer, () => {
  const api = () => apiPersonaService({ baseUrl: serverUrl() });
  const maya = MOCK_EXAMPLES[0]!;

  test("a repeat is answered from the server's cache; fresh asks the model again", async () => {
    const material = [`Hi, my name is Noor Haddad. I live in Tunis. Note ${Date.now()}.`];
    const first = await api().processPersona(material);
    const again = await api().processPersona(material);
    const fresh = await api().processPersona(material, [], { fresh: true });
    assert.equal(first.usage.cached, false);
    assert.equal(again.usage.cached, true);
    assert.equal(again.usage.attempts, 0);
    assert.deepEqual(again.usage.original, {
      model: first.usage.model,
      prompt_tokens: first.usage.prompt_tokens,
      completion_tokens: first.usage.completion_tokens,
      attempts: first.usage.attempts,
    });
    assert.deepEqual(again.persona, first.persona);
    assert.equal(fresh.usage.cached, false);
    assert.equal(fresh.usage.attempts, first.usage.attempts);
  });

  test("process, save with grounding, then get round-trips", async () => {
    const processed = await api().processPersona([...maya.textBlocks], [...maya.links]);
    assert.equal(processed.persona.name, "Maya Patel");
    assert.equal(processed.usage.model, "mock");
    assert.equal(processed.grounding.fields["/location"]?.status, "quoted");

    const saved = await api().savePersona(processed.persona, { blocks: 1, links: 1 }, {
      grounding: processed.grounding,
    });
    assert.match(saved.id, /^[A-Za-z0-9_-]{21}$/);
    assert.equal(saved.metadata.persona_id, saved.id);
    assert.equal(saved.metadata.source_blocks, 1);

    const got = await api().getPersona(saved.id);
    assert.equal(got.id, saved.id);
    assert.deepEqual(got.persona, processed.persona);
    // The server signed every entry when it processed, and verified each one on save.
    const verified = JSON.parse(JSON.stringify(processed.grounding)) as Grounding;
    for (const entry of Object.values(verified.fields)) {
      assert.match(entry.signature ?? "", /^[0-9a-f]{32}$/);
      entry.verified = true;
    }
    assert.deepEqual(got.grounding, verified);
    assert.deepEqual(got.metadata, saved.metadata);
  });

  test("a persona loaded with getPersona saves again as it came, its missing grounding too", async () => {
    for (const service of [api(), mockPersonaService()]) {
      const sample = await service.getPersona("sample-grace-hopper01");
      assert.equal(sample.grounding, undefined, "the samples were saved without a grounding");
      const again = await service.savePersona(sample.persona, undefined, { grounding: sample.grounding ?? null });
      const got = await service.getPersona(again.id);
      assert.deepEqual(got.persona, sample.persona);
      assert.equal(got.grounding, undefined, "null is no grounding");
      assert.equal(got.metadata.content_sha256, sample.metadata.content_sha256);
    }
  });

  test("a trailing slash on baseUrl is tolerated", async () => {
    const got = await apiPersonaService({ baseUrl: `${serverUrl()}/` }).getPersona("sample-ada-lovelace01");
    assert.equal(got.persona.name, "Ada Lovelace");
  });

  test("no text blocks is INVALID_REQUEST 400 with the server's message and a request id", async () => {
    const error = await rejection(api().processPersona([], []));
    assert.equal(error.code, "INVALID_REQUEST");
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.equal(error.message, "textBlocks must hold at least one block of text");
    assert.deepEqual(error.details, [{ field: "/textBlocks", message: error.message }]);
    assert.match(error.requestId ?? "", UUID);
    assert.equal(error.retryAfter, null);
  });

  test("a link that is no URL is INVALID_REQUEST naming the link by index, not by content", async () => {
    const error = await rejection(api().processPersona(["I am Ada."], ["not a url at all"]));
    assert.equal(error.code, "INVALID_REQUEST");
    assert.equal(error.status, 400);
    assert.equal(error.details[0]?.field, "/links/0");
    assert.ok(!error.message.includes("not a url"), error.message);
    assert.match(error.requestId ?? "", UUID);
  });

  test("saving a persona without a name is INVALID_REQUEST pointing at /persona/name", async () => {
    const processed = await api().processPersona([...maya.textBlocks]);
    const error = await rejection(api().savePersona({ ...processed.persona, name: "  " }));
    assert.equal(error.code, "INVALID_REQUEST");
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.deepEqual(error.details, [{ field: "/persona/name", message: "name must not be empty" }]);
    assert.match(error.requestId ?? "", UUID);
  });

  test("a malformed id is INVALID_ID 400, and the id is URL-encoded on the way", async () => {
    const error = await rejection(api().getPersona("../../etc/passwd?x=1&id=y"));
    assert.equal(error.code, "INVALID_ID");
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.match(error.requestId ?? "", UUID);
  });

  test("an unknown id is NOT_FOUND 404", async () => {
    const error = await rejection(api().getPersona("AAAAAAAAAAAAAAAAAAAAA"));
    assert.equal(error.code, "NOT_FOUND");
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.match(error.requestId ?? "", UUID);
  });
});

describe("the client's own failures", () => {
  test("a closed port is NETWORK_ERROR, retryable, with no status or request id", async () => {
    const port = await closedPort();
    const error = await rejection(
      apiPersonaService({ baseUrl: `http://127.0.0.1:${port}` }).processPersona(["I am Ada."]),
    );
    assert.equal(error.code, "NETWORK_ERROR");
    assert.equal(error.retryable, true);
    assert.equal(error.status, 0);
    assert.equal(error.requestId, null);
    assert.ok(!error.message.includes("Ada"), "the message never carries the user's text");
  });

  test("a proxy's HTML 502 is BAD_RESPONSE, retryable, with the header's request id", async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response("<html><body>502 Bad Gateway</body></html>", {
          status: 502,
          headers: { "content-type": "text/html", "x-request-id": "edge-123" },
        }),
    );
    const error = await rejection(apiPersonaService({ fetch }).getPersona("sample-ada-lovelace01"));
    assert.equal(error.code, "BAD_RESPONSE");
    assert.equal(error.status, 502);
    assert.equal(error.retryable, true);
    assert.equal(error.requestId, "edge-123");
  });

  test("a non-envelope 404 from a static host is BAD_RESPONSE, not retryable", async () => {
    const { fetch } = fakeFetch(() => new Response("Not Found", { status: 404 }));
    const error = await rejection(apiPersonaService({ fetch }).getPersona("sample-ada-lovelace01"));
    assert.equal(error.code, "BAD_RESPONSE");
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.equal(error.requestId, null);
  });

  test("an aborted signal is ABORTED and no request is sent", async () => {
    const { fetch, seen } = fakeFetch(() => envelope({}));
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      apiPersonaService({ fetch }).processPersona(["I am Ada."], [], { signal: controller.signal }),
    );
    assert.equal(error.code, "ABORTED");
    assert.equal(error.retryable, false);
    assert.equal(seen.length, 0);
  });

  test("a signal aborted while the request is under way is ABORTED", async () => {
    const controller = new AbortController();
    const fetch = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () =>
          reject(new DOMException("This operation was aborted", "AbortError")),
        );
        controller.abort();
      })) as typeof globalThis.fetch;
    const error = await rejection(
      apiPersonaService({ fetch }).getPersona("sample-ada-lovelace01", { signal: controller.signal }),
    );
    assert.equal(error.code, "ABORTED");
  });

  test("a 429 envelope gives RATE_LIMITED with Retry-After in seconds", async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response(
          JSON.stringify({
            success: false,
            error: {
              code: "RATE_LIMITED",
              message: "too many process-persona requests from this client; wait 7 s and try again",
              request_id: "req-429",
              retryable: true,
              details: [],
            },
          }),
          { status: 429, headers: { "content-type": "application/json", "retry-after": "7", "x-request-id": "req-429" } },
        ),
    );
    const error = await rejection(apiPersonaService({ fetch }).processPersona(["I am Ada."]));
    assert.equal(error.code, "RATE_LIMITED");
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfter, 7);
    assert.equal(error.requestId, "req-429");
    assert.equal(error.message, "too many process-persona requests from this client; wait 7 s and try again");
  });

  test("Retry-After reads seconds and HTTP dates", () => {
    assert.equal(parseRetryAfter(null), null);
    assert.equal(parseRetryAfter(" 12 "), 12);
    assert.equal(parseRetryAfter("soon"), null);
    assert.equal(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString()), 0);
    const later = parseRetryAfter(new Date(Date.now() + 120_000).toUTCString());
    assert.ok(later !== null && later >= 118 && later <= 120, String(later));
  });

  test("requests go to the documented paths with JSON bodies", async () => {
    const { fetch, seen } = fakeFetch(() => envelope({ id: "x" }));
    const api = apiPersonaService({ baseUrl: "https://api.example.com//", fetch });
    await api.processPersona(["a"], ["https://example.com"]);
    await api.getPersona("a b/c?d");
    assert.equal(seen[0]?.url, "https://api.example.com/api/process-persona");
    assert.equal(seen[0]?.init?.method, "POST");
    assert.deepEqual(seen[0]?.init?.headers, { "content-type": "application/json", accept: "application/json" });
    assert.equal(seen[0]?.init?.body, JSON.stringify({ textBlocks: ["a"], links: ["https://example.com"] }));
    assert.equal(seen[1]?.url, "https://api.example.com/api/get-persona?id=a%20b%2Fc%3Fd");
    assert.equal(seen[1]?.init?.method, "GET");
  });

  test("save sends source and grounding only when given, and same origin by default", async () => {
    const { fetch, seen } = fakeFetch(() => envelope({ id: "x" }, 201));
    const api = apiPersonaService({ fetch });
    // Save takes a partial persona: the server fills in what is missing.
    const persona: PersonaDraft = { name: "Ada" };
    await api.savePersona(persona);
    const grounding: Grounding = {
      mode: "flag",
      fields: {},
      counts: { quoted: 0, stated: 0, inferred: 0, fabricated_quotes: 0 },
    };
    await api.savePersona(persona, { blocks: 1, links: 0 }, { grounding });
    assert.equal(seen[0]?.url, "/api/save-persona");
    assert.deepEqual(JSON.parse(String(seen[0]?.init?.body)), { persona });
    assert.deepEqual(JSON.parse(String(seen[1]?.init?.body)), {
      persona,
      source: { blocks: 1, links: 0 },
      grounding,
    });
  });
});

describe("getPersona asks again with the ETag it kept", () => {
  const ada = { id: "sample-ada-lovelace01", persona: { name: "Ada" }, metadata: {} };
  const sentTag = (init: RequestInit | undefined): string | undefined =>
    (init?.headers as Record<string, string> | undefined)?.["if-none-match"];

  test("a 304 is answered from the copy, which a caller's change does not reach", async () => {
    const answers = [
      () =>
        new Response(JSON.stringify({ success: true, data: ada }), {
          status: 200,
          headers: { "content-type": "application/json", etag: '"t1"' },
        }),
      () => new Response(null, { status: 304, headers: { etag: '"t1"' } }),
      () => new Response(null, { status: 304, headers: { etag: '"t1"' } }),
    ];
    const { fetch, seen } = fakeFetch(() => answers[seen.length - 1]!());
    const service = apiPersonaService({ fetch });
    const first = await service.getPersona(ada.id);
    first.persona.name = "changed by the caller";
    const second = await service.getPersona(ada.id);
    assert.deepEqual(second, ada);
    second.persona.name = "changed again";
    assert.deepEqual(await service.getPersona(ada.id), ada);
    assert.deepEqual(seen.map((s) => sentTag(s.init)), [undefined, '"t1"', '"t1"']);
  });

  test("an answer without an ETag is not kept, and other ids are not asked conditionally", async () => {
    const { fetch, seen } = fakeFetch(() => envelope(ada));
    const service = apiPersonaService({ fetch });
    await service.getPersona(ada.id);
    await service.getPersona(ada.id);
    await service.getPersona("sample-grace-hopper01");
    assert.deepEqual(seen.map((s) => sentTag(s.init)), [undefined, undefined, undefined]);
  });

  test("against persona-server: the second read is a 304 served from the copy", needsServer, async () => {
    const statuses: number[] = [];
    const tags: (string | undefined)[] = [];
    const recording = (async (input: RequestInfo | URL, init?: RequestInit) => {
      tags.push(sentTag(init));
      const response = await globalThis.fetch(input, init);
      statuses.push(response.status);
      return response;
    }) as typeof globalThis.fetch;
    const service = apiPersonaService({ baseUrl: serverUrl(), fetch: recording });
    const first = await service.getPersona("sample-ada-lovelace01");
    const second = await service.getPersona("sample-ada-lovelace01");
    assert.deepEqual(second, first);
    assert.deepEqual(statuses, [200, 304]);
    assert.equal(tags[0], undefined);
    assert.match(tags[1] ?? "", /^"[0-9a-f]{64}"$/);
  });
});
