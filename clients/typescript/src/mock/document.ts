/**
 * The stored document's metadata (`domain/src/document.rs`): `file_size` and `content_sha256`
 * describe the persona's canonical JSON (compact, fields in schema order), `created_at` is RFC 3339
 * UTC in whole seconds; and fresh ids, 21 characters of nanoid's alphabet.
 */

import type { Metadata, Persona, SourceCounts } from "../types.js";
import { sha256 } from "./sha256.js";

const ID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
const ID_LENGTH = 21;

/**
 * The platform's random numbers: `crypto.getRandomValues`, which every browser and Node 20 give
 * to any page, secure or not.
 */
function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/**
 * SHA-256 by Web Crypto, or, where the browser withholds it (pages that are not secure, such as
 * http://192.168.1.20:3000), by the plain implementation in `sha256.ts`: same digest either way.
 */
async function digest(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return sha256(bytes);
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

/** A fresh persona id: 21 characters of `[A-Za-z0-9_-]`, about 126 random bits. */
export function freshId(): string {
  const bytes = randomBytes(ID_LENGTH);
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
  const hash = await digest(bytes);
  return {
    persona_id: id,
    created_at: createdAt.toISOString().replace(/\.\d+Z$/, "Z"),
    file_size: bytes.length,
    source_blocks: source.blocks,
    source_links: source.links,
    content_sha256: Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}
