/**
 * The spatial selector: parses the direction words of a sentence and chooses
 * among scored candidates by their bounding boxes (the seed paper's rule and
 * the extended one).
 *
 * @module
 */

export * from "./types.ts";
export * from "./seed.ts";
export * from "./parse.ts";
export * from "./extended.ts";
