"""Small training helpers: lr schedule, AdamW groups, resumable checkpoints, timing."""
import math
import os

import torch

from . import paths


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


# ------------------------------------------------- wall-time stages (train_dense.py, train_crops.py)

def wall_lr(frac, cfg):
    """lr at an elapsed fraction of a wall-time budget: linear warm-up over cfg["warmup"], then
    cosine to cfg["min_lr_frac"] of the peak cfg["lr"]; so a run ends exactly at its budget."""
    if frac < cfg["warmup"]:
        return cfg["lr"] * max(frac, 1e-3) / cfg["warmup"]
    p = min(1.0, (frac - cfg["warmup"]) / (1 - cfg["warmup"]))
    lo = cfg["lr"] * cfg["min_lr_frac"]
    return lo + (cfg["lr"] - lo) * 0.5 * (1 + math.cos(math.pi * p))


def stage_log(out_dir, name):
    """A progress logger for one model of a stage: stdout and <out_dir>/<name>.log, time-stamped."""
    import time
    logf = open(os.path.join(out_dir, f"{name}.log"), "a")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {name} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()
    return log


def stage_saver(path, model, opt, state, cfg, name):
    """save(final=False): <path>.partial with the optimizer (resumable), or <path> when done."""
    def save(final=False):
        ck = {"model": model.state_dict(), "config": model.config, "state": dict(state),
              "train_config": cfg, "init": name}
        if not final:
            ck["opt"] = opt.state_dict()
        target = path if final else path + ".partial"
        torch.save(ck, target + ".tmp")
        os.replace(target + ".tmp", target)
        if final and os.path.exists(path + ".partial"):
            os.remove(path + ".partial")
    return save


def stage_main(module, doc, full, quick, models, work_name, train_one, extra_args=(), after=None):
    """The command line of a side-by-side stage: parse, then either train one model in this process
    (--one, internal) or start one single-thread process per model and wait for all of them;
    `after(args, out)` runs when they all succeeded."""
    import argparse
    import json
    import subprocess
    import sys
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--budget-min", type=float, help="wall-time budget per model (minutes)")
    ap.add_argument("--models", default=",".join(models))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=f"work folder (default work/{work_name} or work/{work_name}-quick)")
    for flag, kw in extra_args:
        ap.add_argument(flag, **kw)
    args = ap.parse_args()
    cfg = dict(quick if args.quick else full)
    if args.budget_min:
        cfg["budget_min"] = args.budget_min
    passed = []                          # the extra options given: into cfg, and on to each model's process
    for flag, _ in extra_args:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value not in (None, False):
            cfg[flag.lstrip("-").replace("-", "_")] = value
            passed += [flag] if value is True else [flag, str(value)]
    out = args.out or os.path.join(paths.WORK, f"{work_name}-quick" if args.quick else work_name)
    os.makedirs(out, exist_ok=True)
    if args.one:
        train_one(args.one, cfg, out)
        return
    with open(os.path.join(out, "train_config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    names = args.models.split(",")
    cmd = [sys.executable, "-m", module, "--out", out] + (["--quick"] if args.quick else [])
    if args.budget_min:
        cmd += ["--budget-min", str(args.budget_min)]
    procs = [subprocess.Popen(cmd + passed + ["--one", n], cwd=paths.MODELS) for n in names]
    rcs = [p.wait() for p in procs]
    if any(rcs):
        sys.exit(f"training failed: exit codes {dict(zip(names, rcs))}")
    if after:
        after(args, out)
