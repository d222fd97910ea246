/** What the tests share: the server they talk to, and small fakes. */

import { strict as assert } from "node:assert";
import { createServer } from "node:net";

import { isPersonaApiError, type PersonaApiError } from "../src/index.js";

const url = process.env.PERSONA_API_URL?.replace(/\/+$/, "");
const required = process.env.REQUIRE_PERSONA_API === "1";

/**
 * Options for a test that needs a running `persona-server` (mock mode): skipped, saying so, when
 * `PERSONA_API_URL` is unset, unless `REQUIRE_PERSONA_API=1` (then the test fails).
 */
export const needsServer: { skip?: string } =
  url === undefined && !required
    ? { skip: "PERSONA_API_URL is not set, so the tests against persona-server are skipped (CI sets it: .ci/client)" }
    : {};

/** The server's URL; throws when a server test runs without one. */
export function serverUrl(): string {
  if (url === undefined) {
    throw new Error("REQUIRE_PERSONA_API=1 but PERSONA_API_URL is not set: start persona-server (.ci/start-persona-server) and set it");
  }
  return url;
}

/** The rejection of `promise`, asserted to be a `PersonaApiError`. */
export async function rejection(promise: Promise<unknown>): Promise<PersonaApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isPersonaApiError(error), `expected a PersonaApiError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the call to fail");
}

/** The parts of an error the server decides, for comparing the mock with it. */
export function outcome(error: PersonaApiError): object {
  return {
    code: error.code,
    status: error.status,
    message: error.message,
    retryable: error.retryable,
    details: error.details,
  };
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** A call a fake `fetch` received. */
export interface Seen {
  url: string;
  init: RequestInit | undefined;
}

/** A fake `fetch` that records each call and answers with `answer()`. */
export function fakeFetch(answer: () => Response): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    seen.push({ url: String(input), init });
    return answer();
  };
  return { fetch: fake as typeof fetch, seen };
}

/** A success envelope as the server writes it. */
export function envelope(data: unknown, status = 200): Response {
  return new Response(JSON.stringify({ success: true, data }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
