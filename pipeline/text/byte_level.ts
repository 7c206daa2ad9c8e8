/**
 * GPT-2's byte-level alphabet: every byte of UTF-8 text gets one printable
 * character, so a BPE vocabulary of those characters covers any input.
 *
 * @module
 */

/**
 * GPT-2's byte-to-character table: printable Latin-1 bytes map to
 * themselves, the 68 others to U+0100 onwards, in byte order.
 *
 * @example
 * ```ts
 * const table = byteToUnicode();
 * table[0x41]; // "A"
 * table[0x20]; // "Ġ" (U+0120)
 * ```
 */
export function byteToUnicode(): string[] {
  const table = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) ||
      (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : next++);
  }
  return table;
}

const BYTE_CHARS = byteToUnicode();
const CHAR_BYTES = new Map(BYTE_CHARS.map((c, b) => [c, b]));
const UTF8 = new TextEncoder();

/**
 * Maps text to its byte characters: the UTF-8 bytes of `text`, each as its
 * character in {@linkcode byteToUnicode}'s table.
 *
 * @example
 * ```ts
 * textToByteChars("a b"); // "aĠb"
 * textToByteChars("é"); // "Ã©"
 * ```
 */
export function textToByteChars(text: string): string {
  // Printable ASCII maps to itself: skip the UTF-8 round trip.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text;
  let out = "";
  for (const b of UTF8.encode(text)) out += BYTE_CHARS[b];
  return out;
}

/**
 * Appends to `out` the bytes that byte characters stand for; a character
 * outside the table contributes its own UTF-8 bytes.
 */
export function byteCharsToBytes(chars: string, out: number[]): void {
  for (const c of chars) {
    const b = CHAR_BYTES.get(c);
    if (b === undefined) { for (const u of UTF8.encode(c)) out.push(u); }
    else out.push(b);
  }
}
