/**
 * The server's limits the mock applies, each once. The ones the OpenAPI document publishes are
 * checked against it by the package's tests (`test/limits.test.ts`), so they cannot drift apart.
 */

export const LIMITS = {
  /** Bytes of a request body (1 MiB). */
  bodyBytes: 1024 * 1024,
  textBlocks: 50,
  blockChars: 100_000,
  /** Characters of all text blocks together. */
  totalChars: 300_000,
  links: 50,
  linkChars: 2_048,
  /** A name, an occupation, a location. */
  shortChars: 200,
  maxAge: 130,
  listItems: 20,
  itemChars: 200,
  styleChars: 500,
  backgroundChars: 2_000,
  quoteChars: 500,
  evidence: 50,
  evidenceFieldChars: 64,
  evidenceSourceChars: 2_064,
  /** A grounding span's end, and the most problems one answer's details list. */
  spanEnd: 1_048_576,
  violations: 20,
} as const;
