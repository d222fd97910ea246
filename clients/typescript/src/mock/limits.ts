/**
 * The server's limits the mock applies, each once. The ones the OpenAPI document publishes are
 * checked against it by the package's tests (`test/limits.test.ts`), so they cannot drift apart.
 */

export const LIMITS = {
  textBlocks: 50,
  blockChars: 100_000,
  totalChars: 300_000, // all text blocks together
  links: 50,
  linkChars: 2_048,
  shortChars: 200, // a name, an occupation, a location
  maxAge: 130,
  listItems: 20,
  itemChars: 200,
  styleChars: 500,
  backgroundChars: 2_000,
  quoteChars: 500,
  evidence: 50,
  evidenceFieldChars: 64,
  evidenceSourceChars: 2_064,
  violations: 20, // problems listed in one answer's details
} as const;
