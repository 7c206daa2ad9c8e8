import assert from "node:assert/strict";
import {
  CLIP_EOS_ID,
  CLIP_MAX_LENGTH,
  encodeClipFixture,
} from "../../pipeline/demo/_clip_tokenizer_json.ts";
import {
  buildClipTextModel,
  buildClipVisionModel,
  CLIP_EMBED_DIM,
  clipFixtureBasis,
  IMAGE_EPS,
} from "../../pipeline/demo/_color_clip.ts";
import { COLOUR_WORDS, PALETTE } from "../../pipeline/demo/palette.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import {
  type Backend,
  clipMaskedCrop,
  cosine,
  loadRuntime,
  type TestRuntime,
  type TestSession,
  type TestTensor,
} from "../fixtures/test_helpers.ts";

function metadata(list: readonly unknown[]) {
  return list.map((m) => {
    const { name, type, shape } = m as {
      name: string;
      type: string;
      shape: unknown[];
    };
    return { name, type, shape };
  });
}

async function withClip<T>(
  backend: Backend,
  fn: (rt: TestRuntime, vision: TestSession, text: TestSession) => Promise<T>,
): Promise<T> {
  const rt = await loadRuntime(backend);
  const vision = await rt.create(buildClipVisionModel());
  const text = await rt.create(buildClipTextModel());
  try {
    return await fn(rt, vision, text);
  } finally {
    await vision.release();
    await text.release();
  }
}

/** Rows of a [n, 512] output. */
function rows(t: unknown): Float32Array[] {
  const { data, dims } = t as TestTensor;
  const d = data as Float32Array;
  return Array.from(
    { length: dims[0] },
    (_, i) => d.subarray(i * dims[1], (i + 1) * dims[1]),
  );
}

/** Token ids of sentences, padded with <|endoftext|> to the longest. */
function batchIds(sentences: string[], length?: number): {
  ids: BigInt64Array;
  dims: number[];
} {
  const encoded = sentences.map(encodeClipFixture);
  const len = length ?? Math.max(...encoded.map((e) => e.length));
  const ids = new BigInt64Array(sentences.length * len).fill(
    BigInt(CLIP_EOS_ID),
  );
  encoded.forEach((e, i) => ids.set(e.map(BigInt), i * len));
  return { ids, dims: [sentences.length, len] };
}

async function embedTexts(
  rt: TestRuntime,
  text: TestSession,
  sentences: string[],
  length?: number,
): Promise<Float32Array[]> {
  const { ids, dims } = batchIds(sentences, length);
  const out = await text.run({ input_ids: rt.tensor("int64", ids, dims) });
  return rows(out.text_embeds);
}

for (const backend of ["node", "web"] as const) {
  Deno.test(`buildClipVisionModel() and buildClipTextModel() declare the CLIP ViT-B/32 inputs and outputs (onnxruntime-${backend})`, async () => {
    await withClip(backend, (_rt, vision, text) => {
      assert.deepEqual(metadata(vision.inputMetadata), [{
        name: "pixel_values",
        type: "float32",
        shape: ["batch_size", "num_channels", "height", "width"],
      }]);
      assert.deepEqual(metadata(vision.outputMetadata), [{
        name: "image_embeds",
        type: "float32",
        shape: ["batch_size", 512],
      }]);
      assert.deepEqual(metadata(text.inputMetadata), [{
        name: "input_ids",
        type: "int64",
        shape: ["batch_size", "sequence_length"],
      }]);
      assert.deepEqual(metadata(text.outputMetadata), [{
        name: "text_embeds",
        type: "float32",
        shape: ["batch_size", 512],
      }]);
      return Promise.resolve();
    });
  });
}

Deno.test("clipFixtureBasis() is orthonormal", () => {
  const basis = clipFixtureBasis();
  const n = PALETTE.length + 1;
  assert.equal(basis.length, n * CLIP_EMBED_DIM);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let dot = 0;
      for (let i = 0; i < CLIP_EMBED_DIM; i++) {
        dot += basis[a * CLIP_EMBED_DIM + i] * basis[b * CLIP_EMBED_DIM + i];
      }
      assert.ok(
        Math.abs(dot - (a === b ? 1 : 0)) < 1e-5,
        `<e${a}, e${b}> = ${dot}`,
      );
    }
  }
});

for (const backend of ["node", "web"] as const) {
  Deno.test(`buildClipVisionModel() ranks each shape's masked crop highest with its own colour's sentence (onnxruntime-${backend})`, async () => {
    const seeds = backend === "node" ? [1, 2, 3, 4] : [5];
    await withClip(backend, async (rt, vision, text) => {
      const sentences = COLOUR_WORDS.map((c) => `the ${c} shape`);
      const textEmbeds = await embedTexts(rt, text, sentences);
      for (const seed of seeds) {
        const scene = generateScene(seed);
        const crops = scene.shapes.map((s) =>
          clipMaskedCrop(scene.image, s.mask, s.box)
        );
        const pixels = new Float32Array(crops.length * 3 * 224 * 224);
        crops.forEach((c, i) => pixels.set(c, i * c.length));
        const out = await vision.run({
          pixel_values: rt.tensor("float32", pixels, [
            crops.length,
            3,
            224,
            224,
          ]),
        });
        rows(out.image_embeds).forEach((embed, i) => {
          const scores = textEmbeds.map((t) => cosine(embed, t));
          const best = scores.indexOf(Math.max(...scores));
          assert.equal(
            COLOUR_WORDS[best],
            scene.shapes[i].colour,
            `seed ${seed}, shape ${i}: scores ${
              scores.map((s) => s.toFixed(2))
            }`,
          );
        });
      }
    });
  });
}

Deno.test("buildClipVisionModel() gives background and mean-colour pixels no colour weight", async () => {
  await withClip("node", async (rt, vision) => {
    const scene = generateScene(2);
    const empty = new Uint8Array(scene.image.width * scene.image.height);
    const pixels = new Float32Array(2 * 3 * 224 * 224);
    // A crop of plain background, and a crop entirely outside its mask.
    const bg = clipMaskedCrop(scene.image, empty.fill(1), [0, 0, 4, 4]);
    pixels.set(bg, 0);
    pixels.set(
      clipMaskedCrop(scene.image, empty.fill(0), [0, 0, 50, 50]),
      bg.length,
    );
    const out = await vision.run({
      pixel_values: rt.tensor("float32", pixels, [2, 3, 224, 224]),
    });
    const basis = clipFixtureBasis();
    const common = basis.subarray(PALETTE.length * CLIP_EMBED_DIM);
    for (const embed of rows(out.image_embeds)) {
      for (let i = 0; i < CLIP_EMBED_DIM; i++) {
        assert.ok(Math.abs(embed[i] - IMAGE_EPS * common[i]) < 1e-6);
      }
    }
  });
});

Deno.test("buildClipTextModel() embeds a sentence by its colour words, whatever the padding", async () => {
  await withClip("node", async (rt, _vision, text) => {
    const [short, padded] = [
      await embedTexts(rt, text, ["The RED circle on the left"]),
      await embedTexts(
        rt,
        text,
        ["The RED circle on the left"],
        CLIP_MAX_LENGTH,
      ),
    ];
    for (let i = 0; i < CLIP_EMBED_DIM; i++) {
      assert.ok(Math.abs(short[0][i] - padded[0][i]) < 1e-6);
    }
    const [red, blue, redZebra, none] = await embedTexts(rt, text, [
      "the red circle",
      "the blue circle",
      "a red zebra",
      "the circle",
    ]);
    assert.ok(cosine(red, redZebra) > 0.99);
    assert.ok(cosine(red, blue) < 0.1);
    assert.ok(Math.abs(cosine(red, none)) < 0.2);
  });
});
