import assert from "node:assert/strict";
import {
  buildSamDecoder,
  buildSamEncoder,
  IOU_SCALE,
  SAM_MASK_SIZE,
} from "../../pipeline/demo/_color_sam.ts";
import { generateScene, type Scene } from "../../pipeline/demo/scenes.ts";
import {
  type Backend,
  loadRuntime,
  lowResToMask,
  maskIoU,
  samPreprocess,
  type TestRuntime,
  type TestSession,
  type TestTensor,
} from "../fixtures/test_helpers.ts";

const ENCODER_INPUTS = [
  {
    name: "pixel_values",
    type: "float32",
    shape: ["batch_size", 3, 1024, 1024],
  },
];
const ENCODER_OUTPUTS = [
  {
    name: "image_embeddings",
    type: "float32",
    shape: ["batch_size", 256, 64, 64],
  },
  {
    name: "image_positional_embeddings",
    type: "float32",
    shape: ["batch_size", 256, 64, 64],
  },
];
const DECODER_INPUTS = [
  {
    name: "input_points",
    type: "float32",
    shape: ["batch_size", "point_batch_size", "nb_points_per_image", 2],
  },
  {
    name: "input_labels",
    type: "int64",
    shape: ["batch_size", "point_batch_size", "nb_points_per_image"],
  },
  {
    name: "image_embeddings",
    type: "float32",
    shape: ["batch_size", 256, 64, 64],
  },
  {
    name: "image_positional_embeddings",
    type: "float32",
    shape: ["batch_size", 256, 64, 64],
  },
];
const DECODER_OUTPUTS = [
  {
    name: "iou_scores",
    type: "float32",
    shape: ["batch_size", "point_batch_size", 3],
  },
  {
    name: "pred_masks",
    type: "float32",
    shape: ["batch_size", "point_batch_size", 3, 256, 256],
  },
];

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

/** A point well inside the shape: the mask pixel nearest its centroid. */
function pointOn(scene: Scene, index: number): [number, number] {
  const { mask } = scene.shapes[index];
  const w = scene.image.width;
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      sx += i % w;
      sy += Math.floor(i / w);
      n++;
    }
  }
  const cx = sx / n, cy = sy / n;
  let best = -1, bestD = Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const d = (i % w - cx) ** 2 + (Math.floor(i / w) - cy) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return [best % w + 0.5, Math.floor(best / w) + 0.5];
}

async function withSam<T>(
  backend: Backend,
  fn: (rt: TestRuntime, enc: TestSession, dec: TestSession) => Promise<T>,
): Promise<T> {
  const rt = await loadRuntime(backend);
  const enc = await rt.create(buildSamEncoder());
  const dec = await rt.create(buildSamDecoder());
  try {
    return await fn(rt, enc, dec);
  } finally {
    await enc.release();
    await dec.release();
  }
}

interface Decoded {
  iou: Float32Array;
  masks: Float32Array;
  dims: readonly number[];
}

async function segmentPoints(
  rt: TestRuntime,
  enc: TestSession,
  dec: TestSession,
  scene: Scene,
  points: Array<[number, number]>,
  labels?: number[],
): Promise<{ decoded: Decoded; input: ReturnType<typeof samPreprocess> }> {
  const input = samPreprocess(scene.image);
  const embedded = await enc.run({
    pixel_values: rt.tensor("float32", input.pixelValues, [1, 3, 1024, 1024]),
  });
  const coords = new Float32Array(points.flatMap(([x, y]) => [
    x * input.scale,
    y * input.scale,
  ]));
  const out = await dec.run({
    input_points: rt.tensor("float32", coords, [1, points.length, 1, 2]),
    input_labels: rt.tensor(
      "int64",
      BigInt64Array.from((labels ?? points.map(() => 1)).map(BigInt)),
      [1, points.length, 1],
    ),
    image_embeddings: embedded.image_embeddings,
    image_positional_embeddings: embedded.image_positional_embeddings,
  });
  const iou = out.iou_scores as TestTensor;
  const masks = out.pred_masks as TestTensor;
  return {
    decoded: {
      iou: iou.data as Float32Array,
      masks: masks.data as Float32Array,
      dims: masks.dims,
    },
    input,
  };
}

/** The mask SAM's single-mask convention picks: the highest iou score. */
function bestMask(decoded: Decoded, p: number): Float32Array {
  const cells = SAM_MASK_SIZE * SAM_MASK_SIZE;
  let best = 0;
  for (let m = 1; m < 3; m++) {
    if (decoded.iou[p * 3 + m] > decoded.iou[p * 3 + best]) best = m;
  }
  return decoded.masks.subarray(
    (p * 3 + best) * cells,
    (p * 3 + best + 1) * cells,
  );
}

for (const backend of ["node", "web"] as const) {
  Deno.test(`buildSamEncoder() and buildSamDecoder() declare the SlimSAM inputs and outputs (onnxruntime-${backend})`, async () => {
    await withSam(backend, (_rt, enc, dec) => {
      assert.deepEqual(metadata(enc.inputMetadata), ENCODER_INPUTS);
      assert.deepEqual(metadata(enc.outputMetadata), ENCODER_OUTPUTS);
      assert.deepEqual(metadata(dec.inputMetadata), DECODER_INPUTS);
      assert.deepEqual(metadata(dec.outputMetadata), DECODER_OUTPUTS);
      return Promise.resolve();
    });
  });
}

Deno.test("buildSamDecoder() masks each shape under its point with IoU >= 0.9", async () => {
  await withSam("node", async (rt, enc, dec) => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const scene = generateScene(seed);
      const points = scene.shapes.map((_, i) => pointOn(scene, i));
      const { decoded, input } = await segmentPoints(
        rt,
        enc,
        dec,
        scene,
        points,
      );
      assert.deepEqual(decoded.dims, [1, points.length, 3, 256, 256]);
      scene.shapes.forEach((shape, i) => {
        const mask = lowResToMask(
          bestMask(decoded, i),
          input,
          scene.image.width,
          scene.image.height,
        );
        const iou = maskIoU(mask, shape.mask);
        assert.ok(
          iou >= 0.9,
          `seed ${seed}: ${shape.colour} ${shape.kind} IoU ${iou.toFixed(3)}`,
        );
      });
    }
  });
});

Deno.test("buildSamDecoder() gives the same masks in onnxruntime-web as in onnxruntime-node", async () => {
  const scene = generateScene(11);
  const points = scene.shapes.map((_, i) => pointOn(scene, i));
  const node = await withSam(
    "node",
    (rt, e, d) => segmentPoints(rt, e, d, scene, points),
  );
  const web = await withSam(
    "web",
    (rt, e, d) => segmentPoints(rt, e, d, scene, points),
  );
  assert.deepEqual(web.decoded.dims, node.decoded.dims);
  let differing = 0;
  for (let i = 0; i < node.decoded.masks.length; i++) {
    if ((node.decoded.masks[i] > 0) !== (web.decoded.masks[i] > 0)) differing++;
  }
  assert.ok(differing <= 4, `${differing} mask cells differ`);
  for (let i = 0; i < node.decoded.iou.length; i++) {
    assert.ok(Math.abs(node.decoded.iou[i] - web.decoded.iou[i]) < 1e-3);
  }
});

Deno.test("buildSamDecoder() keeps a point's mask off the other shape of the same colour", async () => {
  // Seed 1 has a repeated colour (checked below).
  const scene = generateScene(1, { repeatedColours: 1 });
  const pair = scene.shapes
    .map((s, i) => ({ s, i }))
    .filter(({ s }, _, all) =>
      all.filter((o) => o.s.colour === s.colour).length === 2
    );
  assert.equal(pair.length, 2);
  await withSam("node", async (rt, enc, dec) => {
    const [a, b] = pair;
    const { decoded, input } = await segmentPoints(rt, enc, dec, scene, [
      pointOn(scene, a.i),
    ]);
    for (let m = 0; m < 3; m++) {
      const cells = SAM_MASK_SIZE * SAM_MASK_SIZE;
      const mask = lowResToMask(
        decoded.masks.subarray(m * cells, (m + 1) * cells),
        input,
        scene.image.width,
        scene.image.height,
      );
      let onOther = 0;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] && b.s.mask[i]) onOther++;
      }
      assert.equal(
        onOther,
        0,
        `mask ${m} covers ${onOther} pixels of the twin`,
      );
    }
  });
});

Deno.test("buildSamDecoder() scores a window-clipped mask below the whole blob", async () => {
  // A big square: the small window (33x33 cells) cuts it, the large holds it.
  let found: { scene: Scene; index: number } | undefined;
  for (let seed = 1; !found && seed < 100; seed++) {
    const scene = generateScene(seed);
    const long = Math.max(scene.image.width, scene.image.height);
    const index = scene.shapes.findIndex((s) =>
      s.kind === "square" && s.box[2] >= 0.18 * long
    );
    if (index >= 0) found = { scene, index };
  }
  assert.ok(found, "no scene with a big square in seeds 1..99");
  const { scene, index } = found;
  await withSam("node", async (rt, enc, dec) => {
    const { decoded } = await segmentPoints(rt, enc, dec, scene, [
      pointOn(scene, index),
    ]);
    const [small, medium, large] = decoded.iou;
    assert.ok(Math.abs(large - IOU_SCALE) < 1e-6);
    assert.ok(small < 0.88, `small-window score ${small}`);
    assert.ok(small <= medium && medium <= large);
  });
});

Deno.test("buildSamDecoder() ignores points whose label is not positive and unites positive ones", async () => {
  const scene = generateScene(3);
  const p0 = pointOn(scene, 0);
  const p1 = pointOn(scene, scene.shapes.length - 1);
  await withSam("node", async (rt, enc, dec) => {
    const input = samPreprocess(scene.image);
    const embedded = await enc.run({
      pixel_values: rt.tensor("float32", input.pixelValues, [1, 3, 1024, 1024]),
    });
    const run = async (labels: number[]) => {
      const out = await dec.run({
        input_points: rt.tensor(
          "float32",
          new Float32Array([...p0, ...p1].map((v) => v * input.scale)),
          [1, 1, 2, 2],
        ),
        input_labels: rt.tensor(
          "int64",
          BigInt64Array.from(labels.map(BigInt)),
          [1, 1, 2],
        ),
        image_embeddings: embedded.image_embeddings,
        image_positional_embeddings: embedded.image_positional_embeddings,
      });
      const m = (out.pred_masks as TestTensor).data as Float32Array;
      let large = 0;
      const cells = SAM_MASK_SIZE * SAM_MASK_SIZE;
      for (let i = 2 * cells; i < 3 * cells; i++) if (m[i] > 0) large++;
      return large;
    };
    const first = await run([1, -1]);
    const second = await run([-10, 1]);
    const both = await run([1, 1]);
    assert.ok(first > 0 && second > 0);
    assert.equal(both, first + second);
    assert.equal(await run([0, -1]), 0);
  });
});
