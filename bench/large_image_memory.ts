/**
 * Peak memory and time of one segment run on a large flat image with the
 * fixture models and the CPU kernels: the figure the 50 MP bound of the
 * README (Speed and memory) is checked against. The peak is the process's
 * VmHWM (Linux), read before and after the run; the time is the run's
 * wall clock. Prints one JSON line.
 *
 * Run: `XDG_RUNTIME_DIR=/tmp deno run -A bench/large_image_memory.ts [WIDTH [HEIGHT]]`
 * (default 7071 x 7071, just under the 50 MP limit of the image readers).
 *
 * @module
 */

import { createRgbaImage, type RgbaImage } from "../pipeline/image/rgba.ts";
import { fixtureSegmenter } from "../tests/helpers/fixture_models.ts";

/** A flat mid-grey opaque image of the given size. */
export function flatImage(width: number, height: number): RgbaImage {
  const image = createRgbaImage(width, height);
  image.data.fill(128);
  for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
  return image;
}

/** The process's peak resident memory so far, in bytes (VmHWM), or NaN off Linux. */
export function peakResidentBytes(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = status.match(/^VmHWM:\s+(\d+)\s+kB/m)?.[1];
    return kb === undefined ? NaN : Number(kb) * 1024;
  } catch {
    return NaN;
  }
}

if (import.meta.main) {
  const width = Number(Deno.args[0] ?? 7071);
  const height = Number(Deno.args[1] ?? width);
  const image = flatImage(width, height);
  const segmenter = await fixtureSegmenter({ device: "cpu" });
  const beforeRun = peakResidentBytes();
  const start = performance.now();
  const result = await segmenter.segment(image, ["the grey square"]);
  const seconds = (performance.now() - start) / 1000;
  const peak = peakResidentBytes();
  const cropBytes = result.proposals.reduce(
    (sum, p) => sum + (p.crop?.length ?? 0),
    0,
  );
  await segmenter.release();
  console.log(JSON.stringify({
    width,
    height,
    megapixels: +(width * height / 1e6).toFixed(1),
    proposals: result.proposals.length,
    seconds: +seconds.toFixed(1),
    peakBeforeRunMiB: Math.round(beforeRun / 2 ** 20),
    peakMiB: Math.round(peak / 2 ** 20),
    cropMiB: Math.round(cropBytes / 2 ** 20),
    timings: Object.fromEntries(
      Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)]),
    ),
  }));
}
