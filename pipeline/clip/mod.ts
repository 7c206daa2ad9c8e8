/**
 * CLIP encoders: the vision tower on image views (plain, or token-masked from
 * one derived graph) and the text tower on sentences.
 *
 * @module
 */

export * from "./vision.ts";
export * from "./text.ts";
export * from "./token_mask_model.ts";
