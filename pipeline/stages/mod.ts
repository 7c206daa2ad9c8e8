/**
 * The pipeline's stages, each an async generator over jobs (one image with
 * its sentences): propose, regions, parse, embed text, score and select,
 * composed by the segmenter; compose them yourself to run a part of the
 * method.
 *
 * @module
 */

export * from "./job.ts";
export * from "./in_flight.ts";
export * from "./deferred.ts";
export * from "./propose.ts";
export * from "./regions.ts";
export * from "./parse.ts";
export * from "./embed_text.ts";
export * from "./score.ts";
export * from "./select.ts";
