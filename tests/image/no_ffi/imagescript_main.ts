/**
 * Imports imagescript's main entry, which loads a native addon: without --allow-ffi this fails.
 * tests/image/no_ffi_test.ts runs it to show the sandbox of the other checks really denies FFI.
 *
 * @module
 */

await import("imagescript");
console.log("imagescript loaded");
