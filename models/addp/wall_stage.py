"""Wall-time stages (addp.train_dense, addp.train_crops): two models, the ADDP-initialised one and
its random-init control, each trained in its own single-thread process for the same wall-time
budget, with an lr that follows the elapsed fraction of that budget, so a run ends exactly at its
budget whatever the machine's load. Rerunning a stage resumes an interrupted model from its
`<name>.pt.partial` and skips a finished one."""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch

from . import paths, train_utils


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
    logf = open(os.path.join(out_dir, f"{name}.log"), "a")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {name} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()
    return log


class Model:
    """One model of a stage: its checkpoint path, logger, optimiser and loop state. `start` returns
    None when the model is finished already, else one ready to train (resumed if interrupted)."""

    @classmethod
    def start(cls, name, cfg, out_dir, build, optimizer, state):
        """build() -> the model; optimizer(model) -> its optimiser; state: the loop state of a new
        run (step, elapsed, the count of training items and val entries)."""
        torch.set_num_threads(1)
        path = os.path.join(out_dir, f"{name}.pt")
        log = stage_log(out_dir, name)
        if os.path.exists(path):
            log("finished already: skipped")
            return None
        model = build()
        opt = optimizer(model)
        if os.path.exists(path + ".partial"):
            ck = torch.load(path + ".partial", map_location="cpu")
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            state = ck["state"]
            log(f"resumed at step {state['step']}, elapsed {state['elapsed']:.0f}s")
        return cls(name, cfg, path, log, model, opt, state)

    def __init__(self, name, cfg, path, log, model, opt, state):
        self.name, self.cfg, self.path, self.log = name, cfg, path, log
        self.model, self.opt, self.state = model, opt, state

    def save(self, final=False):
        """<path>.partial with the optimiser (resumable), or <path> when done."""
        train_utils.save(self.path, self.model, self.opt, self.state, self.model.config, final=final,
                         extra={"train_config": self.cfg, "init": self.name})

    def train(self, batch_loss, unit, validate=None):
        """Train until the budget (cfg budget_min) is spent. batch_loss(step) -> (loss, parts, n): the
        loss of one batch, named float parts to log beside it, and the count of `unit` it held
        (images, crops). validate(elapsed) runs every cfg["val_every_s"] seconds if the cfg has it.
        Checkpoints every cfg["save_every_s"], progress lines every cfg["log_every_s"] seconds."""
        cfg, state, model, opt = self.cfg, self.state, self.model, self.opt
        budget = cfg["budget_min"] * 60.0
        t0, base = time.time(), state["elapsed"]
        last_save = last_val = last_log = base
        ema, count_at_log, t_at_log = {}, state[unit], base
        model.train()
        while True:
            state["elapsed"] = base + time.time() - t0
            if state["elapsed"] >= budget:
                break
            lr = wall_lr(state["elapsed"] / budget, cfg)
            for g in opt.param_groups:
                g["lr"] = lr * g.get("lr_scale", 1.0)
            loss, parts, n = batch_loss(state["step"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
            opt.step()
            state["step"] += 1
            state[unit] += n
            parts = dict(parts, total=loss.item())
            ema = {k: 0.95 * ema.get(k, v) + 0.05 * v for k, v in parts.items()}
            now = base + time.time() - t0
            if now - last_log >= cfg["log_every_s"]:
                rate = (state[unit] - count_at_log) / max(1e-9, now - t_at_log)
                self.log(f"step {state['step']} elapsed {now:.0f}s/{budget:.0f}s lr {lr:.2e} "
                         + " ".join(f"{k} {v:.4f}" for k, v in ema.items()) + f" {unit}/s {rate:.2f}")
                last_log, count_at_log, t_at_log = now, state[unit], now
            if validate is not None and "val_every_s" in cfg and now - last_val >= cfg["val_every_s"]:
                validate(now)
                last_val = now
            if now - last_save >= cfg["save_every_s"]:
                self.save()
                last_save = now


def main(module, doc, full, quick, models, work_name, train_one, extra_args=(), after=None):
    """The command line of a stage: parse, then either train one model in this process (--one,
    internal) or start one single-thread process per model and wait for all of them;
    `after(args, out)` runs when they all succeeded."""
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
    out = os.path.abspath(args.out or os.path.join(paths.WORK, f"{work_name}-quick" if args.quick else work_name))
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
