/** `processPersona(…, { async: true })`: a background job followed to its end, over a fake fetch. */

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import { apiPersonaService, type Job } from "../src/index.js";
import { rejection } from "./helpers.js";

const ID = "Hk2vQ0yWb1mZ_rT8cX3nLp7a";
const DATA = {
  persona: { name: "Ada" },
  warnings: [],
  grounding: { mode: "flag", fields: {}, counts: { quoted: 0, stated: 0, inferred: 0, fabricated_quotes: 0 } },
  usage: { model: "mock", prompt_tokens: 0, completion_tokens: 3, attempts: 1, cached: false },
};

function job(status: Job["status"], extra: Partial<Job> = {}): Job {
  const at = "2026-12-03T16:00:00Z";
  return {
    id: ID,
    status,
    progress: { chunks_done: status === "succeeded" ? 1 : 0, chunks_total: 1, completion_tokens: 0 },
    created_at: at,
    updated_at: at,
    expires_at: at,
    ...extra,
  } as Job;
}

function answer(status: number, data: unknown): Response {
  return new Response(JSON.stringify({ success: true, data }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A fetch answering the submission with `first`, then each get-job with the next of `reads`. */
function fakeFetch(first: Response, reads: Job[]) {
  const seen: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    seen.push({ url: String(url), init });
    if (seen.length === 1) return first;
    const next = reads.shift();
    assert.ok(next, "more reads than jobs to answer");
    return answer(200, { job: next });
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

describe("processPersona with async", () => {
  it("sends Prefer: respond-async, follows the job and returns its data", async () => {
    const { fetch, seen } = fakeFetch(answer(202, { job: job("queued") }), [
      job("running"),
      job("succeeded", { data: DATA } as unknown as Partial<Job>),
    ]);
    const reports: string[] = [];
    const result = await apiPersonaService({ fetch }).processPersona(["My name is Ada."], [], {
      async: true,
      onProgress: (j) => reports.push(j.status),
    });
    assert.deepEqual(result, DATA);
    assert.deepEqual(reports, ["queued", "running", "succeeded"]);
    const headers = seen[0]?.init?.headers as Record<string, string>;
    assert.equal(headers.prefer, "respond-async");
    assert.equal(seen[1]?.url, `/api/get-job?id=${ID}`);
    assert.equal(seen.length, 3);
  });

  it("throws a failed job's error", async () => {
    const error = { code: "EXTRACTION_FAILED", message: "try again", request_id: "r1", retryable: true, details: [] };
    const { fetch } = fakeFetch(answer(202, { job: job("failed", { error } as unknown as Partial<Job>) }), []);
    const failed = await rejection(apiPersonaService({ fetch }).processPersona(["x"], [], { async: true }));
    assert.equal(failed.code, "EXTRACTION_FAILED");
    assert.equal(failed.retryable, true);
    assert.equal(failed.requestId, "r1");
  });

  it("returns a synchronous answer as it is when the server does not run jobs", async () => {
    const { fetch, seen } = fakeFetch(answer(200, DATA), []);
    const result = await apiPersonaService({ fetch }).processPersona(["x"], [], { async: true });
    assert.deepEqual(result, DATA);
    assert.equal(seen.length, 1);
  });

  it("stops following when its signal aborts", async () => {
    const controller = new AbortController();
    const { fetch } = fakeFetch(answer(202, { job: job("queued") }), []);
    const following = apiPersonaService({ fetch }).processPersona(["x"], [], {
      async: true,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const failed = await rejection(following);
    assert.equal(failed.code, "ABORTED");
  });
});
