"""Import the released ADDP checkpoints (`addp-vit-base-16.pth`, `addp-vit-large-16.pth`, layout
`{'model': state_dict}`, method note §7.1) into the same classes as the small model and export
them with the same graph contract (256x256, 16x16 = 256 tokens, K = 1024).

    cd models && /usr/bin/python3 -m addp.released --checkpoint addp-vit-base-16.pth --size base \
        --out zoo/addp-vit-b16 [--finetuned ft.pth --labels labels.txt] [--golden] [--traces]

The released files hold no classification head: classifier.onnx is exported only with a
checkpoint fine-tuned by the official code (`{'model': ...}` with patch_embed, cls_token,
pos_embed, blocks, fc_norm, head; no tokenizer_norm). Not run on real weights here (they cannot
be downloaded on the build machines); tests/test_released.py checks it with random full-size
weights."""
import argparse
import json
import os
import pickle

import torch

from . import export, vq
from .addp import ADDP
from .classifier import ViTClassifier

SIZES = {"base": dict(dim=768, depth=12, heads=12), "large": dict(dim=1024, depth=24, heads=16)}
# present in the released state dict but not used for generation or recognition
IGNORED_KEYS = {"decoder_pos_embed", "pos_token_embed", "pos_mask_embed"}
IGNORED_PREFIXES = ("token_predictor.", "decoder_pred.")


def addp_config(size):
    return dict(img_size=256, patch=16, dec_depth=8, dec_heads=16, codebook_size=1024,
                vocab_size=1024 + 1000 + 1, drop=0.0, vq=vq.released_config(), **SIZES[size])


def classifier_config(size, num_classes=1000):
    return dict(img_size=256, patch=16, num_classes=num_classes, drop=0.0, drop_path=0.0,
                tokenizer_norm=False, **SIZES[size])


def read_checkpoint(path):
    """A third-party file is untrusted: unpickle tensors and plain containers only (torch's
    weights_only loader), so a crafted checkpoint cannot run code while it is read."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(f"{path} holds more than tensors and plain containers; not loaded: {e}") from None


def _state(ckpt):
    sd = ckpt["model"] if isinstance(ckpt, dict) and "model" in ckpt else ckpt
    return {k: v for k, v in sd.items() if torch.is_tensor(v)}


def load_addp(ckpt, config):
    """ckpt: path or loaded object; config: addp_config(size). Every key must be used or explicitly ignored, and every
    parameter of the model must be present with the right shape (strict load)."""
    if isinstance(ckpt, str):
        ckpt = read_checkpoint(ckpt)
    sd = {k: v for k, v in _state(ckpt).items()
          if k not in IGNORED_KEYS and not k.startswith(IGNORED_PREFIXES)}
    model = ADDP(config)
    model.load_state_dict(sd, strict=True)
    return model.eval()


def load_classifier(ckpt, size):
    if isinstance(ckpt, str):
        ckpt = read_checkpoint(ckpt)
    sd = _state(ckpt)
    model = ViTClassifier(classifier_config(size, sd["head.weight"].shape[0]))
    model.load_state_dict(sd, strict=True)
    return model.eval()


def export_released(addp_model, classifier, out_dir, size, labels=None, golden=False,
                    traces=False, check=False):
    """Same files as the small model: graphs, manifest, optional golden files and traces."""
    gen = {"schedule": "cosine", "steps": 20, "temperature": 1.0, "choice_temperature": 6.0,
           "mask_ratio": 1.0}
    export.clean_dir(out_dir)
    graphs = export.export_graphs(addp_model, classifier, out_dir)
    if golden:
        export.write_golden(addp_model, classifier, out_dir, batch=1)
    if traces:
        export.write_traces(addp_model, out_dir, gen, seeds=(0,), batch=1)
    n_cls = classifier.config["num_classes"] if classifier is not None else 0
    recognition = {"recognition": export.CLASSIFIER_RECOGNITION} if classifier is not None else {}
    export.write_manifest(out_dir, {
        "name": f"addp-vit-{size[0]}16",
        "version": "released",
        "description": f"Released ADDP ViT-{size[0].upper()}/16 (ImageNet-1k 256x256) exported "
                       "with the addp-stream graph contract",
        "graphs": graphs,
        "preprocess": {"mode": "resize_center_crop", "size": 256, "interpolation": "bicubic",
                       "channels": "rgb", "range": [0, 1]},
        **recognition,
        "labels": labels or [str(i) for i in range(n_cls)],
        "tokens": {"grid": [16, 16], "count": 256, "codebook_size": 1024},
        "generation": gen,
        "training": {"data": "ImageNet-1k (released weights, not retrained here)"},
        "metrics": {},
    })
    if check and golden:
        export.ort_java_check(out_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--size", choices=sorted(SIZES), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--finetuned", help="classification checkpoint fine-tuned with the official code")
    ap.add_argument("--labels", help="text file, one class name per line")
    ap.add_argument("--golden", action="store_true", help="write golden files (batch 1) and check with ORT Java")
    ap.add_argument("--traces", action="store_true", help="write one golden generation trace (slow on CPU)")
    args = ap.parse_args()
    model = load_addp(args.checkpoint, addp_config(args.size))
    cls = load_classifier(args.finetuned, args.size) if args.finetuned else None
    labels = open(args.labels).read().splitlines() if args.labels else None
    export_released(model, cls, args.out, args.size, labels, args.golden, args.traces, args.golden)
    print(json.dumps({"exported": sorted(os.listdir(args.out))}))


if __name__ == "__main__":
    main()
