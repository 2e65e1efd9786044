"""Dense recognition on the ADDP pixel encoder: one encoder pass -> multilabel presence,
CenterNet detection (per-class centre heat-map, box size, sub-cell offset) and semantic
segmentation.

Encoder: the ADDP pixel ViT (patch 4, width 128, 4 blocks, final `norm`) on 64x64 inputs, i.e. a
16x16 token grid (stride 4). Pre-trained weights come from the committed gen_step.onnx
(addp.readback), with the 8x8 position table interpolated bicubically to 16x16. The control is
the same module from random init.
Heads on the 16x16 feature map: heat-map / size / offset (3x3 conv -> ReLU -> 1x1 conv each),
presence (mean over tokens -> LayerNorm -> Linear), and a small segmentation decoder that
upsamples the features to 32x32 and 64x64, joined at each scale with a shallow conv stem of the
image (fine boundaries), ending in 11 logits (0 background, 1 + c) per pixel."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .addp import PixelEncoder
from .layers import Block, init_vit_weights
from .readback import encoder_state_from_gen_step

NUM_CLASSES = 10
ENCODER_PREFIXES = ("patch_embed.", "cls_token", "pos_embed", "tokenizer_norm.", "blocks.", "norm.")
SEG_PREFIXES = ("seg_",)


def default_config():
    """enc_size: the encoder sees the 64x64 input area-downsampled to enc_size (32: the 8x8 token
    grid it was pre-trained on; 64: a 16x16 grid with the position table interpolated). The heads
    work at stride 4 (16x16) whatever enc_size: the features are upsampled to 16x16 and fused with
    a 4x4-patch stem of the full-resolution image; the segmentation logits come back to 64x64 by
    a pixel shuffle (each cell predicts its 4x4 pixels) plus a per-pixel 1x1 term of the image."""
    return dict(img_size=64, enc_size=32, patch=4, dim=128, depth=4, heads=4, drop=0.0,
                num_classes=NUM_CLASSES, stride=4, neck_dim=48, stem_dim=32, head_dim=64)


def conv_relu(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True))


class DenseModel(PixelEncoder):
    def __init__(self, config):
        c = dict(config)
        super().__init__(dict(c, img_size=c["enc_size"]), tokenizer_norm=True)
        self.config = c
        self.stride = c["stride"]
        self.enc_grid = c["enc_size"] // c["patch"]
        self.grid = c["img_size"] // c["stride"]
        D, K, H, N, S = c["dim"], c["num_classes"], c["head_dim"], c["neck_dim"], c["stem_dim"]
        self.blocks = nn.ModuleList([Block(D, c["heads"], c["drop"]) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        init_vit_weights(self)
        for p in (self.pos_embed, self.cls_token):
            nn.init.normal_(p, std=0.02)
        self.presence_norm = nn.LayerNorm(D, eps=1e-6)
        self.presence_head = nn.Linear(D, K)
        # neck: encoder grid -> stride-4 grid, fused with a 4x4-patch stem of the image
        self.neck_lateral = nn.Sequential(nn.Conv2d(D, N, 1), nn.ReLU(inplace=True))
        self.neck_stem = nn.Sequential(nn.Conv2d(3, S, c["stride"], stride=c["stride"]), nn.ReLU(inplace=True))
        self.neck_fuse = conv_relu(N + S, H)
        self.det_trunk = conv_relu(H, H)
        self.heat_head = nn.Conv2d(H, K, 1)
        self.size_head = nn.Conv2d(H, 2, 1)
        self.offset_head = nn.Conv2d(H, 2, 1)
        nn.init.constant_(self.heat_head.bias, -2.19)   # CenterNet: prior 0.1
        # start at a typical box (22 px = 5.5 cells) and the cell centre: a short run cannot
        # afford the thousands of steps a zero-initialised bias needs to get there
        nn.init.constant_(self.size_head.bias, 5.5)
        nn.init.constant_(self.offset_head.bias, 0.5)
        self.seg_trunk = conv_relu(H, H)
        self.seg_cells = nn.Conv2d(H, (K + 1) * c["stride"] ** 2, 1)
        self.seg_pixel = nn.Conv2d(3, K + 1, 1)

    def features(self, x):
        """pixels [B,3,64,64] in [0,1] -> (tokens [B,N,D] after the final norm, normalised input)."""
        xn = (x.clamp(0.0, 1.0) - self.pixel_mean) / self.pixel_std
        xe = xn if self.config["enc_size"] == self.config["img_size"] else \
            F.avg_pool2d(xn, self.config["img_size"] // self.config["enc_size"])
        h = self.patch_embed(xe) + self.pos_embed[:, 1:]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(h.shape[0], -1, -1)
        h = self.tokenizer_dropout(self.tokenizer_norm(torch.cat([cls, h], dim=1)))
        for blk in self.blocks:
            h = blk(h)
        return self.norm(h)[:, 1:], xn

    def forward(self, x):
        """-> dict of raw outputs: presence logits [B,K], heat logits [B,K,g,g], size [B,2,g,g]
        (input pixels), offset [B,2,g,g] (cells), seg logits [B,K+1,64,64]."""
        tokens, xn = self.features(x)
        B, _, D = tokens.shape
        fmap = tokens.transpose(1, 2).reshape(B, D, self.enc_grid, self.enc_grid)
        f = self.neck_lateral(fmap)
        if self.enc_grid != self.grid:
            f = F.interpolate(f, size=(self.grid, self.grid), mode="bilinear", align_corners=False)
        f = self.neck_fuse(torch.cat([f, self.neck_stem(xn)], 1))
        d = self.det_trunk(f)
        seg = F.pixel_shuffle(self.seg_cells(self.seg_trunk(f)), self.stride) + self.seg_pixel(xn)
        return {"presence": self.presence_head(self.presence_norm(tokens.mean(1))),
                "heatmap": self.heat_head(d),
                "size": self.size_head(d) * self.stride,
                "offset": self.offset_head(d),
                "seg": seg}

    def load_addp_encoder(self, state):
        """Copy the ADDP pixel-encoder weights (names as in addp.pt), interpolating the position
        table from its n x n grid to this model's grid (bicubic, as MAE/timm do)."""
        state = dict(state)
        pos = state["pos_embed"]
        n_old = int(round(math.sqrt(pos.shape[1] - 1)))
        g = self.enc_grid
        if n_old != g:
            grid = pos[:, 1:].reshape(1, n_old, n_old, -1).permute(0, 3, 1, 2)
            grid = F.interpolate(grid, size=(g, g), mode="bicubic", align_corners=False)
            state["pos_embed"] = torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, g * g, -1)], 1)
        wanted = [k for k in self.state_dict() if k.startswith(ENCODER_PREFIXES)
                  and not k.startswith(("presence_norm",))]
        missing = [k for k in wanted if k not in state]
        assert not missing, f"encoder weights missing: {missing}"
        self.load_state_dict({k: state[k] for k in wanted}, strict=False)
        return wanted


def fuse_seg(seg, heat, fusion, stride=4):
    """Segmentation class evidence fused with the detection heat-map, inside the graph.

    seg [B,K+1,S,S] softmax probabilities, heat [B,K,g,g] sigmoid. Background keeps its
    probability; the foreground mass (1 - p_bg) is shared among the classes in proportion to
    p(c | foreground)^seg_power * H_c^heat_power, where H_c is the heat-map max-pooled over
    heat_kernel x heat_kernel cells (about one item) and repeated to pixels. Why: the seg head
    finds the items' pixels almost perfectly (mIoU 0.96 on val with true classes) but names them
    worse than the heat-map does; the parameters are chosen on the validation scenes
    (dense_export.py). fusion None: seg unchanged."""
    if not fusion:
        return seg
    k = fusion["heat_kernel"]
    h = F.max_pool2d(heat, k, stride=1, padding=k // 2)
    h = F.interpolate(h, scale_factor=stride, mode="nearest")
    bg = seg[:, :1]
    fg = 1.0 - bg
    cls = seg[:, 1:] / fg.clamp(min=1e-6)
    score = cls.clamp(min=1e-6) ** fusion["seg_power"] * h.clamp(min=1e-6) ** fusion["heat_power"]
    return torch.cat([bg, fg * score / score.sum(1, keepdim=True)], 1)


class DenseGraph(nn.Module):
    """The exported graph: pixels -> (presence, heatmap, size, offset, seg) with the contract's
    activations (sigmoid, sigmoid, -, -, softmax over classes, then fuse_seg when fusion is set)."""
    OUTPUTS = ("presence", "heatmap", "size", "offset", "seg")

    def __init__(self, model, fusion=None):
        super().__init__()
        self.model = model
        self.fusion = fusion

    def forward(self, pixels):
        o = self.model(pixels)
        heat = torch.sigmoid(o["heatmap"])
        seg = fuse_seg(torch.softmax(o["seg"], dim=1), heat, self.fusion, self.model.stride)
        return torch.sigmoid(o["presence"]), heat, o["size"], o["offset"], seg


def pixels_of(images_u8):
    """Scene images uint8 [B,64,64,3] -> the graph's input `pixels` float32 [B,3,64,64] in [0,1]."""
    return torch.from_numpy(np.ascontiguousarray(images_u8)).permute(0, 3, 1, 2).float() / 255.0


@torch.no_grad()
def run_graph(graph, images_u8, batch=100):
    """A DenseGraph over uint8 images -> dict of its outputs (numpy), by name."""
    outs = {k: [] for k in DenseGraph.OUTPUTS}
    for i in range(0, len(images_u8), batch):
        for k, v in zip(DenseGraph.OUTPUTS, graph(pixels_of(images_u8[i:i + batch]))):
            outs[k].append(v.numpy())
    return {k: np.concatenate(v) for k, v in outs.items()}


def load_model(path):
    """A dense checkpoint (train_dense.py) -> (model in eval mode, checkpoint dict)."""
    ck = torch.load(path, map_location="cpu")
    model = DenseModel(ck["config"])
    model.load_state_dict(ck["model"])
    return model.eval(), ck


def addp_init_model(gen_step_path, config=None):
    model = DenseModel(config or default_config())
    state = encoder_state_from_gen_step(gen_step_path, 64)
    model.load_addp_encoder(state)
    return model


# ---------------------------------------------------------------- targets and losses

def gaussian_radius(h, w, min_overlap=0.7):
    """CenterNet's radius (cells) so that a box shifted within it keeps IoU >= min_overlap."""
    a1, b1, c1 = 1, h + w, w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + math.sqrt(b1 ** 2 - 4 * a1 * c1)) / 2
    a2, b2, c2 = 4, 2 * (h + w), (1 - min_overlap) * w * h
    r2 = (b2 + math.sqrt(b2 ** 2 - 4 * a2 * c2)) / 2
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (h + w), (min_overlap - 1) * w * h
    r3 = (b3 + math.sqrt(b3 ** 2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def targets(scene_list, stride=4, size=64, num_classes=NUM_CLASSES):
    """Scenes -> training tensors: pixels [B,3,S,S], heat [B,K,g,g], size/offset targets at the
    centre cells, semantic [B,S,S] int64, presence [B,K]."""
    g = size // stride
    B = len(scene_list)
    heat = np.zeros((B, num_classes, g, g), np.float32)
    size_t = np.zeros((B, 2, g, g), np.float32)
    off_t = np.zeros((B, 2, g, g), np.float32)
    reg_mask = np.zeros((B, g, g), np.float32)
    presence = np.zeros((B, num_classes), np.float32)
    yy, xx = np.mgrid[0:g, 0:g].astype(np.float32)
    for b, s in enumerate(scene_list):
        for (x, y, w, h), c in zip(s["boxes"], s["labels"]):
            cx, cy = (x + w / 2) / stride, (y + h / 2) / stride
            ix, iy = min(int(cx), g - 1), min(int(cy), g - 1)
            r = max(0, int(gaussian_radius(h / stride, w / stride)))
            sigma = (2 * r + 1) / 6
            gauss = np.exp(-((xx - ix) ** 2 + (yy - iy) ** 2) / (2 * sigma * sigma))
            gauss[np.abs(xx - ix) > r] = 0
            gauss[np.abs(yy - iy) > r] = 0
            heat[b, c] = np.maximum(heat[b, c], gauss)
            size_t[b, :, iy, ix] = (w, h)
            off_t[b, :, iy, ix] = (cx - ix, cy - iy)
            reg_mask[b, iy, ix] = 1
            presence[b, c] = 1
    pixels = pixels_of(np.stack([s["image"] for s in scene_list]))
    sem = torch.from_numpy(np.stack([s["semantic"] for s in scene_list]).astype(np.int64))
    t = dict(heat=heat, size=size_t, offset=off_t, reg_mask=reg_mask, presence=presence)
    return pixels, {**{k: torch.from_numpy(v) for k, v in t.items()}, "semantic": sem}


def focal_loss(logits, target):
    """CenterNet's penalty-reduced focal loss (alpha 2, beta 4), normalised by the object count."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p ** 2 * (1 - target) ** 4 * neg
    n = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / n


WEIGHTS = dict(heat=1.0, size=0.1, offset=1.0, seg=1.0, presence=0.5)


def losses(out, t, stride=4):
    m = t["reg_mask"][:, None]
    n = m.sum().clamp(min=1)
    parts = {"heat": focal_loss(out["heatmap"], t["heat"]),
             "size": (torch.abs(out["size"] / stride - t["size"] / stride) * m).sum() / n,
             "offset": (torch.abs(out["offset"] - t["offset"]) * m).sum() / n,
             "seg": F.cross_entropy(out["seg"], t["semantic"]),
             "presence": F.binary_cross_entropy_with_logits(out["presence"], t["presence"])}
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return total, {k: v.item() for k, v in parts.items()}


def param_groups(model, weight_decay=0.05, seg_lr_scale=3.0):
    """AdamW groups: no decay on 1-D params and biases; the segmentation decoder at a higher lr."""
    groups = {}
    for name, p in model.named_parameters():
        no_wd = p.ndim == 1 or name.endswith(".bias")
        scale = seg_lr_scale if name.startswith(SEG_PREFIXES) else 1.0
        key = (no_wd, scale)
        groups.setdefault(key, {"params": [], "weight_decay": 0.0 if no_wd else weight_decay,
                                "lr_scale": scale})["params"].append(p)
    return list(groups.values())
