import assert from "node:assert/strict";
import {
  PickleError,
  type PickleValue,
  readPickle,
} from "../../pipeline/datasets/_pickle.ts";

/** Bytes from numbers and Latin-1 strings (one byte per character). */
function bytesOf(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === "number") out.push(part);
    else for (const ch of part) out.push(ch.charCodeAt(0) & 0xff);
  }
  return new Uint8Array(out);
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** Expects a PickleError at `offset`, whose message matches `pattern`. */
function assertPickleError(
  bytes: Uint8Array,
  offset: number,
  pattern: RegExp,
  opcode?: string,
): PickleError {
  let caught: unknown;
  try {
    readPickle(bytes, { source: "refs(umd).p" });
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof PickleError,
    `expected a PickleError, got ${caught}`,
  );
  assert.equal(caught.offset, offset, caught.message);
  assert.equal(caught.opcode, opcode);
  assert.match(caught.message, /^refs\(umd\)\.p: byte \d+/);
  assert.match(caught.message, pattern);
  return caught;
}

Deno.test("readPickle() reads a Python 2 protocol 0 pickle (text opcodes, str and unicode)", () => {
  // Python 2.7: pickle.dumps([{'a': 1, u'b': u'caf\xe9 \u20ac'},
  //   (1, 2.5, 12345678901234567890L), None, True, False, 'a', "x'y\nAA"])
  // (the 'a' before the last string is a GET of memo 2). Checked with
  // Python 3's pickle.loads(..., encoding="latin1").
  const bytes = bytesOf(
    "(lp0\n(dp1\nS'a'\np2\nI1\nsVb\np3\nVcaf\xe9 \\u20ac\np4\nsa",
    "(I1\nF2.5\nL12345678901234567890L\ntp5\naNaI01\naI00\nag2\n",
    "aS'x\\'y\\n\\x41\\101'\np6\na.",
  );
  assert.deepEqual(readPickle(bytes), [
    new Map<PickleValue, PickleValue>([["a", 1], ["b", "café €"]]),
    [1, 2.5, 12345678901234567890n],
    null,
    true,
    false,
    "a",
    "x'y\nAA",
  ]);
});

Deno.test("readPickle() reads a Python 2 protocol 2 pickle with byte strings, memo and shared values", () => {
  // What Python 2's cPickle writes for [{'k': u'\u00e9\U0001F600', 'n': 300,
  // 'big': 2**40, 'f': 0.5, 't': (1, 'k')}, <the same dict>]: keys as
  // SHORT_BINSTRING, memoised and fetched again with BINGET.
  const bytes = bytesOf(
    0x80,
    2,
    "]q",
    0,
    "(}q",
    1,
    "(U",
    1,
    "kq",
    2,
    "X",
    6,
    0,
    0,
    0,
    0xc3,
    0xa9,
    0xf0,
    0x9f,
    0x98,
    0x80,
    "q",
    3,
    "U",
    1,
    "nq",
    4,
    "M",
    0x2c,
    0x01,
    "U",
    3,
    "bigq",
    5,
    0x8a,
    6,
    0,
    0,
    0,
    0,
    0,
    1,
    "U",
    1,
    "fq",
    6,
    "G",
    0x3f,
    0xe0,
    0,
    0,
    0,
    0,
    0,
    0,
    "U",
    1,
    "tq",
    7,
    "K",
    1,
    "h",
    2,
    0x86,
    "q",
    8,
    "uh",
    1,
    "e.",
  );
  const value = readPickle(bytes) as Map<PickleValue, PickleValue>[];
  assert.equal(value.length, 2);
  assert.equal(value[0], value[1], "the memo gives back the same dict object");
  assert.deepEqual(
    value[0],
    new Map<PickleValue, PickleValue>([
      ["k", "é😀"],
      ["n", 300],
      ["big", 2 ** 40],
      ["f", 0.5],
      ["t", [1, "k"]],
    ]),
  );
});

Deno.test("readPickle() reads what Python 3 writes at protocols 2 to 5", () => {
  // pickle.dumps([{'k': 'v'}, 2**31, -1, 65535, 3.25, (True, False)], protocol=p)
  const expected = [
    new Map([["k", "v"]]),
    2 ** 31,
    -1,
    65535,
    3.25,
    [true, false],
  ];
  const pickles = {
    2: "80025d7100287d710158010000006b71025801000000767103738a0500000080004affffffff4dffff47400a0000000000008889867104652e",
    3: "80035d7100287d710158010000006b71025801000000767103738a0500000080004affffffff4dffff47400a0000000000008889867104652e",
    4: "8004952c000000000000005d94287d948c016b948c017694738a0500000080004affffffff4dffff47400a00000000000088898694652e",
    5: "8005952c000000000000005d94287d948c016b948c017694738a0500000080004affffffff4dffff47400a00000000000088898694652e",
  };
  for (const [protocol, hex] of Object.entries(pickles)) {
    assert.deepEqual(
      readPickle(fromHex(hex)),
      expected,
      `protocol ${protocol}`,
    );
  }
});

Deno.test("readPickle() rebuilds bytes and sets from the builders Python 3 uses below protocol 4", () => {
  // pickle.dumps([b'\x00\xff', frozenset([1])], protocol=2): _codecs.encode
  // and __builtin__.frozenset called through REDUCE.
  const value = readPickle(
    fromHex(
      "80025d710028635f636f646563730a656e636f64650a7101580300000000c3bf710258060000006c6174696e317103867104527105635f5f6275696c74696e5f5f0a66726f7a656e7365740a71065d71074b0161857108527109652e",
    ),
  );
  assert.deepEqual(value, [new Uint8Array([0, 255]), new Set([1])]);
});

Deno.test("readPickle() decodes Python 2 byte strings as UTF-8, Latin-1 or bytes as asked", () => {
  // SHORT_BINSTRING "caf\xc3\xa9" (UTF-8) and "caf\xe9" (not UTF-8).
  const bytes = bytesOf(
    0x80,
    2,
    "U",
    5,
    "caf",
    0xc3,
    0xa9,
    "U",
    4,
    "caf",
    0xe9,
    0x86,
    ".",
  );
  assert.deepEqual(readPickle(bytes), ["café", "café"]);
  assert.deepEqual(readPickle(bytes, { py2Strings: "latin1" }), [
    "cafÃ©",
    "café",
  ]);
  assert.deepEqual(readPickle(bytes, { py2Strings: "bytes" }), [
    bytesOf("caf", 0xc3, 0xa9),
    bytesOf("caf", 0xe9),
  ]);
});

Deno.test("readPickle() reads raw-unicode-escape text with escaped backslashes", () => {
  // Python 3, protocol 0: pickle.dumps('a\\u0041 \U0001F600 \\') writes
  // backslashes as \u005c; a literal "\\u" run of two backslashes is text.
  const bytes = bytesOf("Va\\u005cu0041 \\U0001f600 \\u005c\np0\n.");
  assert.equal(readPickle(bytes), "a\\u0041 😀 \\");
  assert.equal(readPickle(bytesOf("V\\\\u0041\n.")), "\\\\u0041");
});

Deno.test("readPickle() reads LONG_BINPUT / LONG_BINGET, LONG4, negative LONG1 and EMPTY_SET/ADDITEMS", () => {
  const bytes = bytesOf(
    0x80,
    4,
    "(",
    0x8a,
    1,
    0xff, // -1 as LONG1
    0x8b,
    2,
    0,
    0,
    0,
    0x00,
    0x80, // -32768 as LONG4
    0x8f,
    "(K",
    1,
    "K",
    2,
    0x90, // {1, 2}
    "r",
    0x00,
    0x01,
    0,
    0, // LONG_BINPUT 256
    "j",
    0x00,
    0x01,
    0,
    0, // LONG_BINGET 256
    "t.",
  );
  const value = readPickle(bytes) as PickleValue[];
  assert.deepEqual(value, [-1, -32768, new Set([1, 2]), new Set([1, 2])]);
  assert.equal(value[2], value[3]);
});

Deno.test("readPickle() refuses a pickle of a Python object, naming the class and the byte", () => {
  // pickle.dumps(numpy.int64(3), protocol=2) starts with GLOBAL numpy.core.multiarray scalar.
  const error = assertPickleError(
    bytesOf(0x80, 2, "cnumpy.core.multiarray\nscalar\nq", 0, "."),
    2,
    /opcode 0x63 GLOBAL: .*class numpy\.core\.multiarray\.scalar.*plain Python types/,
    "GLOBAL",
  );
  assert.equal(error.name, "PickleError");
  assertPickleError(
    bytesOf(0x80, 2, "N}b."),
    4,
    /opcode 0x62 BUILD: the pickle rebuilds a Python object/,
    "BUILD",
  );
});

Deno.test("readPickle() reports a truncated pickle with the offset where data ran out", () => {
  // A list that never reaches STOP.
  assertPickleError(
    bytesOf(0x80, 2, "]q", 0, "(K", 1, "K", 2),
    10,
    /byte 10: the pickle ends before its STOP opcode; the file is truncated/,
  );
  // A SHORT_BINSTRING that claims 10 bytes but has 3.
  assertPickleError(
    bytesOf(0x80, 2, "U", 10, "abc"),
    2,
    /opcode 0x55 SHORT_BINSTRING: the pickle is truncated \(needs 10 more bytes at byte 4/,
    "SHORT_BINSTRING",
  );
  assertPickleError(new Uint8Array(0), 0, /the data is empty/);
});

Deno.test("readPickle() reports corrupt pickles with the opcode and its offset", () => {
  assertPickleError(
    bytesOf(0x80, 2, "]", 0xff),
    3,
    /byte 3: unknown opcode 0xff; the data is not a pickle/,
  );
  // JSON is not a pickle: '[' is not an opcode... '{' is not either.
  assertPickleError(bytesOf('{"a": 1}'), 0, /unknown opcode 0x7b/);
  assertPickleError(
    bytesOf(0x80, 2, "]h", 7, "."),
    3,
    /BINGET: memo entry 7 was never stored/,
    "BINGET",
  );
  assertPickleError(
    bytesOf(0x80, 2, "}K", 1, "a."),
    5,
    /APPEND: expected a list under the items, found a dict/,
    "APPEND",
  );
  assertPickleError(
    bytesOf(0x80, 2, "NN."),
    4,
    /STOP with 2 values on the stack/,
    "STOP",
  );
  assertPickleError(
    bytesOf(0x80, 2, "}(K", 1, "u."),
    6,
    /SETITEMS: 1 values for key\/value pairs/,
    "SETITEMS",
  );
  assertPickleError(
    bytesOf(0x80, 9, "N."),
    0,
    /protocol 9 is newer than the protocols this reader knows/,
    "PROTO",
  );
  assertPickleError(
    bytesOf("e."),
    0,
    /APPENDS: no MARK to pop back to/,
    "APPENDS",
  );
  assertPickleError(
    bytesOf("Iabc\n."),
    0,
    /INT argument \(3 characters\) is not a decimal integer/,
    "INT",
  );
  assertPickleError(
    bytesOf("S'abc\n."),
    0,
    /STRING argument is not a quoted string/,
    "STRING",
  );
});

Deno.test("readPickle() errors say what is wrong and where without quoting the pickle's text", () => {
  const cases = [
    "ISECRET-int\n.", // INT that is not a number
    "FSECRET-float\n.", // FLOAT that is not a number
    "S'\\xZZSECRET'\n.", // broken \x escape
    "cSECRET module\nSECRET name\n)R.", // a class name that is no identifier
  ];
  for (const text of cases) {
    let error: unknown;
    try {
      readPickle(new TextEncoder().encode(text), { source: "refs(umd).p" });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof PickleError, `${text}: ${error}`);
    assert.match(error.message, /^refs\(umd\)\.p: byte 0, opcode/);
    assert.ok(!error.message.includes("SECRET"), error.message);
  }
});
