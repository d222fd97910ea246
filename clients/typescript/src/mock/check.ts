/**
 * Checking a grounding a client saves back (`domain/src/grounding/check.rs`): every pointer names
 * a value of the persona, every entry has the parts its status calls for, sizes are bounded and
 * the counts add up. The mock holds no signing key (the server's never leaves the server), so it
 * signs nothing and stores every saved entry as the client's claim (`asClaimed`).
 */

import type { FieldGrounding, Grounding, Persona } from "../types.js";
import { isListField, type Violation } from "./rules.js";
import { charCount } from "./text.js";

const MAX_VIOLATIONS = 20;
const MAX_EVIDENCE = 50;
const MAX_QUOTE_CHARS = 500;
const MAX_SPAN_END = 1_048_576;
const MAX_TEXT_BLOCKS = 50;

/** The violations of `grounding` against `persona`; empty when it fits. */
export function checkGrounding(grounding: Grounding, persona: Persona): Violation[] {
  const violations: Violation[] = [];
  let badKey = false;
  const tally = { quoted: 0, stated: 0, inferred: 0 };
  for (const [pointer, field] of Object.entries(grounding.fields)) {
    tally[field.status]++;
    if (!isPlainPointer(pointer)) {
      if (!badKey) {
        violations.push({
          field: "/fields",
          message:
            "every key of fields must be a JSON pointer to a persona value, such as /location or /skills/2",
        });
      }
      badKey = true;
      continue;
    }
    const at = `/fields/${pointer.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (!hasValue(persona, pointer)) {
      violations.push({
        field: at,
        message: "names no value of the saved persona (background and evidence are not grounded)",
      });
    }
    checkEntry(at, field, violations);
  }
  const counts = grounding.counts;
  if (
    counts.quoted !== tally.quoted ||
    counts.stated !== tally.stated ||
    counts.inferred !== tally.inferred
  ) {
    violations.push({ field: "/counts", message: "counts must match the statuses in fields" });
  }
  if (counts.fabricated_quotes > MAX_EVIDENCE) {
    violations.push({
      field: "/counts/fabricated_quotes",
      message: `fabricated_quotes must be at most ${MAX_EVIDENCE}`,
    });
  }
  return violations.slice(0, MAX_VIOLATIONS);
}

function checkEntry(at: string, field: FieldGrounding, violations: Violation[]): void {
  const located = field.status !== "inferred";
  const quoted = field.status === "quoted";
  const push = (suffix: string, message: string): void => {
    violations.push({ field: `${at}/${suffix}`, message });
  };
  const quote = field.quote ?? null;
  if (quote === null && quoted) push("quote", "a quoted value needs its quote");
  else if (quote !== null && !quoted) push("quote", "only a quoted value has a quote");
  else if (quote !== null) {
    const count = charCount(quote);
    if (count === 0 || count > MAX_QUOTE_CHARS) {
      push("quote", `a quote has 1 to ${MAX_QUOTE_CHARS} characters`);
    }
  }
  const source = field.source ?? null;
  if (source === null && located) push("source", "a quoted or stated value needs its source");
  else if (source !== null && !located) push("source", "an inferred value has no source");
  else if (source !== null && !isBlockName(source)) {
    push("source", `source must name a text block, block:0 to block:${MAX_TEXT_BLOCKS - 1}`);
  }
  const signature = field.signature ?? null;
  if (signature !== null && !/^[0-9a-f]{32}$/.test(signature)) {
    push(
      "signature",
      "a signature is the 32 lowercase hex digits process-persona gave; send it unchanged or leave it out",
    );
  }
  const span = field.span ?? null;
  if (span === null && located) push("span", "a quoted or stated value needs its span");
  else if (span !== null && !located) push("span", "an inferred value has no span");
  else if (span !== null && (span.start >= span.end || span.end > MAX_SPAN_END)) {
    push("span", `a span has start < end <= ${MAX_SPAN_END}`);
  }
}

/**
 * `grounding` as the server stores a save of it when no signature holds (the mock has no key):
 * every entry `verified: false`, whatever the client said, its parts in the server's key order.
 */
export function asClaimed(grounding: Grounding): Grounding {
  const fields: Grounding["fields"] = {};
  for (const [pointer, field] of Object.entries(grounding.fields)) {
    const entry: FieldGrounding = { status: field.status };
    if (field.quote != null) entry.quote = field.quote;
    if (field.source != null) entry.source = field.source;
    if (field.span != null) entry.span = { start: field.span.start, end: field.span.end };
    if (field.signature != null) entry.signature = field.signature;
    entry.verified = false;
    fields[pointer] = entry;
  }
  return { mode: grounding.mode, fields, counts: grounding.counts };
}

function isPlainPointer(pointer: string): boolean {
  return /^\/[a-z_]{1,32}(\/[0-9]{1,3})?$/.test(pointer);
}

function hasValue(persona: Persona, pointer: string): boolean {
  const [, name, index] = pointer.split("/") as [string, string, string | undefined];
  if (index !== undefined && index.length > 1 && index.startsWith("0")) return false;
  if (isListField(name)) return index !== undefined && Number(index) < persona[name].length;
  if (index !== undefined) return false;
  switch (name) {
    case "name":
      return true;
    case "age":
      return persona.age !== null;
    case "occupation":
      return persona.occupation !== null;
    case "location":
      return persona.location !== null;
    case "communication_style":
      return persona.communication_style !== null;
    default:
      return false;
  }
}

function isBlockName(source: string): boolean {
  const match = /^block:(\+?[0-9]+)$/.exec(source);
  if (match === null) return false;
  const digits = match[1]!;
  return (digits.length === 1 || !digits.startsWith("0")) && Number(digits) < MAX_TEXT_BLOCKS;
}
