/**
 * Cutting text blocks into sentences, each a verbatim slice of its block
 * (`adapters-mock/src/extractor/sentences.rs`).
 */

import { chars, isAlphabetic, isWhitespace, trim } from "./text.js";

/** One sentence: a trimmed, verbatim slice of a block, and that block's index. */
export interface Sentence {
  block: number;
  text: string;
}

/** Words whose dot does not end a sentence, besides single letters (initials). */
const ABBREVIATIONS = ["Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "vs"];
const CLOSERS = new Set([".", "!", "?", '"', "'", "”", "’", ")"]);

/** Every sentence of every block, in reading order. */
export function split(blocks: string[]): Sentence[] {
  return blocks.flatMap((text, block) => sentences(text).map((s) => ({ block, text: s })));
}

/**
 * The sentences of one block. A sentence ends at a line break, or after `.`, `!` or `?` (with any
 * closing quotes or brackets) followed by whitespace or the end; its terminator stays in it.
 */
function sentences(block: string): string[] {
  const found: string[] = [];
  // Code points with their UTF-16 offsets.
  const cs: Array<[number, string]> = [];
  let offset = 0;
  for (const c of chars(block)) {
    cs.push([offset, c]);
    offset += c.length;
  }
  let start = 0;
  let i = 0;
  while (i < cs.length) {
    const [at, c] = cs[i]!;
    i++;
    let cut: [number, number] | null = null;
    if (c === "\n") {
      cut = [at, at + 1];
    } else if (c === "." || c === "!" || c === "?") {
      let end = at + c.length;
      while (i < cs.length && CLOSERS.has(cs[i]![1])) {
        end = cs[i]![0] + cs[i]![1].length;
        i++;
      }
      const atBreak = i >= cs.length || isWhitespace(cs[i]![1]);
      const abbreviation = c === "." && isAbbreviation(block.slice(start, at));
      if (atBreak && !abbreviation) cut = [end, end];
    }
    if (cut !== null) {
      pushTrimmed(found, block.slice(start, cut[0]));
      start = cut[1];
    }
  }
  pushTrimmed(found, block.slice(start));
  return found;
}

/** Whether the word just before a dot is an initial or a known abbreviation. */
function isAbbreviation(before: string): boolean {
  const cs = chars(before);
  let from = cs.length;
  while (from > 0 && isAlphabetic(cs[from - 1]!)) from--;
  const word = cs.slice(from).join("");
  return (cs.length - from === 1 && word !== "I") || ABBREVIATIONS.includes(word);
}

function pushTrimmed(found: string[], text: string): void {
  const trimmed = trim(text);
  if (trimmed !== "") found.push(trimmed);
}
