"""Second stage of the dense heads: classify the crop of every candidate box with the ADDP
classifier (the encoder fine-tuned on Fashion-MNIST, then on scene crops), because the class is
what the one-pass heads get wrong (class-agnostic AP50 0.83 against 0.66; with the true classes
the seg head's masks would give val mIoU 0.96).

The crop, exactly (Java's CropSampler does the same): a square of side max(w, h) * scale centred
on the box centre, on the 64x64 model input, sampled bilinearly at size x size points; output
pixel (u, v) samples the input at x = x0 + (u + 0.5) * side / size, y = y0 + (v + 0.5) * side /
size in continuous coordinates (pixel j covers [j, j + 1)), i.e. at index x - 0.5; pixels outside
the canvas read as 0. This is torch's grid_sample(align_corners=False, padding_mode="zeros").

The classifier has the 10 item classes plus a last "no item" class (trained on random boxes that
miss every item), so a candidate's score can also say how likely it is to be anything at all.
How the probabilities relabel and rescore the candidates and repaint the semantic map
(`refine`, `paint`) is decoding, in dense_eval.py."""
import numpy as np
import torch
import torch.nn.functional as F

from .classifier import ViTClassifier

NONE = 10          # the "no item" class of the crop classifier
NUM_OUT = 11


def square(boxes, scale):
    """boxes [n,4] xywh -> (x0, y0, side) arrays of the crop squares."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    side = np.maximum(np.maximum(b[:, 2], b[:, 3]) * scale, 1.0)
    cx, cy = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2
    return cx - side / 2, cy - side / 2, side


def crop(pixels, image_index, boxes, size, scale):
    """pixels [B,3,H,W] float tensor; image_index [n] (which image each box is on); boxes [n,4]
    xywh in input pixels -> crops [n,3,size,size]."""
    n = len(image_index)
    if n == 0:
        return pixels.new_zeros((0, 3, size, size))
    _, _, H, W = pixels.shape
    x0, y0, side = square(boxes, scale)
    t = (np.arange(size) + 0.5) / size                                    # [size]
    xs = x0[:, None] + t[None] * side[:, None]                            # [n,size]
    ys = y0[:, None] + t[None] * side[:, None]
    gx = torch.from_numpy(2 * xs / W - 1).float()
    gy = torch.from_numpy(2 * ys / H - 1).float()
    grid = torch.stack([gx[:, None, :].expand(n, size, size), gy[:, :, None].expand(n, size, size)], -1)
    src = pixels[torch.as_tensor(np.asarray(image_index, np.int64))]
    return F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def crop_numpy(image, box, size, scale):
    """The reference of the rule above for one image [3,H,W] float64 and one box (tests, golden)."""
    C, H, W = image.shape
    x0, y0, side = (v[0] for v in square([box], scale))
    out = np.zeros((C, size, size))
    for v in range(size):
        py = y0 + (v + 0.5) * side / size - 0.5
        for u in range(size):
            px = x0 + (u + 0.5) * side / size - 0.5
            i0, j0 = int(np.floor(py)), int(np.floor(px))
            fy, fx = py - i0, px - j0
            for di, wy in ((0, 1 - fy), (1, fy)):
                for dj, wx in ((0, 1 - fx), (1, fx)):
                    i, j = i0 + di, j0 + dj
                    if 0 <= i < H and 0 <= j < W:
                        out[:, v, u] += wy * wx * image[:, i, j]
    return out


class CropGraph(torch.nn.Module):
    """The exported graph: crops [n,3,32,32] in [0,1] -> softmax probabilities [n,11]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, crops):
        return torch.softmax(self.model(crops)[0], dim=1)


def crop_model(classifier_config, classifier_state=None):
    """The crop classifier: the Fashion-MNIST classifier's ViT with an 11th output ("no item").
    With a state (read back from zoo/addp-fmnist/classifier.onnx) every weight but the new head row
    starts from it; the new row starts at zero weight and the mean bias."""
    model = ViTClassifier(dict(classifier_config, num_classes=NUM_OUT, drop_path=0.1))
    if classifier_state is not None:
        state = dict(classifier_state)
        w, b = state.pop("head.weight"), state.pop("head.bias")
        model.load_state_dict(state, strict=False)
        with torch.no_grad():
            model.head.weight.zero_()
            model.head.weight[:NONE] = w
            model.head.bias[:NONE] = b
            model.head.bias[NONE] = b.mean()
    return model


def load_model(path):
    """A crop classifier checkpoint (train_crops.py) -> (model in eval mode, checkpoint dict)."""
    ck = torch.load(path, map_location="cpu")
    model = ViTClassifier(ck["config"])
    model.load_state_dict(ck["model"])
    return model.eval(), ck
