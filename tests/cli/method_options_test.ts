import assert from "node:assert/strict";
import { DEFAULTS } from "../../pipeline/defaults.ts";
import { memorySource } from "../../pipeline/models/source.ts";
import {
  MAX_IN_FLIGHT,
  resolveSettings,
  settingsRecord,
} from "../../pipeline/settings.ts";
import { REFER_SPLITS_BY } from "../../pipeline/datasets/refer.ts";
import { SEGMENTER_DEFAULTS } from "../../pipeline/segmenter.ts";
import {
  deriveNote,
  METHOD_OPTIONS_USAGE,
  methodArgs,
  segmenterOptions,
  segmenterProgress,
} from "../../cli/method_options.ts";
import { SEGMENT_USAGE } from "../../cli/segment.ts";
import { EVAL_USAGE } from "../../cli/eval.ts";
import { DEMO_USAGE } from "../../cli/demo.ts";
import { UsageError } from "../../cli/usage_error.ts";
import { FAST_DECODER_DERIVATION } from "../../pipeline/sam/fast_decoder.ts";
import { FAST_ENCODER_DERIVATION } from "../../pipeline/sam/fast_encoder.ts";
import { TOKEN_MASK_DERIVATION } from "../../pipeline/clip/token_mask_model.ts";

/** Every "(default X)" the shared options' help must show, from DEFAULTS. */
const SHOWN_DEFAULTS = [
  `--clip ID .*\\(default ${DEFAULTS.clip}\\)`,
  `--sam ID .*\\(default ${DEFAULTS.sam}\\)`,
  `--variant V .*\\(default ${DEFAULTS.variant}\\)`,
  `--backend B .*\\(default ${DEFAULTS.backend}\\)`,
  `--threads N .*\\n.*one per core \\(default ${DEFAULTS.threads}\\)`,
  `\\(default ${DEFAULTS.device};`,
  `--spatial MODE .*\\(default ${DEFAULTS.spatial}\\)`,
  `--top-k K .*\\(default ${DEFAULTS.topK.extended} for extended, ${DEFAULTS.topK.seed} for seed\\)`,
  `--alpha A .*\\(default ${DEFAULTS.alpha}\\)`,
  `--beta B .*\\(default ${DEFAULTS.beta}\\)`,
  `--global-view V .*\\(default ${DEFAULTS.globalView}\\)`,
  `--view-resize R .*\\(default ${DEFAULTS.viewResize}\\)`,
  `--points-per-side N .*\\(default ${DEFAULTS.generator.pointsPerSide}\\)`,
  `--points-per-batch N .*\\(default ${DEFAULTS.generator.pointsPerBatch}\\)`,
  `\\(default ${DEFAULTS.generator.maskNmsThresh} = off\\)`,
  `--prune-points on\\|off [^]*?\\(default ${
    DEFAULTS.generator.prunePoints ? "on" : "off"
  }\\)`,
  `--resident-models on\\|off[^]*?\\(default ${
    DEFAULTS.residentModels ? "on" : "off"
  }; eval: on\\)`,
  `--fast-decoder on\\|off [^]*?\\(default ${
    DEFAULTS.fastDecoder ? "on" : "off"
  }\\)`,
  `--fast-encoder on\\|off [^]*?\\(default ${
    DEFAULTS.fastEncoder ? "on" : "off"
  }\\)`,
].map((p) => new RegExp(p));

Deno.test("the help of segment and eval shows every default of the shared options from DEFAULTS", () => {
  for (
    const [name, usage] of [
      ["shared", METHOD_OPTIONS_USAGE],
      ["segment", SEGMENT_USAGE],
      ["eval", EVAL_USAGE],
    ]
  ) {
    for (const shown of SHOWN_DEFAULTS) assert.match(usage, shown, name);
  }
});

Deno.test("eval's help shows the per-dataset alphas, the data's defaults and in-flight's default and maximum from the library", () => {
  for (const [dataset, alpha] of Object.entries(DEFAULTS.alphaByDataset)) {
    assert.ok(EVAL_USAGE.includes(`${dataset} ${alpha}`), dataset);
  }
  assert.ok(EVAL_USAGE.includes(`${DEFAULTS.alpha} for --jsonl data`));
  assert.match(
    EVAL_USAGE,
    new RegExp(
      `--in-flight N .*1 to ${MAX_IN_FLIGHT}.*\\s+\\(default ${DEFAULTS.inFlight}\\)`,
    ),
  );
  assert.match(
    EVAL_USAGE,
    new RegExp(`--dataset NAME .*\\(default ${DEFAULTS.evaluation.dataset}\\)`),
  );
  assert.match(
    EVAL_USAGE,
    new RegExp(`--split NAME .*\\(default ${DEFAULTS.evaluation.split}\\)`),
  );
  for (const [dataset, splitsBy] of Object.entries(REFER_SPLITS_BY)) {
    assert.ok(EVAL_USAGE.includes(`${dataset}: ${splitsBy.join(", ")}`));
  }
});

Deno.test("the help offers auto among the backends, and --threads takes auto in any case or a count", () => {
  assert.match(
    METHOD_OPTIONS_USAGE,
    /--backend B +auto, wasm, webgpu, native \(default/,
  );
  assert.match(DEMO_USAGE, /--backend auto\|wasm\|webgpu\|native/);
  assert.equal(methodArgs({ threads: "AUTO" }).threads, "auto");
  assert.equal(methodArgs({ threads: "0" }).threads, 0);
  assert.equal(methodArgs({ backend: "auto" }).backend, "auto");
});

Deno.test("demo's help shows the backend default from DEFAULTS", () => {
  assert.match(
    DEMO_USAGE,
    new RegExp(`--backend B .*\\(default ${DEFAULTS.backend}\\)`),
  );
});

Deno.test("an option the user did not give reaches createSegmenter() as undefined, and resolves there from DEFAULTS", () => {
  const source = memorySource(new Map());
  const options = segmenterOptions(methodArgs({}), source);
  for (
    const key of [
      "clip",
      "sam",
      "variant",
      "backend",
      "threads",
      "device",
      "spatial",
      "topK",
      "alpha",
      "beta",
      "globalView",
      "viewResize",
      "generator",
    ] as const
  ) {
    assert.equal(options[key], undefined, key);
  }
  assert.deepEqual(resolveSettings(options), SEGMENTER_DEFAULTS);
});

Deno.test("the options the user gave reach createSegmenter() as given, the others still undefined", () => {
  const source = memorySource(new Map());
  const options = segmenterOptions(
    methodArgs({
      alpha: "0.7",
      spatial: "seed",
      "points-per-side": "8",
      backend: "Native",
      threads: "3",
    }),
    source,
  );
  assert.equal(options.alpha, 0.7);
  assert.equal(options.spatial, "seed");
  assert.equal(options.backend, "native");
  assert.equal(options.threads, 3);
  assert.equal(options.topK, undefined);
  assert.equal(options.beta, undefined);
  assert.equal(options.generator?.pointsPerSide, 8);
  assert.equal(options.generator?.pointsPerBatch, undefined);
  const settings = resolveSettings(options);
  assert.equal(settings.topK, DEFAULTS.topK.seed);
  assert.equal(settings.beta, DEFAULTS.beta);
  assert.deepEqual(settingsRecord(settings), {
    spatial: "seed",
    topK: DEFAULTS.topK.seed,
    alpha: 0.7,
    beta: DEFAULTS.beta,
    globalView: DEFAULTS.globalView,
    viewResize: DEFAULTS.viewResize,
    pointsPerSide: 8,
    pointsPerBatch: DEFAULTS.generator.pointsPerBatch,
    maskNmsThresh: DEFAULTS.generator.maskNmsThresh,
    prunePoints: DEFAULTS.generator.prunePoints,
  });
});

Deno.test("--prune-points on and off reach the generator's options as true and false, and are recorded", () => {
  const source = memorySource(new Map());
  for (const [flag, prunePoints] of [["on", true], ["off", false]] as const) {
    const options = segmenterOptions(
      methodArgs({ "prune-points": flag }),
      source,
    );
    assert.deepEqual(options.generator, {
      pointsPerSide: undefined,
      pointsPerBatch: undefined,
      maskNmsThresh: undefined,
      prunePoints,
    });
    const settings = resolveSettings(options);
    assert.equal(settings.generator.prunePoints, prunePoints);
    assert.equal(settingsRecord(settings).prunePoints, prunePoints);
  }
});

Deno.test("--resident-models on and off reach createSegmenter() as true and false; not given, the library's default applies", () => {
  const source = memorySource(new Map());
  for (const [flag, resident] of [["on", true], ["off", false]] as const) {
    const options = segmenterOptions(
      methodArgs({ "resident-models": flag }),
      source,
    );
    assert.equal(options.residentModels, resident);
  }
  assert.equal(
    segmenterOptions(methodArgs({}), source).residentModels,
    undefined,
  );
  assert.throws(
    () => methodArgs({ "resident-models": "yes" }),
    /--resident-models must be on or off, not "yes"/,
  );
});

for (
  const [flag, option] of [
    ["fast-decoder", "fastDecoder"],
    ["fast-encoder", "fastEncoder"],
  ] as const
) {
  Deno.test(`--${flag} on and off reach createSegmenter() as ${option} true and false; not given, the library's default applies`, () => {
    const source = memorySource(new Map());
    for (const [value, on] of [["on", true], ["off", false]] as const) {
      const options = segmenterOptions(
        methodArgs({ [flag]: value }),
        source,
      );
      assert.equal(options[option], on);
    }
    assert.equal(segmenterOptions(methodArgs({}), source)[option], undefined);
    assert.throws(
      () => methodArgs({ [flag]: "1" }),
      new RegExp(`--${flag} must be on or off, not "1"`),
    );
  });
}

Deno.test("deriveNote() says what was derived and whether it was kept, warns of a refused decoder rewrite, and says nothing of a kept file", () => {
  const base = {
    kind: "derive",
    model: "Xenova/slimsam-77-uniform",
    file: "onnx/prompt_encoder_mask_decoder.onnx",
    derivation: FAST_DECODER_DERIVATION,
  } as const;
  assert.equal(
    deriveNote({ ...base, from: "derived", stored: true }),
    "SAM: derived the fast decoder from onnx/prompt_encoder_mask_decoder.onnx of Xenova/slimsam-77-uniform (kept in the cache for the next runs)\n",
  );
  assert.equal(
    deriveNote({
      ...base,
      derivation: TOKEN_MASK_DERIVATION,
      file: "onnx/vision_model.onnx",
      from: "derived",
      stored: false,
    }),
    "CLIP: derived the token-masked tower from onnx/vision_model.onnx of Xenova/slimsam-77-uniform (a --models folder is only read: derived again on each run)\n",
  );
  assert.equal(
    deriveNote({
      ...base,
      from: "derived",
      stored: true,
      unchanged: 'sam: the fast decoder\'s output "pred_masks" differs',
    }),
    `note: SAM's decoder runs as exported: sam: the fast decoder's output "pred_masks" differs (kept in the cache for the next runs)\n`,
  );
  assert.equal(
    deriveNote({
      ...base,
      from: "derived",
      stored: false,
      unchanged: "sam: the fast decoder could not run on the wasm backend (x)",
    }),
    "note: SAM's decoder runs as exported: sam: the fast decoder could not run on the wasm backend (x)\n",
  );
  assert.equal(deriveNote({ ...base, from: "kept", stored: true }), "");
  const encoder = {
    ...base,
    file: "onnx/vision_encoder.onnx",
    derivation: FAST_ENCODER_DERIVATION,
  };
  assert.equal(
    deriveNote({ ...encoder, from: "derived", stored: true }),
    "SAM: derived the fast encoder from onnx/vision_encoder.onnx of Xenova/slimsam-77-uniform (kept in the cache for the next runs)\n",
  );
  assert.equal(
    deriveNote({
      ...encoder,
      from: "derived",
      stored: true,
      unchanged: "sam: the fast encoder's output differs",
    }),
    "note: SAM's encoder runs as exported: sam: the fast encoder's output differs (kept in the cache for the next runs)\n",
  );
});

Deno.test("methodArgs() words the library validator's errors with the flag and the value as typed", () => {
  const cases: [Record<string, string>, string][] = [
    [{ alpha: "2" }, '--alpha must be a number from 0 to 1, not "2"'],
    [{ alpha: "abc" }, '--alpha must be a number from 0 to 1, not "abc"'],
    [{ beta: "" }, '--beta must be a number from 0 to 1, not ""'],
    [{ "top-k": "0" }, '--top-k must be a whole number >= 1, not "0"'],
    [
      { "points-per-side": "200" },
      '--points-per-side must be a whole number from 1 to 128, not "200"',
    ],
    [
      { "points-per-batch": "0" },
      '--points-per-batch must be a whole number from 1 to 1024, not "0"',
    ],
    [
      { "mask-nms": "1.5" },
      '--mask-nms must be a number from 0 to 1, not "1.5"',
    ],
    [
      { spatial: "maybe" },
      '--spatial must be one of extended, seed, off, not "maybe"',
    ],
    [
      { "global-view": "crop" },
      '--global-view must be one of token-mask, blur, not "crop"',
    ],
    [
      { "view-resize": "nearest" },
      '--view-resize must be one of antialias, bilinear, not "nearest"',
    ],
    [{ device: "npu" }, '--device must be one of gpu, cpu, auto, not "npu"'],
    [{ "prune-points": "yes" }, '--prune-points must be on or off, not "yes"'],
    [
      { variant: "int4" },
      '--variant must be one of fp32, fp16, quantized, not "int4"',
    ],
    [
      { backend: "cuda" },
      '--backend: Unknown backend "cuda": use one of auto, wasm, webgpu, native.',
    ],
    [
      { threads: "-1" },
      '--threads must be a whole number >= 0 or "auto", not "-1"',
    ],
    [
      { threads: "1.5" },
      '--threads must be a whole number >= 0 or "auto", not "1.5"',
    ],
    [
      { threads: "many" },
      '--threads must be a whole number >= 0 or "auto", not "many"',
    ],
  ];
  for (const [values, message] of cases) {
    assert.throws(
      () => methodArgs(values),
      (e: unknown) => e instanceof UsageError && e.message === message,
      message,
    );
  }
});

Deno.test("segmenterProgress() notes auto's fallback to wasm with its reason, and says nothing when nothing fell back", () => {
  const written: string[] = [];
  const notes = segmenterProgress(
    {
      isTerminal: false,
      write: (t: string) => void written.push(t),
    } as unknown as Parameters<typeof segmenterProgress>[0],
  );
  notes({ kind: "backend", requested: "auto", backend: "native", threads: 2 });
  assert.deepEqual(written, []);
  notes({
    kind: "backend",
    requested: "auto",
    backend: "wasm",
    threads: 2,
    fallback: "no permission to load native code: run with --allow-ffi",
  });
  assert.deepEqual(written, [
    "note: the models run on wasm, since the native backend is not available: no permission to load native code: run with --allow-ffi\n",
  ]);
});
