"""Small training helpers: lr schedule, AdamW groups, resumable checkpoints, timing."""
import math
import os

import torch


def cosine_lr(opt, base_lr, total_steps, warmup=0, min_lr=0.0):
    """Per-iteration linear warm-up then half-cosine to min_lr. Returns set_lr(step); the
    groups' `lr_scale` (layer decay) multiplies the scheduled lr."""
    def set_lr(step):
        if step < warmup:
            lr = base_lr * (step + 1) / warmup
        else:
            p = (step - warmup) / max(1, total_steps - warmup)
            lr = min_lr + (base_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * min(p, 1.0)))
        for g in opt.param_groups:
            g["lr"] = lr * g.get("lr_scale", 1.0)
        return lr
    return set_lr


def adamw_groups(model, weight_decay, layer_of=None, layer_decay=1.0, n_layers=0):
    """timm-style groups: no weight decay on 1-D params and biases (position tables, tokens and
    embeddings ARE decayed, as in ADDP); optional layer-wise lr decay for fine-tuning."""
    groups = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        no_wd = p.ndim == 1 or name.endswith(".bias")
        layer = layer_of(name) if layer_of else n_layers
        scale = layer_decay ** (n_layers - layer)
        key = (no_wd, layer)
        if key not in groups:
            groups[key] = {"params": [], "weight_decay": 0.0 if no_wd else weight_decay,
                           "lr_scale": scale}
        groups[key]["params"].append(p)
    return list(groups.values())


def save(path, model, opt, state, config, final=False, extra=None):
    """Stage checkpoints: `<path>.partial` while training (resumable), `<path>` when done."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ckpt = {"model": model.state_dict(), "config": config, "state": dict(state)}
    if extra:
        ckpt.update(extra)
    if not final:
        ckpt["opt"] = opt.state_dict()
    target = path if final else path + ".partial"
    torch.save(ckpt, target + ".tmp")
    os.replace(target + ".tmp", target)
    if final and os.path.exists(path + ".partial"):
        os.remove(path + ".partial")


def resume(path, model, opt):
    """Load `<path>.partial` if a previous run was interrupted; returns the loop state."""
    partial = path + ".partial"
    if os.path.exists(partial):
        ckpt = torch.load(partial, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        return ckpt["state"]
    return {"step": 0}
