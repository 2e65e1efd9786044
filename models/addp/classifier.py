"""Recognition: the ADDP pixel encoder fine-tuned on clean pixels (method note §5.1), and the
same ViT trained from scratch as a control.

Head: average pool over the patch tokens (CLS excluded) -> `fc_norm` LayerNorm -> `head` Linear.
`features` (the fc_norm output) are the penultimate features used for FID.
tokenizer_norm: the released fine-tuning code skips the pre-training `tokenizer_norm`; we keep
it for our own models (config flag) because the pre-trained blocks were trained on its output;
the released-weights exporter sets it off to match checkpoints fine-tuned with the official
code."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import data, train_utils
from .addp import PixelEncoder
from .layers import Block, init_vit_weights

# what fine-tuning takes from a pre-trained ADDP state dict; blocks.* excludes the decoder_blocks
ENCODER_KEYS = ("patch_embed.", "cls_token", "pos_embed", "tokenizer_norm.", "blocks.")


def config_from_addp(addp_config, num_classes=10, drop_path=0.1, tokenizer_norm=True):
    keys = ("img_size", "patch", "dim", "depth", "heads")
    return dict({k: addp_config[k] for k in keys}, num_classes=num_classes, drop=0.0,
                drop_path=drop_path, tokenizer_norm=tokenizer_norm)


class ViTClassifier(PixelEncoder):
    def __init__(self, config):
        c = dict(config)
        super().__init__(c, tokenizer_norm=c["tokenizer_norm"])
        self.config = c
        dpr = [c["drop_path"] * i / max(1, c["depth"] - 1) for i in range(c["depth"])]
        self.blocks = nn.ModuleList([Block(c["dim"], c["heads"], c["drop"], dpr[i])
                                     for i in range(c["depth"])])
        self.fc_norm = nn.LayerNorm(c["dim"], eps=1e-6)
        self.head = nn.Linear(c["dim"], c["num_classes"])
        init_vit_weights(self)
        for p in (self.pos_embed, self.cls_token):
            nn.init.normal_(p, std=0.02)
        nn.init.trunc_normal_(self.head.weight, std=2e-5)

    def forward(self, x):
        """RGB [B,3,H,W] in [0,1] -> (logits [B,classes], features [B,D])."""
        x = self.embed(x)
        for blk in self.blocks:
            x = blk(x)
        features = self.fc_norm(x[:, 1:].mean(dim=1))
        return self.head(features), features

    def load_encoder(self, addp_state):
        """Copy the pixel-encoder weights of an ADDP state dict (same names)."""
        wanted = [k for k in self.state_dict() if k.startswith(ENCODER_KEYS)]
        missing = [k for k in wanted if k not in addp_state]
        assert not missing, f"encoder weights missing: {missing}"
        self.load_state_dict({k: addp_state[k] for k in wanted}, strict=False)

    def layer_id(self, name):
        """Layer index for layer-wise lr decay: embeddings 0, block i -> i+1, head depth+1."""
        if name.startswith(ENCODER_KEYS[:4]):
            return 0
        if name.startswith("blocks."):
            return int(name.split(".")[1]) + 1
        return self.config["depth"] + 1


@torch.no_grad()
def evaluate(model, x, y, batch_size=500):
    model.eval()
    hits = 0
    for i in range(0, len(x), batch_size):
        hits += (model(x[i:i + batch_size])[0].argmax(1) == y[i:i + batch_size]).sum().item()
    return hits / len(x)


def train(cfg, out_path, log, addp_state=None):
    """Fine-tune (addp_state given) or train from scratch with the same recipe: AdamW
    (0.9, 0.999), wd 0.05, per-iteration warm-up + cosine, label smoothing 0.1, horizontal
    flips (+ random translation by cfg["translate"] px), optional drop path; layer-wise lr decay
    when fine-tuning."""
    torch.manual_seed(cfg["seed"])
    xtr, ytr = data.load_rgb("train", cfg.get("train_limit"))
    xte, yte = data.load_rgb("test", cfg.get("test_limit"))
    model = ViTClassifier(cfg["model"])
    depth = cfg["model"]["depth"]
    if addp_state is not None:
        model.load_encoder(addp_state)
        groups = train_utils.adamw_groups(model, 0.05, model.layer_id, cfg["layer_decay"], depth + 1)
    else:
        groups = train_utils.adamw_groups(model, 0.05)
    opt = torch.optim.AdamW(groups, lr=cfg["lr"], betas=(0.9, 0.999))
    per_epoch = len(xtr) // cfg["batch_size"]
    epoch_batches = {}

    def batch_loss(step, gen, rng):
        epoch, i = divmod(step, per_epoch)
        if epoch not in epoch_batches:        # a new shuffle each epoch, the same after a resume
            order = torch.Generator().manual_seed(cfg["seed"] * 1000 + epoch)
            epoch_batches.clear()
            epoch_batches[epoch] = list(data.batches(len(xtr), cfg["batch_size"], order))
        idx = epoch_batches[epoch][i]
        logits, _ = model(data.augment(xtr[idx], pad=cfg["translate"]))
        return F.cross_entropy(logits, ytr[idx], label_smoothing=0.1)

    def end_of_epoch(state):
        if state["step"] % per_epoch == 0:
            state["test_top1"] = acc = evaluate(model, xte, yte)
            log(f"{cfg['name']} epoch {state['step'] // per_epoch}/{cfg['epochs']} test top-1 {acc:.4f}")
            train_utils.save(out_path, model, opt, state, cfg["model"])
            model.train()

    loop = dict(cfg, steps=per_epoch * cfg["epochs"], warmup=cfg["warmup_epochs"] * per_epoch, min_lr=1e-6)
    train_utils.train_steps(cfg["name"], model, opt, loop, out_path, log, batch_loss, after_step=end_of_epoch)
    return model.eval(), torch.load(out_path, map_location="cpu")["state"]["test_top1"]


def load(path):
    ckpt = torch.load(path, map_location="cpu")
    model = ViTClassifier(ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt["state"].get("test_top1")
