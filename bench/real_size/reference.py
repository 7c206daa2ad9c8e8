"""The PyTorch reference of the real-size bench: for one photo and one
sentence, the per-image work oris's `segment` does, written on PyTorch and
transformers as a PyTorch user would, on the same random-weight models
(export_random_models.py --scene-decoder; the torch copies it writes under
OUT_DIR/pytorch/). Prints one JSON line: timings in ms under oris's keys
(load, propose, regions, text, total), the proposals kept, the prompts
decoded, and the peak RSS.

    /tmp/venv/bin/python bench/real_size/reference.py --models /tmp/oris-bench \\
        --image photo.png --text "the dog on the left" --phrase "the dog" \\
        [--anchor ...] [--points-per-side 16] [--points-per-batch 32] \\
        [--prune-points on|off] [--threads 2]

run.ts passes the settings oris ran with (read from its --json output) and
the noun phrase and anchor oris parsed; this script parses no sentence.

Stages (what oris times under the same key):

- load: CLIPModel and SamModel from_pretrained (safetensors), SAM's image
  processor from the Xenova folder's preprocessor_config.json, CLIP's
  tokenizer from its tokenizer.json; with a scene export
  (oris_scene_decoder in the SAM config) the prompt encoder and mask decoder
  are wrapped in SceneDecoder, as the exported decoder is.
- propose: SAM's preprocessing (transformers' PIL image processor: long
  side to 1024, normalise, pad), the vision encoder once, the decoder over
  the points-per-side grid in batches of points-per-batch prompts with three
  masks each; per batch, the masks whose predicted IoU passes 0.88 are
  post-processed (256 -> 1024 bilinear, crop to the resized image, -> image
  size: post_process_masks) and kept when their stability score (offset
  1.0) is >= 0.95 and they are not empty; then greedy box NMS at 0.7 by
  predicted IoU. With --prune-points on, the coarse pass (even rows and even
  columns of the grid) is decoded first, then only the other points that no
  kept mask (past the thresholds, before NMS) covers, as oris's generator.
- regions: per proposal the local view (box crop, outside filled with
  CLIP's mean colour, 224 antialiased) through CLIP's vision tower in
  batches of --clip-batch (16), and the token-masked global vector: the
  whole view (224) through the trunk once per call of up to --mask-batch
  (64) masks, the last three blocks per mask (clip_reference.py's
  functions).
- text: the sentence, the noun phrase and the anchor (when given) through
  CLIP's text tower in one batch padded to the longest.
- total: wall time from this script's first statement (before torch is
  imported) to the end.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# transformers imports torchvision when it is installed; a torchvision built
# for another torch breaks that import. Nothing here needs it.
sys.modules.setdefault("torchvision", None)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "fixtures" / "reference"))
sys.path.insert(0, str(HERE))

from clip_reference import local_view, token_grid, token_masked_global, whole_view  # noqa: E402
from sam_export import SamImageEncoder, SamPromptDecoder  # noqa: E402
from scene_decoder import SceneDecoder, scene_layout  # noqa: E402

CLIP_NAME = "clip-vit-base-patch32"
SAM_NAME = "slimsam-77-uniform"
VIEW = 224
# SAM's automatic generator's filters (oris's defaults; segment-anything's).
PRED_IOU_THRESH = 0.88
STABILITY_THRESH = 0.95
STABILITY_OFFSET = 1.0
MASK_THRESHOLD = 0.0
BOX_NMS_THRESH = 0.7


def ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="PyTorch reference of oris's per-image work (real-size bench).")
    parser.add_argument("--models", type=Path, default=Path("/tmp/oris-bench"), help="export_random_models.py's OUT_DIR")
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--text", required=True, help="the sentence")
    parser.add_argument("--phrase", default="", help="its noun phrase as oris parsed it (none when empty)")
    parser.add_argument("--anchor", default="", help="its relation's anchor phrase as oris parsed it (none when empty)")
    parser.add_argument("--points-per-side", type=int, default=16)
    parser.add_argument("--points-per-batch", type=int, default=32)
    parser.add_argument("--prune-points", choices=["on", "off"], default="off")
    parser.add_argument("--clip-batch", type=int, default=16, help="local views per vision call (oris: clipBatchSize)")
    parser.add_argument("--mask-batch", type=int, default=64, help="masks per token-masked call (oris: maskBatchSize)")
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# load


def load(models: Path) -> dict:
    """The models, SAM's image processor and CLIP's tokenizer."""
    from transformers import CLIPModel, CLIPTokenizer, SamModel
    from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil
    from transformers.utils import logging

    logging.disable_progress_bar()
    torch_dir = models / "pytorch"
    for name in (CLIP_NAME, SAM_NAME):
        if not (torch_dir / name / "config.json").is_file():
            sys.exit(
                f"reference: {torch_dir / name} is missing: run `/tmp/venv/bin/python "
                f"bench/real_size/export_random_models.py {models} --only pytorch --scene-decoder`"
            )
    clip = CLIPModel.from_pretrained(torch_dir / CLIP_NAME).eval()
    sam = SamModel.from_pretrained(torch_dir / SAM_NAME).eval()
    processor = SamImageProcessorPil.from_pretrained(models / "Xenova" / SAM_NAME)
    tokenizer = CLIPTokenizer.from_pretrained(models / "Xenova" / CLIP_NAME)
    decoder = SamPromptDecoder(sam).eval()
    scene = getattr(sam.config, "oris_scene_decoder", None)
    onnx_scene = "oris_scene_decoder" in json.loads((models / "Xenova" / SAM_NAME / "config.json").read_text())
    if bool(scene) != onnx_scene:
        sys.exit(
            f"reference: the torch SAM {'is' if scene else 'is not'} a scene export but the ONNX one "
            f"{'is' if onnx_scene else 'is not'}: write both with the same export_random_models.py options"
        )
    if scene:
        decoder = SceneDecoder(decoder, scene_layout(**scene["layout"])).eval()
    return {
        "clip": clip,
        "encoder": SamImageEncoder(sam).eval(),
        "decoder": decoder,
        "processor": processor,
        "tokenizer": tokenizer,
        "scene": bool(scene),
        "attention": {"clip": clip.config._attn_implementation, "sam": sam.config._attn_implementation},
    }


# ---------------------------------------------------------------------------
# propose


def point_grid(n: int, width: int, height: int) -> np.ndarray:
    """The n x n grid of cell centres in image pixels, row by row, in float32
    as oris holds them."""
    side = (np.arange(n, dtype=np.float32) + np.float32(0.5)) / np.float32(n)
    xs, ys = np.meshgrid(side, side, indexing="xy")
    grid = np.stack([xs.reshape(-1), ys.reshape(-1)], -1).astype(np.float32)
    return grid * np.array([width, height], dtype=np.float32)


def prompt_passes(n: int) -> tuple[list[int], list[int]]:
    """Coarse (even rows and even columns) and fine prompts of an n x n grid."""
    coarse, fine = [], []
    for i in range(n * n):
        (coarse if (i // n) % 2 == 0 and (i % n) % 2 == 0 else fine).append(i)
    return coarse, fine


def decode_batch(m: dict, embedded, frame: torch.Tensor, size: dict, parts: dict) -> list[dict]:
    """One decoder call on the prompts `frame` ([P, 2], 1024 frame) and the
    per-call filters: the masks that pass, as candidates. Adds the call's
    time and the masks' (post-processing, filters) to `parts`."""
    embeddings, positional = embedded
    n = frame.shape[0]
    start = time.perf_counter()
    iou, masks = m["decoder"](
        frame[None, :, None, :], torch.ones((1, n, 1), dtype=torch.int64), embeddings, positional
    )
    parts["decoderCalls"] += ms_since(start)
    start = time.perf_counter()
    try:
        return filter_batch(m, iou, masks, size)
    finally:
        parts["masks"] += ms_since(start)


def filter_batch(m: dict, iou: torch.Tensor, masks: torch.Tensor, size: dict) -> list[dict]:
    """The masks of one decoder call that pass the thresholds, as candidates."""
    from transformers.models.sam.image_processing_pil_sam import _batched_mask_to_box, _compute_stability_score

    iou = iou[0].reshape(-1)
    passing = torch.nonzero(iou > PRED_IOU_THRESH).reshape(-1)
    if len(passing) == 0:
        return []
    low = masks[0].reshape(-1, 1, *masks.shape[-2:])[passing]
    logits = m["processor"].post_process_masks(
        [low], [size["original"]], [size["resized"]], binarize=False
    )[0][:, 0]
    stability = _compute_stability_score(logits, MASK_THRESHOLD, STABILITY_OFFSET)
    binary = logits > MASK_THRESHOLD
    boxes = _batched_mask_to_box(binary)
    out = []
    for k, i in enumerate(passing.tolist()):
        if not stability[k] >= STABILITY_THRESH or not binary[k].any():
            continue
        out.append({"iou": float(iou[i]), "mask": binary[k], "box": boxes[k].tolist()})
    return out


def covered(candidates: list[dict], x: float, y: float) -> bool:
    """Whether a candidate's mask holds the pixel under (x, y)."""
    px, py = int(np.floor(x)), int(np.floor(y))
    return any(bool(c["mask"][py, px]) for c in candidates)


def box_nms(candidates: list[dict]) -> list[dict]:
    """Greedy box NMS by decreasing predicted IoU (ties: the earlier first),
    boxes with exclusive right and bottom edges, as oris's boxNms."""
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i]["iou"], i))
    boxes = np.array([[b[0], b[1], b[2] + 1, b[3] + 1] for b in (c["box"] for c in candidates)], np.float64)
    kept: list[int] = []
    for i in order:
        if not kept:
            kept.append(i)
            continue
        k = boxes[kept]
        iw = np.minimum(boxes[i, 2], k[:, 2]) - np.maximum(boxes[i, 0], k[:, 0])
        ih = np.minimum(boxes[i, 3], k[:, 3]) - np.maximum(boxes[i, 1], k[:, 1])
        inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
        area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
        union = area(boxes[i]) + area(k) - inter
        if np.all(np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0) <= BOX_NMS_THRESH):
            kept.append(i)
    return [candidates[i] for i in kept]


@torch.no_grad()
def propose(m: dict, photo: np.ndarray, args: argparse.Namespace) -> tuple[list[dict], int, dict]:
    """SAM's automatic generator: proposals (best first), prompts decoded,
    and the time of its parts in ms."""
    parts = {}
    start = time.perf_counter()
    h, w = photo.shape[:2]
    inputs = m["processor"](images=photo, return_tensors="pt")
    rh, rw = (int(v) for v in inputs["reshaped_input_sizes"][0])
    size = {"original": (h, w), "resized": (rh, rw)}
    parts["preprocess"] = ms_since(start)
    start = time.perf_counter()
    embedded = m["encoder"](inputs["pixel_values"])
    parts["encoder"] = ms_since(start)

    start = time.perf_counter()
    parts["decoderCalls"] = parts["masks"] = 0.0
    points = point_grid(args.points_per_side, w, h)
    frame = torch.from_numpy(points * np.array([rw / w, rh / h], dtype=np.float32))
    candidates: list[dict] = []

    def decode(prompts: list[int]) -> None:
        for first in range(0, len(prompts), args.points_per_batch):
            batch = prompts[first : first + args.points_per_batch]
            candidates.extend(decode_batch(m, embedded, frame[batch], size, parts))

    if args.prune_points == "on":
        coarse, fine = prompt_passes(args.points_per_side)
        decode(coarse)
        rest = [i for i in fine if not covered(candidates, *points[i])]
        decode(rest)
        decoded = len(coarse) + len(rest)
    else:
        decode(list(range(len(points))))
        decoded = len(points)
    parts["decoder"] = ms_since(start)
    parts["decoderCalls"], parts["masks"] = round(parts["decoderCalls"], 1), round(parts["masks"], 1)
    start = time.perf_counter()
    proposals = box_nms(candidates)
    parts["nms"] = ms_since(start)
    parts["candidates"] = len(candidates)
    return proposals, decoded, parts


# ---------------------------------------------------------------------------
# regions and text


@torch.no_grad()
def regions(m: dict, photo: np.ndarray, proposals: list[dict], args: argparse.Namespace) -> int:
    """Local and token-masked global embeddings of every proposal; their
    dimension (0 without proposals)."""
    clip = m["clip"]
    masks = [p["mask"].numpy() for p in proposals]
    local = []
    for first in range(0, len(masks), args.clip_batch):
        views = torch.cat([local_view(photo, mask, VIEW) for mask in masks[first : first + args.clip_batch]])
        local.append(clip.visual_projection(clip.vision_model(pixel_values=views).pooler_output))
    if not masks:
        return 0
    whole = whole_view(photo, VIEW)
    grid = clip.config.vision_config.image_size // clip.config.vision_config.patch_size
    globals_ = []
    for first in range(0, len(masks), args.mask_batch):
        grids = torch.stack([token_grid(mask, grid) for mask in masks[first : first + args.mask_batch]])
        globals_.append(token_masked_global(clip, whole, grids))
    local_embeds, global_embeds = torch.cat(local), torch.cat(globals_)
    assert local_embeds.shape == global_embeds.shape, (local_embeds.shape, global_embeds.shape)
    return int(local_embeds.shape[1])


@torch.no_grad()
def text(m: dict, texts: list[str]) -> torch.Tensor:
    """text_embeds of the texts, in one batch padded to the longest with the
    end token (the Xenova text model takes no attention mask)."""
    clip = m["clip"]
    ids = m["tokenizer"](texts, padding="longest", truncation=True, max_length=77, return_tensors="pt")["input_ids"]
    return clip.text_projection(clip.text_model(input_ids=ids).pooler_output)


# ---------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    timings = {}

    start = time.perf_counter()
    m = load(args.models)
    timings["load"] = ms_since(start)

    with Image.open(args.image) as im:
        photo = np.asarray(im.convert("RGB"))
    start = time.perf_counter()
    proposals, decoded, parts = propose(m, photo, args)
    timings["propose"] = ms_since(start)

    start = time.perf_counter()
    dim = regions(m, photo, proposals, args)
    timings["regions"] = ms_since(start)

    start = time.perf_counter()
    texts = [args.text] + [t for t in (args.phrase, args.anchor) if t.strip()]
    text(m, texts)
    timings["text"] = ms_since(start)
    timings["total"] = ms_since(START)

    print(
        json.dumps(
            {
                "image": {"path": str(args.image), "width": int(photo.shape[1]), "height": int(photo.shape[0])},
                "settings": {
                    "pointsPerSide": args.points_per_side,
                    "pointsPerBatch": args.points_per_batch,
                    "prunePoints": args.prune_points == "on",
                    "clipBatch": args.clip_batch,
                    "maskBatch": args.mask_batch,
                    "threads": torch.get_num_threads(),
                },
                "texts": texts,
                "sceneDecoder": m["scene"],
                "attention": m["attention"],
                "proposals": len(proposals),
                "candidates": parts.pop("candidates"),
                "prompts": decoded,
                "embeddingDim": dim,
                "timings": timings,
                "proposeParts": parts,
                # Linux reports ru_maxrss in KiB.
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__},
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
