"""Dense stage: CenterNet detection + semantic segmentation + presence heads on the ADDP
pixel encoder, trained jointly on generated scenes (addp/scenes.py), beside the same model from
random init (the control), on the same WALL-TIME budget, as two single-thread processes side by side.

    cd models && nohup nice -n 19 /usr/bin/python3 -m addp.train_dense > work/dense.log 2>&1 &   # full: 65 min each
    /usr/bin/python3 -m addp.train_dense --quick          # smoke run (< 3 min): train, export, evaluate

The learning rate (linear warm-up over the first 3% of the budget, then cosine to 1% of the peak) is
a function of the elapsed fraction of the budget, so every run ends exactly at its budget whatever
the machine's load. Checkpoints (work/dense/<model>.pt.partial, with the elapsed time) are written
every few minutes; rerunning the same command resumes an interrupted run, and skips a finished one.
Progress lines (step, elapsed, lr, loss parts, images/s) go to work/dense/<model>.log.
After training: `dense_export.py` evaluates on the val scenes (choosing class_from), on the test
scenes, and writes the model directory (--quick runs it at once)."""
import os
import time

import torch

from . import dense, paths, scenes, train_utils

GEN_STEP = os.path.join(paths.ZOO, "addp-fmnist", "gen_step.onnx")
MODELS = ("addp", "scratch")
FULL = dict(budget_min=65.0, batch=32, lr=1e-3, warmup=0.03, min_lr_frac=0.01, seg_lr_scale=3.0,
            weight_decay=0.05, clip=5.0, save_every_s=240, val_every_s=900, val_count=256,
            log_every_s=60, seed=0)
QUICK = dict(FULL, budget_min=0.75, save_every_s=20, val_every_s=30, val_count=32, log_every_s=10)


def build(name, seed):
    torch.manual_seed(seed)           # same head initialisation for both models
    model = dense.DenseModel(dense.default_config())
    if name == "addp":
        model.load_addp_encoder(dense.encoder_state_from_gen_step(GEN_STEP, 64))
    return model


@torch.no_grad()
def val_loss(model, val):
    model.eval()
    tot, parts, n = 0.0, {}, 0
    for i in range(0, len(val), 64):
        x, t = dense.targets(val[i:i + 64])
        loss, p = dense.losses(model(x), t)
        k = len(x)
        tot += loss.item() * k
        for key, v in p.items():
            parts[key] = parts.get(key, 0.0) + v * k
        n += k
    model.train()
    return tot / n, {k: round(v / n, 4) for k, v in parts.items()}


def train_one(name, cfg, out_dir):
    torch.set_num_threads(1)
    path = os.path.join(out_dir, f"{name}.pt")
    log = train_utils.stage_log(out_dir, name)

    if os.path.exists(path):
        log("finished already: skipped")
        return
    model = build(name, cfg["seed"])
    opt = torch.optim.AdamW(dense.param_groups(model, cfg["weight_decay"], cfg["seg_lr_scale"]),
                            lr=cfg["lr"], betas=(0.9, 0.999))
    state = {"step": 0, "elapsed": 0.0, "images": 0, "val": []}
    if os.path.exists(path + ".partial"):
        ck = torch.load(path + ".partial", map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log(f"resumed at step {state['step']}, elapsed {state['elapsed']:.0f}s")

    save = train_utils.stage_saver(path, model, opt, state, cfg, name)

    budget = cfg["budget_min"] * 60.0
    pool = scenes.Pool("train")
    val = scenes.make_scenes(scenes.Pool("val"), scenes.SEEDS["val"], 0, cfg["val_count"])
    B = cfg["batch"]
    t0, base = time.time(), state["elapsed"]
    last_save = last_val = last_log = base
    ema, imgs_at_log, t_at_log = {}, state["images"], base
    model.train()
    while True:
        state["elapsed"] = base + time.time() - t0
        if state["elapsed"] >= budget:
            break
        lr = train_utils.wall_lr(state["elapsed"] / budget, cfg)
        for g in opt.param_groups:
            g["lr"] = lr * g["lr_scale"]
        batch = scenes.make_scenes(pool, scenes.SEEDS["train"], state["step"] * B, B)
        x, t = dense.targets(batch)
        loss, parts = dense.losses(model(x), t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
        opt.step()
        state["step"] += 1
        state["images"] += B
        parts["total"] = loss.item()
        ema = {k: 0.95 * ema.get(k, v) + 0.05 * v for k, v in parts.items()}
        now = base + time.time() - t0
        if now - last_log >= cfg["log_every_s"]:
            ips = (state["images"] - imgs_at_log) / max(1e-9, now - t_at_log)
            log(f"step {state['step']} elapsed {now:.0f}s/{budget:.0f}s lr {lr:.2e} "
                + " ".join(f"{k} {v:.4f}" for k, v in ema.items()) + f" img/s {ips:.2f}")
            last_log, imgs_at_log, t_at_log = now, state["images"], now
        if now - last_val >= cfg["val_every_s"]:
            vl, vp = val_loss(model, val)
            state["val"].append({"step": state["step"], "elapsed": round(now), "loss": round(vl, 4), **vp})
            log(f"val step {state['step']} loss {vl:.4f} {vp}")
            last_val = now
        if now - last_save >= cfg["save_every_s"]:
            save()
            last_save = now
    vl, vp = val_loss(model, val)
    state["val"].append({"step": state["step"], "elapsed": round(state["elapsed"]), "loss": round(vl, 4), **vp})
    log(f"done: {state['step']} steps, {state['images']} images, {state['elapsed']:.0f}s; val loss {vl:.4f} {vp}")
    save(final=True)


def export_quick(args, out):
    if args.quick and not args.no_export:
        from . import dense_export
        dense_export.main(["--quick", "--work", out])


def main():
    train_utils.stage_main("addp.train_dense", __doc__, FULL, QUICK, MODELS, "dense", train_one,
                           extra_args=[("--no-export", {"action": "store_true"})], after=export_quick)


if __name__ == "__main__":
    main()
