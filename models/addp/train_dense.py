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

import torch

from . import dense, paths, scenes, wall_stage

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
    run = wall_stage.Model.start(
        name, cfg, out_dir, lambda: build(name, cfg["seed"]),
        lambda model: torch.optim.AdamW(dense.param_groups(model, cfg["weight_decay"], cfg["seg_lr_scale"]),
                                        lr=cfg["lr"], betas=(0.9, 0.999)),
        {"step": 0, "elapsed": 0.0, "images": 0, "val": []})
    if run is None:
        return
    pool = scenes.Pool("train")
    val = scenes.make_scenes(scenes.Pool("val"), scenes.SEEDS["val"], 0, cfg["val_count"])
    B = cfg["batch"]

    def batch_loss(step):
        x, t = dense.targets(scenes.make_scenes(pool, scenes.SEEDS["train"], step * B, B))
        loss, parts = dense.losses(run.model(x), t)
        return loss, parts, B

    def validate(elapsed):
        vl, vp = val_loss(run.model, val)
        run.state["val"].append({"step": run.state["step"], "elapsed": round(elapsed), "loss": round(vl, 4), **vp})
        return vl, vp

    def validate_and_log(elapsed):
        vl, vp = validate(elapsed)
        run.log(f"val step {run.state['step']} loss {vl:.4f} {vp}")

    run.train(batch_loss, "images", validate_and_log)
    st = run.state
    vl, vp = validate(st["elapsed"])
    run.log(f"done: {st['step']} steps, {st['images']} images, {st['elapsed']:.0f}s; val loss {vl:.4f} {vp}")
    run.save(final=True)


def export_quick(args, out):
    if args.quick and not args.no_export:
        from . import dense_export
        dense_export.main(["--quick", "--work", out])


def main():
    wall_stage.main("addp.train_dense", __doc__, FULL, QUICK, MODELS, "dense", train_one,
                           extra_args=[("--no-export", {"action": "store_true"})], after=export_quick)


if __name__ == "__main__":
    main()
