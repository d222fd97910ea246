/**
 * The mock extractor (`adapters-mock/src/extractor.rs`): a draft read from the text blocks with a
 * handful of English phrase patterns, each value with the sentence it came from as evidence.
 * Deterministic; links are not followed.
 */

import * as p from "./patterns.js";
import type { Splitter } from "./patterns.js";
import { split, type Sentence } from "./sentences.js";
import { charCount, lower, prefix, trim } from "./text.js";
import type { Draft, DraftEvidence } from "./rules.js";

const MAX_BACKGROUND_CHARS = 300;
const MAX_QUOTES = 3;
const MAX_QUOTE_CHARS = 500;
const MAX_I64 = 9_223_372_036_854_775_807n;

/** Reads a draft from the (sanitised) text blocks. */
export function read(blocks: string[]): Draft {
  const reader = new Reader(split(blocks));
  const text = (value: string): string | null => (value === "" ? null : value);
  const integer = (value: string): number | null =>
    /^[0-9]+$/.test(value) && BigInt(value) <= MAX_I64 ? Number(value) : null;

  const name = reader.first("name", [p.NAME_GIVEN, p.NAME_SELF], text);
  const age = reader.first("age", [p.AGE], integer);
  const occupation = reader.first("occupation", [p.OCCUPATION_STATED, p.OCCUPATION_SELF], text);
  const location = reader.first("location", [p.LOCATION_STATED, p.LOCATION_AT_WORK], text);
  const background = reader.background();
  const traits = reader.list("traits", [
    [p.TRAITS_SELF, p.traits],
    [p.TRAITS_LABEL, p.items],
  ]);
  const interests = reader.list("interests", [[p.INTERESTS, p.items]]);
  const skills = reader.list("skills", [[p.SKILLS, p.items]]);
  const values = reader.list("values", [[p.VALUES, p.items]]);
  const goals = reader.list("goals", [
    [p.GOALS, p.whole],
    [p.GOALS_LABEL, p.clauses],
  ]);
  const languages = reader.list("languages", [[p.LANGUAGES, p.items]]);
  const communication_style = reader.first("communication_style", [p.STYLE], text);
  const quotes = reader.quotes();

  return {
    name,
    age,
    occupation,
    location,
    background,
    traits,
    interests,
    skills,
    values,
    goals,
    languages,
    communication_style,
    quotes,
    evidence: reader.evidence,
  };
}

/** Walks the sentences and collects evidence for every value it keeps. */
class Reader {
  readonly evidence: DraftEvidence[] = [];

  constructor(private readonly sentences: Sentence[]) {}

  /** The first value a pattern finds, trying each pattern over the whole text before the next. */
  first<T>(field: string, patterns: RegExp[], parse: (value: string) => T | null): T | null {
    for (const pattern of patterns) {
      for (const sentence of this.sentences) {
        for (const captures of sentence.text.matchAll(pattern)) {
          const raw = valueOf(captures);
          const value = raw === null ? null : parse(trim(raw));
          if (value !== null) {
            this.cite(field, sentence, captures[0]);
            return value;
          }
        }
      }
    }
    return null;
  }

  /** Every item the patterns find, in reading order, each once (ignoring case). */
  list(field: string, patterns: Array<[RegExp, Splitter]>): string[] {
    const found: string[] = [];
    for (const sentence of this.sentences) {
      for (const [pattern, splitter] of patterns) {
        for (const captures of sentence.text.matchAll(pattern)) {
          const raw = valueOf(captures);
          const items = raw === null ? [] : splitter(raw);
          if (items.length === 0) continue;
          for (const item of items) {
            const key = lower(item);
            if (!found.some((kept) => lower(kept) === key)) found.push(item);
          }
          this.cite(field, sentence, captures[0]);
        }
      }
    }
    return found;
  }

  /** The first sentence of the first block, cut to 300 characters. */
  background(): string {
    const first = this.sentences[0];
    if (first === undefined) return "";
    const background = prefix(first.text, MAX_BACKGROUND_CHARS);
    this.cite("background", first, background);
    return background;
  }

  /** The first three sentences in the first person that fit in a quote. */
  quotes(): string[] {
    const chosen = this.sentences
      .filter((s) => p.FIRST_PERSON.test(s.text))
      .filter((s) => charCount(s.text) <= MAX_QUOTE_CHARS)
      .slice(0, MAX_QUOTES);
    for (const sentence of chosen) this.cite("quotes", sentence, sentence.text);
    return chosen.map((s) => s.text);
  }

  /** Records that `field` was read from `sentence`: the whole sentence, or the matched words. */
  private cite(field: string, sentence: Sentence, matched: string): void {
    const quote =
      charCount(sentence.text) <= MAX_QUOTE_CHARS ? sentence.text : prefix(matched, MAX_QUOTE_CHARS);
    const source = `block:${sentence.block}`;
    if (!this.evidence.some((e) => e.field === field && e.quote === quote && e.source === source)) {
      this.evidence.push({ field, quote, source });
    }
  }
}

/** The first capture group that took part in the match. */
function valueOf(captures: RegExpMatchArray): string | null {
  for (let i = 1; i < captures.length; i++) {
    const group = captures[i];
    if (group !== undefined) return group;
  }
  return null;
}
