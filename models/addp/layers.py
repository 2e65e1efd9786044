"""Transformer building blocks shared by the MAGE predictor, the ADDP encoder/decoder and the
classifier. Parameter names follow timm's VisionTransformer (norm1, attn.qkv, attn.proj, norm2,
mlp.fc1, mlp.fc2) because the released ADDP/MAGE checkpoints use that layout."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads, drop=0.0):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.attn_drop = nn.Dropout(drop)
        self.proj_drop = nn.Dropout(drop)

    def forward(self, x, key_bias=None):
        """key_bias: optional additive [B, N] bias on attention logits per key (0 or -inf); it
        removes keys without changing shapes (the static-shape decoder needs this)."""
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        if key_bias is not None:
            attn = attn + key_bias[:, None, None, :]
        attn = self.attn_drop(attn.softmax(dim=-1))
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj_drop(self.proj(x))


class Mlp(nn.Module):
    def __init__(self, dim, hidden, drop=0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        # exact (erf) GELU, as in the paper's ViT; exported as Erf so ORT matches it
        return self.drop(self.fc2(self.drop(F.gelu(self.fc1(x)))))


class DropPath(nn.Module):
    """Stochastic depth (per sample), used only when fine-tuning the classifier."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand(x.shape[0], 1, 1, dtype=x.dtype, device=x.device) >= self.p
        return x * keep / (1.0 - self.p)


class Block(nn.Module):
    """Pre-norm ViT block, LayerNorm eps 1e-6, MLP ratio 4."""

    def __init__(self, dim, heads, drop=0.0, drop_path=0.0, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, drop)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)
        self.drop_path = DropPath(drop_path)

    def forward(self, x, key_bias=None):
        x = x + self.drop_path(self.attn(self.norm1(x), key_bias))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class MlmLayer(nn.Module):
    """MAGE/ADDP output head: fc -> GELU -> LayerNorm (default eps 1e-5) -> tied word embeddings
    (detached: the head never trains the embedding table) + bias."""

    def __init__(self, feat_dim, word_dim, vocab_size):
        super().__init__()
        self.fc = nn.Linear(feat_dim, word_dim)
        self.ln = nn.LayerNorm(word_dim)
        self.bias = nn.Parameter(torch.zeros(1, 1, vocab_size))

    def forward(self, x, word_emb, n_out=None):
        """n_out: keep only the first n_out vocabulary columns (the codebook) at inference."""
        h = self.ln(F.gelu(self.fc(x)))
        w, b = word_emb.detach(), self.bias
        if n_out is not None:
            w, b = w[:n_out], b[..., :n_out]
        return h @ w.t() + b


def init_vit_weights(module):
    """xavier-uniform Linear, unit LayerNorm: the JAX-ViT init that MAE/MAGE/ADDP use."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
