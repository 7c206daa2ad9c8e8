/**
 * Errors raised while reading images. Both name the file, say what was wrong and what to do.
 *
 * @module
 */

/**
 * An image file that is not a PNG or JPEG, or whose bytes are corrupt or truncated.
 *
 * @example
 * ```ts
 * import { ImageDecodeError } from "./errors.ts";
 *
 * const error = new ImageDecodeError("cat.png", "the file is empty", "check the path");
 * console.log(error.message); // "Cannot decode cat.png: the file is empty; check the path"
 * ```
 */
export class ImageDecodeError extends Error {
  /** The file (or label) the bytes came from. */
  readonly file: string;
  /** What was wrong, without the file name. */
  readonly reason: string;

  /**
   * Creates the error; its message is "Cannot decode {file}: {reason}; {hint}".
   *
   * @param file the file (or label) the bytes came from
   * @param reason what was wrong
   * @param hint what to do about it
   * @param options the underlying error, if any
   */
  constructor(
    file: string,
    reason: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot decode ${file}: ${reason}; ${hint}`, options);
    this.name = "ImageDecodeError";
    this.file = file;
    this.reason = reason;
  }
}

/**
 * An image over the size limits (megapixels or bytes), rejected before its pixels are decoded.
 *
 * @example
 * ```ts
 * import { ImageTooLargeError } from "./errors.ts";
 *
 * try {
 *   throw new ImageTooLargeError("big.png", "it is 60.0 megapixels", "downscale it");
 * } catch (error) {
 *   if (error instanceof ImageTooLargeError) console.log(error.file); // "big.png"
 * }
 * ```
 */
export class ImageTooLargeError extends Error {
  /** The file (or label) that is too large. */
  readonly file: string;

  /**
   * Creates the error; its message is "{file} is too large: {reason}; {hint}".
   *
   * @param file the file (or label) that is too large
   * @param reason how large it is and the limit it passes
   * @param hint what to do about it
   */
  constructor(file: string, reason: string, hint: string) {
    super(`${file} is too large: ${reason}; ${hint}`);
    this.name = "ImageTooLargeError";
    this.file = file;
  }
}
