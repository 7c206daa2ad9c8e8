/**
 * The goldens, photos and shared checks of the CLIP reference tests
 * (tests/reference/clip_parity_test.ts and clip_parity_slow_test.ts).
 *
 * @module
 */

import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import { cropAndFill } from "../../kernels/crop_fill/cpu.ts";
import { ClipTextEncoder } from "../../pipeline/clip/text.ts";
import {
  tokenMaskRows,
  wholeImageView,
} from "../../pipeline/clip/_token_mask_inputs.ts";
import { deriveTokenMaskModel } from "../../pipeline/clip/token_mask_model.ts";
import { ClipVisionEncoder } from "../../pipeline/clip/vision.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import {
  type BackendName,
  createSession,
} from "../../pipeline/models/session.ts";
import { ClipTokenizer } from "../../pipeline/text/clip_tokenizer.ts";
import {
  decodeRuns,
  maxDiff,
  readGolden,
  readPhoto,
  REFERENCE_CLIP,
  REFERENCE_CLIP_OTHER,
  REFERENCE_MODELS_DIR,
  referenceModels,
  type TensorCheck,
} from "../reference/reference_data.ts";

/** What each resize gives for a mask (the 12-block tower's). */
export interface ResizedGolden {
  grid7: number[];
  localView: TensorCheck;
  localEmbeds: number[];
  global: number[];
}

/** A mask of a photo, with what PyTorch gives for it. */
export interface MaskGolden extends ResizedGolden {
  name: string;
  rle: number[];
  box: [number, number, number, number];
  grid4: number[];
  otherGlobal: number[];
  /** The same with the reference code's plain bilinear resizes. */
  bilinear: ResizedGolden;
}

/** A photo of the CLIP goldens. */
export interface PhotoGolden {
  photo: string;
  width: number;
  height: number;
  wholeView: TensorCheck;
  wholeViewBilinear: TensorCheck;
  wholeEmbeds: number[];
  otherWholeEmbeds: number[];
  masks: MaskGolden[];
}

/** The views goldens. */
export const VIEWS = await readGolden<{ photos: PhotoGolden[] }>(
  "clip/views.json",
);
/** The tokenizer goldens. */
export const TOKENS = await readGolden<
  { cases: { text: string; ids: number[] }[] }
>(
  "clip/tokens.json",
);
/** The text tower goldens. */
export const TEXT = await readGolden<
  { cases: { text: string; ids: number[]; embeds: number[] }[] }
>("clip/text.json");
/** The reference models. */
export const SOURCE = referenceModels();

/** A reference model file's bytes, read synchronously. */
export function readBytes(repo: string, file: string): Uint8Array {
  return Deno.readFileSync(`${REFERENCE_MODELS_DIR}/${repo}/onnx/${file}`);
}

/** Tolerance of the fp32 goldens (embeddings and views). */
export const TOL = 1e-4;

/** A photo with its goldens, pixels and masks. */
export interface Photo {
  golden: PhotoGolden;
  image: RgbaImage;
  masks: { mask: Uint8Array; box: [number, number, number, number] }[];
}

/**
 * The two resizes: antialiased (oris's default, torchvision's tensor resize
 * since 0.17) and plain bilinear (torchvision's before 0.17, the reference
 * code's), each with its goldens.
 */
export const RESIZES = [
  {
    name: "antialiased",
    antialias: true,
    whole: (p: PhotoGolden) => p.wholeView,
    of: (m: MaskGolden): ResizedGolden => m,
  },
  {
    name: "plain bilinear",
    antialias: false,
    whole: (p: PhotoGolden) => p.wholeViewBilinear,
    of: (m: MaskGolden): ResizedGolden => m.bilinear,
  },
] as const;

/** The crop & fill input of a photo's masks. */
export function cropInput(p: Photo, antialias: boolean) {
  return {
    image: p.image,
    masks: {
      data: new Uint8Array(p.masks.flatMap((m) => [...m.mask])),
      count: p.masks.length,
    },
    boxes: p.masks.map((m) => m.box),
    antialias,
  };
}

/** The photos of the views goldens, decoded. */
export const PHOTOS: Photo[] = await Promise.all(
  VIEWS.photos.map(async (golden) => {
    const image = await readPhoto(golden.photo);
    const size = image.width * image.height;
    return {
      golden,
      image,
      masks: golden.masks.map((m) => ({
        mask: decodeRuns(m.rle, size),
        box: m.box,
      })),
    };
  }),
);

/** The reference CLIP's tokenizer. */
export async function tokenizer(): Promise<ClipTokenizer> {
  const bytes = await SOURCE.read(REFERENCE_CLIP, "tokenizer.json");
  return ClipTokenizer.fromJson(JSON.parse(new TextDecoder().decode(bytes)));
}

/** A vision tower of a reference file on `backend`, derived for token masks with `derive` tokens. */
async function vision(
  repo: string,
  file: string,
  backend: BackendName,
  size: number,
  derive?: number,
): Promise<ClipVisionEncoder> {
  let bytes = await SOURCE.read(repo, `onnx/${file}`);
  if (derive) {
    bytes = deriveTokenMaskModel(bytes, { sequenceLength: derive }).bytes;
  }
  return new ClipVisionEncoder(
    await createSession(bytes, { backend, label: `${repo}/onnx/${file}` }),
    { size },
  );
}

/**
 * Asserts that the CLIP towers on `backend` give PyTorch's text_embeds and
 * image_embeds (whole and local views, both resizes) within {@linkcode TOL},
 * on `photos` (all of them unless given).
 */
export async function checkTowers(
  backend: BackendName,
  photos: readonly Photo[] = PHOTOS,
): Promise<void> {
  const text = new ClipTextEncoder(
    await createSession(
      await SOURCE.read(REFERENCE_CLIP, "onnx/text_model.onnx"),
      { backend },
    ),
    await tokenizer(),
  );
  const got = await text.embed(TEXT.cases.map((c) => c.text));
  TEXT.cases.forEach((c, i) => {
    const d = maxDiff(
      got.embeds.subarray(i * got.dim, (i + 1) * got.dim),
      c.embeds,
    );
    assert.ok(d < TOL, `${JSON.stringify(c.text)}: ${d}`);
  });
  const stock = await vision(
    REFERENCE_CLIP,
    "vision_model.onnx",
    backend,
    224,
  );
  for (const p of photos) {
    const { golden, image } = p;
    const whole = await stock.embed(
      wholeImageView(image, 224, CLIP_NORMALISATION),
      1,
    );
    assert.ok(
      maxDiff(whole.embeds, golden.wholeEmbeds) < TOL,
      `${golden.photo} whole`,
    );
    for (const r of RESIZES) {
      const local = await stock.embed(
        cropAndFill(cropInput(p, r.antialias)),
        p.masks.length,
      );
      golden.masks.forEach((m, i) => {
        const d = maxDiff(
          local.embeds.subarray(i * local.dim, (i + 1) * local.dim),
          r.of(m).localEmbeds,
        );
        assert.ok(
          d < TOL,
          `${golden.photo} ${m.name} local embeds (${r.name}): ${d}`,
        );
      });
    }
  }
}

/**
 * Asserts that token-masked towers derived from the stock exports (12 blocks
 * at opset 14, 6 blocks at opset 17) give PyTorch's global vectors on
 * `backend` within {@linkcode TOL}, on `photos` (all of them unless given).
 */
export async function checkDerivedTowers(
  backend: BackendName,
  photos: readonly Photo[] = PHOTOS,
): Promise<void> {
  const towers = [
    {
      repo: REFERENCE_CLIP,
      size: 224,
      side: 7,
      key: "global",
      whole: "wholeEmbeds",
    },
    {
      repo: REFERENCE_CLIP_OTHER,
      size: 64,
      side: 4,
      key: "otherGlobal",
      whole: "otherWholeEmbeds",
    },
  ] as const;
  for (const t of towers) {
    const derived = await vision(
      t.repo,
      "vision_model.onnx",
      backend,
      t.size,
      t.side ** 2 + 1,
    );
    assert.equal(derived.patchGridSide, t.side);
    for (const { golden, image, masks } of photos) {
      const view = wholeImageView(image, t.size, CLIP_NORMALISATION);
      const rows = tokenMaskRows(masks, image.width, image.height, t.side);
      const { embeds, dim } = await derived.embedTokenMasked(
        view,
        rows,
        masks.length,
      );
      golden.masks.forEach((m, i) => {
        const d = maxDiff(embeds.subarray(i * dim, (i + 1) * dim), m[t.key]);
        assert.ok(d < TOL, `${t.repo} ${golden.photo} ${m.name}: ${d}`);
      });
      // Plain views go through the derived tower as through the stock one.
      const plain = await derived.embed(view, 1);
      assert.ok(
        maxDiff(plain.embeds, golden[t.whole]) < TOL,
        `${t.repo} ${golden.photo} plain view`,
      );
      if (t.side !== 7) continue;
      // The reference code's own resizes (plain bilinear).
      const b = await derived.embedTokenMasked(
        wholeImageView(image, t.size, CLIP_NORMALISATION, false),
        tokenMaskRows(masks, image.width, image.height, t.side, false),
        masks.length,
      );
      golden.masks.forEach((m, i) => {
        const d = maxDiff(
          b.embeds.subarray(i * b.dim, (i + 1) * b.dim),
          m.bilinear.global,
        );
        assert.ok(
          d < TOL,
          `${golden.photo} ${m.name} (plain bilinear): ${d}`,
        );
      });
    }
  }
}

/**
 * Asserts that token-masked towers derived from the quantized and fp16
 * files mask as the fp32 one does on `backend`, within each file's own
 * error against the fp32 reference.
 */
export async function checkDerivedQuantizedTowers(
  backend: BackendName,
): Promise<void> {
  for (
    const file of ["vision_model_quantized.onnx", "vision_model_fp16.onnx"]
  ) {
    const stock = await vision(REFERENCE_CLIP, file, backend, 224);
    const derived = await vision(REFERENCE_CLIP, file, backend, 224, 50);
    // The file's own error: its stock output against the fp32 reference.
    let ownError = 0;
    const got: {
      golden: MaskGolden[];
      embeds: Float32Array;
      dim: number;
      whole: number[];
    }[] = [];
    for (const { golden, image, masks } of PHOTOS) {
      const view = wholeImageView(image, 224, CLIP_NORMALISATION);
      const plain = await stock.embed(view, 1);
      ownError = Math.max(
        ownError,
        maxDiff(plain.embeds, golden.wholeEmbeds),
      );
      const ones = await derived.embed(view, 1);
      assert.ok(
        maxDiff(ones.embeds, plain.embeds) < 1e-5,
        `${file}: a mask of ones changes the output`,
      );
      const rows = tokenMaskRows(masks, image.width, image.height, 7);
      const { embeds, dim } = await derived.embedTokenMasked(
        view,
        rows,
        masks.length,
      );
      got.push({
        golden: golden.masks,
        embeds,
        dim,
        whole: golden.wholeEmbeds,
      });
    }
    const bound = 3 * ownError + TOL;
    let informative = 0;
    for (const g of got) {
      g.golden.forEach((m, i) => {
        const d = maxDiff(
          g.embeds.subarray(i * g.dim, (i + 1) * g.dim),
          m.global,
        );
        assert.ok(
          d < bound,
          `${file} ${m.name}: ${d} against a bound of ${bound}`,
        );
        // Masks whose global vector differs from the unmasked one by far
        // more than the bound show that masking happened.
        if (maxDiff(m.global, g.whole) > 3 * bound) informative++;
      });
    }
    assert.ok(
      informative >= 8,
      `${file}: only ${informative} masks tell masked from unmasked`,
    );
  }
}
