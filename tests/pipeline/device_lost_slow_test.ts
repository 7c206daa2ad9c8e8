import assert from "node:assert/strict";
import { gpuContext } from "../../kernels/gpu_device.ts";
import { GpuDeviceLostError } from "../../pipeline/models/device_lost.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { fixtureSegmenter } from "../helpers/fixture_models.ts";
import { testAdapter } from "../helpers/webgpu.ts";

Deno.test("a segmenter whose shared GPU device is lost says so, stops keeping views there, and still releases", async () => {
  if (!(await testAdapter("this test"))) return;
  const segmenter = await fixtureSegmenter({
    backend: "webgpu",
    device: "gpu",
    generator: { pointsPerSide: 4 },
  });
  const scene = generateScene(1004);
  const texts = scene.sentences.map((s) => s.text);
  let lost: GPUDevice | undefined;
  try {
    await segmenter.segment(scene.image, texts);
    assert.equal(segmenter.viewsOnDevice, true);
    lost = (await gpuContext()).device;
    lost.destroy();
    await lost.lost;
    assert.equal(segmenter.viewsOnDevice, false);
    await assert.rejects(
      () => segmenter.segment(scene.image, texts),
      (e: unknown) =>
        e instanceof GpuDeviceLostError &&
        /create the segmenter \(or session\) again/.test(e.message),
    );
  } finally {
    await segmenter.release();
  }
  // The kernels open a new device for whoever comes next.
  assert.notEqual((await gpuContext()).device, lost);
});
