"""Training helpers shared by every model: lr schedule, AdamW groups, resumable checkpoints, the
fixed-step training loop, classifier-free label dropping. Wall-time stages: addp/wall_stage.py."""
import math
import os
import time

import numpy as np
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
    """Stage checkpoints: `<path>.partial` with the optimiser while training (resumable), `<path>`
    without it when done (the partial one is then removed). Written atomically."""
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


def train_steps(name, model, opt, cfg, out_path, log, batch_loss, clip=None, after_step=None):
    """The training loop of every model trained for a number of optimiser steps, cfg["steps"]:
    per-step warm-up + cosine lr (cfg lr, warmup, min_lr), resumable from `<out_path>.partial`, a
    checkpoint every cfg["save_every"] steps, `<out_path>` when done, progress every cfg["log_every"].
    batch_loss(step, gen, rng) -> the loss of one batch; gen (torch) and rng (numpy) are seeded with
    cfg["seed"] + the step the run starts at, so a resumed run draws new batches.
    clip: max gradient norm (None = no clipping); after_step(state): called after each update with
    the loop state (step, and what the caller keeps in it; it is saved with every checkpoint)."""
    steps = cfg["steps"]
    sched = cosine_lr(opt, cfg["lr"], steps, warmup=cfg["warmup"], min_lr=cfg.get("min_lr", 0.0))
    state = resume(out_path, model, opt)
    gen = torch.Generator().manual_seed(cfg["seed"] + state["step"])
    rng = np.random.default_rng(cfg["seed"] + state["step"])
    params = [p for p in model.parameters() if p.requires_grad]
    t0, run = time.time(), None
    model.train()
    while state["step"] < steps:
        sched(state["step"])
        loss = batch_loss(state["step"], gen, rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        state["step"] += 1
        if after_step is not None:
            after_step(state)
        run = loss.item() if run is None else 0.98 * run + 0.02 * loss.item()   # also after a resume
        if state["step"] % cfg["log_every"] == 0 or state["step"] == steps:
            log(f"{name} step {state['step']}/{steps} loss {run:.4f} {time.time() - t0:.0f}s")
        if state["step"] % cfg["save_every"] == 0:
            save(out_path, model, opt, state, model.config)
    save(out_path, model, opt, state, model.config, final=True)
    return model.eval()


def drop_labels(labels, p_uncond, generator):
    """Classifier-free training: each label is replaced by 'no class' (-1) with probability p."""
    if labels is None:
        return None
    keep = torch.rand(labels.shape, generator=generator) >= p_uncond
    return torch.where(keep, labels, torch.full_like(labels, -1))


def token_batch(tokens, labels, cfg, gen):
    """A random batch of token grids [B,N] and their labels (None, or with 'no class' at rate
    cfg["p_uncond"], default 0.1): the batches of the token models (MAGE, ADDP)."""
    pick = torch.randint(0, len(tokens), (cfg["batch_size"],), generator=gen)
    lab = drop_labels(None if labels is None else labels[pick], cfg.get("p_uncond", 0.1), gen)
    return tokens[pick], lab
