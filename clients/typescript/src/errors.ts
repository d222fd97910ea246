/**
 * [`PersonaApiError`]: every failure of a call, from the server's envelope or from the client.
 */

import type { ErrorCode, ErrorDetail } from "./types.js";

/**
 * A failure the client detects itself: `NETWORK_ERROR` (fetch rejected: offline, DNS, refused,
 * CORS), `BAD_RESPONSE` (an answer that is not the API's envelope, such as a proxy's HTML 502),
 * `ABORTED` (the caller's `AbortSignal`).
 */
export type ClientErrorCode = "NETWORK_ERROR" | "BAD_RESPONSE" | "ABORTED";

/** Every code a `PersonaApiError` may carry: the server's, then the client's own. */
export type PersonaApiErrorCode = ErrorCode | ClientErrorCode;

/** What a `PersonaApiError` is made from. */
export interface PersonaApiErrorInit {
  code: PersonaApiErrorCode;
  message: string;
  retryable: boolean;
  requestId?: string | null;
  status?: number;
  details?: ErrorDetail[];
  retryAfter?: number | null;
  cause?: unknown;
}

/** A call that did not return data: the server's error envelope, or a client-side failure. */
export class PersonaApiError extends Error {
  /** The server's error code, or `NETWORK_ERROR`, `BAD_RESPONSE` or `ABORTED`. */
  readonly code: PersonaApiErrorCode;
  /** Whether the same call may succeed later. */
  readonly retryable: boolean;
  /** The envelope's `request_id`, else the `x-request-id` header; null when there was no answer. */
  readonly requestId: string | null;
  /** The HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** One entry per problem in the request (`field` is a JSON pointer); empty when none. */
  readonly details: ErrorDetail[];
  /** Seconds to wait before trying again, from `Retry-After`; null when the server sent none. */
  readonly retryAfter: number | null;

  constructor(init: PersonaApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "PersonaApiError";
    this.code = init.code;
    this.retryable = init.retryable;
    this.requestId = init.requestId ?? null;
    this.status = init.status ?? 0;
    this.details = init.details ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }
}

/** Whether `value` is a `PersonaApiError` (also across bundles, where `instanceof` may fail). */
export function isPersonaApiError(value: unknown): value is PersonaApiError {
  return (
    value instanceof PersonaApiError ||
    (value instanceof Error &&
      value.name === "PersonaApiError" &&
      typeof (value as { code?: unknown }).code === "string" &&
      typeof (value as { retryable?: unknown }).retryable === "boolean")
  );
}
