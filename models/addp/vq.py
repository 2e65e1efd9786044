"""MaskGIT/MAGE-style convolutional VQGAN (no attention, no quant_conv), parameterised by config.

Module and parameter names follow MAGE's converted MaskGIT VQGAN (`encoder.down.{i}.block.{j}...`,
`decoder.up.{i}...`, `quantize.embedding.weight`) so the released layout loads into the same
classes; `released_config()` gives the ImageNet 256x256 / 1024-entry config."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import data, train_utils

# widths 16/32/64 at 32x32/16x16/8x8: cheap enough to run at every generation step on a CPU
SMALL_CONFIG = dict(ch=16, ch_mult=(1, 2, 4), num_res_blocks=1, z_channels=32, n_embed=256,
                    norm_groups=8)


def released_config():
    return dict(ch=128, ch_mult=(1, 1, 2, 2, 4), num_res_blocks=2, z_channels=256, n_embed=1024,
                norm_groups=32)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    """GN -> swish -> conv3x3 -> GN -> swish -> conv3x3 (no biases).

    MaskGIT quirk, kept on purpose: when the width changes, the 1x1 shortcut is applied to the
    OUTPUT of the main path (so nin_shortcut is out->out) and the block input is dropped. A
    textbook residual block would not reproduce the released weights."""

    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-6)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-6)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.nin_shortcut = nn.Conv2d(cout, cout, 1, bias=False) if cin != cout else None

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        if self.nin_shortcut is not None:
            x = self.nin_shortcut(h)
        return x + h


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Level(nn.Module):
    """One resolution level: `block` ResnetBlocks, optionally followed by a resampler."""

    def __init__(self, blocks):
        super().__init__()
        self.block = nn.ModuleList(blocks)


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, z_channels, norm_groups, **_):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch, 3, padding=1, bias=False)
        self.down = nn.ModuleList()
        cin = ch
        for level, mult in enumerate(ch_mult):
            blocks = []
            for _ in range(num_res_blocks):
                blocks.append(ResnetBlock(cin, ch * mult, norm_groups))
                cin = ch * mult
            self.down.append(Level(blocks))
        self.n_down = len(ch_mult) - 1   # 2x2 average pooling after every level but the last
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(cin, cin, norm_groups)
        self.mid.block_2 = ResnetBlock(cin, cin, norm_groups)
        self.norm_out = nn.GroupNorm(norm_groups, cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, z_channels, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            for blk in level.block:
                h = blk(h)
            if i < self.n_down:
                h = F.avg_pool2d(h, 2)
        h = self.mid.block_2(self.mid.block_1(h))
        return self.conv_out(swish(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, z_channels, norm_groups, **_):
        super().__init__()
        cin = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z_channels, cin, 3, padding=1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(cin, cin, norm_groups)
        self.mid.block_2 = ResnetBlock(cin, cin, norm_groups)
        levels = []
        for level in reversed(range(len(ch_mult))):   # coarse -> fine; stored fine-first
            blocks = []
            for _ in range(num_res_blocks):
                blocks.append(ResnetBlock(cin, ch * ch_mult[level], norm_groups))
                cin = ch * ch_mult[level]
            lvl = Level(blocks)
            if level != 0:
                lvl.upsample = Upsample(cin)
            levels.insert(0, lvl)
        self.up = nn.ModuleList(levels)
        self.norm_out = nn.GroupNorm(norm_groups, cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, 3, 3, padding=1)

    def forward(self, z):
        h = self.mid.block_2(self.mid.block_1(self.conv_in(z)))
        for level in reversed(self.up):
            for blk in level.block:
                h = blk(h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class Quantizer(nn.Module):
    def __init__(self, n_embed, dim):
        super().__init__()
        self.embedding = nn.Embedding(n_embed, dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / n_embed, 1.0 / n_embed)

    def indices(self, z):
        """Nearest codebook row by squared L2: z [B,C,h,w] -> ids [B, h*w] (row-major)."""
        B, C, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, C)
        e = self.embedding.weight
        d = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ e.t() + e.pow(2).sum(1)[None]
        return d.argmin(1).view(B, h * w)


class VQModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = dict(config)
        self.encoder = Encoder(**config)
        self.decoder = Decoder(**config)
        self.quantize = Quantizer(config["n_embed"], config["z_channels"])
        self.down = 2 ** (len(config["ch_mult"]) - 1)

    @property
    def codebook(self):
        return self.quantize.embedding.weight

    def encode_ids(self, x):
        """RGB [0,1] [B,3,H,W] -> token ids [B, (H/f)*(W/f)]."""
        return self.quantize.indices(self.encoder(x))

    def latent_from_tokens(self, tok):
        """Per-position codebook-space vectors [B,N,C] -> decoder latent [B,C,g,g]."""
        g = math.isqrt(int(tok.shape[1]))     # static grid side; batch stays dynamic in ONNX
        return tok.transpose(1, 2).reshape(-1, tok.shape[2], g, g)

    def decode_ids(self, ids):
        return self.decoder(self.latent_from_tokens(self.codebook[ids]))

    def forward(self, x):
        """Straight-through VQ forward for training: -> (recon, vq_loss, ids)."""
        z = self.encoder(x)
        ids = self.quantize.indices(z)
        zq = self.latent_from_tokens(self.codebook[ids])
        vq_loss = F.mse_loss(zq, z.detach()) + 0.25 * F.mse_loss(z, zq.detach())
        zq = z + (zq - z).detach()
        return self.decoder(zq), vq_loss, ids


def psnr(x, y):
    """Mean per-image PSNR (dB) for images in [0,1]."""
    mse = (x.clamp(0, 1) - y).pow(2).flatten(1).mean(1)
    return (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).mean().item()


@torch.no_grad()
def evaluate_psnr(model, x, batch_size=500):
    model.eval()
    vals = []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        vals.append(psnr(model.decode_ids(model.encode_ids(xb)), xb) * len(xb))
    return sum(vals) / len(x)


def train(cfg, out_path, log):
    """Train the tokenizer with L1 + MSE reconstruction and the VQ-VAE codebook/commitment
    losses (no GAN or perceptual loss: none is available offline and FMNIST reconstructions
    are good without). Unused codes are re-seeded from encoder outputs of the current batch,
    which keeps a few-hundred-entry codebook fully used."""
    torch.manual_seed(cfg["seed"])
    xtr, _ = data.load_rgb("train", cfg.get("train_limit"))
    model = VQModel(cfg["model"])
    usage = torch.zeros(cfg["model"]["n_embed"])
    batch = {}

    def batch_loss(step, gen, rng):
        idx = torch.randint(0, len(xtr), (cfg["batch_size"],), generator=gen)
        x = batch["x"] = data.augment(xtr[idx], pad=0) if cfg.get("flip", True) else xtr[idx]
        recon, vq_loss, ids = model(x)
        usage.add_(torch.bincount(ids.flatten(), minlength=len(usage)).float())
        return F.l1_loss(recon, x) + F.mse_loss(recon, x) + vq_loss

    def restart(state):
        if state["step"] % cfg["restart_every"] == 0 and state["step"] < 0.8 * cfg["steps"]:
            _restart_dead_codes(model, batch["x"], usage)
            usage.zero_()

    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(0.5, 0.9))
    return train_utils.train_steps("vq", model, opt, dict(cfg, warmup=cfg.get("warmup", 100)), out_path,
                                   log, batch_loss, after_step=restart)


@torch.no_grad()
def _restart_dead_codes(model, x, usage):
    dead = (usage == 0).nonzero().flatten()
    if len(dead) == 0:
        return
    z = model.encoder(x).permute(0, 2, 3, 1).reshape(-1, model.codebook.shape[1])
    pick = z[torch.randint(0, len(z), (len(dead),))]
    model.codebook[dead] = pick + 0.01 * pick.std() * torch.randn_like(pick)


def load(path):
    ckpt = torch.load(path, map_location="cpu")
    model = VQModel(ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval()
