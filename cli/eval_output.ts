/**
 * What `eval` and `eval --merge` share at the edge: reading a dataset image
 * (null when missing), drawing examples.png, and the --out folder's lock.
 *
 * @module
 */

import { join } from "node:path";
import { readImageFile, writePng } from "../io/image_file.ts";
import { resolveImagePath } from "../io/image_files.ts";
import { acquireFileLock } from "../io/model_lock.ts";
import type { DatasetImage } from "../pipeline/datasets/types.ts";
import type { EvalExample } from "../pipeline/eval/run.ts";
import {
  examplesPicture,
  gridExample,
  reportExamples,
} from "../pipeline/eval/summary.ts";
import { encodePng } from "../pipeline/image/png_encode.ts";
import type { RgbaImage } from "../pipeline/image/rgba.ts";
import { UsageError } from "./usage_error.ts";

/** Reads an image of the dataset; null when its file is missing. */
export async function loadImage(
  imagesDir: string,
  image: DatasetImage,
): Promise<RgbaImage | null> {
  try {
    return await readImageFile(resolveImagePath(imagesDir, image.file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Writes examples.png of a run's best and worst; its name, or undefined. */
export async function writeExamples(
  out: string,
  images: string,
  best: readonly EvalExample[],
  worst: readonly EvalExample[],
): Promise<string | undefined> {
  const picture = await examplesPicture(
    reportExamples(best, worst),
    async (e) => {
      const pixels = await loadImage(images, e.image);
      return pixels && gridExample(e, pixels);
    },
  );
  if (!picture) return undefined;
  await writePng(join(out, "examples.png"), await encodePng(picture));
  return "examples.png";
}

/** Takes `out`'s lock, failing at once when another run holds it. */
export async function lockRun(
  out: string,
): Promise<{ release(): Promise<void> }> {
  const busy = new AbortController();
  return await acquireFileLock(join(out, ".lock"), {
    signal: busy.signal,
    onWait: (w) =>
      busy.abort(
        new UsageError(
          `another evaluation (process ${
            w.pid ?? "?"
          }) is writing to ${out}: wait for it to end, or choose another --out`,
        ),
      ),
  });
}
