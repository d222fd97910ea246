/**
 * The stored document's metadata (`domain/src/document.rs`): `file_size` and `content_sha256`
 * describe the persona's canonical JSON (compact, fields in schema order, as the rules build it),
 * `created_at` is RFC 3339 UTC in whole seconds; and fresh ids, 21 characters of nanoid's alphabet.
 */

import type { Metadata, Persona, SourceCounts } from "../types.js";

const ID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

/** A fresh persona id: 21 characters of `[A-Za-z0-9_-]`, about 126 random bits. */
export function freshId(): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(21)), (b) => ID_ALPHABET[b & 63]).join("");
}

/**
 * The metadata of a persona saved under `id`. The digest is Web Crypto's, which browsers give
 * secure pages only (https, or http://localhost); elsewhere saving in the mock fails saying so.
 */
export async function metadataFor(id: string, persona: Persona, source: SourceCounts, createdAt: Date): Promise<Metadata> {
  const bytes = new TextEncoder().encode(JSON.stringify(persona));
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error("mockPersonaService needs Web Crypto's digest, which the browser gives secure pages only (https or http://localhost)");
  }
  const hash = new Uint8Array(await subtle.digest("SHA-256", bytes));
  return {
    persona_id: id,
    created_at: createdAt.toISOString().replace(/\.\d+Z$/, "Z"),
    file_size: bytes.length,
    source_blocks: source.blocks,
    source_links: source.links,
    content_sha256: Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}
