"""Exports a randomly initialised CLIP ViT-B/32 image tower to ONNX in the
layout of Xenova/clip-vit-base-patch32's onnx/vision_model.onnx (input
pixel_values [batch, 3, 224, 224], output image_embeds [batch, 512]).

The weights are random: the file is for speed measurements only (on a host
that cannot download the real weights), never for accuracy.

    python3 bench/gpu_host/export_random_clip.py OUT.onnx
"""

import sys

import torch
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection


class ImageEmbeds(torch.nn.Module):
    """The tower with its projection, returning only image_embeds."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values).image_embeds


def main(out: str) -> None:
    torch.manual_seed(0)
    config = CLIPVisionConfig(
        hidden_size=768,
        intermediate_size=3072,
        num_hidden_layers=12,
        num_attention_heads=12,
        image_size=224,
        patch_size=32,
        projection_dim=512,
    )
    model = ImageEmbeds(CLIPVisionModelWithProjection(config).eval())
    example = torch.randn(2, 3, 224, 224)
    torch.onnx.export(
        model,
        (example,),
        out,
        input_names=["pixel_values"],
        output_names=["image_embeds"],
        dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}},
        opset_version=17,
        dynamo=False,
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export_random_clip.py OUT.onnx")
    main(sys.argv[1])
