"""Probe: how many fine-tuning epochs the committed ADDP encoder needs on 2 CPU cores.

The pipeline's checkpoints are git-ignored, so a new checkout cannot rerun the fine-tune stage
alone. The pre-trained encoder is, however, inside the committed gen_step.onnx, exactly: this
script reads it back (named initializers as they are; each Linear weight from the MatMul that
feeds its named bias Add, transposed; the folded position table; cls_token + pos_embed[0], which
the export folded into one constant and which the forward only ever uses summed) and runs the
pipeline's own fine-tune recipe (train_all.FULL["finetune"]) with another epoch count.

    cd models && mkdir -p work/probe && nohup /usr/bin/python3 -m addp.finetune_probe --epochs 14 > work/probe/probe.log 2>&1 &

A check that the read-back is faithful: with --epochs 7 the first epochs reproduce the pipeline's
logged test top-1 (0.761, 0.822, ...). Not part of train_all.py: the zoo is not changed."""
import argparse
import os

import torch

from . import classifier, paths, train_all
from .readback import encoder_state_from_gen_step

ENCODER = dict(img_size=32, patch=4, dim=128, depth=4, heads=4)  # addp.small_config: width 128, 4 blocks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--out", default=os.path.join(paths.WORK, "probe"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    state = encoder_state_from_gen_step(os.path.join(paths.ZOO, "addp-fmnist", "gen_step.onnx"),
                                        (ENCODER["img_size"] // ENCODER["patch"]) ** 2)
    cfg = dict(train_all.FULL["finetune"], epochs=args.epochs, name=f"finetune{args.epochs}")
    cfg["model"] = classifier.config_from_addp(ENCODER, drop_path=cfg.pop("drop_path"))
    missing = [k for k in classifier.ViTClassifier(cfg["model"]).state_dict()
               if k.startswith(classifier.ENCODER_KEYS) and k not in state]
    assert not missing, f"not found in gen_step.onnx: {missing}"

    def log(msg):
        print(msg, flush=True)

    _, top1 = classifier.train(cfg, os.path.join(args.out, f"cls_finetune{args.epochs}.pt"), log, state)
    log(f"probe: {args.epochs} epochs -> test top-1 {top1:.4f}")


if __name__ == "__main__":
    main()
