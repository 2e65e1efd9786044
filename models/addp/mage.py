"""MAGE-style masked token predictor (method note §2.4): frozen during ADDP training, where it
produces the soft unreliable tokens and the soft targets; also the generation baseline.

Names follow MAGE (`token_emb.word_embeddings`, `token_emb.position_embeddings`,
`token_emb.LayerNorm`, `blocks`, `norm`, `decoder_embed`, `decoder_pos_embed_learned`,
`decoder_blocks`, `decoder_norm`, `mlm_layer`). Vocabulary: codebook ids 0..K-1, then a class id
that fills the CLS slot and a mask id (MAGE-B/L: 2025 entries, class 1100, mask 2024)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy import stats

from . import train_utils
from .layers import Block, MlmLayer, init_vit_weights


def small_config(codebook_size, n_tokens=64, n_classes=0):
    """n_classes > 0: class-conditional; the class rows follow the mask id (vocabulary K, fake
    class K, mask K+1, class c at K+2+c), so an unconditional model is the same layout minus them."""
    return dict(n_tokens=n_tokens, codebook_size=codebook_size,
                vocab_size=codebook_size + 2 + n_classes, n_classes=n_classes,
                cls_id=codebook_size, mask_id=codebook_size + 1, dim=128, depth=4, heads=4,
                dec_dim=128, dec_depth=2, dec_heads=4, drop=0.0)


def class_slot_ids(config, labels):
    """Class indices [B] (0..C-1; C or any negative = no class) -> vocabulary ids of the CLS slot:
    K+2+c, or the fake class id K (the paper's unconditional input)."""
    c = config.get("n_classes", 0)
    labels = torch.as_tensor(labels, dtype=torch.long)
    cond = (labels >= 0) & (labels < c)
    return torch.where(cond, config["codebook_size"] + 2 + labels.clamp(0, max(c - 1, 0)),
                       torch.full_like(labels, config["cls_id"]))


class TokenEmbeddings(nn.Module):
    """BERT-style word + learned position embedding -> LayerNorm(1e-6) -> dropout."""

    def __init__(self, vocab, dim, positions, drop):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, dim)
        self.position_embeddings = nn.Embedding(positions, dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=1e-6)
        self.dropout = nn.Dropout(drop)
        self.register_buffer("position_ids", torch.arange(positions)[None])
        nn.init.normal_(self.word_embeddings.weight, std=0.02)
        nn.init.normal_(self.position_embeddings.weight, std=0.02)

    def forward(self, tokens):
        pos = self.position_embeddings(self.position_ids[:, :tokens.shape[1]])
        return self.dropout(self.LayerNorm(self.word_embeddings(tokens) + pos))


class MagePredictor(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = self.config = dict(config)
        n1 = c["n_tokens"] + 1
        self.token_emb = TokenEmbeddings(c["vocab_size"], c["dim"], n1, c["drop"])
        self.blocks = nn.ModuleList([Block(c["dim"], c["heads"], c["drop"]) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(c["dim"], eps=1e-6)
        self.decoder_embed = nn.Linear(c["dim"], c["dec_dim"])
        self.decoder_pos_embed_learned = nn.Parameter(torch.zeros(1, n1, c["dec_dim"]))
        self.decoder_blocks = nn.ModuleList(
            [Block(c["dec_dim"], c["dec_heads"], c["drop"]) for _ in range(c["dec_depth"])])
        self.decoder_norm = nn.LayerNorm(c["dec_dim"], eps=1e-6)
        self.mlm_layer = MlmLayer(c["dec_dim"], c["dim"], c["vocab_size"])
        init_vit_weights(self)
        nn.init.normal_(self.decoder_pos_embed_learned, std=0.02)

    def forward(self, ids, mask, drop=None, labels=None):
        """ids [B,N] int64, mask [B,N] bool (True = masked). drop: optional bool [B,N] subset of
        mask whose tokens are removed from the encoder input (MAGE training only; same count per
        sample). labels: optional class indices [B] (see class_slot_ids; None = no class).
        -> logits [B, N+1, V] (row 0 is the CLS slot)."""
        c = self.config
        B, N = ids.shape
        tokens = torch.where(mask, torch.full_like(ids, c["mask_id"]), ids)
        slot = (torch.full_like(ids[:, 0], c["cls_id"]) if labels is None
                else class_slot_ids(c, labels))
        tokens = torch.cat([slot[:, None], tokens], dim=1)
        x = self.token_emb(tokens)
        if drop is not None:
            keep = torch.cat([torch.ones_like(drop[:, :1]), ~drop], dim=1)
            x = x[keep].reshape(B, -1, x.shape[-1])
        for blk in self.blocks:
            x = blk(x)
        x = self.decoder_embed(self.norm(x))
        # pad_with_cls_token: every dropped or masked slot gets the encoder's CLS output
        pad = x[:, :1].expand(B, N + 1, x.shape[-1])
        if drop is not None:
            full = pad.clone()
            full[keep] = x.reshape(-1, x.shape[-1])
            x = full
        masked = torch.cat([torch.zeros_like(mask[:, :1]), mask], dim=1)
        x = torch.where(masked[..., None], pad, x) + self.decoder_pos_embed_learned
        for blk in self.decoder_blocks:
            x = blk(x)
        return self.mlm_layer(self.decoder_norm(x), self.token_emb.word_embeddings.weight)

    def codebook_logits(self, ids, mask, labels=None):
        """Generation/target use: all tokens enter the encoder; -> [B,N,K] codebook logits."""
        return self(ids, mask, labels=labels)[:, 1:, :self.config["codebook_size"]]

    @torch.no_grad()
    def probs(self, ids, mask, labels=None):
        """softmax over the codebook (temperature 1) -> [B,N,K]."""
        return F.softmax(self.codebook_logits(ids, mask, labels), dim=-1)


def smoothed_ce(logits, target, smoothing=0.1):
    """MAGE's label-smoothed cross-entropy per row: 0.9 * NLL + 0.1 * mean_v(-log p_v)."""
    logp = F.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, target[..., None])[..., 0]
    return (1 - smoothing) * nll - smoothing * logp.mean(-1)


def train(cfg, tokens, out_path, log, labels=None, init=None):
    """MAGE recipe scaled down: one mask ratio per batch from N(0.55, 0.25) truncated to
    [0.5, 1]; the lowest ceil(0.5 N) noise positions are dropped from the encoder, the lowest
    ceil(r N) are masked; loss = label-smoothed CE on masked positions vs the true ids.
    tokens: int64 [M, N] (pre-tokenised training set, flips included)."""
    torch.manual_seed(cfg["seed"])
    model = MagePredictor(cfg["model"])
    if init is not None:
        model.load_state_dict(init)
    N = cfg["model"]["n_tokens"]
    ratio = stats.truncnorm((0.5 - 0.55) / 0.25, (1.0 - 0.55) / 0.25, loc=0.55, scale=0.25)
    n_drop = int(np.ceil(N * 0.5))

    def batch_loss(step, gen, rng):
        ids, lab = train_utils.token_batch(tokens, labels, cfg, gen)
        n_mask = int(np.ceil(N * ratio.rvs(random_state=rng)))
        rank = torch.rand(ids.shape, generator=gen).argsort(1).argsort(1)
        mask, drop = rank < n_mask, rank < n_drop
        logits = model(ids, mask, drop, labels=lab)[:, 1:]
        return (smoothed_ce(logits, ids) * mask).sum() / mask.sum()

    opt = torch.optim.AdamW(train_utils.adamw_groups(model, 0.05), lr=cfg["lr"], betas=(0.9, 0.95))
    return train_utils.train_steps("mage", model, opt, cfg, out_path, log, batch_loss, clip=3.0)


@torch.no_grad()
def masked_accuracy(model, tokens, n_masked, batch_size=500, seed=0, labels=None):
    """Top-1 accuracy on masked positions at a fixed masked count (a health check)."""
    g = torch.Generator().manual_seed(seed)
    hit = tot = 0
    for i in range(0, len(tokens), batch_size):
        ids = tokens[i:i + batch_size]
        mask = torch.rand(ids.shape, generator=g).argsort(1).argsort(1) < n_masked
        lab = None if labels is None else labels[i:i + batch_size]
        pred = model.codebook_logits(ids, mask, lab).argmax(-1)
        hit += ((pred == ids) & mask).sum().item()
        tot += mask.sum().item()
    return hit / tot


def load(path):
    ckpt = torch.load(path, map_location="cpu")
    model = MagePredictor(ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval()
