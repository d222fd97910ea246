/**
 * The phrases the mock extractor recognises: the patterns of
 * `adapters-mock/src/extractor/patterns.rs`, copied as written and translated once into
 * JavaScript regexes with the Rust crate's meaning (see `translate`).
 */

import { splitWhitespace, trim, trimStart } from "./text.js";

/** Rust's Unicode `\w`: what a `\b` word boundary sees as a word character. */
const WORD = String.raw`[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]`;
/** Rust's Unicode `\b`. */
const WORD_BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;

/** ASCII letters with more than one other case under Unicode simple case folding. */
const FOLDS: Record<string, string> = { k: "kK\u212A", s: "sS\u017F" };

function variants(letter: string): string {
  const low = letter.toLowerCase();
  return FOLDS[low] ?? low + low.toUpperCase();
}

/**
 * A Rust `regex` pattern as a JavaScript one with the same meaning. Node 20 has no inline
 * `(?i:…)`, so letters inside such a group (or after a leading `(?i)`) become classes of their
 * cases; `\b`, `\d` and `\s` become their Unicode forms (Rust's are Unicode-aware, JavaScript's
 * are ASCII-only even with the `u` flag, but for `\s`).
 */
export function translate(rust: string): string {
  let out = "";
  let inClass = false;
  let global = false;
  let source = rust;
  if (source.startsWith("(?i)")) {
    global = true;
    source = source.slice(4);
  }
  // For each open group: whether it is case-insensitive.
  const groups: boolean[] = [];
  const insensitive = (): boolean => global || groups.some((g) => g);
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      const next = source[i + 1]!;
      i++;
      if (next === "p" || next === "P") {
        const close = source.indexOf("}", i);
        out += "\\" + source.slice(i, close + 1);
        i = close;
      } else if (next === "b" && !inClass) {
        out += WORD_BOUNDARY;
      } else if (next === "d") {
        out += String.raw`\p{Nd}`;
      } else if (next === "s") {
        out += String.raw`\p{White_Space}`;
      } else {
        out += "\\" + next;
      }
    } else if (inClass) {
      if (c === "]") inClass = false;
      out += /[A-Za-z]/.test(c) && insensitive() ? variants(c) : c === "-" && source[i + 1] === "]" ? "\\-" : c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (source[i + 1] === "^") {
        out += "^";
        i++;
      }
    } else if (source.startsWith("(?i:", i)) {
      groups.push(true);
      out += "(?:";
      i += 3;
    } else if (c === "(") {
      groups.push(false);
      out += c;
    } else if (c === ")") {
      groups.pop();
      out += c;
    } else if (c === "{") {
      // A repetition count: copied as it is.
      const close = source.indexOf("}", i);
      out += source.slice(i, close + 1);
      i = close;
    } else if (/[A-Za-z]/.test(c) && insensitive()) {
      out += `[${variants(c)}]`;
    } else {
      out += c;
    }
  }
  return out;
}

function build(parts: string[], flags = "u"): RegExp {
  return new RegExp(translate(parts.join("")), flags);
}

const r = String.raw;

/** One capitalised word of a name or place: "Maya", "O'Brien", "Jean-Luc", "Zoë". */
const CAPITALISED = r`\p{Lu}[\p{L}\p{M}'’-]*`;
/** Text up to the end of a clause, lazily. */
const CLAUSE = r`([^,;.!?\n]+?)`;
/** Text up to the end of a sentence, lazily. */
const LIST = r`([^;.!?\n]+?)`;
/** Where a list ends: the sentence's end, "but …", or a new clause about the person. */
const LIST_END = r`(?:,?\s+(?i:and|but|so|because)\s+(?i:i|i['’]m|my)\b|\s+(?i:but|because)\s|\s*[;.!?]|$)`;

/** 1 to 3 capitalised words; a word may end in a dot before the next ("Dr. Jane Doe"). */
const NAME = `(${CAPITALISED}(?:\\.?\\s+${CAPITALISED}){0,2})`;
/** Capitalised words, with the lowercase links place names use ("Newcastle upon Tyne"). */
const PLACE = `(${CAPITALISED}(?:\\.?\\s+(?:(?:of|upon|de|del|da|la|le|am)\\s+)?${CAPITALISED})*)`;

export const NAME_GIVEN = build([r`\b(?:(?i:my\s+name\s+is|call\s+me)\s+|(?i:name)\s*:\s*)`, NAME], "gu");
export const NAME_SELF = build([r`\b(?i:i\s+am|i['’]m)\s+`, NAME], "gu");

export const AGE = build(
  [
    r`\b(\d+)\s*-?\s*(?i:years?|yrs?)\s*-?\s*(?i:old)\b`,
    r`|\b(?i:aged)\s+(\d+)\b`,
    r`|\b(?i:age)\s*:\s*(\d+)\b`,
  ],
  "gu",
);

const OCCUPATION_END = r`(?:\s+(?:in|at|for|from)\s+\p{Lu}|\s+(?i:and|but|who|where|with|since)\b|\s*[,;.!?]|$)`;

export const OCCUPATION_STATED = build(
  [
    r`\b(?:(?i:i\s+work\s+as|works\s+as|working\s+as|my\s+job\s+is)\s+(?:(?i:an?)\s+)?`,
    r`|(?i:occupation|profession|job)\s*:\s*(?:(?i:an?)\s+)?)`,
    CLAUSE,
    OCCUPATION_END,
  ],
  "gu",
);

export const OCCUPATION_SELF = build([r`\b(?i:i\s+am|i['’]m)\s+(?i:an?)\s+`, CLAUSE, OCCUPATION_END], "gu");

export const LOCATION_STATED = build(
  [
    r`\b(?:(?i:i\s+live\s+in|lives\s+in|living\s+in|based\s+in|i\s+am\s+from|i['’]m\s+from`,
    r`|i\s+come\s+from|comes\s+from)\s+|(?i:location)\s*:\s*)`,
    PLACE,
  ],
  "gu",
);

export const LOCATION_AT_WORK = build([r`\b(?i:work|works|working)\b[^,;.!?\n]*?\s(?i:in)\s+`, PLACE], "gu");

/** One to three lowercase words: "curious", "very patient", "a bit shy". */
const ADJECTIVE = r`\p{Ll}[\p{Ll}-]*(?:\s\p{Ll}[\p{Ll}-]*){0,2}`;

export const TRAITS_SELF = build(
  [
    r`\b(?i:i\s+am|i['’]m)\s+(`,
    ADJECTIVE,
    r`(?:(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)`,
    ADJECTIVE,
    r`)*)`,
    r`(?:\s*[,;.!?]|\s+(?:and|but)\s+(?i:i|i['’]m|my)\b|$)`,
  ],
  "gu",
);

export const TRAITS_LABEL = build([r`\b(?i:traits)\s*:\s*`, LIST, LIST_END], "gu");

export const INTERESTS = build(
  [
    r`\b(?:(?i:i\s+(?:really\s+|also\s+)?(?:love|enjoy|like)|interested\s+in|passionate\s+about)\s+`,
    r`|(?i:interests|hobbies)\s*:\s*)`,
    LIST,
    LIST_END,
  ],
  "gu",
);

export const SKILLS = build(
  [r`\b(?:(?i:i\s+can|skilled\s+(?:in|at)|good\s+at)\s+|(?i:skills)\s*:\s*)`, LIST, LIST_END],
  "gu",
);

export const VALUES = build(
  [r`\b(?:(?i:i\s+value|i\s+believe\s+in)\s+|(?i:values)\s*:\s*)`, LIST, LIST_END],
  "gu",
);

export const GOALS = build(
  [r`\b(?i:i\s+(?:want|hope|plan)\s+to|my\s+goal\s+is\s+to)\s+`, CLAUSE, r`\s*(?:[,;.!?]|$)`],
  "gu",
);

export const GOALS_LABEL = build([r`\b(?i:goals?)\s*:\s*`, r`([^.!?\n]+?)\s*(?:[.!?]|$)`], "gu");

export const LANGUAGES = build(
  [r`\b(?:(?i:i\s+(?:can\s+)?speak)\s+|(?i:languages?)\s*:\s*)`, LIST, LIST_END],
  "gu",
);

export const STYLE = build(
  [
    r`\b(?:(?i:communication\s+style)\s*:\s*([^;.!?\n]+?)\s*(?:[;.!?]|$)`,
    r`|(?i:i\s+prefer)\s+([^;.!?\n]+?\s(?i:communication))\b`,
    r`|(?i:i\s+communicate)\s+([^,;.!?\n]+?)\s*(?:[,;.!?]|$))`,
  ],
  "gu",
);

/** "I" as a word: "I ", "I'm", "I've", "I'd", "I'll". */
export const FIRST_PERSON = build([r`\bI(?:\s|['’](?:m|ve|d|ll)\b)`]);

const ITEM_SEPARATOR = build([r`(?i)\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+|\s*&\s*`]);
const CLAUSE_SEPARATOR = build([r`\s*[,;]\s*`]);

/** Words that start "I'm …" without describing the person. */
const NOT_TRAITS = [
  "a", "an", "the", "not", "no", "from", "in", "at", "on", "into", "going", "looking", "trying",
  "working", "living", "based", "interested", "currently", "now", "also", "just", "still", "here",
  "there", "sure", "about", "able",
];

/** Turns a captured value into the items it names. */
export type Splitter = (value: string) => string[];

/** A list split at commas, "and", "or" and "&". */
export const items: Splitter = (list) => keep(list.split(ITEM_SEPARATOR));

/** Like `items`, unless the list starts with a word that is no trait ("I'm a teacher"). */
export const traits: Splitter = (list) => {
  const first = splitWhitespace(list)[0] ?? "";
  return NOT_TRAITS.includes(first) ? [] : items(list);
};

/** The whole clause as one item. */
export const whole: Splitter = (clause) => keep([clause]);

/** One item per clause, split at commas and semicolons only. */
export const clauses: Splitter = (list) => keep(list.split(CLAUSE_SEPARATOR));

function keep(raws: string[]): string[] {
  return raws.map(item).filter((i): i is string => i !== null);
}

/** A trimmed item without a leading "to"; null when nothing is left. */
function item(raw: string): string | null {
  let text = trim(raw);
  if (/^to $/i.test(text.slice(0, 3)) && /^[\x00-\x7f]{3}$/.test(text.slice(0, 3))) {
    text = trimStart(text.slice(3));
  }
  return text === "" ? null : text;
}
