import assert from "node:assert/strict";
import {
  annotationToMask,
  annotationToRle,
  CocoMaskError,
  type CocoSegmentation,
  compressCounts,
  type CompressedRle,
  decodeRle,
  decompressRle,
  encodeRle,
  maskToCompressedRle,
  polygonsToMask,
  rleArea,
  rleToBbox,
} from "../../pipeline/datasets/coco_mask.ts";
import { readSharedJson } from "../helpers/shared_data.ts";

interface ReferenceEntry {
  id?: number;
  index?: number;
  height: number;
  width: number;
  kind: "polygon" | "uncompressed_rle" | "compressed_rle";
  pycocotools_area: number;
  pycocotools_bbox: [number, number, number, number];
  rle_counts?: string;
}

interface Reference {
  files: Record<string, ReferenceEntry[]>;
}

interface Instances {
  annotations: {
    id: number;
    image_id: number;
    segmentation: CocoSegmentation;
    area: number;
  }[];
  images: { id: number; width: number; height: number }[];
}

type Results = { segmentation: CompressedRle }[];

const DUMMY = "mmdet_coco_dummy_instances_val2017.json";
const FAKESEGM = "cocoapi_instances_val2014_fakesegm100_results.json";

Deno.test("annotationToRle() matches pycocotools' area, box and counts string for every COCO val2017 annotation", async () => {
  const ref = await readSharedJson<Reference>(
    "coco_masks/pycocotools_reference.json",
  );
  const data = await readSharedJson<Instances>(`coco_masks/${DUMMY}`);
  if (!ref || !data) return;
  const expected = ref.files[DUMMY];
  assert.equal(expected.length, data.annotations.length);
  const kinds = new Set<string>();
  for (const e of expected) {
    const ann = data.annotations.find((a) => a.id === e.id);
    assert.ok(ann, `annotation ${e.id}`);
    const image: Instances["images"][number] = data.images.find((i) =>
      i.id === ann.image_id
    )!;
    assert.deepEqual([image.height, image.width], [e.height, e.width]);
    const rle = annotationToRle(ann.segmentation, e.width, e.height);
    const label = `annotation ${e.id} (${e.kind})`;
    assert.equal(compressCounts(rle.counts), e.rle_counts, label);
    assert.equal(rleArea(rle), e.pycocotools_area, label);
    assert.deepEqual(rleToBbox(rle), e.pycocotools_bbox, label);
    // The mask decodes to as many pixels, inside the box.
    const mask = annotationToMask(ann.segmentation, e.width, e.height);
    assert.equal(mask.reduce((s, v) => s + v, 0), e.pycocotools_area, label);
    kinds.add(e.kind);
  }
  assert.deepEqual([...kinds].sort(), ["polygon", "uncompressed_rle"]);
});

/** Shoelace area and perimeter of polygons, summed over the parts. */
function geometry(polygons: number[][]): { area: number; perimeter: number } {
  let area = 0, perimeter = 0;
  for (const p of polygons) {
    let twice = 0;
    for (let j = 0; j < p.length; j += 2) {
      const x0 = p[j], y0 = p[j + 1];
      const x1 = p[(j + 2) % p.length], y1 = p[(j + 3) % p.length];
      twice += x0 * y1 - x1 * y0;
      perimeter += Math.hypot(x1 - x0, y1 - y0);
    }
    area += Math.abs(twice) / 2;
  }
  return { area, perimeter };
}

Deno.test("annotationToRle() keeps polygon pixel areas within a fraction of the boundary of the annotations' area field", async () => {
  const data = await readSharedJson<Instances>(`coco_masks/${DUMMY}`);
  if (!data) return;
  let checked = 0;
  for (const ann of data.annotations) {
    if (!Array.isArray(ann.segmentation)) continue;
    // COCO's "area" is the polygons' geometric area, not a pixel count ...
    const { area, perimeter } = geometry(ann.segmentation);
    assert.ok(Math.abs(area - ann.area) < 1e-6 * area, `annotation ${ann.id}`);
    // ... and pixel-centre sampling misses it by a fraction of the boundary
    // (at most 0.13 of the perimeter on this file; a shifted or transposed
    // raster misses by far more).
    const image: Instances["images"][number] = data.images.find((i) =>
      i.id === ann.image_id
    )!;
    const pixels = rleArea(
      annotationToRle(ann.segmentation, image.width, image.height),
    );
    assert.ok(
      Math.abs(pixels - ann.area) <= 0.25 * perimeter + 1,
      `annotation ${ann.id}: ${pixels} pixels, area ${ann.area}, perimeter ${perimeter}`,
    );
    checked++;
  }
  assert.equal(checked, 36);
});

Deno.test("decompressRle() reads every fakesegm result RLE to pycocotools' area and box, and re-encodes it to the same string", async () => {
  const ref = await readSharedJson<Reference>(
    "coco_masks/pycocotools_reference.json",
  );
  const results = await readSharedJson<Results>(`coco_masks/${FAKESEGM}`);
  if (!ref || !results) return;
  const expected = ref.files[FAKESEGM];
  assert.equal(expected.length, results.length);
  assert.ok(expected.length >= 700);
  for (const e of expected) {
    const seg: CompressedRle = results[e.index!].segmentation;
    const label = `result ${e.index}`;
    assert.deepEqual(seg.size, [e.height, e.width], label);
    const rle = decompressRle(seg);
    assert.equal(rleArea(rle), e.pycocotools_area, label);
    assert.deepEqual(rleToBbox(rle), e.pycocotools_bbox, label);
    const mask = decodeRle(rle);
    assert.deepEqual(encodeRle(mask, e.width, e.height), rle, label);
    assert.equal(
      maskToCompressedRle(mask, e.width, e.height).counts,
      seg.counts,
      label,
    );
    assert.deepEqual(annotationToMask(seg, e.width, e.height), mask, label);
  }
});

Deno.test("annotationToMask() reads polygons, uncompressed and compressed RLE alike", () => {
  const poly = [[0, 0, 2, 0, 2, 1, 0, 1]];
  const expected = polygonsToMask(poly, 3, 2);
  assert.deepEqual([...expected], [1, 1, 0, 0, 0, 0]);
  const rle = encodeRle(expected, 3, 2);
  assert.deepEqual(rle.counts, [0, 1, 1, 1, 3]);
  assert.deepEqual(annotationToMask(poly, 3, 2), expected);
  assert.deepEqual(annotationToMask(rle, 3, 2), expected);
  assert.deepEqual(
    annotationToMask(
      { size: [2, 3], counts: compressCounts(rle.counts) },
      3,
      2,
    ),
    expected,
  );
});

Deno.test("annotationToRle() keeps an uncompressed RLE's runs as given, as pycocotools", () => {
  // Empty runs stay, so the string is the one pycocotools writes for it:
  // "0", "1", "0", then 2 - 1 = 1 -> "1", 1 - 0 = 1 -> "1" (checked with
  // pycocotools: frPyObjects gives b"01011", area 3, box [0, 0, 2, 2]).
  const seg = { size: [2, 2] as [number, number], counts: [0, 1, 0, 2, 1] };
  const rle = annotationToRle(seg, 2, 2);
  assert.deepEqual(rle.counts, [0, 1, 0, 2, 1]);
  assert.notEqual(rle.counts, seg.counts);
  assert.equal(compressCounts(rle.counts), "01011");
  assert.equal(rleArea(rle), 3);
  assert.deepEqual(rleToBbox(rle), [0, 0, 2, 2]);
  assert.deepEqual([...decodeRle(rle)], [1, 1, 1, 0]);
});

Deno.test("annotationToRle() rejects an RLE whose size is not the image's", () => {
  assert.throws(
    () => annotationToRle({ size: [3, 2], counts: [6] }, 3, 2),
    (e: unknown) =>
      e instanceof CocoMaskError &&
      e.message.includes("the RLE's size is [3,2], but the image is 2x3"),
  );
  assert.throws(
    () => annotationToRle({ size: [3, 2], counts: "6" }, 3, 2),
    /size is \[3,2\]/,
  );
});

Deno.test("annotationToRle() rejects malformed segmentations with what was wrong", () => {
  assert.throws(() => annotationToRle([], 3, 2), /empty list of polygons/);
  assert.throws(
    () => annotationToRle([[0, 0, 1, 0, 1]], 3, 2),
    /polygon 0 of 1: the polygon has 5 coordinates, an odd number/,
  );
  assert.throws(
    () => annotationToRle({ size: [2, 3], counts: [1, 1, 2] }, 3, 2),
    /counts add up to 4 pixels, but size 2x3/,
  );
  assert.throws(
    () => annotationToRle({ size: [2, 3], counts: "11#" }, 3, 2),
    /character "#" \(code 35\) at offset 2/,
  );
  assert.throws(
    () => annotationToRle(null as unknown as CocoSegmentation, 3, 2),
    /the segmentation is null/,
  );
  assert.throws(
    () =>
      annotationToRle({ size: [2, 3] } as unknown as CocoSegmentation, 3, 2),
    /the segmentation is object, neither polygons nor an RLE/,
  );
});
