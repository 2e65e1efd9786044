"""Second dense stage: the crop classifier (addp/crops.py), fine-tuned on crops of the
generated training scenes from the ADDP Fashion-MNIST classifier (read back from the committed
zoo/addp-fmnist/classifier.onnx), beside the same ViT from random init (the control), on the same
WALL-TIME budget, as two single-thread processes side by side.

    cd models && mkdir -p work/crops && nohup /usr/bin/python3 -m addp.train_crops > work/crops/train.log 2>&1 &
    /usr/bin/python3 -m addp.train_crops --quick          # smoke run (< 2 min)

Crops: every item's tight box of a fresh training scene (train items 0..54,999, seed [11, index]),
jittered (centre +-10% of the longer side, each side x exp(U(-0.2, 0.2))) so that it looks like a
detector's box, flipped half of the time, plus one random box per scene that covers no item well
(IoU < 0.25 with every item) labelled "no item". The lr follows the elapsed fraction of the budget
(warm-up 3%, cosine to 1%); checkpoints every few minutes (rerunning resumes; a finished model is
skipped; --init-from continues a finished run's models with a new budget). Validation: item
accuracy on the tight boxes of 500 val scenes. After training, `crops_export.py` chooses the
decoding on the val scenes, evaluates the test scenes and writes crops.onnx into
zoo/addp-fmnist-dense."""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from . import crops, dense, dense_eval, paths, readback, scenes, train_utils, wall_stage

CLASSIFIER = os.path.join(paths.ZOO, "addp-fmnist", "classifier.onnx")
CLASSIFIER_MANIFEST = os.path.join(paths.ZOO, "addp-fmnist", "manifest.json")
MODELS = ("addp", "scratch")
CROP_SEED = 11
FULL = dict(budget_min=20.0, scenes_per_step=12, lr=5e-4, warmup=0.03, min_lr_frac=0.01,
            weight_decay=0.05, clip=5.0, crop_size=32, crop_scale=1.15, jitter=0.10, log_scale=0.2,
            negative_iou=0.25, save_every_s=180, val_count=500, log_every_s=60, seed=0)
QUICK = dict(FULL, budget_min=0.5, save_every_s=15, val_count=40, log_every_s=10)


def classifier_config():
    with open(CLASSIFIER_MANIFEST) as f:
        return json.load(f)["training"]["model_configs"]["classifier"]


def build(name, seed, init_from=None):
    """A fresh crop classifier (ADDP: from classifier.onnx; scratch: random), or, with init_from, the
    finished model of an earlier run of this stage (a second budget with a new schedule)."""
    torch.manual_seed(seed)            # same head initialisation for both models
    if init_from:
        return crops.load_model(os.path.join(init_from, f"{name}.pt"))[0]
    state = readback.state_from_onnx(CLASSIFIER, 64) if name == "addp" else None
    return crops.crop_model(classifier_config(), state)


def earlier_run(name, init_from):
    """What the run a model continues from (--init-from) did, or None."""
    if not init_from:
        return None
    st = torch.load(os.path.join(init_from, f"{name}.pt"), map_location="cpu")["state"]
    return {"from": init_from, "steps": st["step"], "crops": st["crops"], "wall_s": round(st["elapsed"]),
            "val": st["val"]}


def training_crops(batch, rng, cfg):
    """-> (pixels [B,3,64,64], image index [n], boxes [n,4], labels [n]) for one step."""
    idx, boxes, labels = [], [], []
    for i, s in enumerate(batch):
        for b, c in zip(s["boxes"], s["labels"]):
            side = max(b[2], b[3])
            cx = b[0] + b[2] / 2 + rng.uniform(-1, 1) * cfg["jitter"] * side
            cy = b[1] + b[3] / 2 + rng.uniform(-1, 1) * cfg["jitter"] * side
            w = b[2] * math.exp(rng.uniform(-1, 1) * cfg["log_scale"])
            h = b[3] * math.exp(rng.uniform(-1, 1) * cfg["log_scale"])
            idx.append(i)
            boxes.append([cx - w / 2, cy - h / 2, w, h])
            labels.append(int(c))
        for _ in range(5):                                        # one "no item" box, if one is found
            w, h = rng.uniform(8, 40, 2)
            cand = np.array([[rng.uniform(-w / 2, 64 - w / 2), rng.uniform(-h / 2, 64 - h / 2), w, h]])
            if len(s["boxes"]) == 0 or dense_eval.box_iou(cand, s["boxes"]).max() < cfg["negative_iou"]:
                idx.append(i)
                boxes.append(cand[0].tolist())
                labels.append(crops.NONE)
                break
    return (dense.pixels_of(np.stack([s["image"] for s in batch])), np.array(idx), np.array(boxes),
            torch.tensor(labels))


@torch.no_grad()
def val_accuracy(model, val_pixels, val_idx, val_boxes, val_labels, cfg):
    model.eval()
    x = crops.crop(val_pixels, val_idx, val_boxes, cfg["crop_size"], cfg["crop_scale"])
    pred = torch.cat([model(x[i:i + 500])[0][:, :crops.NONE].argmax(1) for i in range(0, len(x), 500)])
    model.train()
    return float((pred == val_labels).float().mean())


def train_one(name, cfg, out_dir):
    run = wall_stage.Model.start(
        name, cfg, out_dir, lambda: build(name, cfg["seed"], cfg.get("init_from")),
        lambda model: torch.optim.AdamW(train_utils.adamw_groups(model, cfg["weight_decay"]), lr=cfg["lr"],
                                        betas=(0.9, 0.999)),
        {"step": 0, "elapsed": 0.0, "crops": 0, "val": [], "earlier_run": earlier_run(name, cfg.get("init_from"))})
    if run is None:
        return
    earlier = run.state["earlier_run"]
    val = scenes.make_scenes(scenes.Pool("val"), scenes.SEEDS["val"], 0, cfg["val_count"])
    v_idx = np.concatenate([[i] * len(s["labels"]) for i, s in enumerate(val)]).astype(np.int64)
    v_boxes = np.concatenate([s["boxes"] for s in val])
    v_labels = torch.from_numpy(np.concatenate([s["labels"] for s in val]))
    v_pixels = dense.pixels_of(np.stack([s["image"] for s in val]))

    def validate():
        acc = val_accuracy(run.model, v_pixels, v_idx, v_boxes, v_labels, cfg)
        run.state["val"].append({"step": run.state["step"], "elapsed": round(run.state["elapsed"]),
                                 "item_accuracy": round(acc, 4)})
        return acc

    if run.state["step"] == 0:
        run.log(f"val before training: item accuracy {validate():.4f}")
    pool = scenes.Pool("train")
    S = cfg["scenes_per_step"]

    def batch_loss(step):
        step += earlier["steps"] if earlier else 0                 # a second run sees new scenes
        rng = np.random.default_rng([CROP_SEED, 1_000_000 + step])
        px, idx, boxes, labels = training_crops(scenes.make_scenes(pool, CROP_SEED, step * S, S), rng, cfg)
        x = crops.crop(px, idx, boxes, cfg["crop_size"], cfg["crop_scale"])
        flip = torch.from_numpy(rng.random(len(x)) < 0.5)
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        return F.cross_entropy(run.model(x)[0], labels, label_smoothing=0.1), {}, len(x)

    run.train(batch_loss, "crops")
    acc = validate()
    st = run.state
    run.log(f"done: {st['step']} steps, {st['crops']} crops, {st['elapsed']:.0f}s; val item accuracy {acc:.4f}")
    run.save(final=True)


def main():
    wall_stage.main("addp.train_crops", __doc__, FULL, QUICK, MODELS, "crops", train_one, extra_args=[
        ("--init-from", {"type": os.path.abspath,
                          "help": "a finished run's folder: continue its models with a new budget and schedule"})])


if __name__ == "__main__":
    main()
