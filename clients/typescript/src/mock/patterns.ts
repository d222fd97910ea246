/**
 * The phrases the mock extractor reads (`adapters-mock/src/extractor/patterns.rs`), written as
 * JavaScript regexes with the Rust crate's meaning: `\b`, `\d` and `\s` Unicode-aware, and the
 * case-insensitive phrases spelled out by `ci` (Node 20 has no inline `(?i:…)`).
 */

/** Rust's Unicode `\w`, which its `\b` is made of. */
const WORD = String.raw`[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]`;

/** A pattern with Rust's Unicode `\b`, `\d` and `\s`. */
function re(source: string, flags = "gu"): RegExp {
  return new RegExp(
    source
      .replaceAll(String.raw`\b`, `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`)
      .replaceAll(String.raw`\d`, String.raw`\p{Nd}`)
      .replaceAll(String.raw`\s`, String.raw`\p{White_Space}`),
    flags,
  );
}

/** `phrase` in any case (the letters Unicode folds to k and s too), each space `\s+`. */
function ci(phrase: string): string {
  const cases = (c: string): string => ({ k: "kK\u212A", s: "sS\u017F" })[c] ?? c + c.toUpperCase();
  return `(?:${phrase.replace(/[a-z]/g, (c) => `[${cases(c)}]`).replaceAll(" ", String.raw`\s+`)})`;
}

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

export const NAME_GIVEN = re(r`\b(?:${ci("my name is|call me")}\s+|${ci("name")}${LABEL})${NAME}`);
export const NAME_SELF = re(r`\b${I_AM}\s+${NAME}`);
export const AGE = re(
  r`\b(\d+)\s*-?\s*${ci("years?|yrs?")}\s*-?\s*${ci("old")}\b|\b${ci("aged")}\s+(\d+)\b|\b${ci("age")}${LABEL}(\d+)\b`,
);
const OCCUPATION_END = r`(?:\s+(?:in|at|for|from)\s+\p{Lu}|\s+${ci("and|but|who|where|with|since")}\b|\s*[,;.!?]|$)`;
export const OCCUPATION_STATED = re(
  r`\b(?:${ci("i work as|works as|working as|my job is")}\s+${A}?|${ci("occupation|profession|job")}${LABEL}${A}?)${CLAUSE}${OCCUPATION_END}`,
);
export const OCCUPATION_SELF = re(r`\b${I_AM}\s+${A}${CLAUSE}${OCCUPATION_END}`);
export const LOCATION_STATED = re(
  r`\b(?:${ci("i live in|lives in|living in|based in|i am from|i['’]m from|i come from|comes from")}\s+|${ci("location")}${LABEL})${PLACE}`,
);
export const LOCATION_AT_WORK = re(r`\b${ci("work|works|working")}\b[^,;.!?\n]*?\s${ci("in")}\s+${PLACE}`);
/** One to three lowercase words: "curious", "very patient", "a bit shy". */
const ADJECTIVE = r`\p{Ll}[\p{Ll}-]*(?:\s\p{Ll}[\p{Ll}-]*){0,2}`;
export const TRAITS_SELF = re(
  r`\b${I_AM}\s+(${ADJECTIVE}(?:(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)${ADJECTIVE})*)(?:\s*[,;.!?]|\s+(?:and|but)\s+${ME}\b|$)`,
);
export const TRAITS_LABEL = re(r`\b${ci("traits")}${LABEL}${LIST}${LIST_END}`);
export const INTERESTS = re(
  r`\b(?:${ci("i (?:really |also )?(?:love|enjoy|like)|interested in|passionate about")}\s+|${ci("interests|hobbies")}${LABEL})${LIST}${LIST_END}`,
);
export const SKILLS = re(r`\b(?:${ci("i can|skilled (?:in|at)|good at")}\s+|${ci("skills")}${LABEL})${LIST}${LIST_END}`);
export const VALUES = re(r`\b(?:${ci("i value|i believe in")}\s+|${ci("values")}${LABEL})${LIST}${LIST_END}`);
export const GOALS = re(r`\b${ci("i (?:want|hope|plan) to|my goal is to")}\s+${CLAUSE}\s*(?:[,;.!?]|$)`);
export const GOALS_LABEL = re(r`\b${ci("goals?")}${LABEL}([^.!?\n]+?)\s*(?:[.!?]|$)`);
export const LANGUAGES = re(r`\b(?:${ci("i (?:can )?speak")}\s+|${ci("languages?")}${LABEL})${LIST}${LIST_END}`);
export const STYLE = re(
  r`\b(?:${ci("communication style")}${LABEL}([^;.!?\n]+?)\s*(?:[;.!?]|$)|${ci("i prefer")}\s+([^;.!?\n]+?\s${ci("communication")})\b|${ci("i communicate")}\s+([^,;.!?\n]+?)\s*(?:[,;.!?]|$))`,
);
/** "I" as a word: "I ", "I'm", "I've", "I'd", "I'll". */
export const FIRST_PERSON = re(r`\bI(?:\s|['’](?:m|ve|d|ll)\b)`, "u");

const ITEM_SEPARATOR = re(r`\s*,\s*(?:${ci("and|or")}\s+)?|\s+${ci("and|or")}\s+|\s*&\s*`, "u");
/** Words that start "I'm …" without describing the person. */
const NOT_TRAITS = new Set(
  "a an the not no from in at on into going looking trying working living based interested currently now also just still here there sure about able".split(" "),
);

/** Turns a captured value into the items it names. */
export type Splitter = (value: string) => string[];
/** A list split at commas, "and", "or" and "&". */
export const items: Splitter = (list) => keep(list.split(ITEM_SEPARATOR));
/** Like `items`, unless the list starts with a word that is no trait ("I'm a teacher"). */
export const traits: Splitter = (list) => (NOT_TRAITS.has(list.split(/\p{White_Space}+/u)[0] ?? "") ? [] : items(list));
/** The whole clause as one item. */
export const whole: Splitter = (clause) => keep([clause]);
/** One item per clause, split at commas and semicolons only. */
export const clauses: Splitter = (list) => keep(list.split(re(r`\s*[,;]\s*`, "u")));

/** Each item trimmed, a leading "to " dropped, empty ones left out. */
function keep(raws: string[]): string[] {
  return raws
    .map((raw) => raw.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, ""))
    .map((item) => (/^to $/i.test(item.slice(0, 3)) ? item.slice(3).replace(/^\p{White_Space}+/u, "") : item))
    .filter((item) => item !== "");
}
