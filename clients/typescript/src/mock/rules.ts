/**
 * The draft rules of `domain/src/persona/rules.rs`: one normalisation, two verdicts. `fromDraft`
 * (lenient, for the extractor's output) repairs and warns; `parse` (strict, for a client's save)
 * refuses whatever would lose information. Messages name fields and sizes, never values.
 */

import type { Persona, PersonaDraft, Warning } from "../types.js";
import {
  charCount,
  chars,
  collapseWhitespace,
  isAlphabetic,
  isAlphanumeric,
  isBlank,
  isNumeric,
  lower,
  truncated,
  utf8Length,
} from "./text.js";

export const UNNAMED = "Unnamed persona";
/** The persona's list fields, in schema order. */
export const LIST_FIELDS = [
  "traits", "interests", "skills", "values", "goals", "languages", "quotes",
] as const;
export type ListField = (typeof LIST_FIELDS)[number];
/** Whether `name` is one of the persona's list fields. */
export const isListField = (name: string): name is ListField =>
  (LIST_FIELDS as readonly string[]).includes(name);
const MAX_AGE = 130;
const MAX_LIST_ITEMS = 20;
const MAX_ITEM_CHARS = 200;
const MAX_SHORT_CHARS = 200;
const MAX_STYLE_CHARS = 500;
const MAX_BACKGROUND_CHARS = 2_000;
export const MAX_QUOTE_CHARS = 500;
const MAX_EVIDENCE = 50;
const MAX_EVIDENCE_FIELD_CHARS = 64;
const MAX_EVIDENCE_SOURCE_CHARS = 2_048 + 16;

/** One evidence item of a draft, every part present. */
export type DraftEvidence = Required<NonNullable<PersonaDraft["evidence"]>[number]>;

/**
 * The loose shape the extractor returns and a client saves, every field present: save's
 * `persona` (whose fields the server defaults when missing) with the defaults filled in.
 */
export type Draft = Required<Omit<PersonaDraft, "evidence">> & { evidence: DraftEvidence[] };

/** Why a client's persona cannot be saved as sent. */
export interface Violation {
  field: string;
  message: string;
}

type FindingKind =
  | { kind: "NameMissing" }
  | { kind: "AgeOutOfRange" }
  | { kind: "Truncated"; chars: number; max: number }
  | { kind: "TooManyItems"; count: number; max: number }
  | { kind: "DuplicatesRemoved"; removed: number }
  | { kind: "NearDuplicatesCollapsed"; removed: number }
  | { kind: "InvisibleOnly" };

type Finding = FindingKind & { field: string };

function warning(f: Finding): Warning {
  const name = f.field.replace(/^\/+/, "");
  switch (f.kind) {
    case "NameMissing":
      return w(f, "NAME_MISSING", `the source names nobody, so the persona is called "${UNNAMED}"`);
    case "AgeOutOfRange":
      return w(f, "AGE_OUT_OF_RANGE", `age was outside 0 to ${MAX_AGE} and was removed`);
    case "Truncated":
      return w(f, "TRUNCATED", `${name} had ${f.chars} characters and was cut to ${f.max}`);
    case "TooManyItems":
      return w(f, "TOO_MANY_ITEMS", `${name} had ${f.count} items; the first ${f.max} were kept`);
    case "DuplicatesRemoved":
      return w(f, "DUPLICATES_REMOVED", `${name} repeated ${f.removed} item(s); each is kept once`);
    case "NearDuplicatesCollapsed":
      return w(
        f,
        "NEAR_DUPLICATES_COLLAPSED",
        `${name} had ${f.removed} item(s) nearly repeating an earlier one; the first was kept`,
      );
    case "InvisibleOnly":
      return w(
        f,
        "INVISIBLE_TEXT_REMOVED",
        `${name} held only invisible characters (zero-width, bidi controls) and was removed`,
      );
  }
}

function w(f: Finding, code: Warning["code"], message: string): Warning {
  return { field: f.field, code, message };
}

function violation(f: Finding): Violation {
  const name = f.field.replace(/^\/+/, "");
  switch (f.kind) {
    case "NameMissing":
      return { field: f.field, message: "name must not be empty" };
    case "AgeOutOfRange":
      return { field: f.field, message: `age must be between 0 and ${MAX_AGE}, or null` };
    case "Truncated":
      return { field: f.field, message: `${name} has ${f.chars} characters; at most ${f.max} are allowed` };
    case "TooManyItems":
      return { field: f.field, message: `${name} has ${f.count} items; at most ${f.max} are allowed` };
    case "DuplicatesRemoved":
    case "NearDuplicatesCollapsed":
      return { field: f.field, message: `${name} repeats ${f.removed} item(s)` };
    case "InvisibleOnly":
      return {
        field: f.field,
        message: `${name} holds only invisible characters (zero-width, bidi controls); send visible text or leave it out`,
      };
  }
}

const losesInformation = (f: Finding): boolean =>
  f.kind !== "DuplicatesRemoved" && f.kind !== "NearDuplicatesCollapsed";

/** Repairs the extractor's draft into a persona, with a warning for every change. */
export function fromDraft(draft: Draft): { persona: Persona; warnings: Warning[] } {
  const [persona, findings] = normalise(draft, true);
  return { persona, warnings: findings.map(warning) };
}

/** Checks a client's persona: harmless repairs silently, anything else refused. */
export function parse(draft: Draft): Persona | Violation[] {
  const [persona, findings] = normalise(draft, false);
  const violations = findings.filter(losesInformation).map(violation);
  return violations.length === 0 ? persona : violations;
}

function normalise(draft: Draft, collapseNearRepeats: boolean): [Persona, Finding[]] {
  const findings: Finding[] = [];
  const found = (field: string, kind: FindingKind): void => {
    findings.push({ ...kind, field });
  };

  const text = (field: string, value: string, max: number): string => {
    const collapsed = collapseWhitespace(value);
    if (isBlank(collapsed)) {
      if (collapsed !== "") found(field, { kind: "InvisibleOnly" });
      return "";
    }
    const cut = truncated(collapsed, max);
    if (cut === null) return collapsed;
    found(field, { kind: "Truncated", chars: charCount(collapsed), max });
    return cut;
  };

  const optional = (field: string, value: string | null, max: number): string | null => {
    if (value === null) return null;
    const kept = text(field, value, max);
    return kept === "" ? null : kept;
  };

  const cap = <T>(field: string, items: T[], max: number): T[] => {
    if (items.length > max) {
      found(field, { kind: "TooManyItems", count: items.length, max });
      return items.slice(0, max);
    }
    return items;
  };

  const list = (field: string, items: string[], maxChars: number): string[] => {
    const seen = new Set<string>();
    const kept: string[] = [];
    const keptKeys: string[] = [];
    let duplicates = 0;
    let near = 0;
    for (const raw of items) {
      const item = text(`${field}/${kept.length}`, raw, maxChars);
      if (item === "") continue;
      const key = lower(item);
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      // As in Rust: near repeats are looked for only until the list is full (the rest is cut).
      if (collapseNearRepeats && kept.length < MAX_LIST_ITEMS) {
        const repeatKey = repeatKeyOf(item);
        if (keptKeys.some((k) => nearlyRepeats(k, repeatKey))) {
          near++;
          continue;
        }
        keptKeys.push(repeatKey);
      }
      kept.push(item);
    }
    if (duplicates > 0) found(field, { kind: "DuplicatesRemoved", removed: duplicates });
    if (near > 0) found(field, { kind: "NearDuplicatesCollapsed", removed: near });
    return cap(field, kept, MAX_LIST_ITEMS);
  };

  const evidence = (items: DraftEvidence[]): DraftEvidence[] => {
    const kept: DraftEvidence[] = [];
    for (const item of items) {
      const at = `/evidence/${kept.length}`;
      const e = {
        field: text(`${at}/field`, item.field, MAX_EVIDENCE_FIELD_CHARS),
        quote: text(`${at}/quote`, item.quote, MAX_QUOTE_CHARS),
        source: text(`${at}/source`, item.source, MAX_EVIDENCE_SOURCE_CHARS),
      };
      if (
        e.field === "" ||
        e.quote === "" ||
        e.source === "" ||
        kept.some((k) => k.field === e.field && k.quote === e.quote && k.source === e.source)
      ) {
        continue;
      }
      kept.push(e);
    }
    return cap("/evidence", kept, MAX_EVIDENCE);
  };

  let name = text("/name", draft.name ?? "", MAX_SHORT_CHARS);
  if (name === "") {
    found("/name", { kind: "NameMissing" });
    name = UNNAMED;
  }
  let age: number | null = null;
  if (draft.age !== null) {
    if (draft.age >= 0 && draft.age <= MAX_AGE) {
      age = draft.age;
    } else {
      found("/age", { kind: "AgeOutOfRange" });
    }
  }
  // Built in schema order: the canonical JSON of a persona is this object, stringified.
  const persona: Persona = {
    name,
    age,
    occupation: optional("/occupation", draft.occupation, MAX_SHORT_CHARS),
    location: optional("/location", draft.location, MAX_SHORT_CHARS),
    background: text("/background", draft.background, MAX_BACKGROUND_CHARS),
    traits: list("/traits", draft.traits, MAX_ITEM_CHARS),
    interests: list("/interests", draft.interests, MAX_ITEM_CHARS),
    skills: list("/skills", draft.skills, MAX_ITEM_CHARS),
    values: list("/values", draft.values, MAX_ITEM_CHARS),
    goals: list("/goals", draft.goals, MAX_ITEM_CHARS),
    languages: list("/languages", draft.languages, MAX_ITEM_CHARS),
    communication_style: optional("/communication_style", draft.communication_style, MAX_STYLE_CHARS),
    quotes: list("/quotes", draft.quotes, MAX_QUOTE_CHARS),
    evidence: evidence(draft.evidence),
  };
  return [persona, findings];
}

/** A list item as near-repeat detection compares it: lower case, punctuation removed. */
function repeatKeyOf(item: string): string {
  const kept = chars(item)
    .map((c) => c.toLowerCase())
    .join("");
  return collapseWhitespace(
    chars(kept)
      .map((c) => (isAlphanumeric(c) ? c : " "))
      .join(""),
  );
}

const wordsOf = (key: string): string[] => key.split(" ").filter((w) => w !== "");

/** Equal keys, one key's words a run of the other's, or one the other plus repeats of its ending. */
function nearlyRepeats(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = utf8Length(a) <= utf8Length(b) ? [a, b] : [b, a];
  const shortWords = wordsOf(short);
  const longWords = wordsOf(long);
  if (shortWords.length === 0) return false;
  for (let i = 0; i + shortWords.length <= longWords.length; i++) {
    if (shortWords.every((word, j) => longWords[i + j] === word)) return true;
  }
  return repeatsEnding(short, long);
}

/** Whether `long` is `short` followed by copies of an ending of `short` with a letter, no digit. */
function repeatsEnding(short: string, long: string): boolean {
  if (!long.startsWith(short)) return false;
  const rest = long.slice(short.length);
  if (rest === "") return false;
  const restBytes = utf8Length(rest);
  const cs = chars(short);
  for (let at = 0; at < cs.length; at++) {
    const ending = cs.slice(at).join("");
    const endingChars = cs.slice(at);
    const size = utf8Length(ending);
    if (
      endingChars.some(isAlphabetic) &&
      !endingChars.some(isNumeric) &&
      restBytes % size === 0 &&
      rest === ending.repeat(restBytes / size)
    ) {
      return true;
    }
  }
  return false;
}
