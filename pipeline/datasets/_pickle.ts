/**
 * A reader for Python pickles that hold plain data: None, booleans, ints,
 * floats, str/unicode, bytes, lists, tuples, dicts and sets, as written by
 * Python 2 or 3 at protocols 0 to 5. This is what REFER's `refs(*).p` files
 * are (Python 2, lists of dicts). Pickles that rebuild Python objects
 * (classes, numpy arrays: any global other than the set, frozenset,
 * bytearray and `_codecs.encode` builders that Python uses for sets and
 * bytes) are refused with an error that names the byte offset and the
 * opcode: the reader never runs code, it only rebuilds data.
 *
 * Python values become:
 *
 * | Python                | JavaScript                                           |
 * | --------------------- | ---------------------------------------------------- |
 * | `None`                | `null`                                               |
 * | `bool`                | `boolean`                                            |
 * | `int` / `long`        | `number`, or `bigint` past `Number.MAX_SAFE_INTEGER` |
 * | `float`               | `number`                                             |
 * | `unicode` (py3 `str`) | `string`                                             |
 * | py2 `str`             | `string` (see {@link PickleReadOptions.py2Strings})  |
 * | `bytes`, `bytearray`  | `Uint8Array`                                         |
 * | `list`, `tuple`       | `Array`                                              |
 * | `dict`                | `Map` (keys keep their type and order)               |
 * | `set`, `frozenset`    | `Set`                                                |
 *
 * @example
 * ```ts
 * import { readPickle } from "./_pickle.ts";
 *
 * // pickle.dumps([{"a": 1}], protocol=2)
 * const bytes = new Uint8Array([
 *   0x80, 0x02, 0x5d, 0x71, 0x00, 0x7d, 0x71, 0x01, 0x58, 0x01, 0x00, 0x00,
 *   0x00, 0x61, 0x71, 0x02, 0x4b, 0x01, 0x73, 0x61, 0x2e,
 * ]);
 * const value = readPickle(bytes) as Map<string, number>[];
 * console.log(value[0].get("a")); // 1
 * ```
 *
 * @module
 */

/** A value rebuilt from a pickle. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>;

/** Options of {@link readPickle}. */
export interface PickleReadOptions {
  /**
   * How to turn Python 2 byte strings (opcodes STRING, BINSTRING,
   * SHORT_BINSTRING) into values:
   * - `"utf-8"` (default): decode as UTF-8; bytes that are not valid UTF-8
   *   are read as Latin-1 (one character per byte) instead;
   * - `"latin1"`: one character per byte, as Python 3's
   *   `pickle.load(f, encoding="latin1")`;
   * - `"bytes"`: keep them as `Uint8Array`.
   */
  py2Strings?: "utf-8" | "latin1" | "bytes";
  /** A name for the bytes (a file path) that starts every error message. */
  source?: string;
}

/**
 * A pickle that cannot be read: corrupt or truncated bytes, or one that
 * rebuilds Python objects rather than plain data. The message names the
 * byte offset and the opcode.
 *
 * @example
 * ```ts
 * import { PickleError, readPickle } from "./_pickle.ts";
 *
 * try {
 *   readPickle(new Uint8Array([0x80, 0x02, 0x5d])); // no STOP
 * } catch (error) {
 *   if (error instanceof PickleError) console.log(error.offset); // 3
 * }
 * ```
 */
export class PickleError extends Error {
  /** Byte offset of the opcode (or of the read) that failed. */
  readonly offset: number;
  /** Name of the opcode that failed ("GLOBAL"), when one was read. */
  readonly opcode?: string;

  /**
   * Creates the error.
   *
   * @param message the full message
   * @param offset byte offset of the failure
   * @param opcode name of the opcode being read, if any
   */
  constructor(message: string, offset: number, opcode?: string) {
    super(message);
    this.name = "PickleError";
    this.offset = offset;
    this.opcode = opcode;
  }
}

/** Opcode byte -> name, for every opcode of protocols 0 to 5. */
const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x28: "MARK",
  0x2e: "STOP",
  0x30: "POP",
  0x31: "POP_MARK",
  0x32: "DUP",
  0x46: "FLOAT",
  0x49: "INT",
  0x4a: "BININT",
  0x4b: "BININT1",
  0x4c: "LONG",
  0x4d: "BININT2",
  0x4e: "NONE",
  0x50: "PERSID",
  0x51: "BINPERSID",
  0x52: "REDUCE",
  0x53: "STRING",
  0x54: "BINSTRING",
  0x55: "SHORT_BINSTRING",
  0x56: "UNICODE",
  0x58: "BINUNICODE",
  0x61: "APPEND",
  0x62: "BUILD",
  0x63: "GLOBAL",
  0x64: "DICT",
  0x7d: "EMPTY_DICT",
  0x65: "APPENDS",
  0x67: "GET",
  0x68: "BINGET",
  0x69: "INST",
  0x6a: "LONG_BINGET",
  0x6c: "LIST",
  0x5d: "EMPTY_LIST",
  0x6f: "OBJ",
  0x70: "PUT",
  0x71: "BINPUT",
  0x72: "LONG_BINPUT",
  0x73: "SETITEM",
  0x74: "TUPLE",
  0x29: "EMPTY_TUPLE",
  0x75: "SETITEMS",
  0x47: "BINFLOAT",
  0x80: "PROTO",
  0x81: "NEWOBJ",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x85: "TUPLE1",
  0x86: "TUPLE2",
  0x87: "TUPLE3",
  0x88: "NEWTRUE",
  0x89: "NEWFALSE",
  0x8a: "LONG1",
  0x8b: "LONG4",
  0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES",
  0x8c: "SHORT_BINUNICODE",
  0x8d: "BINUNICODE8",
  0x8e: "BINBYTES8",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x92: "NEWOBJ_EX",
  0x93: "STACK_GLOBAL",
  0x94: "MEMOIZE",
  0x95: "FRAME",
  0x96: "BYTEARRAY8",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};

/**
 * A global that builds plain data when REDUCE calls it: Python 3 writes
 * bytes as `_codecs.encode(text, "latin1")` and sets as `set([...])` below
 * protocol 4 (3 for bytes); Python 2 writes sets the same way.
 */
class Builder {
  constructor(readonly kind: "set" | "bytes" | "bytearray") {}
}

/** The globals that REDUCE may call, by "module.name". */
const BUILDERS: Readonly<Record<string, Builder>> = {
  "__builtin__.set": new Builder("set"),
  "builtins.set": new Builder("set"),
  "__builtin__.frozenset": new Builder("set"),
  "builtins.frozenset": new Builder("set"),
  "_codecs.encode": new Builder("bytes"),
  "__builtin__.bytearray": new Builder("bytearray"),
  "builtins.bytearray": new Builder("bytearray"),
};

/** The highest protocol this reader knows. */
const HIGHEST_PROTOCOL = 5;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * ASCII bytes as a string, or undefined when a byte is past 0x7f. Short
 * strings are the bulk of a refs file, and this avoids a TextDecoder call
 * for each.
 */
function ascii(bytes: Uint8Array): string | undefined {
  if (bytes.length > 256) return undefined;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] > 0x7f) return undefined;
  }
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Latin-1: one character per byte. */
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/** Narrows a bigint to a number when it is exactly representable. */
function narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) &&
      value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** Little-endian two's complement bytes -> integer (LONG1, LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(bytes[i]);
  }
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return narrow(value);
}

/** The state of one read: bytes, position, stack, mark stack, memo. */
class Unpickler {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #py2Strings: "utf-8" | "latin1" | "bytes";
  readonly #source: string;
  #pos = 0;
  /** Offset and name of the opcode being executed. */
  #opOffset = 0;
  #opName: string | undefined;
  #stack: PickleValue[] = [];
  readonly #marks: PickleValue[][] = [];
  /** The memo, by index (dense in practice; an array is much faster than a Map). */
  readonly #memo: PickleValue[] = [];
  #memoCount = 0;

  constructor(bytes: Uint8Array, options: PickleReadOptions) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#py2Strings = options.py2Strings ?? "utf-8";
    this.#source = options.source ?? "pickle";
  }

  /** An error at the current opcode: "{source}: byte N, opcode 0x.. NAME: reason". */
  #fail(reason: string, offset = this.#opOffset): PickleError {
    const op = this.#opName === undefined
      ? ""
      : `, opcode ${hex(this.#bytes[this.#opOffset])} ${this.#opName}`;
    return new PickleError(
      `${this.#source}: byte ${offset}${op}: ${reason}`,
      offset,
      this.#opName,
    );
  }

  #need(n: number): void {
    if (this.#pos + n > this.#bytes.length) {
      throw this.#fail(
        `the pickle is truncated (needs ${n} more bytes at byte ${this.#pos}, ` +
          `the data ends at ${this.#bytes.length}); the file was cut short ` +
          `while copying or downloading: fetch it again`,
      );
    }
  }

  #u8(): number {
    this.#need(1);
    return this.#bytes[this.#pos++];
  }

  #u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#pos, true);
    this.#pos += 2;
    return v;
  }

  #i32(): number {
    this.#need(4);
    const v = this.#view.getInt32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  #u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  #u64(): number {
    this.#need(8);
    const v = this.#view.getBigUint64(this.#pos, true);
    this.#pos += 8;
    if (v > BigInt(this.#bytes.length)) {
      throw this.#fail(
        `a length of ${v} bytes is past the end of the data ` +
          `(${this.#bytes.length} bytes); the pickle is corrupt or truncated`,
      );
    }
    return Number(v);
  }

  #take(n: number): Uint8Array {
    if (n < 0) {
      throw this.#fail(`negative length ${n}; the pickle is corrupt`);
    }
    this.#need(n);
    const out = this.#bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** Protocol 0 argument: the bytes up to (not including) the next newline. */
  #line(): string {
    const end = this.#bytes.indexOf(0x0a, this.#pos);
    if (end < 0) {
      throw this.#fail(
        "the pickle is truncated (a text argument has no end of line)",
      );
    }
    const text = latin1(this.#bytes.subarray(this.#pos, end));
    this.#pos = end + 1;
    return text;
  }

  #utf8(bytes: Uint8Array): string {
    const fast = ascii(bytes);
    if (fast !== undefined) return fast;
    try {
      return UTF8.decode(bytes);
    } catch {
      throw this.#fail(
        "the text is not valid UTF-8; the pickle is corrupt",
      );
    }
  }

  #py2String(bytes: Uint8Array): string | Uint8Array {
    switch (this.#py2Strings) {
      case "bytes":
        return bytes.slice();
      case "latin1":
        return latin1(bytes);
      default:
        try {
          return ascii(bytes) ?? UTF8.decode(bytes);
        } catch {
          return latin1(bytes);
        }
    }
  }

  #push(value: PickleValue): void {
    this.#stack.push(value);
  }

  #pop(): PickleValue {
    if (this.#stack.length === 0) {
      throw this.#fail(
        "the stack is empty (the opcode needs a value); the pickle is corrupt",
      );
    }
    return this.#stack.pop()!;
  }

  #top(): PickleValue {
    if (this.#stack.length === 0) {
      throw this.#fail(
        "the stack is empty (the opcode needs a value); the pickle is corrupt",
      );
    }
    return this.#stack[this.#stack.length - 1];
  }

  /** Pops everything above the last MARK and returns it. */
  #popMark(): PickleValue[] {
    const items = this.#stack;
    const previous = this.#marks.pop();
    if (previous === undefined) {
      throw this.#fail("no MARK to pop back to; the pickle is corrupt");
    }
    this.#stack = previous;
    return items;
  }

  #memoGet(key: number): PickleValue {
    const value = this.#memo[key];
    if (value === undefined) {
      throw this.#fail(
        `memo entry ${key} was never stored; the pickle is corrupt`,
      );
    }
    return value;
  }

  #memoPut(key: number): void {
    if (key < 0) throw this.#fail(`negative memo index ${key}`);
    if (this.#memo[key] === undefined) this.#memoCount++;
    this.#memo[key] = this.#top();
  }

  #list(value: PickleValue): PickleValue[] {
    if (!Array.isArray(value)) {
      throw this.#fail(
        `expected a list under the items, found ${describe(value)}`,
      );
    }
    return value;
  }

  #dict(value: PickleValue): Map<PickleValue, PickleValue> {
    if (!(value instanceof Map)) {
      throw this.#fail(
        `expected a dict under the items, found ${describe(value)}`,
      );
    }
    return value;
  }

  #setItems(dict: Map<PickleValue, PickleValue>, items: PickleValue[]): void {
    if (items.length % 2 !== 0) {
      throw this.#fail(
        `${items.length} values for key/value pairs (an odd count); ` +
          "the pickle is corrupt",
      );
    }
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }

  #decimal(text: string, what: string): bigint {
    if (!/^[+-]?\d+$/.test(text)) {
      throw this.#fail(
        `${what} argument (${text.length} characters) is not a decimal ` +
          "integer; the pickle is corrupt",
      );
    }
    return BigInt(text);
  }

  /** Refuses an opcode that rebuilds objects, naming the global if known. */
  #refuse(detail = ""): never {
    throw this.#fail(
      `the pickle rebuilds a Python object${detail}, not plain data; ` +
        "only None, bools, numbers, strings, bytes, lists, tuples, dicts " +
        "and sets can be read: re-save the data with plain Python types " +
        "(e.g. int() for numpy integers, .tolist() for arrays)",
    );
  }

  /** The builder for a global, or a refusal naming it. */
  #global(module: string, name: string): PickleValue {
    const builder = BUILDERS[`${module}.${name}`];
    if (builder === undefined) this.#refuse(className(module, name));
    return builder as unknown as PickleValue;
  }

  /** Applies a builder to REDUCE's arguments. */
  #build(builder: Builder, args: PickleValue[]): PickleValue {
    const [first, encoding] = args;
    if (builder.kind === "set") {
      if (args.length === 0) return new Set();
      if (args.length === 1 && Array.isArray(first)) return new Set(first);
    } else if (args.length === 0 && builder.kind === "bytearray") {
      return new Uint8Array(0);
    } else if (args.length === 1 && first instanceof Uint8Array) {
      return first.slice();
    } else if (
      args.length === 2 && typeof first === "string" &&
      (encoding === "latin1" || encoding === "latin-1")
    ) {
      const out = new Uint8Array(first.length);
      for (let i = 0; i < first.length; i++) {
        const code = first.charCodeAt(i);
        if (code > 0xff) {
          throw this.#fail(
            `${builder.kind}() text holds a character past U+00FF at ` +
              `index ${i}; the pickle is corrupt`,
          );
        }
        out[i] = code;
      }
      return out;
    }
    throw this.#fail(
      `unexpected arguments for ${builder.kind}(); the pickle is corrupt`,
    );
  }

  read(): PickleValue {
    const bytes = this.#bytes;
    if (bytes.length === 0) {
      this.#opName = undefined;
      throw this.#fail("the data is empty; the file is not a pickle");
    }
    while (true) {
      if (this.#pos >= bytes.length) {
        this.#opName = undefined;
        throw this.#fail(
          "the pickle ends before its STOP opcode; the file is truncated: " +
            "fetch it again",
          this.#pos,
        );
      }
      this.#opOffset = this.#pos;
      const op = bytes[this.#pos++];
      this.#opName = OPCODE_NAMES[op];
      if (this.#opName === undefined) {
        throw this.#fail(
          `unknown opcode ${hex(op)}; the data is not a pickle or is ` +
            "corrupt (a protocol 2+ pickle starts with 0x80 and its protocol)",
        );
      }
      switch (op) {
        case 0x80: { // PROTO
          const protocol = this.#u8();
          if (protocol > HIGHEST_PROTOCOL) {
            throw this.#fail(
              `protocol ${protocol} is newer than the protocols this reader ` +
                `knows (0-${HIGHEST_PROTOCOL}); re-save it with protocol 2`,
            );
          }
          break;
        }
        case 0x95: // FRAME: a length prefix only; the opcodes follow inline.
          this.#u64();
          break;
        case 0x2e: { // STOP
          if (this.#marks.length > 0) {
            throw this.#fail(
              "STOP inside an unclosed MARK; the pickle is corrupt",
            );
          }
          if (this.#stack.length !== 1) {
            throw this.#fail(
              `STOP with ${this.#stack.length} values on the stack ` +
                "(expected 1); the pickle is corrupt",
            );
          }
          const result = this.#stack[0] as PickleValue | Builder;
          if (result instanceof Builder) this.#refuse();
          return result;
        }
        case 0x28: // MARK
          this.#marks.push(this.#stack);
          this.#stack = [];
          break;
        case 0x30: // POP
          if (this.#stack.length === 0 && this.#marks.length > 0) {
            this.#popMark();
          } else this.#pop();
          break;
        case 0x31: // POP_MARK
          this.#popMark();
          break;
        case 0x32: // DUP
          this.#push(this.#top());
          break;

        // Constants and numbers
        case 0x4e: // NONE
          this.#push(null);
          break;
        case 0x88: // NEWTRUE
          this.#push(true);
          break;
        case 0x89: // NEWFALSE
          this.#push(false);
          break;
        case 0x49: { // INT (text; "01"/"00" are True/False)
          const text = this.#line();
          if (text === "01") this.#push(true);
          else if (text === "00") this.#push(false);
          else this.#push(narrow(this.#decimal(text, "INT")));
          break;
        }
        case 0x4c: { // LONG (text, Python 2 adds a trailing L)
          const text = this.#line();
          this.#push(narrow(this.#decimal(text.replace(/L$/, ""), "LONG")));
          break;
        }
        case 0x4a: // BININT
          this.#push(this.#i32());
          break;
        case 0x4b: // BININT1
          this.#push(this.#u8());
          break;
        case 0x4d: // BININT2
          this.#push(this.#u16());
          break;
        case 0x8a: // LONG1
          this.#push(decodeLong(this.#take(this.#u8())));
          break;
        case 0x8b: // LONG4
          this.#push(decodeLong(this.#take(this.#i32())));
          break;
        case 0x46: { // FLOAT (text, Python's repr)
          const text = this.#line().trim();
          const value = parseFloatText(text);
          if (value === undefined) {
            throw this.#fail(
              `FLOAT argument (${text.length} characters) is not a ` +
                "number; the pickle is corrupt",
            );
          }
          this.#push(value);
          break;
        }
        case 0x47: // BINFLOAT (big-endian double)
          this.#need(8);
          this.#push(this.#view.getFloat64(this.#pos, false));
          this.#pos += 8;
          break;

        // Strings and bytes
        case 0x53: { // STRING (Python 2 str, repr-quoted)
          const text = this.#line();
          const quote = text[0];
          if (
            text.length < 2 || (quote !== "'" && quote !== '"') ||
            text[text.length - 1] !== quote
          ) {
            throw this.#fail(
              "STRING argument is not a quoted string; the pickle is corrupt",
            );
          }
          const decoded = escapeDecode(text.slice(1, -1));
          if (typeof decoded === "string") throw this.#fail(decoded);
          this.#push(this.#py2String(decoded));
          break;
        }
        case 0x54: // BINSTRING
          this.#push(this.#py2String(this.#take(this.#i32())));
          break;
        case 0x55: // SHORT_BINSTRING
          this.#push(this.#py2String(this.#take(this.#u8())));
          break;
        case 0x56: { // UNICODE (raw-unicode-escape text)
          const decoded = rawUnicodeEscapeDecode(this.#line());
          if (decoded === undefined) {
            throw this.#fail("UNICODE argument has a broken \\u escape");
          }
          this.#push(decoded);
          break;
        }
        case 0x58: // BINUNICODE
          this.#push(this.#utf8(this.#take(this.#u32())));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.#push(this.#utf8(this.#take(this.#u8())));
          break;
        case 0x8d: // BINUNICODE8
          this.#push(this.#utf8(this.#take(this.#u64())));
          break;
        case 0x42: // BINBYTES
          this.#push(this.#take(this.#u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.#push(this.#take(this.#u8()).slice());
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.#push(this.#take(this.#u64()).slice());
          break;

        // Containers
        case 0x5d: // EMPTY_LIST
          this.#push([]);
          break;
        case 0x6c: // LIST
          this.#push(this.#popMark());
          break;
        case 0x61: { // APPEND
          const value = this.#pop();
          this.#list(this.#top()).push(value);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.#popMark();
          const list = this.#list(this.#top());
          for (const item of items) list.push(item);
          break;
        }
        case 0x29: // EMPTY_TUPLE
          this.#push([]);
          break;
        case 0x74: // TUPLE
          this.#push(this.#popMark());
          break;
        case 0x85: // TUPLE1
          this.#push([this.#pop()]);
          break;
        case 0x86: { // TUPLE2
          const b = this.#pop();
          const a = this.#pop();
          this.#push([a, b]);
          break;
        }
        case 0x87: { // TUPLE3
          const c = this.#pop();
          const b = this.#pop();
          const a = this.#pop();
          this.#push([a, b, c]);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.#push(new Map());
          break;
        case 0x64: { // DICT
          const dict = new Map<PickleValue, PickleValue>();
          this.#setItems(dict, this.#popMark());
          this.#push(dict);
          break;
        }
        case 0x73: { // SETITEM
          const value = this.#pop();
          const key = this.#pop();
          this.#dict(this.#top()).set(key, value);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.#popMark();
          this.#setItems(this.#dict(this.#top()), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.#push(new Set());
          break;
        case 0x90: { // ADDITEMS
          const items = this.#popMark();
          const set = this.#top();
          if (!(set instanceof Set)) {
            throw this.#fail(
              `expected a set under the items, found ${describe(set)}`,
            );
          }
          for (const item of items) set.add(item);
          break;
        }
        case 0x91: // FROZENSET
          this.#push(new Set(this.#popMark()));
          break;

        // Memo
        case 0x70: // PUT
          this.#memoPut(Number(this.#decimal(this.#line(), "PUT index")));
          break;
        case 0x71: // BINPUT
          this.#memoPut(this.#u8());
          break;
        case 0x72: // LONG_BINPUT
          this.#memoPut(this.#u32());
          break;
        case 0x94: // MEMOIZE
          this.#memoPut(this.#memoCount);
          break;
        case 0x67: // GET
          this.#push(
            this.#memoGet(Number(this.#decimal(this.#line(), "GET index"))),
          );
          break;
        case 0x68: // BINGET
          this.#push(this.#memoGet(this.#u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.#push(this.#memoGet(this.#u32()));
          break;

        // Object construction: refused.
        case 0x63: { // GLOBAL
          const module = this.#line();
          const name = this.#line();
          this.#push(this.#global(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.#pop();
          const module = this.#pop();
          if (typeof name !== "string" || typeof module !== "string") {
            throw this.#fail(
              "STACK_GLOBAL needs a module and a name (two strings); " +
                "the pickle is corrupt",
            );
          }
          this.#push(this.#global(module, name));
          break;
        }
        case 0x52: { // REDUCE: only the plain-data builders of #global
          const args = this.#pop();
          const callable = this.#pop() as PickleValue | Builder;
          if (!(callable instanceof Builder) || !Array.isArray(args)) {
            this.#refuse();
          }
          this.#push(this.#build(callable, args));
          break;
        }
        case 0x69: { // INST
          const module = this.#line();
          const name = this.#line();
          this.#refuse(className(module, name));
          break;
        }
        default: // PERSID, BINPERSID, BUILD, OBJ, NEWOBJ(_EX), EXT*, buffers
          this.#refuse();
      }
    }
  }
}

/**
 * " of class module.name" for a refusal, when both are Python identifiers
 * of a sane length (what a real class is); otherwise a description that
 * quotes nothing of the file.
 */
function className(module: string, name: string): string {
  const ok = (s: string) => s.length <= 100 && /^[A-Za-z_][\w.]*$/.test(s);
  return ok(module) && ok(name)
    ? ` of class ${module}.${name}`
    : " of a class whose name is not a Python identifier";
}

/** A short description of a value's Python type, for error messages. */
function describe(value: PickleValue): string {
  if (value === null) return "None";
  if (Array.isArray(value)) return "a list or tuple";
  if (value instanceof Map) return "a dict";
  if (value instanceof Set) return "a set";
  if (value instanceof Uint8Array) return "bytes";
  return `a ${typeof value}`;
}

/** Python's float() on a repr: digits, "inf", "-inf", "nan". */
function parseFloatText(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) {
    return lower.startsWith("-") ? -Infinity : Infinity;
  }
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower);
}

/**
 * Decodes the body of a Python 2 string literal (the STRING opcode's
 * argument, quotes removed) to bytes: \\ \' \" \a \b \f \n \r \t \v, \xhh,
 * octal \ooo, and backslash-newline. Returns an error text when broken.
 */
function escapeDecode(body: string): Uint8Array | string {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    const e = body[++i];
    switch (e) {
      case undefined:
        return "STRING argument ends with a lone backslash";
      case "\\":
      case "'":
      case '"':
        out.push(e.charCodeAt(0));
        break;
      case "a":
        out.push(7);
        break;
      case "b":
        out.push(8);
        break;
      case "f":
        out.push(12);
        break;
      case "n":
        out.push(10);
        break;
      case "r":
        out.push(13);
        break;
      case "t":
        out.push(9);
        break;
      case "v":
        out.push(11);
        break;
      case "\n":
        break;
      case "x": {
        const digits = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(digits)) {
          return `STRING argument has a broken \\x escape at character ${i}`;
        }
        out.push(parseInt(digits, 16));
        i += 2;
        break;
      }
      default:
        if (e >= "0" && e <= "7") {
          let digits = e;
          while (
            digits.length < 3 && body[i + 1] >= "0" && body[i + 1] <= "7"
          ) {
            digits += body[++i];
          }
          out.push(parseInt(digits, 8) & 0xff);
        } else {
          // Python keeps unknown escapes as they are.
          out.push(0x5c, e.charCodeAt(0) & 0xff);
        }
    }
  }
  return new Uint8Array(out);
}

/**
 * Decodes raw-unicode-escape text (the UNICODE opcode's argument): bytes are
 * Latin-1 characters, except \uXXXX and \UXXXXXXXX after an odd run of
 * backslashes. Returns undefined on a broken escape.
 */
function rawUnicodeEscapeDecode(text: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "\\") {
      out += text[i++];
      continue;
    }
    let run = 0;
    while (text[i + run] === "\\") run++;
    const kind = text[i + run];
    if (run % 2 === 1 && (kind === "u" || kind === "U")) {
      out += "\\".repeat(run - 1);
      const width = kind === "u" ? 4 : 8;
      const digits = text.slice(i + run + 1, i + run + 1 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) return undefined;
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += run + 1 + width;
    } else {
      out += "\\".repeat(run);
      i += run;
    }
  }
  return out;
}

/**
 * Rebuilds the plain data held by a Python pickle (protocols 0 to 5, as
 * written by Python 2 or 3). Never runs code: a pickle that rebuilds
 * objects (GLOBAL, REDUCE, BUILD, ...) is refused.
 *
 * @example
 * ```ts
 * import { readPickle } from "./_pickle.ts";
 *
 * // Python 2: pickle.dumps([1, u"a"]) (protocol 0)
 * const text = "(lp0\nI1\naVa\np1\na.";
 * console.log(readPickle(new TextEncoder().encode(text))); // [1, "a"]
 * ```
 *
 * @param bytes the pickle
 * @param options string handling and a name for error messages
 * @returns the value
 * @throws {PickleError} when the bytes are not a readable plain-data pickle
 */
export function readPickle(
  bytes: Uint8Array,
  options: PickleReadOptions = {},
): PickleValue {
  return new Unpickler(bytes, options).read();
}
