/**
 * The regions stage on a real-size CLIP ViT-B/32 (random weights, from
 * `bench/real_size/export_random_models.py`): 40 proposals of a 640x427
 * photo, the token-masked global view against the blurred one, each with
 * the local views, on the CPU kernels.
 *
 *     python bench/real_size/export_random_models.py /tmp/oris-real --only clip
 *     ORIS_REAL_SIZE_MODELS=/tmp/oris-real deno bench -A bench/regions_bench.ts
 *
 * ORIS_BENCH_BACKENDS (default "native") lists the backends to run, e.g.
 * "native,wasm". Without ORIS_REAL_SIZE_MODELS the bench says so and runs
 * nothing: the 351 MB model is not part of the repository.
 */

import { fileURLToPath } from "node:url";
import { CLIP_NORMALISATION } from "../kernels/clip_views.ts";
import { CPU_KERNELS } from "../kernels/kernels.ts";
import { deriveTokenMaskModel } from "../pipeline/clip/token_mask_model.ts";
import { ClipVisionEncoder } from "../pipeline/clip/vision.ts";
import { readImageFile } from "../io/image_file.ts";
import type { RgbaImage } from "../pipeline/image/rgba.ts";
import { type BackendName, createSession } from "../pipeline/models/session.ts";
import type { Proposal } from "../pipeline/sam/mask_generator.ts";
import { maskStats } from "../pipeline/sam/postprocess.ts";
import { fromItems } from "../pipeline/stages/job.ts";
import { type GlobalView, regionsStage } from "../pipeline/stages/regions.ts";
import { mulberry32 } from "../pipeline/demo/_random.ts";

const PROPOSALS = 40;
const root = Deno.env.get("ORIS_REAL_SIZE_MODELS");
const VISION = "Xenova/clip-vit-base-patch32/onnx/vision_model.onnx";

/** 40 elliptic proposals of sizes SAM gives, seeded. */
function proposals(image: RgbaImage): Proposal[] {
  const { width, height } = image;
  const rand = mulberry32(40);
  return Array.from({ length: PROPOSALS }, () => {
    const rx = 8 + rand() * width * 0.3, ry = 8 + rand() * height * 0.3;
    const cx = rx + rand() * (width - 2 * rx);
    const cy = ry + rand() * (height - 2 * ry);
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) {
          mask[y * width + x] = 1;
        }
      }
    }
    const { area, box } = maskStats(mask, width);
    return { mask, box, area, predictedIou: 1, stability: 1, point: [cx, cy] };
  });
}

if (!root) {
  console.warn(
    "regions_bench: set ORIS_REAL_SIZE_MODELS to the folder of bench/real_size/export_random_models.py to run it",
  );
} else {
  const stock = await Deno.readFile(`${root}/${VISION}`);
  const derived = deriveTokenMaskModel(stock, { sequenceLength: 50 }).bytes;
  const image = await readImageFile(
    fileURLToPath(
      new URL("../tests/fixtures/reference/photos/rocket.png", import.meta.url),
    ),
  );
  const job = {
    id: "rocket",
    image,
    sentences: ["x"],
    proposals: proposals(image),
    timings: {},
  };
  const backends = (Deno.env.get("ORIS_BENCH_BACKENDS") ?? "native")
    .split(",") as BackendName[];
  for (const backend of backends) {
    for (const view of ["blur", "token-mask"] as GlobalView[]) {
      const session = await createSession(
        view === "blur" ? stock : derived,
        { backend, label: VISION },
      );
      const stage = regionsStage(new ClipVisionEncoder(session), CPU_KERNELS, {
        normalisation: CLIP_NORMALISATION,
        globalView: view,
      });
      Deno.bench({
        name: `${backend}: ${view} global view + local views`,
        group: `regions ${backend}: ${PROPOSALS} proposals, 640x427`,
        baseline: view === "blur",
        n: 3,
        warmup: 1,
        async fn() {
          for await (const _ of stage(fromItems([job]))) { /* one job */ }
        },
      });
    }
  }
}
