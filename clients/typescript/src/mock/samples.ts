/**
 * The two sample personas mock mode serves (`adapters-mock/src/store.rs`): Ada Lovelace and Grace
 * Hopper, from public facts, created 2026-01-01T00:00:00Z from one text block and one link each.
 */

import type { Draft } from "./rules.js";

/** The ids of the samples, in order: Ada Lovelace, then Grace Hopper. */
export const SAMPLE_IDS = ["sample-ada-lovelace01", "sample-grace-hopper01"] as const;
/** When the samples were created, and from how much material. */
export const SAMPLE_CREATED_AT = new Date("2026-01-01T00:00:00Z");
export const SAMPLE_SOURCE = { blocks: 1, links: 1 };
/** The samples' drafts, in the order of `SAMPLE_IDS`. */
export const SAMPLE_DRAFTS: readonly [Draft, Draft] = [
  {
    name: "Ada Lovelace",
    age: 36,
    occupation: "Mathematician and writer",
    location: "London, England",
    background:
      "English mathematician and writer (1815–1852), known for her work on Charles Babbage's proposed Analytical Engine. Her 1843 notes on the engine include an algorithm for computing Bernoulli numbers, often called the first published computer program.",
    traits: ["imaginative", "analytical", "persistent"],
    interests: ["mathematics", "poetical science", "flying machines", "music"],
    skills: ["mathematical analysis", "technical writing", "translation from French"],
    values: ["imagination in science", "rigour"],
    goals: ["show that the Analytical Engine can do more than arithmetic"],
    languages: ["English", "French"],
    communication_style: "Precise and imaginative, in long, carefully reasoned letters",
    quotes: [
      "The Analytical Engine weaves algebraical patterns just as the Jacquard-loom weaves flowers and leaves.",
      "The Analytical Engine has no pretensions whatever to originate anything.",
    ],
    evidence: [
      { field: "occupation", quote: "English mathematician and writer", source: "block:0" },
      { field: "skills", quote: "an algorithm for computing Bernoulli numbers", source: "https://en.wikipedia.org/wiki/Ada_Lovelace" },
    ],
  },
  {
    name: "Grace Hopper",
    age: 85,
    occupation: "Computer scientist and United States Navy rear admiral",
    location: "Arlington, Virginia",
    background:
      "American computer scientist and US Navy rear admiral (1906–1992). One of the first programmers of the Harvard Mark I, she built the A-0 compiler in 1952, and her FLOW-MATIC language shaped COBOL.",
    traits: ["pragmatic", "witty", "persistent"],
    interests: ["programming languages", "teaching", "naval service"],
    skills: ["compiler design", "programming the Harvard Mark I", "public speaking"],
    values: ["making computers usable by everyone", "questioning how things have always been done"],
    goals: ["let people program computers in English-like languages"],
    languages: ["English"],
    communication_style:
      "Direct and witty; hands out foot-long wires to show how far light travels in a nanosecond",
    quotes: [
      "It's easier to ask forgiveness than it is to get permission.",
      "The most dangerous phrase in the language is, 'We've always done it this way.'",
    ],
    evidence: [
      { field: "occupation", quote: "American computer scientist and US Navy rear admiral", source: "block:0" },
      { field: "skills", quote: "she built the A-0 compiler in 1952", source: "https://en.wikipedia.org/wiki/Grace_Hopper" },
    ],
  },
];
