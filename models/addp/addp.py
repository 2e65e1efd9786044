"""ADDP: ViT pixel encoder + token decoder (method note §2.2-2.3) and its alternating denoising
training (§3.2-3.4).

Parameter names are those of the released checkpoints (`vqgan.*`, `patch_embed.proj`,
`cls_token`, `pos_embed`, `tokenizer_norm`, `blocks`, `norm`, `decoder_embed`, `mask_token`,
`decoder_pos_embed_learned`, `decoder_pos_mask_embed`, `decoder_pos_token_embed`,
`decoder_blocks`, `decoder_norm`, `token_emb`, `mlm_layer`), so `released.py` loads the
`{'model': ...}` layout into this class unchanged."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import schedule, train_utils
from .mage import class_slot_ids
from .layers import Block, MlmLayer, init_vit_weights
from .vq import VQModel

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def small_config(vq_config, n_classes=0):
    """n_classes > 0: class-conditional through the vocabulary's class rows (layout as in
    mage.small_config: fake class K, mask K+1, class c at K+2+c)."""
    return dict(img_size=32, patch=4, dim=128, depth=4, heads=4, dec_depth=2, dec_heads=4,
                codebook_size=vq_config["n_embed"], vocab_size=vq_config["n_embed"] + 2 + n_classes,
                n_classes=n_classes, cls_id=vq_config["n_embed"], drop=0.0, vq=dict(vq_config))


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)   # row-major: patch i <-> token i


class PixelEncoder(nn.Module):
    """The ViT that is kept for recognition. Input RGB in [0,1]; clamp + ImageNet mean/std are
    inside the model (and therefore inside every exported graph)."""

    def __init__(self, c, tokenizer_norm=True):
        super().__init__()
        n = (c["img_size"] // c["patch"]) ** 2
        self.patch_embed = PatchEmbed(c["patch"], c["dim"])
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c["dim"]))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, c["dim"]))
        self.tokenizer_norm = nn.LayerNorm(c["dim"], eps=1e-6) if tokenizer_norm else None
        self.tokenizer_dropout = nn.Dropout(c["drop"])
        self.register_buffer("pixel_mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), False)

    def embed(self, x):
        x = (x.clamp(0.0, 1.0) - self.pixel_mean) / self.pixel_std
        x = self.patch_embed(x) + self.pos_embed[:, 1:]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        if self.tokenizer_norm is not None:
            x = self.tokenizer_norm(x)
        return self.tokenizer_dropout(x)


class ADDP(PixelEncoder):
    def __init__(self, config):
        c = dict(config)
        super().__init__(c)
        self.config = c
        n = (c["img_size"] // c["patch"]) ** 2
        D = c["dim"]
        self.n_tokens = n
        self.vqgan = VQModel(c["vq"])
        self.vqgan.requires_grad_(False)
        self.blocks = nn.ModuleList([Block(D, c["heads"], c["drop"]) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        # token decoder; its width equals the encoder width (required by the design)
        self.decoder_embed = nn.Linear(D, D)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, D))
        self.decoder_pos_embed_learned = nn.Parameter(torch.zeros(1, n + 1, D))
        self.decoder_pos_mask_embed = nn.Parameter(torch.zeros(1, n + 1, D))
        self.decoder_pos_token_embed = nn.Parameter(torch.zeros(1, n + 1, D))
        self.decoder_blocks = nn.ModuleList(
            [Block(D, c["dec_heads"], c["drop"]) for _ in range(c["dec_depth"])])
        self.decoder_norm = nn.LayerNorm(D, eps=1e-6)
        self.token_emb = nn.Embedding(c["vocab_size"], D)
        self.mlm_layer = MlmLayer(D, D, c["vocab_size"])
        self._init_weights()

    def _init_weights(self):
        init_vit_weights(self)   # Linear/LayerNorm only: the (conv) tokenizer keeps its weights
        for p in (self.pos_embed, self.cls_token, self.mask_token, self.token_emb.weight,
                  self.decoder_pos_embed_learned, self.decoder_pos_mask_embed,
                  self.decoder_pos_token_embed):
            nn.init.normal_(p, std=0.02)
        w = self.patch_embed.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))

    def train(self, mode=True):
        super().train(mode)
        self.vqgan.eval()   # frozen at all times
        return self

    def encode(self, x):
        """RGB [B,3,H,W] in [0,1] -> e_t [B, N+1, D]."""
        x = self.embed(x)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def decode(self, h, ids, mask, static=False, full_vocab=False, labels=None):
        """Token decoder. h [B,N+1,D]; ids [B,N] int64 (read only where reliable); mask [B,N]
        bool, True = unreliable. -> codebook logits [B,N,K] for the N token rows.

        The CLS slot and unreliable positions get `mask_token` (their encoder features are
        dropped); reliable positions get decoder_embed(e_t). Token embeddings of the reliable ids
        are appended with their own position table.
        static=False (training): append only the reliable ones, in ascending position order;
          every sample must have the same reliable count, as in the original code.
        static=True (export): append all N and remove the unreliable ones as attention keys
          (additive -inf); exactly equivalent, but shapes no longer depend on the mask.
        full_vocab: logits over the whole vocabulary [B,N,V] (the training loss needs them).
        labels (class-conditional models only): class indices [B], C or negative = no class. The
          class row of the vocabulary (or the fake class id) is appended as one more token with
          decoder_pos_token_embed[0], the CLS position, like MAGE's class slot."""
        B, N = ids.shape
        x = self.decoder_embed(h)
        mtok = self.mask_token.expand(B, N + 1, -1)
        slot_masked = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
        x = torch.where(slot_masked[..., None], mtok, x)
        pos_masked = torch.cat([torch.zeros_like(mask[:, :1]), mask], dim=1)
        x = x + torch.where(pos_masked[..., None], self.decoder_pos_mask_embed,
                            self.decoder_pos_embed_learned)
        tok = self.token_emb(ids) + self.decoder_pos_token_embed[:, 1:]
        key_bias = None
        if static:
            neg = torch.zeros(mask.shape, dtype=x.dtype).masked_fill(mask, float("-inf"))
            key_bias = torch.cat([torch.zeros(B, N + 1, dtype=x.dtype), neg], dim=1)
        else:
            n_rel = int((~mask[0]).sum())
            order = torch.sort(mask.to(torch.uint8), dim=1, stable=True).indices[:, :n_rel]
            tok = tok.gather(1, order[..., None].expand(-1, -1, tok.shape[-1]))
        if self.config.get("n_classes", 0) > 0:
            slot = (torch.full_like(ids[:, 0], self.config["cls_id"]) if labels is None
                    else class_slot_ids(self.config, labels))
            cls_tok = self.token_emb(slot)[:, None] + self.decoder_pos_token_embed[:, :1]
            tok = torch.cat([cls_tok, tok], dim=1)
            if key_bias is not None:
                key_bias = torch.cat([key_bias[:, :N + 1], torch.zeros(B, 1, dtype=x.dtype),
                                      key_bias[:, N + 1:]], dim=1)
        x = torch.cat([x, tok], dim=1)
        for blk in self.decoder_blocks:
            x = blk(x, key_bias)
        x = self.decoder_norm(x[:, 1:N + 1])
        n_out = None if full_vocab else self.config["codebook_size"]
        return self.mlm_layer(x, self.token_emb.weight, n_out)

    @torch.no_grad()
    def soft_latent(self, ids, mask, probs):
        """Token -> pixel input: codebook[ids] at reliable positions, the expected codebook
        vector probs @ codebook at unreliable ones; -> [B, C, g, g]."""
        cb = self.vqgan.codebook
        tok = torch.where(mask[..., None], probs @ cb, cb[ids])
        return self.vqgan.latent_from_tokens(tok)


def soft_target_ce(logits, q, smoothing=0.1):
    """Soft-label CE with PyTorch's label smoothing over the whole vocabulary V:
    target = (1-s) * [q, 0...0] + s/V. logits [..., V], q [..., K]."""
    V = logits.shape[-1]
    target = F.pad(q, (0, V - q.shape[-1])) * (1 - smoothing) + smoothing / V
    return -(target * F.log_softmax(logits, dim=-1)).sum(-1)


def training_loss(model, predictor, ids, rng, generator=None, labels=None):
    """One ADDP training loss (§3.5) for a batch of token grids z0 [B,N]. labels: class indices
    [B] (-1 = no class) for a class-conditional model and teacher; both see the same label."""
    B, N = ids.shape
    n_t, n_tp1 = schedule.sample_counts(N, rng)
    m_t, m_tp1 = schedule.nested_masks(B, N, n_t, n_tp1, generator)
    with torch.no_grad():
        p_tp1 = predictor.probs(ids, m_tp1, labels)     # unreliable tokens come from the noisier mask
        q_t = predictor.probs(ids, m_t, labels)         # target: predictor on the current mask
        x_t = model.vqgan.decoder(model.soft_latent(ids, m_t, p_tp1))
    logits = model.decode(model.encode(x_t), ids, m_t, full_vocab=True, labels=labels)
    loss = soft_target_ce(logits, q_t)
    return (loss * m_t).sum() / m_t.sum()


def train(cfg, tokens, vq_model, predictor, out_path, log, labels=None, init=None):
    """init: a state dict to continue from (e.g. read back from a committed gen_step.onnx);
    the optimiser then starts anew with its own warm-up. The tokenizer stays frozen."""
    torch.manual_seed(cfg["seed"])
    model = ADDP(cfg["model"])
    if init is not None:
        model.load_state_dict(init)
    model.vqgan.load_state_dict(vq_model.state_dict())
    predictor.eval().requires_grad_(False)

    def batch_loss(step, gen, rng):
        ids, lab = train_utils.token_batch(tokens, labels, cfg, gen)
        return training_loss(model, predictor, ids, rng, gen, lab)

    opt = torch.optim.AdamW(train_utils.adamw_groups(model, 0.05), lr=cfg["lr"], betas=(0.9, 0.95))
    return train_utils.train_steps("addp", model, opt, cfg, out_path, log, batch_loss, clip=3.0)


def load(path):
    ckpt = torch.load(path, map_location="cpu")
    model = ADDP(ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval()
