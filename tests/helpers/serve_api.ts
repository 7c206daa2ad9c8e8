/**
 * Requests to the server's handler, and fake segmenters that hold or stall
 * a run, for the API's tests.
 *
 * @module
 */

import { encodePng } from "../../pipeline/image/png_encode.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import type { ServedSegmenter } from "../../cli/serve/handler.ts";
import type { Segmenter } from "../../pipeline/segmenter.ts";
import { SEGMENTER_DEFAULTS } from "../../pipeline/settings.ts";

/** The fields of a segmentation form. */
export interface SegmentForm {
  image?: Uint8Array;
  imageName?: string;
  texts?: string[];
  fields?: Record<string, string>;
}

/** A `POST /api/segment` request with a multipart form. */
export function segmentRequest(
  form: SegmentForm,
  url = "http://localhost/api/segment",
): Request {
  const body = new FormData();
  if (form.image) {
    body.append(
      "image",
      new Blob([form.image as Uint8Array<ArrayBuffer>]),
      form.imageName ?? "image.png",
    );
  }
  for (const t of form.texts ?? []) body.append("text", t);
  for (const [k, v] of Object.entries(form.fields ?? {})) body.append(k, v);
  return new Request(url, { method: "POST", body });
}

/** A small grey PNG of `width` x `height`. */
export function greyPng(width = 4, height = 4): Promise<Uint8Array> {
  const image = createRgbaImage(width, height);
  image.data.fill(128);
  return encodePng(image);
}

/**
 * A segmenter whose every run waits for `hold` and then fails with the
 * abort's reason or "released"; `runs` counts the runs started and
 * `aborted` those whose signal was aborted.
 */
export function heldSegmenter(hold: () => Promise<void>) {
  const counts = { runs: 0, aborted: 0 };
  const segmenter: ServedSegmenter = {
    models: {} as Segmenter["models"],
    device: "cpu",
    viewsOnDevice: false,
    settings: SEGMENTER_DEFAULTS,
    stream:
      ((_jobs: unknown, overrides: { signal?: AbortSignal } = {}) =>
        (async function* () {
          counts.runs++;
          const signal = overrides.signal;
          await Promise.race([
            hold(),
            new Promise((resolve) =>
              signal?.addEventListener("abort", resolve, { once: true })
            ),
          ]);
          if (signal?.aborted) {
            counts.aborted++;
            throw signal.reason;
          }
          throw new Error("released");
          // deno-lint-ignore no-unreachable
          yield undefined as never;
        })()) as ServedSegmenter["stream"],
  };
  return { segmenter, counts };
}
