/**
 * The persona rules of the server (`domain/src/persona/rules.rs`), as a frontend meets them: one
 * normalisation, two verdicts. `fromDraft` (lenient, for the mock extractor's draft) repairs and
 * warns; `parse` (strict, for a save) refuses whatever would lose information, with the server's
 * messages. Not modelled: the server's collapsing of near-repeated list items ("jazz" after "live
 * jazz"), which a model's lists need more than the mock's. Also the text helpers the mock shares.
 */

import type { Persona, PersonaDraft, Warning } from "../types.js";
import { LIMITS } from "./limits.js";

export const UNNAMED = "Unnamed persona";
/** The persona's list fields, in schema order. */
export const LIST_FIELDS = ["traits", "interests", "skills", "values", "goals", "languages", "quotes"] as const;

/** One evidence item of a draft, every part present. */
export type DraftEvidence = Required<NonNullable<PersonaDraft["evidence"]>[number]>;
/** A save's `persona` with the server's defaults filled in: what the rules take. */
export type Draft = Required<Omit<PersonaDraft, "evidence">> & { evidence: DraftEvidence[] };
/** Why a value cannot be saved as sent: a JSON pointer and what is wrong. */
export type Violation = { field: string; message: string };

/** Characters (code points, as Rust counts them) in `s`. */
export const charCount = (s: string): number => Array.from(s).length;
/** The first `max` characters of `s`. */
export const prefix = (s: string, max: number): string => Array.from(s).slice(0, max).join("");
/** Rust's `str::trim`: Unicode `White_Space` off both ends. */
export const trim = (s: string): string => s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, "");
/** Only whitespace, control and invisible characters (zero-width, bidi controls, …). */
export const isBlank = (s: string): boolean => /^[\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}]*$/u.test(s);
/** Runs of whitespace made one space, both ends trimmed, control and bidi controls dropped. */
export const collapse = (s: string): string =>
  s.split(/\p{White_Space}+/u).map((w) => w.replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, "")).filter((w) => w !== "").join(" ");

/** What the rules found, as a warning (lenient) and as a violation (strict, when it loses information). */
type Finding = { field: string; code: Warning["code"]; warning: string; violation: string | null };

/** Repairs the extractor's draft into a persona, with a warning for every change. */
export function fromDraft(draft: Draft): { persona: Persona; warnings: Warning[] } {
  const [persona, findings] = normalise(draft);
  return { persona, warnings: findings.map(({ field, code, warning }) => ({ field, code, message: warning })) };
}

/** Checks a client's persona: harmless repairs silently, anything else refused. */
export function parse(draft: Draft): Persona | Violation[] {
  const [persona, findings] = normalise(draft);
  const violations = findings.flatMap(({ field, violation }) => (violation === null ? [] : [{ field, message: violation }]));
  return violations.length === 0 ? persona : violations;
}

function normalise(draft: Draft): [Persona, Finding[]] {
  const findings: Finding[] = [];
  const found = (field: string, code: Warning["code"], warning: string, violation: string | null): void =>
    void findings.push({ field, code, warning, violation });
  const nameOf = (field: string): string => field.replace(/^\/+/, "");
  const text = (field: string, value: string, max: number): string => {
    const collapsed = collapse(value);
    const name = nameOf(field);
    if (isBlank(collapsed)) {
      if (collapsed !== "") {
        const what = "only invisible characters (zero-width, bidi controls)";
        found(field, "INVISIBLE_TEXT_REMOVED", `${name} held ${what} and was removed`, `${name} holds ${what}; send visible text or leave it out`);
      }
      return "";
    }
    const count = charCount(collapsed);
    if (count <= max) return collapsed;
    found(field, "TRUNCATED", `${name} had ${count} characters and was cut to ${max}`, `${name} has ${count} characters; at most ${max} are allowed`);
    return trim(prefix(collapsed, max));
  };
  const optional = (field: string, value: string | null, max: number): string | null => (value === null ? null : text(field, value, max) || null);
  const cap = <T>(field: string, items: T[], max: number): T[] => {
    const [name, count] = [nameOf(field), items.length];
    if (count > max) found(field, "TOO_MANY_ITEMS", `${name} had ${count} items; the first ${max} were kept`, `${name} has ${count} items; at most ${max} are allowed`);
    return items.slice(0, max);
  };
  const list = (field: string, items: string[], max: number): string[] => {
    const kept: string[] = [];
    const keys = new Set<string>();
    let duplicates = 0;
    for (const raw of items) {
      const item = text(`${field}/${kept.length}`, raw, max);
      const key = item.toLowerCase();
      if (item !== "" && !keys.has(key)) kept.push(item);
      else if (item !== "") duplicates++;
      keys.add(key);
    }
    // A repeat is repaired silently on a save (it loses nothing), and reported on process.
    if (duplicates > 0) found(field, "DUPLICATES_REMOVED", `${nameOf(field)} repeated ${duplicates} item(s); each is kept once`, null);
    return cap(field, kept, LIMITS.listItems);
  };
  const evidence = (items: DraftEvidence[]): DraftEvidence[] => {
    const kept: DraftEvidence[] = [];
    for (const item of items) {
      const at = `/evidence/${kept.length}`;
      const e = {
        field: text(`${at}/field`, item.field, LIMITS.evidenceFieldChars),
        quote: text(`${at}/quote`, item.quote, LIMITS.quoteChars),
        source: text(`${at}/source`, item.source, LIMITS.evidenceSourceChars),
      };
      const repeated = kept.some((k) => k.field === e.field && k.quote === e.quote && k.source === e.source);
      if (e.field !== "" && e.quote !== "" && e.source !== "" && !repeated) kept.push(e);
    }
    return cap("/evidence", kept, LIMITS.evidence);
  };

  let name = text("/name", draft.name ?? "", LIMITS.shortChars);
  if (name === "") {
    found("/name", "NAME_MISSING", `the source names nobody, so the persona is called "${UNNAMED}"`, "name must not be empty");
    name = UNNAMED;
  }
  let age = draft.age;
  if (age !== null && !(age >= 0 && age <= LIMITS.maxAge)) {
    found("/age", "AGE_OUT_OF_RANGE", `age was outside 0 to ${LIMITS.maxAge} and was removed`, `age must be between 0 and ${LIMITS.maxAge}, or null`);
    age = null;
  }
  // Built in schema order: the canonical JSON of a persona is this object, stringified.
  const persona: Persona = {
    name,
    age,
    occupation: optional("/occupation", draft.occupation, LIMITS.shortChars),
    location: optional("/location", draft.location, LIMITS.shortChars),
    background: text("/background", draft.background, LIMITS.backgroundChars),
    traits: list("/traits", draft.traits, LIMITS.itemChars),
    interests: list("/interests", draft.interests, LIMITS.itemChars),
    skills: list("/skills", draft.skills, LIMITS.itemChars),
    values: list("/values", draft.values, LIMITS.itemChars),
    goals: list("/goals", draft.goals, LIMITS.itemChars),
    languages: list("/languages", draft.languages, LIMITS.itemChars),
    communication_style: optional("/communication_style", draft.communication_style, LIMITS.styleChars),
    quotes: list("/quotes", draft.quotes, LIMITS.quoteChars),
    evidence: evidence(draft.evidence),
  };
  return [persona, findings];
}
