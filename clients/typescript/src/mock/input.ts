/**
 * The input rules of process-persona (`domain/src/source.rs`): text blocks and links checked,
 * every broken rule reported with the server's message and JSON pointer (never the text), blocks
 * sanitised and trimmed with a map from each of their characters back to the text as sent.
 */

import { LIMITS } from "./limits.js";
import { charCount, isBlank, trim } from "./rules.js";

/** One broken input rule; `tooLarge` when it is about size (413 when every one is). */
export type SourceError = { message: string; pointer: string; tooLarge: boolean };
/** A sanitised, trimmed block, and for each of its characters its index in the block as sent. */
export type Block = { text: string; origin: number[] };

const tooMany = (what: string, count: number, max: number, unit: string): string =>
  `${what} ${count} ${unit}; at most ${max} are allowed (${count - max} too many)`;

/** The sanitised blocks, or every rule the material breaks, in input order. */
export function checkSource(textBlocks: string[], links: string[]): { blocks: Block[] } | { errors: SourceError[] } {
  const errors: SourceError[] = [];
  const fail = (message: string, pointer: string, tooLarge: boolean): void => void errors.push({ message, pointer, tooLarge });
  if (textBlocks.length === 0) fail("textBlocks must hold at least one block of text", "/textBlocks", false);
  if (textBlocks.length > LIMITS.textBlocks) {
    fail(tooMany("textBlocks holds", textBlocks.length, LIMITS.textBlocks, "blocks"), "/textBlocks", true);
  }
  let total = 0;
  const blocks = textBlocks.map((raw, index) => {
    const block = sanitise(raw);
    const count = charCount(block.text);
    total += count;
    const at = `/textBlocks/${index}`;
    if (isBlank(block.text)) {
      fail(`textBlocks[${index}] is empty once whitespace, control and invisible characters (zero-width, bidi controls) are removed`, at, false);
    } else if (count > LIMITS.blockChars) {
      fail(tooMany(`textBlocks[${index}] has`, count, LIMITS.blockChars, "characters"), at, true);
    }
    return block;
  });
  if (total > LIMITS.totalChars) {
    fail(tooMany("the text blocks have", total, LIMITS.totalChars, "characters in total"), "/textBlocks", true);
  }
  if (links.length > LIMITS.links) fail(tooMany("links holds", links.length, LIMITS.links, "links"), "/links", true);
  errors.push(...links.flatMap((raw, index) => checkLink(raw, index) ?? []));
  return errors.length === 0 ? { blocks } : { errors };
}

/**
 * Control characters but newline and tab removed, `\r\n` and a lone `\r` made `\n`, whitespace
 * trimmed; each kept character remembers where it was.
 */
function sanitise(raw: string): Block {
  const chars = Array.from(raw);
  let text = "";
  const origin: number[] = [];
  chars.forEach((c, i) => {
    if (c === "\r" && chars[i + 1] === "\n") return;
    if (/\p{Cc}/u.test(c) && c !== "\n" && c !== "\t" && c !== "\r") return;
    text += c === "\r" ? "\n" : c;
    origin.push(i);
  });
  const leading = charCount(text) - charCount(text.replace(/^\p{White_Space}+/u, ""));
  const trimmed = trim(text);
  return { text: trimmed, origin: origin.slice(leading, leading + charCount(trimmed)) };
}

function checkLink(raw: string, index: number): SourceError | null {
  const pointer = `/links/${index}`;
  const fail = (message: string, tooLarge = false): SourceError => ({ message: `links[${index}] ${message}`, pointer, tooLarge });
  const link = trim(raw.replace(/\p{Cc}/gu, ""));
  if (link === "") return fail("is empty");
  const count = charCount(link);
  if (count > LIMITS.linkChars) return fail(tooMany("has", count, LIMITS.linkChars, "characters"), true);
  const notUrl = fail("is not an absolute URL (expected something like https://example.com/page)");
  const url = ((): URL | null => { try { return new URL(link); } catch { return null; } })();
  if (url === null) return notUrl;
  if (url.protocol !== "http:" && url.protocol !== "https:") return fail("must use http or https");
  // The server also refuses a link that percent-encoding makes too long; the mock does not.
  return url.hostname === "" ? notUrl : null;
}
