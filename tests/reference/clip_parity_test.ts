/**
 * CLIP stages against PyTorch on tiny-random CLIP models of the real
 * architecture (tests/fixtures/reference/clip_reference.py): the real
 * tokenizer's ids, text and image embeddings, the local views, the masks'
 * patch grids, and the token-masked global vectors of the derived tower.
 * The towers run here on wasm on one photo; on every photo and backend,
 * and the quantized and fp16 files, in clip_parity_slow_test.ts.
 */

import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import { cropAndFill } from "../../kernels/crop_fill/cpu.ts";
import { gpuKernels } from "../../kernels/kernels.ts";
import {
  maskGrid,
  wholeImageView,
} from "../../pipeline/clip/_token_mask_inputs.ts";
import {
  deriveTokenMaskModel,
  TokenMaskMappingError,
} from "../../pipeline/clip/token_mask_model.ts";
import { gpu } from "../kernels/gpu_context.ts";
import {
  checkDerivedTowers,
  checkTowers,
  cropInput,
  PHOTOS,
  readBytes,
  RESIZES,
  SOURCE,
  tokenizer,
  TOKENS,
  TOL,
} from "../helpers/reference_clip.ts";
import {
  compareToCheck,
  maxDiff,
  REFERENCE_CLIP,
  REFERENCE_CLIP_OTHER,
} from "./reference_data.ts";

Deno.test("deriveTokenMaskModel() maps every reference export: its blocks, tokens, stream type, and the class-token cut where the last MLP is token-wise", async () => {
  const cases = [
    [REFERENCE_CLIP, "vision_model.onnx", 12, 50, 1, true],
    [REFERENCE_CLIP, "vision_model_fp16.onnx", 12, 50, 10, true],
    // Dynamic quantization scales over all tokens: no cut.
    [REFERENCE_CLIP, "vision_model_quantized.onnx", 12, 50, 1, false],
    [REFERENCE_CLIP_OTHER, "vision_model.onnx", 6, 17, 1, true],
  ] as const;
  for (const [repo, file, blocks, tokens, streamType, cut] of cases) {
    // The token count is read off the graph's position embedding.
    const { info } = deriveTokenMaskModel(
      await SOURCE.read(repo, `onnx/${file}`),
    );
    assert.deepEqual(
      [
        info.blocks,
        info.maskedBlocks,
        info.sequenceLength,
        info.streamType,
        info.classTokenOnly,
      ],
      [blocks, [blocks - 3, blocks - 2, blocks - 1], tokens, streamType, cut],
      `${repo}/${file}`,
    );
  }
  // A count from a config that does not belong to the model is refused.
  assert.throws(
    () =>
      deriveTokenMaskModel(
        readBytes(REFERENCE_CLIP_OTHER, "vision_model.onnx"),
        { sequenceLength: 50 },
      ),
    (e: unknown) =>
      e instanceof TokenMaskMappingError &&
      /position embedding holds 17 tokens per image, but 50 were asked for/
        .test(e.message),
  );
});

Deno.test("ClipTokenizer gives the reference tokenizer's ids on CLIP's real vocabulary", async () => {
  const tok = await tokenizer();
  for (const c of TOKENS.cases) {
    assert.deepEqual(
      tok.encode(c.text, { maxLength: 1000 }).ids,
      c.ids,
      JSON.stringify(c.text),
    );
  }
});

for (const r of RESIZES) {
  Deno.test(`wholeImageView() and cropAndFill() build the views PyTorch builds, within 1e-4 (${r.name})`, async () => {
    const per = 3 * 224 * 224;
    for (const p of PHOTOS) {
      const { golden, image } = p;
      const whole = compareToCheck(
        wholeImageView(image, 224, CLIP_NORMALISATION, r.antialias),
        r.whole(golden),
      );
      assert.ok(
        whole.sampled < TOL && whole.meanDiff < TOL,
        `${golden.photo} whole view: ${JSON.stringify(whole)}`,
      );
      const input = cropInput(p, r.antialias);
      const twins: [string, Float32Array][] = [["cpu", cropAndFill(input)]];
      if (gpu) twins.push(["gpu", await gpuKernels(gpu).cropAndFill(input)]);
      for (const [where, views] of twins) {
        golden.masks.forEach((m, i) => {
          const got = compareToCheck(
            views.subarray(i * per, (i + 1) * per),
            r.of(m).localView,
          );
          assert.ok(
            got.sampled < TOL && got.meanDiff < TOL && got.rmsDiff < TOL,
            `${golden.photo} ${m.name} local view (${where}): ${
              JSON.stringify(got)
            }`,
          );
        });
      }
    }
  });

  // Plain bilinear: torch computes each source coordinate in float32
  // ((o + 0.5) * 640 / 7 - 0.5 is ~400, good to ~3e-5), and its weight
  // with it; the antialiased weights come out of a sum it normalises.
  const gridTol = r.antialias ? 1e-5 : 1e-4;
  Deno.test(`maskGrid() resizes masks to the patch grid as torch's bilinear resize does, within ${gridTol} (${r.name})`, () => {
    for (const { golden, image, masks } of PHOTOS) {
      golden.masks.forEach((m, i) => {
        const sides: [number, number[]][] = [[7, r.of(m).grid7]];
        if (r.antialias) sides.push([4, m.grid4]);
        for (const [side, want] of sides) {
          const d = maxDiff(
            maskGrid(masks[i], image.width, image.height, side, r.antialias),
            want,
          );
          assert.ok(
            d < gridTol,
            `${golden.photo} ${m.name} ${side}x${side}: ${d}`,
          );
        }
      });
    }
  });
}

// One photo on wasm; every photo on every backend is in clip_parity_slow_test.ts.
const FIRST = PHOTOS.slice(0, 1);

Deno.test(`the CLIP towers give PyTorch's text_embeds and image_embeds within 1e-4 (wasm, ${FIRST[0].golden.photo})`, async () => {
  await checkTowers("wasm", FIRST);
});

Deno.test(`token-masked towers derived from stock exports give PyTorch's global vectors within 1e-4 (12 blocks at opset 14, 6 blocks at opset 17; wasm, ${FIRST[0].golden.photo})`, async () => {
  await checkDerivedTowers("wasm", FIRST);
});
