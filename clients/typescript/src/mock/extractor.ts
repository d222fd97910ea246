/**
 * The mock extractor (`adapters-mock/src/extractor.rs`) and its grounding. `read` finds a draft in
 * the text blocks with a handful of English phrase patterns (the Rust ones as JavaScript regexes
 * with the Rust crate's meaning: `\b`, `\d`, `\s` Unicode-aware, case-insensitive phrases spelled
 * out by `ci`, as Node 20 has no inline `(?i:…)`), each value with its sentence as evidence; links
 * are not followed. It keeps where each quote is, so `ground` grades a value `quoted` by the first
 * evidence of its field that mentions it, at that place in the text as sent, where the server
 * searches the text again (folded, then fuzzily, and may find a value `stated`): the same answer
 * for the mock's own quotes. Mode `flag` (the server's default): nothing is removed.
 */

import type { FieldGrounding, Grounding, Persona } from "../types.js";
import type { Block } from "./input.js";
import { LIMITS } from "./limits.js";
import { charCount, collapse, prefix, trim, UNNAMED, type Draft, type DraftEvidence } from "./rules.js";

/** Rust's Unicode `\w`, which its `\b` is made of. */
const WORD = String.raw`[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]`;
const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;
/** A pattern with Rust's Unicode `\b`, `\d` and `\s`. */
const re = (source: string, flags = "gu"): RegExp =>
  new RegExp(source.replaceAll("\\b", BOUNDARY).replaceAll("\\d", "\\p{Nd}").replaceAll("\\s", "\\p{White_Space}"), flags);

/** `phrase` in any case (with the letters Unicode folds to k and s), each space `\s+`. */
const FOLDS: Record<string, string> = { k: "kK\u212A", s: "sS\u017F" };
const ci = (phrase: string): string =>
  `(?:${phrase.replace(/[a-z]/g, (c) => `[${FOLDS[c] ?? c + c.toUpperCase()}]`).replaceAll(" ", String.raw`\s+`)})`;

const r = String.raw;
/** One capitalised word of a name or place: "Maya", "O'Brien", "Jean-Luc", "Zoë". */
const CAP = r`\p{Lu}[\p{L}\p{M}'’-]*`;
/** Text up to the end of a clause, or of a sentence, lazily. */
const CLAUSE = r`([^,;.!?\n]+?)`;
const LIST = r`([^;.!?\n]+?)`;
const ME = ci("i|i['’]m|my");
/** Where a list ends: the sentence's end, "but …", or a new clause about the person. */
const LIST_END = r`(?:,?\s+${ci("and|but|so|because")}\s+${ME}\b|\s+${ci("but|because")}\s|\s*[;.!?]|$)`;
/** 1 to 3 capitalised words; a word may end in a dot before the next ("Dr. Jane Doe"). */
const NAME = r`(${CAP}(?:\.?\s+${CAP}){0,2})`;
/** Capitalised words, with the lowercase links place names use ("Newcastle upon Tyne"). */
const PLACE = r`(${CAP}(?:\.?\s+(?:(?:of|upon|de|del|da|la|le|am)\s+)?${CAP})*)`;
const I_AM = ci("i am|i['’]m");
const A = r`(?:${ci("an?")}\s+)`;
const LABEL = r`\s*:\s*`;

const NAME_GIVEN = re(r`\b(?:${ci("my name is|call me")}\s+|${ci("name")}${LABEL})${NAME}`);
const NAME_SELF = re(r`\b${I_AM}\s+${NAME}`);
const AGE = re(r`\b(\d+)\s*-?\s*${ci("years?|yrs?")}\s*-?\s*${ci("old")}\b|\b${ci("aged")}\s+(\d+)\b|\b${ci("age")}${LABEL}(\d+)\b`);
const OCCUPATION_END = r`(?:\s+(?:in|at|for|from)\s+\p{Lu}|\s+${ci("and|but|who|where|with|since")}\b|\s*[,;.!?]|$)`;
const OCCUPATION_STATED = re(r`\b(?:${ci("i work as|works as|working as|my job is")}\s+${A}?|${ci("occupation|profession|job")}${LABEL}${A}?)${CLAUSE}${OCCUPATION_END}`);
const OCCUPATION_SELF = re(r`\b${I_AM}\s+${A}${CLAUSE}${OCCUPATION_END}`);
const LOCATION_STATED = re(r`\b(?:${ci("i live in|lives in|living in|based in|i am from|i['’]m from|i come from|comes from")}\s+|${ci("location")}${LABEL})${PLACE}`);
const LOCATION_AT_WORK = re(r`\b${ci("work|works|working")}\b[^,;.!?\n]*?\s${ci("in")}\s+${PLACE}`);
/** One to three lowercase words: "curious", "very patient", "a bit shy". */
const ADJECTIVE = r`\p{Ll}[\p{Ll}-]*(?:\s\p{Ll}[\p{Ll}-]*){0,2}`;
const TRAITS_SELF = re(r`\b${I_AM}\s+(${ADJECTIVE}(?:(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)${ADJECTIVE})*)(?:\s*[,;.!?]|\s+(?:and|but)\s+${ME}\b|$)`);
const TRAITS_LABEL = re(r`\b${ci("traits")}${LABEL}${LIST}${LIST_END}`);
const INTERESTS = re(r`\b(?:${ci("i (?:really |also )?(?:love|enjoy|like)|interested in|passionate about")}\s+|${ci("interests|hobbies")}${LABEL})${LIST}${LIST_END}`);
const SKILLS = re(r`\b(?:${ci("i can|skilled (?:in|at)|good at")}\s+|${ci("skills")}${LABEL})${LIST}${LIST_END}`);
const VALUES = re(r`\b(?:${ci("i value|i believe in")}\s+|${ci("values")}${LABEL})${LIST}${LIST_END}`);
const GOALS = re(r`\b${ci("i (?:want|hope|plan) to|my goal is to")}\s+${CLAUSE}\s*(?:[,;.!?]|$)`);
const GOALS_LABEL = re(r`\b${ci("goals?")}${LABEL}([^.!?\n]+?)\s*(?:[.!?]|$)`);
const LANGUAGES = re(r`\b(?:${ci("i (?:can )?speak")}\s+|${ci("languages?")}${LABEL})${LIST}${LIST_END}`);
const STYLE = re(r`\b(?:${ci("communication style")}${LABEL}([^;.!?\n]+?)\s*(?:[;.!?]|$)|${ci("i prefer")}\s+([^;.!?\n]+?\s${ci("communication")})\b|${ci("i communicate")}\s+([^,;.!?\n]+?)\s*(?:[,;.!?]|$))`);
/** "I" as a word: "I ", "I'm", "I've", "I'd", "I'll". */
const FIRST_PERSON = re(r`\bI(?:\s|['’](?:m|ve|d|ll)\b)`, "u");

const ITEM_SEPARATOR = re(r`\s*,\s*(?:${ci("and|or")}\s+)?|\s+${ci("and|or")}\s+|\s*&\s*`, "u");
/** Words that start "I'm …" without describing the person. */
const NOT_TRAITS = new Set(
  "a an the not no from in at on into going looking trying working living based interested currently now also just still here there sure about able".split(" "),
);

/**
 * Captured values into items: `items` splits a list at commas, "and", "or" and "&"; `traits` too,
 * unless it starts with a word that is no trait ("I'm a teacher"); `whole` keeps the clause as one
 * item; `clauses` splits at commas and semicolons only.
 */
type Splitter = (value: string) => string[];
const items: Splitter = (list) => keep(list.split(ITEM_SEPARATOR));
const traits: Splitter = (list) => (NOT_TRAITS.has(list.split(/\p{White_Space}+/u)[0] ?? "") ? [] : items(list));
const whole: Splitter = (clause) => keep([clause]);
const clauses: Splitter = (list) => keep(list.split(re(r`\s*[,;]\s*`, "u")));

/** Each item trimmed, a leading "to " dropped, empty ones left out. */
const keep = (raws: string[]): string[] =>
  raws.map(trim).map((item) => (/^to $/i.test(item.slice(0, 3)) ? trim(item.slice(3)) : item)).filter((item) => item !== "");

const BACKGROUND_CHARS = 300;
const QUOTES = 3;
/** Words whose dot does not end a sentence, besides single letters (initials). */
const ABBREVIATIONS = new Set(["Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "vs"]);
const CLOSERS = `.!?"'”’)`;

/** One sentence: a trimmed, verbatim slice of a block, and where it starts (UTF-16 units). */
type Sentence = { block: number; at: number; text: string };
/** Where an evidence quote is: characters `start..end` (code points) of a sanitised block. */
type Place = { block: number; start: number; end: number };

/** The key under which `read` files each evidence item's place: the item as the rules keep it. */
const placeKey = (e: DraftEvidence): string => [e.field, collapse(e.quote), e.source].join("\u0000");

/** A draft read from the sanitised blocks, and where each evidence quote was taken from. */
export function read(blocks: Block[]): { draft: Draft; places: Map<string, Place> } {
  const evidence: DraftEvidence[] = [];
  const places = new Map<string, Place>();
  const all = blocks.flatMap(({ text }, block) => sentences(text).map(([at, s]): Sentence => ({ block, at, text: s })));

  /** Records that `field` was read from `sentence`: the whole sentence, or the `matched` words at `index`. */
  const cite = (field: string, sentence: Sentence, matched: string, index: number): void => {
    const whole = charCount(sentence.text) <= LIMITS.quoteChars;
    const item = { field, quote: whole ? sentence.text : prefix(matched, LIMITS.quoteChars), source: `block:${sentence.block}` };
    if (places.has(placeKey(item))) return;
    const start = charCount(blocks[sentence.block]!.text.slice(0, sentence.at + (whole ? 0 : index)));
    places.set(placeKey(item), { block: sentence.block, start, end: start + charCount(item.quote) });
    evidence.push(item);
  };
  /** The first value a pattern finds, trying each pattern over the whole text before the next. */
  const first = <T>(field: string, patterns: RegExp[], parse: (value: string) => T | null): T | null => {
    for (const pattern of patterns) {
      for (const sentence of all) {
        for (const match of sentence.text.matchAll(pattern)) {
          const value = parse(trim(valueOf(match)));
          if (value !== null) {
            cite(field, sentence, match[0], match.index ?? 0);
            return value;
          }
        }
      }
    }
    return null;
  };
  /** Every item the patterns find, in reading order, each once (ignoring case). */
  const list = (field: string, patterns: Array<[RegExp, Splitter]>): string[] => {
    const found: string[] = [];
    for (const sentence of all) {
      for (const [pattern, split] of patterns) {
        for (const match of sentence.text.matchAll(pattern)) {
          const items = split(valueOf(match));
          for (const item of items) {
            if (!found.some((kept) => kept.toLowerCase() === item.toLowerCase())) found.push(item);
          }
          if (items.length > 0) cite(field, sentence, match[0], match.index ?? 0);
        }
      }
    }
    return found;
  };
  const text = (value: string): string | null => value || null;
  // As Rust's u64 parse into the draft's i64: digits only, within range.
  const integer = (value: string): number | null => (/^[0-9]+$/.test(value) && BigInt(value) <= 2n ** 63n - 1n ? Number(value) : null);

  const name = first("name", [NAME_GIVEN, NAME_SELF], text);
  const age = first("age", [AGE], integer);
  const occupation = first("occupation", [OCCUPATION_STATED, OCCUPATION_SELF], text);
  const location = first("location", [LOCATION_STATED, LOCATION_AT_WORK], text);
  // The background: the first sentence of the first block, cut to 300 characters.
  const background = all[0] === undefined ? "" : prefix(all[0].text, BACKGROUND_CHARS);
  if (all[0] !== undefined) cite("background", all[0], background, 0);
  const draft: Draft = {
    ...{ name, age, occupation, location, background },
    traits: list("traits", [[TRAITS_SELF, traits], [TRAITS_LABEL, items]]),
    interests: list("interests", [[INTERESTS, items]]),
    skills: list("skills", [[SKILLS, items]]),
    values: list("values", [[VALUES, items]]),
    goals: list("goals", [[GOALS, whole], [GOALS_LABEL, clauses]]),
    languages: list("languages", [[LANGUAGES, items]]),
    communication_style: first("communication_style", [STYLE], text),
    // The first three sentences in the first person that fit in a quote.
    quotes: all
      .filter((s) => FIRST_PERSON.test(s.text) && charCount(s.text) <= LIMITS.quoteChars)
      .slice(0, QUOTES)
      .map((s) => (cite("quotes", s, s.text, 0), s.text)),
    evidence,
  };
  return { draft, places };
}

/** The first capture group that took part in the match (every pattern has one that does). */
const valueOf = (match: RegExpMatchArray): string => match.slice(1).find((group) => group !== undefined) ?? "";

/**
 * The sentences of one block, with where each starts. A sentence ends at a line break, or after
 * `.`, `!` or `?` (with any closing quotes or brackets) followed by whitespace or the end; its
 * terminator stays in it. A dot after an initial or a known abbreviation ends none.
 */
function sentences(block: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  const push = (start: number, end: number): void => {
    const text = block.slice(start, end);
    if (trim(text) !== "") found.push([start + text.length - text.replace(/^\p{White_Space}+/u, "").length, trim(text)]);
  };
  // The characters that end a sentence are single UTF-16 units, so the walk goes unit by unit.
  let start = 0;
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (c === "\n") {
      push(start, i);
      start = i + 1;
    } else if (c === "." || c === "!" || c === "?") {
      let end = i + 1;
      while (end < block.length && CLOSERS.includes(block[end]!)) end++;
      const word = /\p{Alphabetic}*$/u.exec(block.slice(start, i))![0];
      const abbreviation = c === "." && ((charCount(word) === 1 && word !== "I") || ABBREVIATIONS.has(word));
      if (!abbreviation && (end === block.length || /^\p{White_Space}/u.test(block.slice(end, end + 2)))) {
        push(start, end);
        start = end;
      }
      i = end - 1;
    }
  }
  push(start, block.length);
  return found;
}

const FILLER_WORDS = new Set("a an and are as at for in is of on or the to very with".split(" "));

/** The grounding of `persona`'s values, from the places its evidence quotes were read at. */
export function ground(persona: Persona, blocks: Block[], places: Map<string, Place>): Grounding {
  const evidence = persona.evidence.flatMap((e) => {
    const place = places.get(placeKey(e));
    return place === undefined ? [] : [{ field: e.field, quote: e.quote, place, words: words(e.quote) }];
  });
  const fields: Record<string, FieldGrounding> = {};
  const counts = { quoted: 0, stated: 0, inferred: 0, fabricated_quotes: 0 };
  const grade = (pointer: string, field: string, value: string): void => {
    // An age is mentioned by its number as a word of its own.
    const says = (quoted: string[]): boolean => (field === "age" ? quoted.includes(value) : mentions(quoted, value));
    const quoted = evidence.find((e) => e.field === field && says(e.words));
    const { block, start, end } = quoted?.place ?? { block: 0, start: 0, end: 0 };
    const origin = blocks[block]!.origin;
    const span = { start: origin[start]!, end: origin[end - 1]! + 1 };
    fields[pointer] = quoted === undefined ? { status: "inferred" } : { status: "quoted", quote: quoted.quote, source: `block:${block}`, span };
    counts[fields[pointer].status]++;
  };

  // Every value in persona field order: the background and the evidence are not grounded.
  for (const [field, value] of Object.entries(persona)) {
    if (field === "evidence" || field === "background") continue;
    if (Array.isArray(value)) value.forEach((item, i) => grade(`/${field}/${i}`, field, String(item)));
    else if (value !== null && !(field === "name" && value === UNNAMED)) grade(`/${field}`, field, String(value));
  }
  return { mode: "flag", fields, counts };
}

/** The words of `text` as grounding compares them: runs of letters and digits, folded. */
function words(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(/[\p{Alphabetic}\p{N}]+/gu) ?? [];
}

/** Whether quoted words mention `value`: at least half of its words that are not filler. */
function mentions(quoted: string[], value: string): boolean {
  const all = words(value);
  const content = all.filter((w) => !FILLER_WORDS.has(w));
  const counted = content.length === 0 ? all : content;
  const matched = counted.filter((w) => quoted.some((q) => sameWord(w, q))).length;
  return counted.length > 0 && matched * 2 >= counted.length;
}

/** Equal, or one a prefix of the other when the shorter has at least 4 characters. */
function sameWord(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short === long || (Array.from(short).length >= 4 && long.startsWith(short));
}
