import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  pilBilinearTaps,
  pilResizeBilinear,
} from "../../pipeline/image/_pil_bilinear.ts";
import { createRgbaImage, rgbaFromRgb } from "../../pipeline/image/rgba.ts";

/** A case of goldens/sam/pil_bilinear.json (PIL's own output). */
interface PilCase {
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
  rgb: number[];
  out?: number[];
  outSum?: number;
  outIndex?: number[];
  outValue?: number[];
}

const GOLDEN = fileURLToPath(
  new URL(
    "../fixtures/reference/goldens/sam/pil_bilinear.json",
    import.meta.url,
  ),
);

/** The RGB bytes of an RGBA image. */
function rgbOf(data: Uint8ClampedArray): Uint8Array {
  const out = new Uint8Array((data.length / 4) * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    out[j] = data[i];
    out[j + 1] = data[i + 1];
    out[j + 2] = data[i + 2];
  }
  return out;
}

Deno.test("pilResizeBilinear() gives PIL's bytes exactly: up, down, mixed, one axis, one pixel", async () => {
  const { cases } = JSON.parse(await Deno.readTextFile(GOLDEN)) as {
    cases: PilCase[];
  };
  assert.ok(cases.length >= 8);
  for (const c of cases) {
    const label = `${c.width}x${c.height} -> ${c.outWidth}x${c.outHeight}`;
    const got = pilResizeBilinear(
      rgbaFromRgb(c.rgb, c.width, c.height),
      c.outWidth,
      c.outHeight,
    );
    assert.equal(got.width, c.outWidth, label);
    assert.equal(got.height, c.outHeight, label);
    const rgb = rgbOf(got.data);
    if (c.out) {
      assert.deepEqual([...rgb], c.out, label);
    } else {
      c.outIndex!.forEach((i, k) =>
        assert.equal(rgb[i], c.outValue![k], `${label} byte ${i}`)
      );
      assert.equal(rgb.reduce((a, b) => a + b, 0), c.outSum, label);
    }
    // Opaque stays opaque.
    for (let i = 3; i < got.data.length; i += 4) {
      assert.equal(got.data[i], 255, label);
    }
  }
});

Deno.test("pilBilinearTaps() weights sum to one in 22-bit fixed point and stay within the source", () => {
  for (const [inSize, outSize] of [[7, 13], [13, 5], [640, 1024], [3, 1]]) {
    const taps = pilBilinearTaps(inSize, outSize);
    for (let o = 0; o < outSize; o++) {
      let sum = 0;
      for (let i = 0; i < taps.count[o]; i++) {
        sum += taps.weights[o * taps.stride + i];
      }
      // Each weight is rounded on its own: off by at most half a unit each.
      assert.ok(
        Math.abs(sum - 2 ** 22) <= taps.count[o],
        `${inSize}->${outSize} ${o}`,
      );
      assert.ok(taps.start[o] >= 0 && taps.start[o] + taps.count[o] <= inSize);
    }
  }
});

Deno.test("pilResizeBilinear() keeps a flat image flat and copies at the same size", () => {
  const flat = createRgbaImage(9, 5);
  for (let i = 0; i < flat.data.length; i += 4) {
    flat.data.set([200, 7, 0, 255], i);
  }
  const up = pilResizeBilinear(flat, 31, 17);
  for (let i = 0; i < up.data.length; i += 4) {
    assert.deepEqual([...up.data.subarray(i, i + 4)], [200, 7, 0, 255]);
  }
  const same = pilResizeBilinear(flat, 9, 5);
  assert.deepEqual(same.data, flat.data);
  assert.notEqual(same.data, flat.data);
});

Deno.test("pilBilinearTaps() rejects sizes that are not positive whole numbers", () => {
  assert.throws(() => pilBilinearTaps(0, 4), /source size must be a positive/);
  assert.throws(
    () => pilBilinearTaps(4, 2.5),
    /output size must be a positive/,
  );
});
