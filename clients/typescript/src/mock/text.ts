/**
 * Text helpers of the mock, matching the Rust domain's: lengths in Unicode scalar values (code
 * points, not UTF-16 units), whitespace as Unicode's `White_Space`, control characters as `Cc`.
 */

const WHITESPACE = /^\p{White_Space}$/u;
const CONTROL = /^\p{Cc}$/u;
const ALPHABETIC = /^\p{Alphabetic}$/u;
const NUMERIC = /^\p{N}$/u;
const LEADING_WHITESPACE = /^\p{White_Space}+/u;
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;

/** Rust's `char::is_whitespace`. */
export const isWhitespace = (c: string): boolean => WHITESPACE.test(c);
/** Rust's `char::is_control`. */
export const isControl = (c: string): boolean => CONTROL.test(c);
/** Rust's `char::is_alphabetic`. */
export const isAlphabetic = (c: string): boolean => ALPHABETIC.test(c);
/** Rust's `char::is_numeric`. */
export const isNumeric = (c: string): boolean => NUMERIC.test(c);
/** Rust's `char::is_alphanumeric`. */
export const isAlphanumeric = (c: string): boolean => isAlphabetic(c) || isNumeric(c);

/** The code points of `s`. */
export const chars = (s: string): string[] => Array.from(s);

/** Characters (code points) in `s`. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Rust's `str::trim`. */
export const trim = (s: string): string => trimEnd(trimStart(s));
/** Rust's `str::trim_start`. */
export const trimStart = (s: string): string => s.replace(LEADING_WHITESPACE, "");
/** Rust's `str::trim_end`. */
export const trimEnd = (s: string): string => s.replace(TRAILING_WHITESPACE, "");

/** Rust's `str::split_whitespace`. */
export function splitWhitespace(s: string): string[] {
  return s.split(/\p{White_Space}+/u).filter((w) => w !== "");
}

/** Bytes of `s` in UTF-8. */
export const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/**
 * Control characters other than newline and tab removed, `\r\n` and a lone `\r` turned into `\n`,
 * and for every character of `input` with no counterpart in the output, the number of output
 * characters before it.
 */
export function sanitiseTracked(input: string): [string, number[]] {
  let out = "";
  let written = 0;
  const removed: number[] = [];
  const cs = chars(input);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (c === "\r" && cs[i + 1] === "\n") {
      removed.push(written);
    } else if (c === "\r") {
      out += "\n";
      written++;
    } else if (c === "\n" || c === "\t") {
      out += c;
      written++;
    } else if (isControl(c)) {
      removed.push(written);
    } else {
      out += c;
      written++;
    }
  }
  return [out, removed];
}

/** Unicode's `Default_Ignorable_Code_Point`: the domain's `is_invisible`. */
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
/** The domain's `is_invisible`: no visible form of its own (zero-width, bidi controls, …). */
export const isInvisible = (c: string): boolean => INVISIBLE.test(c);
/** The domain's `is_bidi_control`: embeddings, overrides and isolates. */
export const isBidiControl = (c: string): boolean =>
  (c >= "\u202A" && c <= "\u202E") || (c >= "\u2066" && c <= "\u2069");
/** The domain's `is_blank`: only whitespace, control and invisible characters. */
export const isBlank = (s: string): boolean =>
  chars(s).every((c) => isWhitespace(c) || isControl(c) || isInvisible(c));

/**
 * Every run of whitespace collapsed into one space, both ends trimmed, control characters and
 * bidi controls dropped.
 */
export function collapseWhitespace(input: string): string {
  const words: string[] = [];
  for (const word of splitWhitespace(input)) {
    const kept = chars(word)
      .filter((c) => !isControl(c) && !isBidiControl(c))
      .join("");
    if (kept !== "") words.push(kept);
  }
  return words.join(" ");
}

/** The first `max` characters of `s`, end trimmed; null when `s` already fits. */
export function truncated(s: string, max: number): string | null {
  const cs = chars(s);
  return cs.length > max ? trimEnd(cs.slice(0, max).join("")) : null;
}

/** The first `max` characters of `s`. */
export function prefix(s: string, max: number): string {
  const cs = chars(s);
  return cs.length > max ? cs.slice(0, max).join("") : s;
}

/** Rust's `str::to_lowercase`. */
export const lower = (s: string): string => s.toLowerCase();
