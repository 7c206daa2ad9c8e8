/**
 * Images in memory: RGBA pixels, header probing with size limits, EXIF
 * orientation, PNG encoding and resampling. Decoding files lives in ./io.
 *
 * @module
 */

export * from "./rgba.ts";
export * from "./probe.ts";
export * from "./errors.ts";
export * from "./orientation.ts";
export * from "./png_encode.ts";
export * from "./resample.ts";
