/**
 * The stored document's metadata (`domain/src/document.rs`): `file_size` and `content_sha256`
 * describe the persona's canonical JSON (compact, fields in schema order), `created_at` is RFC 3339
 * UTC in whole seconds; and fresh ids, 21 characters of nanoid's alphabet.
 */

import type { Metadata, Persona, SourceCounts } from "../types.js";

const ID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
const ID_LENGTH = 21;

/** The platform's Web Crypto (browsers, Node 20). */
function webCrypto(): Crypto {
  const crypto = globalThis.crypto;
  if (crypto?.subtle === undefined) {
    throw new Error("the persona mock needs Web Crypto (globalThis.crypto): a browser or Node 20");
  }
  return crypto;
}

/** A fresh persona id: 21 characters of `[A-Za-z0-9_-]`, about 126 random bits. */
export function freshId(): string {
  const bytes = webCrypto().getRandomValues(new Uint8Array(ID_LENGTH));
  let id = "";
  for (const byte of bytes) id += ID_ALPHABET[byte & 63];
  return id;
}

/** The persona's canonical JSON: compact, fields in schema order (as the rules build it). */
export function canonicalJson(persona: Persona): string {
  const ordered: Persona = {
    name: persona.name,
    age: persona.age,
    occupation: persona.occupation,
    location: persona.location,
    background: persona.background,
    traits: persona.traits,
    interests: persona.interests,
    skills: persona.skills,
    values: persona.values,
    goals: persona.goals,
    languages: persona.languages,
    communication_style: persona.communication_style,
    quotes: persona.quotes,
    evidence: persona.evidence.map((e) => ({ field: e.field, quote: e.quote, source: e.source })),
  };
  return JSON.stringify(ordered);
}

/** The metadata of a persona saved now under `id`. */
export async function metadataFor(
  id: string,
  persona: Persona,
  source: SourceCounts,
  createdAt: Date,
): Promise<Metadata> {
  const bytes = new TextEncoder().encode(canonicalJson(persona));
  const digest = new Uint8Array(await webCrypto().subtle.digest("SHA-256", bytes));
  return {
    persona_id: id,
    created_at: createdAt.toISOString().replace(/\.\d+Z$/, "Z"),
    file_size: bytes.length,
    source_blocks: source.blocks,
    source_links: source.links,
    content_sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}
