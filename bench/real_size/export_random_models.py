"""Writes random-weight CLIP ViT-B/32 and SlimSAM-77 models of the real
architectures and sizes, in the layout of the Xenova exports on the Hugging
Face hub, so that oris can be benchmarked (speed and memory) on a machine
that cannot download the real weights.

The weights are random (seeded, so a rerun writes the same models): use these
files for speed and memory measurements only, never for accuracy. The graphs
follow the Xenova files as far as is known: the same input and output names,
dtypes, dims and order (tests/fixtures/README.md), exported by the legacy
TorchScript exporter through small wrappers as optimum does, CLIP at opset 14
(layer norm appears decomposed into ReduceMean/Sub/Pow/Sqrt/Div) and SAM at
opset 13 (optimum's defaults for these models).

    /tmp/venv/bin/python bench/real_size/export_random_models.py /tmp/oris-real [--variants all]
    deno task segment --image photo.jpg --text "..." --models /tmp/oris-real [--variant quantized]

The weights follow transformers' initialisation, with two changes that keep
the arithmetic realistic: SAM's vision encoder is initialised like the rest of
the model (its config's initializer_range, 1e-10, gave embeddings near 1e-20,
where float arithmetic can hit slow denormals), and SAM's random positional
features have std 1 as in SAM (transformers draws them with std 84, which
quantization turns to noise). A random mask decoder's predicted IoUs rarely
pass the automatic generator's filters, so `segment` may propose no region:
benches that need proposals have to arrange them.

Options: --only clip|sam|pytorch (pytorch: only the torch models below,
no ONNX work, seconds), --variants fp32,quantized,fp16 (default fp32,quantized;
--variants all for the three), --bpe PATH (CLIP's merges file; default
$ORIS_CLIP_BPE or tests/fixtures/.cache/bpe_simple_vocab_16e6.txt.gz, fetched
by `bash tests/fixtures/fetch_clip_bpe.sh`).

Files, under OUT_DIR/<owner>/<name>/:
  Xenova/clip-vit-base-patch32: config.json, preprocessor_config.json,
    tokenizer.json (the real CLIP tokenizer, from the BPE merges file),
    tokenizer_config.json, onnx/vision_model{,_quantized,_fp16}.onnx,
    onnx/text_model{,_quantized,_fp16}.onnx
  Xenova/slimsam-77-uniform (SamConfig with vision hidden_size 168, mlp_dim
    696): config.json, preprocessor_config.json,
    onnx/vision_encoder{,...}.onnx, onnx/prompt_encoder_mask_decoder{,...}.onnx

  pytorch/clip-vit-base-patch32, pytorch/slimsam-77-uniform: the same torch
    models (same seed and changes) as save_pretrained writes them
    (config.json, model.safetensors), each reloaded and checked; the bench's
    PyTorch reference (reference.py) loads them with from_pretrained. With
    --scene-decoder SAM's config records scene_layout()'s arguments
    (oris_scene_decoder), and the reference wraps its decoder the same way.

Variants: fp32; quantized = onnxruntime's quantize_dynamic as transformers.js's
convert script calls it (per channel, reduced range, uint8 weights when the
graph has a Conv node, else int8); fp16 = every float tensor inside the graph
in float16, the inputs and outputs kept float32 by Cast nodes at the boundary
(the small converter below; onnxconverter-common is not needed).

Every file is checked with onnxruntime (CPU): input and output names, order,
dtypes and dims, then a run on dummy inputs of other sizes than the export's;
quantized and fp16 outputs are compared with fp32's (cosine similarity, for
information only). Existing files are overwritten (each written to a
temporary name first, then renamed).

Needs python with torch, transformers (5.x), tokenizers, onnx and onnxruntime
(the /tmp/venv of these machines). Here (2 cores) the three variants of both
models took 2.2-2.7 min and peaked at 8.6 GB of memory; sizes in MB (fp32 /
quantized / fp16): CLIP vision 351.2 / 88.6 / 175.7, text 253.6 / 64.1 / 126.9,
SAM encoder 23.1 / 8.7 / 11.8, decoder 16.5 / 4.8 / 8.4. Reruns give the same
bytes (the table's sha256 column).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# transformers imports torchvision when it is installed; a torchvision built
# for another torch breaks that import ("operator torchvision::nms does not
# exist"). Nothing here needs it, so hide it.
sys.modules.setdefault("torchvision", None)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
# The tokenizer, quantization and fp16 helpers are the reference generator's.
sys.path.insert(0, str(REPO_ROOT / "tests" / "fixtures" / "reference"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sam_export import SamImageEncoder, SamPromptDecoder  # noqa: E402
from scene_decoder import SceneDecoder, scene_layout  # noqa: E402
from export_tools import (  # noqa: E402
    CAT_IDS,
    SAM_PREPROCESSOR,
    convert_to_fp16,
    quantize,
    write_clip_tokenizer,
    write_json,
)

DEFAULT_BPE = REPO_ROOT / "tests" / "fixtures" / ".cache" / "bpe_simple_vocab_16e6.txt.gz"
CLIP_REPO = "Xenova/clip-vit-base-patch32"
SAM_REPO = "Xenova/slimsam-77-uniform"
SEED = 20240601
CLIP_OPSET = 14  # optimum's CLIPOnnxConfig.DEFAULT_ONNX_OPSET
SAM_OPSET = 13  # optimum's SamOnnxConfig.DEFAULT_ONNX_OPSET
VARIANT_SUFFIX = {"fp32": "", "quantized": "_quantized", "fp16": "_fp16"}
# The torch models, as save_pretrained writes them (safetensors), for the
# PyTorch reference of the bench (reference.py): OUT_DIR/pytorch/<name>/.
PYTORCH_DIR = "pytorch"
# scene_layout()'s arguments for --scene-decoder (its defaults).
SCENE_ARGS = {"cells_per_side": 6, "seed": 7}
SCENE_NOTE = (
    "the decoder's masks 1 and 2 come from a fixed synthetic scene (bench/real_size/scene_decoder.py) "
    "so that the automatic generator keeps a realistic number of proposals"
)
RANDOM_NOTE = (
    "random weights of the real architecture, for speed and memory benchmarks only, never accuracy "
    "(bench/real_size/export_random_models.py)"
)


# ---------------------------------------------------------------------------
# Small helpers


def log(message: str) -> None:
    print(message, flush=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def op_counts(model: onnx.ModelProto) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def strip_generic_config_keys(config: dict) -> dict:
    """A transformers config dict without the keys every config has (labels,
    output flags, dtype, ...), recursively: what is left describes the model."""
    generic = {
        "architectures",
        "output_hidden_states",
        "output_attentions",
        "return_dict",
        "dtype",
        "chunk_size_feed_forward",
        "is_encoder_decoder",
        "id2label",
        "label2id",
        "problem_type",
        "_name_or_path",
        "transformers_version",
    }
    out = {}
    for key, value in config.items():
        if key in generic:
            continue
        out[key] = strip_generic_config_keys(value) if isinstance(value, dict) else value
    return out


# ---------------------------------------------------------------------------
# What each ONNX file must look like, and the dummy inputs that check it


@dataclass
class TensorSpec:
    name: str
    dtype: str  # onnxruntime's type string, e.g. "tensor(float)"
    dims: list  # ints for fixed dims, strings for symbolic ones


@dataclass
class OnnxSpec:
    path: str  # relative to the repository folder, fp32 name
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    # Each feed maps input names to arrays; expect(feed) gives the output shapes.
    feeds: list[dict[str, np.ndarray]] = field(default_factory=list)
    expect: Callable[[dict[str, np.ndarray]], dict[str, tuple]] | None = None

    def variant_path(self, variant: str) -> str:
        return self.path.removesuffix(".onnx") + VARIANT_SUFFIX[variant] + ".onnx"


@dataclass
class Made:
    """One written file, for the summary table."""

    path: Path
    seconds: float = 0.0  # time to make it (export, quantize, convert)
    check_seconds: float = 0.0
    note: str = ""


FLOAT = "tensor(float)"
INT64 = "tensor(int64)"


# ---------------------------------------------------------------------------
# Checking a file with onnxruntime


def check_onnx(path: Path, spec: OnnxSpec, reference: dict | None) -> tuple[str, dict]:
    """Checks names, order, dtypes and dims of the inputs and outputs, runs
    every dummy feed and checks the output shapes and dtypes. Returns a note
    (finite-ness, agreement with `reference`) and the outputs, keyed by feed
    index and output name. Raises SystemExit on a mismatch."""
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def fail(message: str) -> None:
        sys.exit(f"check failed for {path}: {message}")

    for kind, actual, expected in (
        ("input", session.get_inputs(), spec.inputs),
        ("output", session.get_outputs(), spec.outputs),
    ):
        got = [(t.name, t.type, list(t.shape)) for t in actual]
        want = [(t.name, t.dtype, list(t.dims)) for t in expected]
        if got != want:
            fail(f"{kind}s are {got}, expected {want}")

    outputs: dict = {}
    notes = []
    non_finite = 0
    for index, feed in enumerate(spec.feeds):
        results = session.run(None, feed)
        shapes = spec.expect(feed)
        for out_spec, value in zip(spec.outputs, results):
            want_dtype = np.float32 if out_spec.dtype == FLOAT else np.int64
            if value.dtype != want_dtype:
                fail(f"{out_spec.name} has dtype {value.dtype}, expected {np.dtype(want_dtype)}")
            if tuple(value.shape) != shapes[out_spec.name]:
                feed_shapes = {k: v.shape for k, v in feed.items()}
                fail(f"{out_spec.name} has shape {value.shape}, expected {shapes[out_spec.name]} for {feed_shapes}")
            non_finite += int(np.size(value) - np.count_nonzero(np.isfinite(value)))
            outputs[(index, out_spec.name)] = value
    if non_finite:
        notes.append(f"{non_finite} non-finite output values")
    if reference is not None:
        worst = min(cosine(outputs[key], reference[key]) for key in outputs)
        notes.append(f"cosine vs fp32 >= {worst:.4f}")
    return "; ".join(notes), outputs


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    denom = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / denom) if denom > 0 else float(np.array_equal(a, b))


# ---------------------------------------------------------------------------
# The torch models, for the PyTorch reference


def save_pytorch(model: torch.nn.Module, dst: Path, scene: bool = False) -> None:
    """Saves `model` with save_pretrained (safetensors) into `dst`, for the
    bench's PyTorch reference to load with from_pretrained; reloads it and
    checks that every parameter and buffer came back equal. A SAM saved with
    `scene` records scene_layout()'s arguments in its config
    (oris_scene_decoder): the reference wraps its decoder in SceneDecoder."""
    import shutil

    start = time.perf_counter()
    model.config.oris_random_weights = RANDOM_NOTE
    if scene:
        model.config.oris_scene_decoder = {"note": SCENE_NOTE, "layout": SCENE_ARGS}
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    # Loading draws (then overwrites) random weights: keep the exports' stream.
    with torch.random.fork_rng():
        model.save_pretrained(tmp)
        reloaded = type(model).from_pretrained(tmp).eval()
    want = dict(model.named_parameters()) | dict(model.named_buffers())
    got = dict(reloaded.named_parameters()) | dict(reloaded.named_buffers())
    differ = [name for name, value in want.items() if name not in got or not torch.equal(value, got[name])]
    if differ:
        sys.exit(f"save_pretrained into {tmp}: {len(differ)} tensors differ after reloading, e.g. {differ[:3]}")
    shutil.rmtree(dst, ignore_errors=True)
    os.replace(tmp, dst)
    size = sum(f.stat().st_size for f in dst.iterdir()) / 1e6
    log(f"  {dst} (save_pretrained, {size:.1f} MB, reloaded and checked: {time.perf_counter() - start:.0f} s)")


def write_pytorch_only(out_dir: Path, scene: bool) -> None:
    """The torch models of both repositories, without the ONNX work."""
    log(f"torch models -> {out_dir / PYTORCH_DIR}")
    save_pytorch(build_clip(clip_config()), out_dir / PYTORCH_DIR / CLIP_REPO.split("/")[1])
    save_pytorch(build_sam(sam_config()), out_dir / PYTORCH_DIR / SAM_REPO.split("/")[1], scene)


# ---------------------------------------------------------------------------
# Export


def export_onnx(
    module: torch.nn.Module, args: tuple, dst: Path, spec: OnnxSpec, dynamic_axes: dict, opset: int
) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter's deprecation notice and tracer warnings about
        # Python values baked into the trace (the checks below run other sizes).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(tmp),
            input_names=[t.name for t in spec.inputs],
            output_names=[t.name for t in spec.outputs],
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    declare_io_dims(tmp, spec)
    os.replace(tmp, dst)


def declare_io_dims(path: Path, spec: OnnxSpec) -> None:
    """Declares the spec's dims on the graph inputs and outputs. The exporter
    names dims it cannot infer after the op that makes them (e.g. SAM's
    image_embeddings [batch_size, 256, 'Transposeimage_embeddings_dim_2',
    ...]); tests/fixtures/README.md gives the Xenova files' [batch_size, 256,
    64, 64]."""
    model = onnx.load(str(path))
    for values, specs in ((model.graph.input, spec.inputs), (model.graph.output, spec.outputs)):
        for value, tensor_spec in zip(values, specs):
            shape = value.type.tensor_type.shape
            del shape.dim[:]
            for dim in tensor_spec.dims:
                if isinstance(dim, int):
                    shape.dim.add().dim_value = dim
                else:
                    shape.dim.add().dim_param = dim
    onnx.save(model, str(path))


def make_variants(
    repo_dir: Path,
    spec: OnnxSpec,
    variants: list[str],
    export: Callable[[Path], None],
    made: list[Made],
    scratch: Path,
) -> None:
    """Exports the fp32 file (into `scratch` when fp32 was not asked for),
    derives the other variants from it, and checks each file."""
    fp32_path = repo_dir / spec.path if "fp32" in variants else scratch / Path(spec.path).name
    log(f"  exporting {spec.path} ...")
    start = time.perf_counter()
    export(fp32_path)
    export_seconds = time.perf_counter() - start
    model = onnx.load(str(fp32_path))
    counts = op_counts(model)
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    structure = (
        f"opset {opset}, {len(model.graph.node)} nodes, LayerNormalization {counts.get('LayerNormalization', 0)}, "
        f"ReduceMean {counts.get('ReduceMean', 0)}, MatMul {counts.get('MatMul', 0)}"
    )
    del model
    log(f"    {export_seconds:.0f} s, {fp32_path.stat().st_size / 1e6:.1f} MB; {structure}")

    log(f"  checking {spec.path} ...")
    start = time.perf_counter()
    note, reference = check_onnx(fp32_path, spec, None)
    check_seconds = time.perf_counter() - start
    log(f"    ok ({check_seconds:.0f} s){'; ' + note if note else ''}")
    if "fp32" in variants:
        made.append(Made(fp32_path, export_seconds, check_seconds, "; ".join(filter(None, [structure, note]))))

    for variant in variants:
        if variant == "fp32":
            continue
        dst = repo_dir / spec.variant_path(variant)
        dst.parent.mkdir(parents=True, exist_ok=True)
        log(f"  {variant}: {dst.relative_to(repo_dir)} ...")
        start = time.perf_counter()
        if variant == "quantized":
            how = quantize(fp32_path, dst)
        else:
            convert_to_fp16(fp32_path, dst)
            how = "float16 inside, float32 inputs/outputs"
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        note, _ = check_onnx(dst, spec, reference)
        checked = time.perf_counter() - start
        log(f"    {seconds:.0f} s, {dst.stat().st_size / 1e6:.1f} MB, checked ({checked:.0f} s); {note}")
        made.append(Made(dst, seconds, checked, "; ".join(filter(None, [how, note]))))

    if "fp32" not in variants:
        fp32_path.unlink()


# ---------------------------------------------------------------------------
# CLIP ViT-B/32


def clip_config_json(config) -> dict:
    """config.json in the form of openai/clip-vit-base-patch32's."""
    values = strip_generic_config_keys(config.to_dict())
    return {
        "_name_or_path": "openai/clip-vit-base-patch32",
        "architectures": ["CLIPModel"],
        **values,
        "transformers_version": config.to_dict().get("transformers_version"),
        "oris_random_weights": RANDOM_NOTE,
    }


CLIP_PREPROCESSOR = {
    "crop_size": 224,
    "do_center_crop": True,
    "do_normalize": True,
    "do_resize": True,
    "feature_extractor_type": "CLIPFeatureExtractor",
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "resample": 3,
    "size": 224,
}


class ClipImageEmbeds(torch.nn.Module):
    """pixel_values -> image_embeds, as CLIPVisionModelWithProjection."""

    def __init__(self, clip):
        super().__init__()
        self.vision_model = clip.vision_model
        self.visual_projection = clip.visual_projection

    def forward(self, pixel_values):
        return self.visual_projection(self.vision_model(pixel_values=pixel_values).pooler_output)


class ClipTextEmbeds(torch.nn.Module):
    """input_ids -> text_embeds, as CLIPTextModelWithProjection (no attention
    mask: the Xenova text model has none)."""

    def __init__(self, clip):
        super().__init__()
        self.text_model = clip.text_model
        self.text_projection = clip.text_projection

    def forward(self, input_ids):
        return self.text_projection(self.text_model(input_ids=input_ids).pooler_output)


def clip_token_batch(rows: int, length: int) -> np.ndarray:
    """Token ids as the pipeline feeds them: start, words, end, end-padding."""
    rng = np.random.default_rng(rows * 1000 + length)
    ids = np.full((rows, length), 49407, dtype=np.int64)
    for r in range(rows):
        words = int(rng.integers(1, length - 1))
        ids[r, 0] = 49406
        ids[r, 1 : 1 + words] = rng.integers(256, 49406, words)
    return ids


def clip_config():
    """CLIP ViT-B/32's configuration (openai/clip-vit-base-patch32's)."""
    from transformers import CLIPConfig

    return CLIPConfig(
        text_config={
            "vocab_size": 49408,
            "hidden_size": 512,
            "intermediate_size": 2048,
            "num_hidden_layers": 12,
            "num_attention_heads": 8,
            "max_position_embeddings": 77,
            "projection_dim": 512,
            "hidden_act": "quick_gelu",
            # openai's config keeps these legacy ids; with eos_token_id 2 the
            # text model pools at the argmax of input_ids (the end token has
            # the largest id), as the Xenova export does.
            "bos_token_id": 0,
            "eos_token_id": 2,
            "pad_token_id": 1,
        },
        vision_config={
            "hidden_size": 768,
            "intermediate_size": 3072,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "image_size": 224,
            "patch_size": 32,
            "num_channels": 3,
            "projection_dim": 512,
            "hidden_act": "quick_gelu",
        },
        projection_dim=512,
    )


def build_clip(config):
    """The seeded random CLIPModel that is exported."""
    from transformers import CLIPModel

    torch.manual_seed(SEED)
    # Eager attention: the plain MatMul/Softmax graph optimum exported.
    config._attn_implementation = "eager"
    return CLIPModel(config).eval()


def make_clip(out_dir: Path, variants: list[str], bpe_path: Path, made: list[Made], scratch: Path) -> None:
    repo_dir = out_dir / CLIP_REPO
    log(f"{CLIP_REPO} -> {repo_dir}")
    repo_dir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    write_clip_tokenizer(bpe_path, repo_dir, scratch)
    seconds = time.perf_counter() - start
    log(f"  tokenizer.json, tokenizer_config.json ({seconds:.0f} s; 'a photo of a cat' -> {CAT_IDS})")

    config = clip_config()
    write_json(repo_dir / "config.json", clip_config_json(config))
    write_json(repo_dir / "preprocessor_config.json", CLIP_PREPROCESSOR)
    log("  config.json, preprocessor_config.json")

    clip = build_clip(config)
    save_pytorch(clip, out_dir / PYTORCH_DIR / CLIP_REPO.split("/")[1])

    vision_spec = OnnxSpec(
        path="onnx/vision_model.onnx",
        inputs=[TensorSpec("pixel_values", FLOAT, ["batch_size", "num_channels", "height", "width"])],
        outputs=[TensorSpec("image_embeds", FLOAT, ["batch_size", 512])],
        feeds=[
            {"pixel_values": np.random.default_rng(1).standard_normal((b, 3, 224, 224)).astype(np.float32)}
            for b in (1, 3)
        ],
        expect=lambda feed: {"image_embeds": (feed["pixel_values"].shape[0], 512)},
    )
    vision = ClipImageEmbeds(clip).eval()
    make_variants(
        repo_dir,
        vision_spec,
        variants,
        lambda dst: export_onnx(
            vision,
            (torch.randn(2, 3, 224, 224),),
            dst,
            vision_spec,
            {
                "pixel_values": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                "image_embeds": {0: "batch_size"},
            },
            CLIP_OPSET,
        ),
        made,
        scratch,
    )

    text_spec = OnnxSpec(
        path="onnx/text_model.onnx",
        inputs=[TensorSpec("input_ids", INT64, ["batch_size", "sequence_length"])],
        outputs=[TensorSpec("text_embeds", FLOAT, ["batch_size", 512])],
        feeds=[{"input_ids": clip_token_batch(b, n)} for b, n in ((1, 77), (3, 77), (2, 5))],
        expect=lambda feed: {"text_embeds": (feed["input_ids"].shape[0], 512)},
    )
    text = ClipTextEmbeds(clip).eval()
    make_variants(
        repo_dir,
        text_spec,
        variants,
        lambda dst: export_onnx(
            text,
            (torch.from_numpy(clip_token_batch(2, 9)),),
            dst,
            text_spec,
            {"input_ids": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"}},
            CLIP_OPSET,
        ),
        made,
        scratch,
    )


# ---------------------------------------------------------------------------
# SlimSAM-77




def sam_prompts(batch: int, prompts: int, points: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.choice(np.array([1, 1, 1, 0, -1, -10], dtype=np.int64), (batch, prompts, points))
    labels[:, :, 0] = 1
    return {
        "input_points": rng.uniform(0, 1024, (batch, prompts, points, 2)).astype(np.float32),
        "input_labels": labels,
        "image_embeddings": rng.standard_normal((batch, 256, 64, 64)).astype(np.float32),
        "image_positional_embeddings": rng.standard_normal((batch, 256, 64, 64)).astype(np.float32),
    }


def sam_config():
    """SlimSAM-77's configuration."""
    from transformers import SamConfig

    # SlimSAM-77: SAM ViT-B's encoder pruned to hidden size 168 and MLP 696;
    # the prompt encoder and mask decoder are SAM's.
    return SamConfig(
        vision_config={
            "hidden_size": 168,
            "mlp_dim": 696,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "window_size": 14,
            "global_attn_indexes": [2, 5, 8, 11],
            "output_channels": 256,
            "image_size": 1024,
            "patch_size": 16,
        }
    )


def build_sam(config):
    """The seeded random SamModel that is exported, with the changes to
    transformers' initialisation described at the top of this file."""
    from transformers import SamModel

    # transformers initialises the vision encoder with its config's
    # initializer_range, 1e-10 by default (real checkpoints overwrite it): the
    # image embeddings would come out near 1e-20, where float arithmetic can
    # hit slow denormals. Initialise it as the rest of the model instead.
    model_config = copy.deepcopy(config)
    model_config.vision_config.initializer_range = config.initializer_range
    model_config._attn_implementation = "eager"
    torch.manual_seed(SEED)
    sam = SamModel(model_config).eval()
    # The random Fourier features of point and image positions: transformers
    # draws them with std hidden_size / 2 (84), SAM's own with std 1. At 84
    # the sines of the image-wide positional embeddings turn to noise under
    # quantization; use SAM's scale.
    with torch.no_grad():
        features = torch.randn(sam.shared_image_embedding.positional_embedding.shape)
        sam.shared_image_embedding.positional_embedding.copy_(features)
        sam.prompt_encoder.shared_embedding.positional_embedding.copy_(features)
    return sam


def make_sam(out_dir: Path, variants: list[str], made: list[Made], scratch: Path, scene: bool = False) -> None:
    repo_dir = out_dir / SAM_REPO
    log(f"{SAM_REPO} -> {repo_dir}")
    repo_dir.mkdir(parents=True, exist_ok=True)

    config = sam_config()
    write_json(
        repo_dir / "config.json",
        {
            "architectures": ["SamModel"],
            **strip_generic_config_keys(config.to_dict()),
            "transformers_version": config.to_dict().get("transformers_version"),
            "oris_random_weights": RANDOM_NOTE,
            **({"oris_scene_decoder": SCENE_NOTE} if scene else {}),
        },
    )
    write_json(repo_dir / "preprocessor_config.json", SAM_PREPROCESSOR)
    log("  config.json, preprocessor_config.json")

    sam = build_sam(config)
    save_pytorch(sam, out_dir / PYTORCH_DIR / SAM_REPO.split("/")[1], scene)

    embedding_dims = ["batch_size", 256, 64, 64]
    encoder_spec = OnnxSpec(
        path="onnx/vision_encoder.onnx",
        inputs=[TensorSpec("pixel_values", FLOAT, ["batch_size", 3, 1024, 1024])],
        outputs=[
            TensorSpec("image_embeddings", FLOAT, embedding_dims),
            TensorSpec("image_positional_embeddings", FLOAT, embedding_dims),
        ],
        # One image (the export traced two): batch 3 in float16 peaks near 13 GB.
        feeds=[{"pixel_values": np.random.default_rng(2).standard_normal((1, 3, 1024, 1024)).astype(np.float32)}],
        expect=lambda feed: {
            name: (feed["pixel_values"].shape[0], 256, 64, 64)
            for name in ("image_embeddings", "image_positional_embeddings")
        },
    )
    encoder = SamImageEncoder(sam).eval()
    make_variants(
        repo_dir,
        encoder_spec,
        variants,
        lambda dst: export_onnx(
            encoder,
            (torch.randn(2, 3, 1024, 1024),),
            dst,
            encoder_spec,
            {name: {0: "batch_size"} for name in ("pixel_values", "image_embeddings", "image_positional_embeddings")},
            SAM_OPSET,
        ),
        made,
        scratch,
    )

    prompt_dims = ["batch_size", "point_batch_size", "nb_points_per_image"]
    decoder_spec = OnnxSpec(
        path="onnx/prompt_encoder_mask_decoder.onnx",
        inputs=[
            TensorSpec("input_points", FLOAT, prompt_dims + [2]),
            TensorSpec("input_labels", INT64, prompt_dims),
            TensorSpec("image_embeddings", FLOAT, embedding_dims),
            TensorSpec("image_positional_embeddings", FLOAT, embedding_dims),
        ],
        outputs=[
            TensorSpec("iou_scores", FLOAT, ["batch_size", "point_batch_size", 3]),
            TensorSpec("pred_masks", FLOAT, ["batch_size", "point_batch_size", 3, 256, 256]),
        ],
        feeds=[sam_prompts(1, 32, 1, 3), sam_prompts(2, 5, 3, 4)],
        expect=lambda feed: {
            "iou_scores": feed["input_points"].shape[:2] + (3,),
            "pred_masks": feed["input_points"].shape[:2] + (3, 256, 256),
        },
    )
    decoder = SamPromptDecoder(sam).eval()
    if scene:
        decoder = SceneDecoder(decoder, scene_layout(**SCENE_ARGS)).eval()
    dummy = sam_prompts(2, 3, 2, 5)
    make_variants(
        repo_dir,
        decoder_spec,
        variants,
        lambda dst: export_onnx(
            decoder,
            tuple(torch.from_numpy(dummy[t.name]) for t in decoder_spec.inputs),
            dst,
            decoder_spec,
            {
                "input_points": {0: "batch_size", 1: "point_batch_size", 2: "nb_points_per_image"},
                "input_labels": {0: "batch_size", 1: "point_batch_size", 2: "nb_points_per_image"},
                "image_embeddings": {0: "batch_size"},
                "image_positional_embeddings": {0: "batch_size"},
                "iou_scores": {0: "batch_size", 1: "point_batch_size"},
                "pred_masks": {0: "batch_size", 1: "point_batch_size"},
            },
            SAM_OPSET,
        ),
        made,
        scratch,
    )


# ---------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Writes random-weight CLIP ViT-B/32 and SlimSAM-77 ONNX models in the Xenova hub layout "
        "(speed and memory benchmarks only, never accuracy).",
    )
    parser.add_argument(
        "out_dir", type=Path, help="root of the model folders (oris --models OUT_DIR); not inside the repository"
    )
    parser.add_argument(
        "--only",
        choices=["clip", "sam", "pytorch"],
        help="make one model only, or (pytorch) only the torch models of both under OUT_DIR/pytorch/",
    )
    parser.add_argument(
        "--variants",
        default="fp32,quantized",
        help="comma-separated: fp32, quantized, fp16, or all (default: fp32,quantized)",
    )
    parser.add_argument(
        "--scene-decoder",
        action="store_true",
        help="SAM's decoder proposes a fixed synthetic scene (about 37 proposals per photo at 16x16), "
        "for end-to-end benchmarks (bench/real_size/scene_decoder.py)",
    )
    parser.add_argument(
        "--bpe",
        type=Path,
        default=Path(os.environ.get("ORIS_CLIP_BPE") or DEFAULT_BPE),
        help="CLIP's bpe_simple_vocab_16e6.txt.gz (default: $ORIS_CLIP_BPE or tests/fixtures/.cache/)",
    )
    args = parser.parse_args(argv)

    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    if names == ["all"]:
        names = list(VARIANT_SUFFIX)
    unknown = [v for v in names if v not in VARIANT_SUFFIX]
    if unknown or not names:
        parser.error(f"--variants: unknown {', '.join(unknown) or '(empty)'}; choose from fp32, quantized, fp16, all")
    args.variants = [v for v in VARIANT_SUFFIX if v in names]

    out = args.out_dir.resolve()
    if out == REPO_ROOT or REPO_ROOT in out.parents:
        parser.error(
            f"{args.out_dir} is inside the repository ({REPO_ROOT}); write the models elsewhere, e.g. /tmp/oris-real"
        )
    args.out_dir = out

    if args.only in (None, "clip") and not args.bpe.is_file():
        parser.error(
            f"CLIP's merges file not found at {args.bpe}: run `bash tests/fixtures/fetch_clip_bpe.sh` "
            "from the repository root, or pass --bpe / set ORIS_CLIP_BPE to a copy of bpe_simple_vocab_16e6.txt.gz"
        )
    return args


def print_table(out_dir: Path, made: list[Made]) -> None:
    rows = [("file", "MB", "make s", "check s", "sha256", "notes")]
    for item in made:
        size = item.path.stat().st_size / 1e6
        rows.append(
            (
                str(item.path.relative_to(out_dir)),
                f"{size:.1f}" if size >= 0.1 else f"{size:.3f}",
                f"{item.seconds:.0f}" if item.seconds else "",
                f"{item.check_seconds:.0f}" if item.check_seconds else "",
                sha256(item.path)[:12],
                item.note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1, 2, 3)]
        cells += [row[4].ljust(widths[4]), row[5]]
        log("  ".join(cells).rstrip())


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.only == "pytorch":
        write_pytorch_only(args.out_dir, args.scene_decoder)
        log(f"\ndone in {(time.perf_counter() - started) / 60:.1f} min")
        return
    made: list[Made] = []
    log(f"writing {', '.join(args.variants)} into {args.out_dir} (seed {SEED})")
    with tempfile.TemporaryDirectory(prefix="oris-export-") as scratch_name:
        scratch = Path(scratch_name)
        if args.only in (None, "clip"):
            make_clip(args.out_dir, args.variants, args.bpe, made, scratch)
        if args.only in (None, "sam"):
            make_sam(args.out_dir, args.variants, made, scratch, args.scene_decoder)

    # The JSON files, for the table.
    for repo in ([CLIP_REPO] if args.only != "sam" else []) + ([SAM_REPO] if args.only != "clip" else []):
        for name in ("config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"):
            path = args.out_dir / repo / name
            if path.is_file():
                made.append(Made(path))
    made.sort(key=lambda m: str(m.path))
    log("")
    print_table(args.out_dir, made)
    log(f"\ndone in {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main(sys.argv[1:])
