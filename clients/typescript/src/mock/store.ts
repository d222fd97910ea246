/**
 * The mock's store: documents in memory, seeded with the two samples; metadata as
 * `domain/src/document.rs` writes it (of the persona's compact JSON in schema order); fresh ids;
 * and the check of a grounding saved back (`domain/src/grounding/check.rs`) where a frontend meets it.
 */

import type { Grounding, Metadata, Persona, SourceCounts, StoredPersonaResult } from "../types.js";
import { LIMITS } from "./limits.js";
import { fromDraft, type Violation } from "./rules.js";
import { SAMPLE_CREATED_AT, SAMPLE_DRAFTS, SAMPLE_IDS, SAMPLE_SOURCE } from "./samples.js";

const ID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

/** A fresh persona id: 21 characters of `[A-Za-z0-9_-]`, about 126 random bits. */
export const freshId = (): string =>
  Array.from(globalThis.crypto.getRandomValues(new Uint8Array(21)), (b) => ID_ALPHABET[b & 63]).join("");

/** A deep copy, so no caller shares the store's objects. */
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A document with its keys in the server's order: id, persona, grounding (if any), metadata. */
export const stored = (id: string, persona: Persona, grounding: Grounding | undefined, metadata: Metadata): StoredPersonaResult =>
  clone(grounding === undefined ? { id, persona, metadata } : { id, persona, grounding, metadata });

/** A new store, seeded with the samples. */
export async function seeded(): Promise<Map<string, StoredPersonaResult>> {
  const documents = new Map<string, StoredPersonaResult>();
  for (const [index, id] of SAMPLE_IDS.entries()) {
    const { persona } = fromDraft(SAMPLE_DRAFTS[index]!);
    documents.set(id, stored(id, persona, undefined, await metadataFor(id, persona, SAMPLE_SOURCE, SAMPLE_CREATED_AT)));
  }
  return documents;
}

/**
 * The metadata of a persona saved under `id`. The digest is Web Crypto's, which browsers give
 * secure pages only (https, or http://localhost); elsewhere the mock's store fails saying so.
 */
export async function metadataFor(id: string, persona: Persona, source: SourceCounts, createdAt: Date): Promise<Metadata> {
  const bytes = new TextEncoder().encode(JSON.stringify(persona));
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error("mockPersonaService needs Web Crypto's digest, which the browser gives secure pages only (https or http://localhost)");
  }
  const hash = Array.from(new Uint8Array(await subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0"));
  const created_at = createdAt.toISOString().replace(/\.\d+Z$/, "Z");
  const { blocks: source_blocks, links: source_links } = source;
  return { persona_id: id, created_at, file_size: bytes.length, source_blocks, source_links, content_sha256: hash.join("") };
}

/**
 * What is wrong with a grounding saved with `persona`: a pointer to no value (a value edited away
 * leaves its entry behind) and counts that do not add up. The server also checks each entry's
 * parts and signature; the mock, holding no key, stores every entry as the client's claim.
 */
export function checkGrounding(grounding: Grounding, persona: Persona): Violation[] {
  const violations: Violation[] = [];
  const tally = { quoted: 0, stated: 0, inferred: 0 };
  for (const [pointer, entry] of Object.entries(grounding.fields)) {
    tally[entry.status]++;
    const [, name = "", index] = /^\/([a-z_]{1,32})(?:\/(0|[1-9][0-9]{0,2}))?$/.exec(pointer) ?? [];
    const value: unknown = name === "background" || name === "evidence" ? null : persona[name as keyof Persona];
    const names = value != null && (Array.isArray(value) ? Number(index ?? Infinity) < value.length : index === undefined);
    const field = `/fields/${pointer.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (!names) violations.push({ field, message: "names no value of the saved persona (background and evidence are not grounded)" });
  }
  if ((["quoted", "stated", "inferred"] as const).some((status) => grounding.counts[status] !== tally[status])) {
    violations.push({ field: "/counts", message: "counts must match the statuses in fields" });
  }
  return violations.slice(0, LIMITS.violations);
}

/** `grounding` as the server stores a save of it when no signature holds: every entry `verified: false`. */
export function asClaimed(grounding: Grounding): Grounding {
  const fields: Grounding["fields"] = {};
  for (const [pointer, { status, quote, source, span, signature }] of Object.entries(grounding.fields)) {
    // The server's key order; parts left out or sent as null are not stored.
    const parts = { status, quote, source, span: span && { start: span.start, end: span.end }, signature };
    fields[pointer] = { ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v != null)), status, verified: false };
  }
  return { mode: grounding.mode, fields, counts: grounding.counts };
}
