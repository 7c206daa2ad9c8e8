/**
 * `oris demo`: one synthetic scene segmented offline with the fixture
 * models, its overlays written to a folder. Shows the whole pipeline
 * working without downloading anything.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { generateScene } from "../pipeline/demo/scenes.ts";
import {
  DEMO_CLIP,
  DEMO_SAM,
  demoModelFiles,
} from "../pipeline/demo/models.ts";
import { memorySource } from "../pipeline/models/source.ts";
import { writePng } from "../io/image_file.ts";
import { encodePng } from "../pipeline/image/png_encode.ts";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  parseBackend,
} from "../pipeline/models/session.ts";
import { DEFAULTS } from "../pipeline/defaults.ts";
import { maskIou } from "../kernels/mask_iou/cpu.ts";
import { createSegmenter } from "../pipeline/segmenter.ts";
import { parseCommandLine } from "./command_line.ts";
import { numberOption } from "./method_options.ts";
import { sentenceOverlay } from "./segment.ts";

/** Usage text of `demo`. */
export const DEMO_USAGE =
  `Usage: deno task demo [--seed N] [--out DIR] [--backend ${
    BACKEND_CHOICES.join("|")
  }]

Generates a synthetic scene (flat coloured shapes), segments its sentences with
the tiny demo models (built in memory, offline), and writes the scene and one overlay per
sentence to DIR (default out/demo).

  --seed N       scene to generate (default 7)
  --out DIR      output folder (default out/demo)
  --backend B    inference backend (default ${DEFAULTS.backend}): auto is native where
                 it loads, wasm otherwise
  -h, --help     show this help
`;

interface DemoArgs {
  seed: number;
  dir: string;
  /** The backend asked for; undefined: the library's default. */
  backend?: BackendChoice;
}

function parseDemoArgs(args: string[]): DemoArgs | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      seed: { type: "string" },
      out: { type: "string" },
      backend: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  return {
    seed: numberOption(
      "seed",
      values.seed,
      7,
      (v) => Number.isInteger(v) && v >= 0,
      "a whole number >= 0",
    ),
    dir: values.out ?? "out/demo",
    backend: values.backend === undefined
      ? undefined
      : parseBackend(values.backend),
  };
}

/** Runs `demo` with `args`; returns the exit code. */
export async function runDemoCommand(
  args: string[],
  out: (text: string) => void = console.log,
): Promise<number> {
  const a = parseCommandLine(
    () => parseDemoArgs(args),
    DEMO_USAGE,
    out,
    (t) => console.error(t),
  );
  if (typeof a === "number") return a;
  const { seed, dir, backend } = a;
  const scene = generateScene(seed);
  const segmenter = await createSegmenter({
    source: memorySource(demoModelFiles()),
    clip: DEMO_CLIP,
    sam: DEMO_SAM,
    backend,
  });
  try {
    const result = await segmenter.segment(
      scene.image,
      scene.sentences.map((s) => s.text),
    );
    await writePng(`${dir}/scene.png`, await encodePng(scene.image));
    out(
      `scene ${seed}: ${scene.image.width}x${scene.image.height}, ${result.proposals.length} proposals (${segmenter.models.backend} backend)`,
    );
    for (const [e, r] of result.sentences.entries()) {
      const file = `${dir}/overlay-${e + 1}.png`;
      const overlay = sentenceOverlay(
        scene.image,
        result,
        e,
        (i) => result.proposals[i].mask,
      );
      await writePng(file, await encodePng(overlay));
      const truth = scene.shapes[scene.sentences[e].target].mask;
      const { iou } = maskIou(r.mask, truth);
      out(
        `  "${r.sentence}" -> ${r.rule}, IoU ${
          iou.toFixed(3)
        } with the ground truth: ${file}`,
      );
    }
    return 0;
  } finally {
    await segmenter.release();
  }
}
