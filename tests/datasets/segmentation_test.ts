import assert from "node:assert/strict";
import { segmentationProblem } from "../../pipeline/datasets/segmentation.ts";
import { readSharedJson } from "../helpers/shared_data.ts";

Deno.test("segmentationProblem() accepts polygons, the box form and both RLE forms", () => {
  assert.equal(segmentationProblem([[0, 0, 4, 0, 4, 4]], 8, 8), undefined);
  assert.equal(segmentationProblem([[1, 1, 2, 2]], 8, 8), undefined);
  assert.equal(
    segmentationProblem({ size: [2, 3], counts: [1, 2, 3] }, 3, 2),
    undefined,
  );
  assert.equal(
    segmentationProblem({ size: [2, 3], counts: "123" }, 3, 2),
    undefined,
  );
});

Deno.test("segmentationProblem() describes the first problem of a malformed segmentation", () => {
  const cases: [unknown, RegExp][] = [
    [[], /has no polygon/],
    [[[0, 0, 1, 0, 1, 1], 5], /part 1 is not a list of coordinates/],
    [
      [[0, 0, 1, "a", 1, 1]],
      /part 0 coordinate 3 is not a finite number \("a"\)/,
    ],
    [[[0, 0]], /part 0 has 2 coordinates; a polygon needs at least 3 points/],
    [
      { counts: [6] },
      /RLE "size" must be \[height, width\] in pixels \(got undefined\)/,
    ],
    [
      { size: [2, 3] },
      /RLE "counts" must be a list of run lengths .*got nothing/,
    ],
    [{ size: [2, 3], counts: "" }, /"counts" is an empty string/],
    [
      { size: [2, 3], counts: [1, -1, 6] },
      /entry 1 is not a non-negative integer/,
    ],
    [
      { size: [2, 3], counts: "1" },
      /"counts" string decodes to run lengths adding up to 1, not height x width = 6/,
    ],
    [
      { size: [2, 3], counts: "1o" },
      /"counts" string is corrupt: the counts string ends inside a count/,
    ],
    [null, /must be a list of polygons .*got null/],
    ["1120", /got string/],
  ];
  for (const [value, pattern] of cases) {
    const problem = segmentationProblem(value, 3, 2);
    assert.ok(problem !== undefined, JSON.stringify(value));
    assert.match(problem, pattern);
  }
});

Deno.test("segmentationProblem() accepts every annotation of real COCO files", async () => {
  const instances = await readSharedJson<{
    images: { id: number; width: number; height: number }[];
    annotations: { image_id: number; segmentation: unknown }[];
  }>("coco_masks/mmdet_coco_dummy_instances_val2017.json");
  const results = await readSharedJson<
    { segmentation: { size: [number, number] } }[]
  >("coco_masks/cocoapi_instances_val2014_fakesegm100_results.json");
  if (instances === null || results === null) return;
  const sizes = new Map(instances.images.map((i) => [i.id, i]));
  assert.equal(instances.annotations.length, 37);
  for (const ann of instances.annotations) {
    const { width, height } = sizes.get(ann.image_id)!;
    assert.equal(
      segmentationProblem(ann.segmentation, width, height),
      undefined,
    );
  }
  assert.equal(results.length, 734);
  for (const r of results) {
    const [h, w] = r.segmentation.size;
    assert.equal(segmentationProblem(r.segmentation, w, h), undefined);
  }
});
