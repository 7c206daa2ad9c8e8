/**
 * Protocol-buffers wire format, as far as ONNX files need it: a reader that
 * walks the fields of a message without copying (length-delimited values
 * are views into the input), and a writer that assembles messages from
 * chunks, so that a rewritten 350 MB model is copied once, at the end.
 *
 * @module
 */

/** Wire types of the protobuf encoding. */
export const WIRE = {
  varint: 0,
  fixed64: 1,
  bytes: 2,
  fixed32: 5,
} as const;

/** One field of a message as read from the wire. */
export interface ProtoField {
  /** Field number. */
  readonly field: number;
  /** Wire type (see {@linkcode WIRE}). */
  readonly wire: number;
  /** Varint value (wire type 0), as a bigint so int64 stays exact. */
  readonly varint?: bigint;
  /** Length-delimited value (wire type 2), a view into the message. */
  readonly bytes?: Uint8Array;
  /** Fixed 32-bit value (wire type 5), raw little-endian bits. */
  readonly fixed32?: number;
  /** The whole field (tag and value) as it stands in the message. */
  readonly raw: Uint8Array;
}

/** A message that is not valid protobuf, with where it went wrong. */
export class ProtobufError extends Error {
  /** Creates the error; `message` says what was found where. */
  constructor(message: string) {
    super(message);
    this.name = "ProtobufError";
  }
}

function readVarint(
  buf: Uint8Array,
  at: number,
): { value: bigint; next: number } {
  let value = 0n, shift = 0n, i = at;
  // Small values (the common case) stay in numbers.
  let small = 0, smallShift = 0;
  while (true) {
    if (i >= buf.length) {
      throw new ProtobufError(`truncated varint at byte ${at}`);
    }
    const b = buf[i++];
    if (smallShift < 28) {
      small |= (b & 0x7f) << smallShift;
      smallShift += 7;
      if (b < 0x80) return { value: BigInt(small), next: i };
      continue;
    }
    if (shift === 0n) {
      value = BigInt(small);
      shift = BigInt(smallShift);
    }
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) return { value: BigInt.asUintN(64, value), next: i };
    // A varint holds at most 64 bits: 10 bytes.
    if (shift >= 70n) throw new ProtobufError(`varint too long at byte ${at}`);
  }
}

/**
 * The fields of a message, in wire order.
 *
 * @example
 * ```ts
 * import { readFields } from "./protobuf.ts";
 *
 * // Field 1, length-delimited (wire type 2), holding the two bytes "hi".
 * const message = new Uint8Array([0x0a, 2, 0x68, 0x69]);
 * for (const f of readFields(message)) console.log(f.field, f.bytes!.length); // 1 2
 * ```
 */
export function* readFields(buf: Uint8Array): Generator<ProtoField> {
  let at = 0;
  while (at < buf.length) {
    const start = at;
    const tag = readVarint(buf, at);
    at = tag.next;
    const field = Number(tag.value >> 3n), wire = Number(tag.value & 7n);
    if (field === 0) throw new ProtobufError(`field number 0 at byte ${start}`);
    switch (wire) {
      case WIRE.varint: {
        const v = readVarint(buf, at);
        at = v.next;
        yield { field, wire, varint: v.value, raw: buf.subarray(start, at) };
        break;
      }
      case WIRE.fixed64:
        if (at + 8 > buf.length) {
          throw new ProtobufError(`truncated fixed64 at byte ${at}`);
        }
        at += 8;
        yield { field, wire, raw: buf.subarray(start, at) };
        break;
      case WIRE.bytes: {
        const len = readVarint(buf, at);
        const from = len.next, to = from + Number(len.value);
        if (to > buf.length) {
          throw new ProtobufError(
            `field ${field} at byte ${start} claims ${len.value} bytes; only ${
              buf.length - from
            } remain`,
          );
        }
        at = to;
        yield {
          field,
          wire,
          bytes: buf.subarray(from, to),
          raw: buf.subarray(start, to),
        };
        break;
      }
      case WIRE.fixed32: {
        if (at + 4 > buf.length) {
          throw new ProtobufError(`truncated fixed32 at byte ${at}`);
        }
        const bits = new DataView(buf.buffer, buf.byteOffset + at, 4)
          .getUint32(0, true);
        at += 4;
        yield { field, wire, fixed32: bits, raw: buf.subarray(start, at) };
        break;
      }
      default:
        throw new ProtobufError(
          `unsupported wire type ${wire} (field ${field}) at byte ${start}`,
        );
    }
  }
}

/** Decodes a UTF-8 string field value. */
export function fieldString(f: ProtoField): string {
  return new TextDecoder().decode(f.bytes);
}

/**
 * The int64 values of a repeated integer field, packed (wire type 2) or
 * not (wire type 0).
 */
export function fieldInts(f: ProtoField): bigint[] {
  if (f.wire === WIRE.varint) return [BigInt.asIntN(64, f.varint!)];
  const out: bigint[] = [];
  let at = 0;
  const buf = f.bytes!;
  while (at < buf.length) {
    const v = readVarint(buf, at);
    out.push(BigInt.asIntN(64, v.value));
    at = v.next;
  }
  return out;
}

function encodeVarint(value: bigint): Uint8Array {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/**
 * Builds a message from chunks: raw bytes are kept by reference, nested
 * messages are sized without being copied, and {@linkcode finish} copies
 * everything once.
 *
 * @example
 * ```ts
 * const w = new ProtoWriter().int(1, 8).string(2, "oris");
 * w.message(7, (g) => g.string(2, "graph"));
 * const bytes = w.finish();
 * ```
 */
export class ProtoWriter {
  #chunks: (Uint8Array | ProtoWriter)[] = [];
  #length = 0;

  /** Bytes written so far, nested messages included. */
  get length(): number {
    return this.#length;
  }

  #push(bytes: Uint8Array | ProtoWriter): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  #tag(field: number, wireType: number): void {
    this.#push(encodeVarint(BigInt((field << 3) | wireType)));
  }

  /** Writes an int32/int64/enum/bool field (wire type 0); negatives as 10-byte two's complement. */
  int(field: number, value: number | bigint): this {
    this.#tag(field, WIRE.varint);
    this.#push(encodeVarint(BigInt(value)));
    return this;
  }

  /** Writes a float field (wire type 5). */
  float(field: number, value: number): this {
    this.#tag(field, WIRE.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#push(bytes);
    return this;
  }

  /** Writes a bytes field (wire type 2); the bytes are kept by reference. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE.bytes);
    this.#push(encodeVarint(BigInt(value.length)));
    this.#push(value);
    return this;
  }

  /** Writes a UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Writes an embedded message field built by `build`. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    this.#tag(field, WIRE.bytes);
    this.#push(encodeVarint(BigInt(inner.length)));
    this.#push(inner);
    return this;
  }

  /** Copies a field read by {@linkcode readFields} as it was (tag and value). */
  raw(field: ProtoField): this {
    this.#push(field.raw);
    return this;
  }

  #copyInto(out: Uint8Array, offset: number): number {
    for (const chunk of this.#chunks) {
      if (chunk instanceof ProtoWriter) {
        offset = chunk.#copyInto(out, offset);
      } else {
        out.set(chunk, offset);
        offset += chunk.length;
      }
    }
    return offset;
  }

  /** Everything written, in one new buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    this.#copyInto(out, 0);
    return out;
  }
}
