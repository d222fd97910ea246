/**
 * The input rules of `domain/src/source.rs`: text blocks and links checked and sanitised, every
 * broken rule reported with the server's message, and the map from a sanitised block's characters
 * back to the text the client sent (for grounding spans).
 */

import { charCount, chars, isBlank, isControl, sanitiseTracked, trim, trimStart } from "./text.js";

export const MAX_TEXT_BLOCKS = 50;
export const MAX_BLOCK_CHARS = 100_000;
export const MAX_TOTAL_CHARS = 300_000;
export const MAX_LINKS = 50;
export const MAX_LINK_CHARS = 2_048;

/** One broken input rule: its message, its JSON pointer, and whether it is about size. */
export interface SourceError {
  message: string;
  pointer: string;
  tooLarge: boolean;
}

/** Where a sanitised, trimmed block's characters were in the client's text. */
interface Origin {
  leading: number;
  removed: number[];
}

/** Text blocks and links about one person, sanitised and within the limits. */
export class SourceBundle {
  private constructor(
    /** The sanitised, trimmed text blocks. */
    readonly blocks: string[],
    /** The normalised, de-duplicated links. */
    readonly links: string[],
    private readonly origins: Origin[],
  ) {}

  /** The bundle, or every rule the material breaks, in input order. */
  static parse(textBlocks: string[], links: string[]): SourceBundle | SourceError[] {
    const errors: SourceError[] = [];
    if (textBlocks.length === 0) {
      errors.push(err("textBlocks must hold at least one block of text", "/textBlocks", false));
    }
    if (textBlocks.length > MAX_TEXT_BLOCKS) {
      const count = textBlocks.length;
      errors.push(
        err(
          `textBlocks holds ${count} blocks; at most ${MAX_TEXT_BLOCKS} are allowed (${count - MAX_TEXT_BLOCKS} too many)`,
          "/textBlocks",
          true,
        ),
      );
    }
    const blocks: string[] = [];
    const origins: Origin[] = [];
    let total = 0;
    textBlocks.forEach((raw, index) => {
      const [sanitised, removed] = sanitiseTracked(raw);
      const trimmedStart = trimStart(sanitised);
      const leading = charCount(sanitised) - charCount(trimmedStart);
      origins.push({ leading, removed });
      const block = trim(trimmedStart);
      const count = charCount(block);
      total += count;
      if (isBlank(block)) {
        errors.push(
          err(
            `textBlocks[${index}] is empty once whitespace, control and invisible characters (zero-width, bidi controls) are removed`,
            `/textBlocks/${index}`,
            false,
          ),
        );
      } else if (count > MAX_BLOCK_CHARS) {
        errors.push(
          err(
            `textBlocks[${index}] has ${count} characters; at most ${MAX_BLOCK_CHARS} are allowed (${count - MAX_BLOCK_CHARS} too many)`,
            `/textBlocks/${index}`,
            true,
          ),
        );
      }
      blocks.push(block);
    });
    if (total > MAX_TOTAL_CHARS) {
      errors.push(
        err(
          `the text blocks have ${total} characters in total; at most ${MAX_TOTAL_CHARS} are allowed (${total - MAX_TOTAL_CHARS} too many)`,
          "/textBlocks",
          true,
        ),
      );
    }
    if (links.length > MAX_LINKS) {
      const count = links.length;
      errors.push(
        err(
          `links holds ${count} links; at most ${MAX_LINKS} are allowed (${count - MAX_LINKS} too many)`,
          "/links",
          true,
        ),
      );
    }
    const parsedLinks: string[] = [];
    links.forEach((raw, index) => {
      const link = parseLink(index, raw);
      if (typeof link === "string") {
        if (!parsedLinks.includes(link)) parsedLinks.push(link);
      } else {
        errors.push(link);
      }
    });
    return errors.length === 0 ? new SourceBundle(blocks, parsedLinks, origins) : errors;
  }

  /**
   * Where characters `start..end` of block `block` (code points, as `blocks` holds it) were in the
   * string the client sent; null when the block or range does not exist or the range is empty.
   */
  originalSpan(block: number, start: number, end: number): [number, number] | null {
    const origin = this.origins[block];
    const text = this.blocks[block];
    if (origin === undefined || text === undefined) return null;
    if (!(start < end && end <= charCount(text))) return null;
    return [originOf(origin, start), originOf(origin, end - 1) + 1];
  }
}

function originOf(origin: Origin, at: number): number {
  const untrimmed = at + origin.leading;
  // partition_point(|&p| p <= untrimmed): removed is sorted.
  let before = 0;
  while (before < origin.removed.length && origin.removed[before]! <= untrimmed) before++;
  return untrimmed + before;
}

function err(message: string, pointer: string, tooLarge: boolean): SourceError {
  return { message, pointer, tooLarge };
}

function parseLink(index: number, raw: string): string | SourceError {
  const pointer = `/links/${index}`;
  const link = trim(
    chars(raw)
      .filter((c) => !isControl(c))
      .join(""),
  );
  if (link === "") return err(`links[${index}] is empty`, pointer, false);
  const count = charCount(link);
  if (count > MAX_LINK_CHARS) {
    return err(
      `links[${index}] has ${count} characters; at most ${MAX_LINK_CHARS} are allowed (${count - MAX_LINK_CHARS} too many)`,
      pointer,
      true,
    );
  }
  const notUrl = err(
    `links[${index}] is not an absolute URL (expected something like https://example.com/page)`,
    pointer,
    false,
  );
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return notUrl;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return err(`links[${index}] must use http or https`, pointer, false);
  }
  if (url.hostname === "") return notUrl;
  const normalised = url.href;
  const normalisedCount = charCount(normalised);
  if (normalisedCount > MAX_LINK_CHARS) {
    return err(
      `links[${index}] has ${normalisedCount} characters once normalised (spaces and non-ASCII characters are percent-encoded); at most ${MAX_LINK_CHARS} are allowed`,
      pointer,
      true,
    );
  }
  return normalised;
}
