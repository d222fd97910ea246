/**
 * Inputs the mock is guaranteed to answer exactly as `persona-server` in mock mode does (the
 * package's tests compare the two on every one), covering each family of phrases the mock reads.
 */

/** One documented input of the mock. */
export interface MockExample {
  /** What the example shows. */
  readonly name: string;
  readonly textBlocks: readonly string[];
  readonly links: readonly string[];
}

export const MOCK_EXAMPLES: readonly MockExample[] = [
  {
    name: "first-person introduction",
    textBlocks: [
      "Hi, my name is Maya Patel. I am 34 years old and I work as a product designer. I live in Berlin. I love climbing and jazz.",
    ],
    links: ["https://example.com/maya"],
  },
  {
    name: "labelled profile",
    textBlocks: [
      "Name: Ada Lovelace\nAge: 36\nOccupation: mathematician\nLocation: London\nSkills: mathematics, translation and poetry\nValues: rigour & imagination\nCommunication style: precise letters",
    ],
    links: [],
  },
  {
    name: "two blocks with goals and languages",
    textBlocks: [
      "I'm Tom Becker. I'm a nurse from Hamburg.",
      "I want to open a bakery. I speak German, English and Turkish. Goals: run a marathon, learn the cello.",
    ],
    links: [],
  },
  {
    name: "names nobody",
    textBlocks: ["Loves hiking and photography. Works as a barista in Lisbon."],
    links: [],
  },
  {
    name: "traits and values",
    textBlocks: [
      "I'm Sam Ortiz. I'm curious, patient and a bit shy. I value honesty and kindness. I prefer direct communication.",
    ],
    links: [],
  },
  {
    name: "age out of range",
    textBlocks: ["My name is Old Tom. I am 150 years old and I enjoy chess."],
    links: [],
  },
  {
    name: "untidy text: leading whitespace, CRLF, accents",
    textBlocks: ["  \r\n Call me Zoë Ørsted.\r\nI live in Newcastle upon Tyne and I'm good at chess.  "],
    links: [],
  },
];
