/**
 * Inputs the mock is guaranteed to answer exactly as `persona-server` in mock mode does (the
 * package's tests compare the two on every one), covering each family of phrases the mock reads.
 */

/** One documented input of the mock, named by what it shows. */
export type MockExample = { readonly name: string; readonly textBlocks: readonly string[]; readonly links: readonly string[] };

const example = (name: string, textBlocks: string[], links: string[] = []): MockExample => ({ name, textBlocks, links });

export const MOCK_EXAMPLES: readonly MockExample[] = [
  example("first-person introduction", [
    "Hi, my name is Maya Patel. I am 34 years old and I work as a product designer. I live in Berlin. I love climbing and jazz.",
  ], ["https://example.com/maya"]),
  example("labelled profile", [
    "Name: Ada Lovelace\nAge: 36\nOccupation: mathematician\nLocation: London\nSkills: mathematics, translation and poetry\nValues: rigour & imagination\nCommunication style: precise letters",
  ]),
  example("two blocks with goals and languages", [
    "I'm Tom Becker. I'm a nurse from Hamburg.",
    "I want to open a bakery. I speak German, English and Turkish. Goals: run a marathon, learn the cello.",
  ]),
  example("names nobody", ["Loves hiking and photography. Works as a barista in Lisbon."]),
  example("traits and values", [
    "I'm Sam Ortiz. I'm curious, patient and a bit shy. I value honesty and kindness. I prefer direct communication.",
  ]),
  example("age out of range", ["My name is Old Tom. I am 150 years old and I enjoy chess."]),
  example("untidy text: leading whitespace, CRLF, accents", [
    "  \r\n Call me Zoë Ørsted.\r\nI live in Newcastle upon Tyne and I'm good at chess.  ",
  ]),
];
