/**
 * Grounding (`domain/src/grounding.rs` and its `fold` and `locate` modules) as far as the mock
 * needs it: every evidence quote looked for in the blocks (folded: NFKC, lower case, one form of
 * each quote mark and dash, invisible characters dropped, whitespace collapsed), each value graded
 * `quoted`, `stated` or `inferred`, spans in code points of the block as the client sent it. Simplified: the fuzzy
 * match of a quote with no exact match is not ported (the mock's quotes are always exact), and
 * the mode is always `flag` (the server's default).
 */

import type { FieldGrounding, Grounding, Persona, Span, Warning } from "../types.js";
import { fromDraft, LIST_FIELDS, MAX_QUOTE_CHARS, UNNAMED, type Draft, type DraftEvidence } from "./rules.js";
import type { SourceBundle } from "./source.js";
import { charCount, chars, collapseWhitespace, isAlphanumeric, isInvisible, isWhitespace, trim } from "./text.js";

const FILLER_WORDS = [
  "a", "an", "and", "are", "as", "at", "for", "in", "is", "of", "on", "or", "the", "to", "very",
  "with",
];

/**
 * A folded text (a JavaScript string) and, for each of its UTF-16 units, the original characters
 * (code points, end exclusive) it came from.
 */
class Folded {
  text = "";
  private origin: Array<[number, number]> = [];

  constructor(original: string) {
    const cs = chars(original);
    let at = 0;
    let i = 0;
    while (i < cs.length) {
      // A character and the combining marks after it: NFKC composes within one segment.
      let segment = cs[i]!;
      let width = 1;
      i++;
      while (i < cs.length && combiningClass(cs[i]!) !== 0) {
        segment += cs[i]!;
        width++;
        i++;
      }
      const from: [number, number] = [at, at + width];
      for (const normal of chars(segment.normalize("NFKC"))) this.push(normal, from);
      at = from[1];
    }
    if (this.text.endsWith(" ")) {
      this.text = this.text.slice(0, -1);
      this.origin.pop();
    }
  }

  private push(c: string, from: [number, number]): void {
    for (const lowered of chars(c.toLowerCase())) {
      const m = foldMark(lowered);
      if (isInvisible(m)) continue;
      if (isWhitespace(m)) {
        if (this.text === "" || this.text.endsWith(" ")) continue;
        this.text += " ";
        this.origin.push(from);
      } else {
        this.text += m;
        for (let k = 0; k < m.length; k++) this.origin.push(from);
      }
    }
  }

  /** The original characters behind the folded units `start..end`. */
  original(start: number, end: number): [number, number] {
    return [this.origin[start]![0], this.origin[end - 1]![1]];
  }

  /** Whether `start..end` begins and ends where an original character's folding does. */
  isAligned(start: number, end: number): boolean {
    const same = (a: [number, number], b: [number, number]): boolean => a[0] === b[0] && a[1] === b[1];
    return (
      (start === 0 || !same(this.origin[start - 1]!, this.origin[start]!)) &&
      (end === this.origin.length || !same(this.origin[end]!, this.origin[end - 1]!))
    );
  }
}

/**
 * The canonical combining class is not exposed by JavaScript; a mark's is non-zero exactly when
 * canonical ordering moves it before U+0345 (class 240, the highest), or it is U+0345 itself.
 */
function combiningClass(c: string): number {
  if (!/\p{M}/u.test(c)) return 0;
  const first = chars(c.normalize("NFD"))[0]!;
  if (first === "\u0345") return 240;
  const probe = "a\u0345" + first;
  return probe.normalize("NFD") === probe ? 0 : 1;
}

function foldMark(c: string): string {
  switch (c) {
    case "\u2018": case "\u2019": case "\u201A": case "\u201B": case "\u2032": case "\u02BC":
    case "`": case "\u00B4":
      return "'";
    case "\u201C": case "\u201D": case "\u201E": case "\u201F": case "\u2033": case "\u00AB":
    case "\u00BB":
      return '"';
    case "\u2212": case "\u2E3A": case "\u2E3B":
      return "-";
    default:
      return c >= "\u2010" && c <= "\u2015" ? "-" : c;
  }
}

/** The words of `text`: maximal runs of letters and digits. */
function words(text: string): string[] {
  return text.match(/[\p{Alphabetic}\p{N}]+/gu) ?? [];
}

/** Whether `text.slice(start, end)` stands as whole words. */
function onWordBoundaries(text: string, start: number, end: number): boolean {
  const inner = chars(text.slice(start, end));
  const before = chars(text.slice(0, start)).pop();
  const after = chars(text.slice(end))[0];
  const joins = (outside: string | undefined, inside: string | undefined): boolean =>
    outside !== undefined && inside !== undefined && isAlphanumeric(outside) && isAlphanumeric(inside);
  return !joins(before, inner[0]) && !joins(after, inner[inner.length - 1]);
}

/** Where something was found: code points `start..end` of block `block`, and its folded units. */
interface Found {
  block: number;
  start: number;
  end: number;
  folded: [number, number];
}

type Fits = (text: string, start: number, end: number) => boolean;

/** The text blocks of a bundle, folded once. */
class Source {
  readonly blocks: Folded[];

  constructor(bundle: SourceBundle) {
    this.blocks = bundle.blocks.map((b) => new Folded(b));
  }

  foldedText(found: Found): string {
    return this.blocks[found.block]!.text.slice(found.folded[0], found.folded[1]);
  }

  /** Where `quote` is, exactly after folding; the block `claimed` is searched first. */
  quote(quote: string, claimed: number | null): Found | null {
    const folded = new Folded(quote);
    if (folded.text === "") return null;
    const order: number[] = [];
    if (claimed !== null && claimed < this.blocks.length) order.push(claimed);
    for (let b = 0; b < this.blocks.length; b++) if (b !== claimed) order.push(b);
    for (const b of order) {
      const found = this.firstIn(b, folded.text, () => true);
      if (found !== null) return found;
    }
    return null;
  }

  /** The first place where `value`, folded, stands as whole words. */
  phrase(value: string): Found | null {
    const folded = new Folded(value);
    if (folded.text === "") return null;
    return this.firstBounded(folded.text, onWordBoundaries);
  }

  /** The first place where `n` is written in digits, not inside a longer number. */
  number(n: number): Found | null {
    const digits = String(n);
    const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
    return this.firstBounded(
      digits,
      (text, start, end) => !isDigit(text[start - 1]) && !isDigit(text[end]),
    );
  }

  private firstBounded(needle: string, fits: Fits): Found | null {
    for (let b = 0; b < this.blocks.length; b++) {
      const found = this.firstIn(b, needle, fits);
      if (found !== null) return found;
    }
    return null;
  }

  private firstIn(b: number, needle: string, fits: Fits): Found | null {
    const folded = this.blocks[b]!;
    const text = folded.text;
    let from = 0;
    for (;;) {
      const at = text.indexOf(needle, from);
      if (at < 0) return null;
      const end = at + needle.length;
      if (folded.isAligned(at, end) && fits(text, at, end)) {
        const [start, stop] = folded.original(at, end);
        return { block: b, start, end: stop, folded: [at, end] };
      }
      from = at + (text.codePointAt(at)! > 0xffff ? 2 : 1);
    }
  }
}

interface Verified {
  field: string;
  quote: string;
  found: Found;
  sourceWords: string[];
}

type Value = { text: string } | { number: number };

/** A persona checked against its source, in `flag` mode. */
export function ground(
  persona: Persona,
  bundle: SourceBundle,
): { persona: Persona; grounding: Grounding; warnings: Warning[] } {
  const source = new Source(bundle);
  const warnings: Warning[] = [];
  let fabricated = 0;
  const evidence: DraftEvidence[] = [];
  const verified: Verified[] = [];
  persona.evidence.forEach((item, index) => {
    const found = source.quote(item.quote, blockIndex(item.source));
    if (found === null) {
      fabricated++;
      warnings.push({
        field: `/evidence/${index}`,
        code: "FABRICATED_QUOTE",
        message: `evidence ${index} quotes words found nowhere in the source and was dropped`,
      });
      return;
    }
    const block = chars(bundle.blocks[found.block]!);
    const ownWords = collapseWhitespace(block.slice(found.start, found.end).join(""));
    const quote = charCount(ownWords) <= MAX_QUOTE_CHARS ? ownWords : item.quote;
    verified.push({
      field: fieldName(item.field),
      quote,
      found,
      sourceWords: words(source.foldedText(found)),
    });
    evidence.push({ field: item.field, quote, source: blockName(found.block) });
  });

  const fields: Array<[string, FieldGrounding]> = [];
  const span = (found: Found): Span => {
    const original = bundle.originalSpan(found.block, found.start, found.end);
    const [start, end] = original ?? [found.start, found.end];
    return { start, end };
  };
  const classify = (field: string, value: Value): FieldGrounding => {
    const quoted = verified.find((v) => v.field === field && mentions(v.sourceWords, value));
    if (quoted !== undefined) {
      return {
        status: "quoted",
        quote: quoted.quote,
        source: blockName(quoted.found.block),
        span: span(quoted.found),
      };
    }
    const stated = "text" in value ? source.phrase(value.text) : source.number(value.number);
    return stated === null
      ? { status: "inferred" }
      : { status: "stated", source: blockName(stated.block), span: span(stated) };
  };
  const scalar = (field: string, value: Value): void => {
    fields.push([`/${field}`, classify(field, value)]);
  };
  const list = (field: string, items: string[]): void => {
    items.forEach((item, index) => fields.push([`/${field}/${index}`, classify(field, { text: item })]));
  };

  if (persona.name !== UNNAMED) scalar("name", { text: persona.name });
  if (persona.age !== null) scalar("age", { number: persona.age });
  if (persona.occupation !== null) scalar("occupation", { text: persona.occupation });
  if (persona.location !== null) scalar("location", { text: persona.location });
  list("traits", persona.traits);
  list("interests", persona.interests);
  list("skills", persona.skills);
  list("values", persona.values);
  list("goals", persona.goals);
  list("languages", persona.languages);
  if (persona.communication_style !== null) {
    scalar("communication_style", { text: persona.communication_style });
  }
  list("quotes", persona.quotes);

  const counts = { quoted: 0, stated: 0, inferred: 0, fabricated_quotes: fabricated };
  for (const [, field] of fields) counts[field.status]++;
  // Flag mode removes nothing; only the evidence changed (fabricated quotes dropped, found ones
  // in the source's words), and the rules see the persona again, as on the server.
  const draft: Draft = { ...persona, evidence };
  return {
    persona: fromDraft(draft).persona,
    grounding: { mode: "flag", fields: Object.fromEntries(fields), counts },
    warnings,
  };
}

/** Whether source words mention `value`: the number, or at least half of its non-filler words. */
function mentions(sourceWords: string[], value: Value): boolean {
  if ("number" in value) return sourceWords.includes(String(value.number));
  const all = words(new Folded(value.text).text);
  const content = all.filter((w) => !FILLER_WORDS.includes(w));
  const counted = content.length === 0 ? all : content;
  if (counted.length === 0) return false;
  const matched = counted.filter((w) => sourceWords.some((s) => sameWord(w, s))).length;
  return matched * 2 >= counted.length;
}

/** Equal, or one a prefix of the other when the shorter has at least 4 characters. */
function sameWord(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short === long || (charCount(short) >= 4 && long.startsWith(short));
}

/** The persona field an evidence item names: `skills`, `/skills/2`, `Skill`, `skills[2]`. */
function fieldName(field: string): string {
  const head = trim(trim(field).replace(/^\/+/, "").split(/[/[.]/)[0] ?? "");
  const name = head.toLowerCase().replace(/[ -]/g, "_");
  return LIST_FIELDS.find((plural) => plural.slice(0, -1) === name) ?? name;
}

/** The block an evidence `source` names (`block:N`), if it names one. */
function blockIndex(source: string): number | null {
  const lowered = trim(source).replace(/[A-Z]/g, (c) => c.toLowerCase());
  const rest = lowered.replace(/^\[+/, "");
  if (!rest.startsWith("block")) return null;
  const digits = rest.slice(5).replace(/^[: _#]+/, "").replace(/\]+$/, "");
  // Rust's usize parse: ASCII digits with an optional leading '+'.
  return /^\+?[0-9]+$/.test(digits) ? Number(digits) : null;
}

const blockName = (block: number): string => `block:${block}`;
