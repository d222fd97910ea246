/**
 * A grounding a client saves back (`domain/src/grounding/check.rs`), checked where a frontend
 * meets it: every pointer must name a value of the saved persona (a value edited away leaves its
 * entry behind) and the counts must add up. The server also checks each entry's parts; the mock
 * does not. It holds no signing key, so it stores every saved entry as the client's claim.
 */

import type { Grounding, Persona } from "../types.js";
import { LIMITS } from "./limits.js";
import type { Violation } from "./rules.js";

/** The violations of `grounding` against `persona`; empty when it fits. */
export function checkGrounding(grounding: Grounding, persona: Persona): Violation[] {
  const violations: Violation[] = [];
  const tally = { quoted: 0, stated: 0, inferred: 0 };
  for (const [pointer, entry] of Object.entries(grounding.fields)) {
    tally[entry.status]++;
    if (!hasValue(persona, pointer)) {
      const field = `/fields/${pointer.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      violations.push({ field, message: "names no value of the saved persona (background and evidence are not grounded)" });
    }
  }
  if ((["quoted", "stated", "inferred"] as const).some((status) => grounding.counts[status] !== tally[status])) {
    violations.push({ field: "/counts", message: "counts must match the statuses in fields" });
  }
  return violations.slice(0, LIMITS.violations);
}

/** Whether `pointer` (`/location`, `/skills/2`) names a grounded value of `persona`. */
function hasValue(persona: Persona, pointer: string): boolean {
  const [, name = "", index] = /^\/([a-z_]{1,32})(?:\/(0|[1-9][0-9]{0,2}))?$/.exec(pointer) ?? [];
  const value: unknown = name === "background" || name === "evidence" ? null : persona[name as keyof Persona];
  if (value == null) return false;
  return Array.isArray(value) ? index !== undefined && Number(index) < value.length : index === undefined;
}

/** `grounding` as the server stores a save of it when no signature holds: every entry `verified: false`. */
export function asClaimed(grounding: Grounding): Grounding {
  const fields: Grounding["fields"] = {};
  for (const [pointer, { status, quote, source, span, signature }] of Object.entries(grounding.fields)) {
    // The server's key order; the parts a client left out, or sent as null, are not stored.
    const parts = { status, quote, source, span: span && { start: span.start, end: span.end }, signature };
    fields[pointer] = { ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v != null)), status, verified: false };
  }
  return { mode: grounding.mode, fields, counts: grounding.counts };
}
