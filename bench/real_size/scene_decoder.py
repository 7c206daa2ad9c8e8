"""A random-weight SAM decoder that proposes like a real one, for benchmarks.

A random mask decoder's predicted IoUs rarely pass the automatic generator's
filters, so a benchmark on random weights would propose nothing and time no
CLIP work. `SceneDecoder` wraps the real-size random decoder, runs all of it
(its cost is the benchmark's), and overrides two of its three masks per
prompt with a fixed synthetic scene:

- the 1024 x 1024 input square is cut into the Voronoi cells of `cells`
  seeds (a jittered grid, fixed by `seed`); a prompt belongs to the cell of
  its first point;
- mask 1 is the prompt's cell, mask 2 a disc around the cell's seed (a part
  of it, radius 0.45 x the distance to the nearest other seed), as sharp
  logits (+-10) that pass the stability filter;
- a quarter of the cells are "ambiguous": their masks score a predicted IoU
  of 0.6 and are filtered out, as SAM filters out textured or cluttered
  areas; the others score 0.96 (cell) and 0.93 (part) and are kept;
- mask 0 is the random decoder's own, scored 0.5 (filtered out).

Every output still depends on the random decoder (the scene is added to
1e-6 x its output), so no runtime can skip it. On a 640 x 427 photo at 16 x 16
points this keeps about 37 proposals; every point of a kept cell is covered
by that cell's mask, the points of ambiguous cells by none, which is what
prompt pruning (oris's `--prune-points`) reads. Real SAM covers more or less
of a photo than this scene; the scene only makes the amount of work per
photo realistic and the same for every implementation that runs it.
"""

from __future__ import annotations

import numpy as np
import torch

LOW_RES = 256  # pred_masks side: the 1024 input square at 1/4
INPUT_SIDE = 1024
INSIDE, OUTSIDE = 10.0, -10.0
KEPT_IOU = (0.96, 0.93)  # cell, part
AMBIGUOUS_IOU = 0.6
RANDOM_MASK_IOU = 0.5


def scene_layout(cells_per_side: int = 6, seed: int = 7) -> dict[str, np.ndarray]:
    """Seeds [K, 2] in input pixels, masks [K, 2, 256, 256] (cell, part) as
    logits and scores [K, 2] (predicted IoUs)."""
    rng = np.random.default_rng(seed)
    step = INPUT_SIDE / cells_per_side
    centres = (np.arange(cells_per_side) + 0.5) * step
    grid = np.stack(np.meshgrid(centres, centres, indexing="xy"), -1).reshape(-1, 2)
    seeds = grid + rng.uniform(-0.4, 0.4, grid.shape) * step
    k = len(seeds)
    ambiguous = np.zeros(k, bool)
    ambiguous[rng.permutation(k)[: k // 4]] = True

    # Low-res pixel u covers input pixels [4u, 4u + 4): its centre is 4u + 2.
    axis = np.arange(LOW_RES) * (INPUT_SIDE / LOW_RES) + INPUT_SIDE / LOW_RES / 2
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    pixel_d2 = (xx[None] - seeds[:, 0, None, None]) ** 2 + (yy[None] - seeds[:, 1, None, None]) ** 2
    nearest = pixel_d2.argmin(0)
    seed_d = np.sqrt(((seeds[:, None] - seeds[None]) ** 2).sum(-1))
    np.fill_diagonal(seed_d, np.inf)
    radius = 0.45 * seed_d.min(1)

    masks = np.full((k, 2, LOW_RES, LOW_RES), OUTSIDE, np.float32)
    for i in range(k):
        masks[i, 0][nearest == i] = INSIDE
        masks[i, 1][pixel_d2[i] <= radius[i] ** 2] = INSIDE
    scores = np.where(ambiguous[:, None], AMBIGUOUS_IOU, np.array(KEPT_IOU)[None]).astype(np.float32)
    return {"seeds": seeds.astype(np.float32), "masks": masks, "scores": scores}


class SceneDecoder(torch.nn.Module):
    """The random decoder, with masks 1 and 2 of each prompt (and their
    scores) taken from the synthetic scene of `scene_layout`."""

    def __init__(self, decoder: torch.nn.Module, layout: dict[str, np.ndarray]):
        super().__init__()
        self.decoder = decoder
        self.register_buffer("seeds", torch.from_numpy(layout["seeds"]))
        self.register_buffer("scene_masks", torch.from_numpy(layout["masks"]))
        self.register_buffer("scene_scores", torch.from_numpy(layout["scores"]))

    def forward(self, input_points, input_labels, image_embeddings, image_positional_embeddings):
        iou, masks = self.decoder(input_points, input_labels, image_embeddings, image_positional_embeddings)
        first = input_points[:, :, 0, :]  # [B, P, 2]
        d2 = ((first.unsqueeze(2) - self.seeds) ** 2).sum(-1)  # [B, P, K]
        cell = d2.argmin(-1)  # [B, P]
        scene_masks = self.scene_masks[cell] + 1e-6 * masks[:, :, 1:]
        scene_iou = self.scene_scores[cell] + 1e-6 * iou[:, :, 1:]
        own_iou = RANDOM_MASK_IOU + 1e-6 * iou[:, :, :1]
        return torch.cat([own_iou, scene_iou], 2), torch.cat([masks[:, :, :1], scene_masks], 2)
