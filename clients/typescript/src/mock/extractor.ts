/**
 * The mock extractor (`adapters-mock/src/extractor.rs`): a draft read from the text blocks with a
 * handful of English phrase patterns, each value with the sentence it came from as evidence.
 * Deterministic; links are not followed. It remembers where each quote is, so grounding
 * (`grounding.ts`) reports it from there instead of searching the text again.
 */

import type { Block } from "./input.js";
import * as p from "./patterns.js";
import { LIMITS } from "./limits.js";
import { charCount, collapse, prefix, trim, type Draft, type DraftEvidence } from "./rules.js";

const BACKGROUND_CHARS = 300;
const QUOTES = 3;
/** Words whose dot does not end a sentence, besides single letters (initials). */
const ABBREVIATIONS = new Set(["Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "vs"]);
const CLOSERS = `.!?"'”’)`;

/** One sentence: a trimmed, verbatim slice of a block, and where it starts (UTF-16 units). */
interface Sentence {
  block: number;
  at: number;
  text: string;
}

/** Where an evidence quote is: characters `start..end` (code points) of a sanitised block. */
export interface Place {
  block: number;
  start: number;
  end: number;
}

/** The key under which `read` files each evidence item's place: the item as the rules keep it. */
export const placeKey = (e: DraftEvidence): string => [e.field, collapse(e.quote), e.source].join("\u0000");

/** A draft read from the sanitised blocks, and where each evidence quote was taken from. */
export function read(blocks: Block[]): { draft: Draft; places: Map<string, Place> } {
  const reader = new Reader(blocks.map((b) => b.text));
  const text = (value: string): string | null => (value === "" ? null : value);
  // As Rust's u64 parse into the draft's i64: digits only, within range.
  const integer = (value: string): number | null =>
    /^[0-9]+$/.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n ? Number(value) : null;
  const draft: Draft = {
    name: reader.first("name", [p.NAME_GIVEN, p.NAME_SELF], text),
    age: reader.first("age", [p.AGE], integer),
    occupation: reader.first("occupation", [p.OCCUPATION_STATED, p.OCCUPATION_SELF], text),
    location: reader.first("location", [p.LOCATION_STATED, p.LOCATION_AT_WORK], text),
    background: reader.background(),
    traits: reader.list("traits", [[p.TRAITS_SELF, p.traits], [p.TRAITS_LABEL, p.items]]),
    interests: reader.list("interests", [[p.INTERESTS, p.items]]),
    skills: reader.list("skills", [[p.SKILLS, p.items]]),
    values: reader.list("values", [[p.VALUES, p.items]]),
    goals: reader.list("goals", [[p.GOALS, p.whole], [p.GOALS_LABEL, p.clauses]]),
    languages: reader.list("languages", [[p.LANGUAGES, p.items]]),
    communication_style: reader.first("communication_style", [p.STYLE], text),
    quotes: reader.quotes(),
    evidence: reader.evidence,
  };
  return { draft, places: reader.places };
}

/** Walks the sentences and collects evidence, and its place, for every value it keeps. */
class Reader {
  readonly evidence: DraftEvidence[] = [];
  readonly places = new Map<string, Place>();
  private readonly sentences: Sentence[];

  constructor(private readonly blocks: string[]) {
    this.sentences = blocks.flatMap((text, block) => sentences(text).map(([at, s]) => ({ block, at, text: s })));
  }

  /** The first value a pattern finds, trying each pattern over the whole text before the next. */
  first<T>(field: string, patterns: RegExp[], parse: (value: string) => T | null): T | null {
    for (const pattern of patterns) {
      for (const sentence of this.sentences) {
        for (const match of sentence.text.matchAll(pattern)) {
          const raw = valueOf(match);
          const value = raw === null ? null : parse(trim(raw));
          if (value !== null) {
            this.cite(field, sentence, match[0], match.index ?? 0);
            return value;
          }
        }
      }
    }
    return null;
  }

  /** Every item the patterns find, in reading order, each once (ignoring case). */
  list(field: string, patterns: Array<[RegExp, p.Splitter]>): string[] {
    const found: string[] = [];
    for (const sentence of this.sentences) {
      for (const [pattern, split] of patterns) {
        for (const match of sentence.text.matchAll(pattern)) {
          const raw = valueOf(match);
          const items = raw === null ? [] : split(raw);
          if (items.length === 0) continue;
          for (const item of items) {
            if (!found.some((kept) => kept.toLowerCase() === item.toLowerCase())) found.push(item);
          }
          this.cite(field, sentence, match[0], match.index ?? 0);
        }
      }
    }
    return found;
  }

  /** The first sentence of the first block, cut to 300 characters. */
  background(): string {
    const first = this.sentences[0];
    if (first === undefined) return "";
    const background = prefix(first.text, BACKGROUND_CHARS);
    this.cite("background", first, background, 0);
    return background;
  }

  /** The first three sentences in the first person that fit in a quote. */
  quotes(): string[] {
    const chosen = this.sentences
      .filter((s) => p.FIRST_PERSON.test(s.text) && charCount(s.text) <= LIMITS.quoteChars)
      .slice(0, QUOTES);
    for (const sentence of chosen) this.cite("quotes", sentence, sentence.text, 0);
    return chosen.map((s) => s.text);
  }

  /** Records that `field` was read from `sentence`: the whole sentence, or the `matched` words at `index`. */
  private cite(field: string, sentence: Sentence, matched: string, index: number): void {
    const whole = charCount(sentence.text) <= LIMITS.quoteChars;
    const quote = whole ? sentence.text : prefix(matched, LIMITS.quoteChars);
    const at = sentence.at + (whole ? 0 : index);
    const evidence = { field, quote, source: `block:${sentence.block}` };
    const key = placeKey(evidence);
    if (this.places.has(key)) return;
    const start = charCount(this.blocks[sentence.block]!.slice(0, at));
    this.places.set(key, { block: sentence.block, start, end: start + charCount(quote) });
    this.evidence.push(evidence);
  }
}

/** The first capture group that took part in the match. */
function valueOf(match: RegExpMatchArray): string | null {
  return match.slice(1).find((group) => group !== undefined) ?? null;
}

/**
 * The sentences of one block, with where each starts. A sentence ends at a line break, or after
 * `.`, `!` or `?` (with any closing quotes or brackets) followed by whitespace or the end; its
 * terminator stays in it. A dot after an initial or a known abbreviation ends none.
 */
function sentences(block: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  const push = (start: number, end: number): void => {
    const text = block.slice(start, end);
    const lead = text.length - text.replace(/^\p{White_Space}+/u, "").length;
    if (trim(text) !== "") found.push([start + lead, trim(text)]);
  };
  let start = 0;
  let i = 0;
  while (i < block.length) {
    const c = String.fromCodePoint(block.codePointAt(i)!);
    const at = i;
    i += c.length;
    if (c === "\n") {
      push(start, at);
      start = i;
    } else if (c === "." || c === "!" || c === "?") {
      while (i < block.length && CLOSERS.includes(block[i]!)) i++;
      const atBreak = i >= block.length || /^\p{White_Space}/u.test(block.slice(i, i + 2));
      const word = /\p{Alphabetic}*$/u.exec(block.slice(start, at))![0];
      const abbreviation = c === "." && ((charCount(word) === 1 && word !== "I") || ABBREVIATIONS.has(word));
      if (atBreak && !abbreviation) {
        push(start, i);
        start = i;
      }
    }
  }
  push(start, block.length);
  return found;
}
