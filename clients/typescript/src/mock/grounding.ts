/**
 * Grounding (`domain/src/grounding.rs`) for what the mock extractor reads: every evidence quote is
 * a verbatim sentence whose place the extractor kept, so a value is `quoted` by the first evidence
 * of its field that mentions it, at that place mapped back to the text as sent. The server
 * searches the text instead (folded, then fuzzily) and can also find a value `stated` where no
 * evidence mentions it; for the mock's own quotes both give the same answer. Mode `flag` (the
 * server's default): nothing is removed.
 */

import type { FieldGrounding, Grounding, Persona } from "../types.js";
import { placeKey, type Place } from "./extractor.js";
import type { Block } from "./input.js";
import { LIST_FIELDS, UNNAMED } from "./rules.js";

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
    fields[pointer] =
      quoted === undefined
        ? { status: "inferred" }
        : {
            status: "quoted",
            quote: quoted.quote,
            source: `block:${block}`,
            span: { start: origin[start]!, end: origin[end - 1]! + 1 },
          };
    counts[fields[pointer].status]++;
  };

  if (persona.name !== UNNAMED) grade("/name", "name", persona.name);
  if (persona.age !== null) grade("/age", "age", String(persona.age));
  for (const field of ["occupation", "location"] as const) {
    const value = persona[field];
    if (value !== null) grade(`/${field}`, field, value);
  }
  for (const field of LIST_FIELDS.slice(0, -1)) {
    persona[field].forEach((item, index) => grade(`/${field}/${index}`, field, item));
  }
  if (persona.communication_style !== null) grade("/communication_style", "communication_style", persona.communication_style);
  persona.quotes.forEach((quote, index) => grade(`/quotes/${index}`, "quotes", quote));
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
