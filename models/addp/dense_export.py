"""After train_dense.py: evaluate the dense models and write the model directory and test scenes.

    cd models && /usr/bin/python3 -m addp.dense_export            # full: work/dense -> zoo/addp-fmnist-dense, zoo/scenes-test
    /usr/bin/python3 -m addp.dense_export --quick                 # work/dense-quick -> work/dense-quick/{addp-fmnist-dense,scenes-test}

1. validation scenes (train items 55,000..59,999): both decodings (class_from heatmap /
   segmentation) for each model; each model keeps the one with the higher val AP50;
2. test scenes (>= 1,000, test items only): AP, AP50, AP75, mIoU, per-class figures for the
   ADDP-init model and the scratch control, each with its own val choice;
3. dense.onnx (opset 17, dynamic batch) of the ADDP-init model, golden I/O on three test scenes,
   manifest.json per models/DENSE_CONTRACT.md, the test-scene files and eval.json."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from . import data, dense, dense_eval, export, paths, scenes
from .dense_eval import summary

NAME, VERSION = "addp-fmnist-dense", "1.0.0"
# candidate seg/heat-map fusions (dense.fuse_seg), chosen per model by val mIoU
FUSIONS = [None] + [{"heat_kernel": k, "seg_power": 1.0, "heat_power": b}
                    for k, b in ((5, 4.0), (7, 2.0), (7, 4.0), (7, 6.0), (9, 4.0))]
VAL_COUNT = 500
PREPROCESS = {"mode": "pad", "content_size": 64, "size": 64, "fill": 0.0, "interpolation": "bilinear",
              "channels": "rgb", "range": [0, 1]}


def detection_head(class_from, stride=4):
    return {"kind": "centernet", "heatmap": "heatmap", "size": "size", "offset": "offset",
            "stride": stride, "peak_kernel": 3, "max_detections": 100, "min_score": 0.05,
            "nms_iou": 0.5, "size_unit": "input_pixels", "class_from": class_from}


def recognition(class_from, stride=4):
    return {"graph": "dense", "input": "pixels", "heads": {
        "classification": {"kind": "multilabel", "output": "presence"},
        "detection": detection_head(class_from, stride),
        "segmentation": {"kind": "semantic", "output": "seg", "activation": "softmax",
                         "background": 0, "stride": 1}}}


def evaluate_set(outputs, scene_list, class_from, stride):
    return dense_eval.evaluate(outputs, [s["boxes"] for s in scene_list], [s["labels"] for s in scene_list],
                               np.stack([s["semantic"] for s in scene_list]), detection_head(class_from, stride))


def coco_instances(scene_list):
    images, anns = [], []
    for i, s in enumerate(scene_list):
        images.append({"id": i + 1, "file_name": f"scene-{i + 1:05d}.png", "width": 64, "height": 64})
        for m, b, c in zip(s["masks"], s["boxes"], s["labels"]):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(c) + 1,
                         "bbox": [float(v) for v in b], "area": int(m.sum()),
                         "segmentation": dense_eval.encode_rle(m), "iscrowd": 0})
    return {"info": {"description": "addp-stream test scenes (models/addp/scenes.py, Fashion-MNIST test items)",
                     "version": "1.0"},
            "images": images, "annotations": anns,
            "categories": [{"id": c + 1, "name": n, "supercategory": "fashion"} for c, n in enumerate(data.LABELS)]}


def write_scenes(out_dir, scene_list):
    os.makedirs(out_dir, exist_ok=True)
    images, semantic = scenes.stack(scene_list)
    data.write_idx(os.path.join(out_dir, "images.idx.gz"), images)
    data.write_idx(os.path.join(out_dir, "semantic.idx.gz"), semantic)
    with open(os.path.join(out_dir, "instances.json"), "w") as f:
        json.dump(coco_instances(scene_list), f, separators=(",", ":"))


def export_onnx(model, out_dir, fusion=None):
    S, K, g = model.config["img_size"], model.config["num_classes"], model.grid
    inputs = [("pixels", "float32", ["batch", 3, S, S])]
    outputs = [("presence", "float32", ["batch", K]), ("heatmap", "float32", ["batch", K, g, g]),
               ("size", "float32", ["batch", 2, g, g]), ("offset", "float32", ["batch", 2, g, g]),
               ("seg", "float32", ["batch", K + 1, S, S])]
    graph = dense.DenseGraph(model, fusion).eval()
    return {"dense": export.export_graph(graph, (torch.rand(2, 3, S, S),), os.path.join(out_dir, "dense.onnx"),
                                         inputs, outputs)}


def write_golden(model, out_dir, images_u8, tolerance=1e-4, fusion=None):
    x = dense.pixels_of(images_u8)
    with torch.no_grad():
        y = dense.DenseGraph(model, fusion).eval()(x)
    export.write_golden_case(out_dir, "dense", {"pixels": x}, dict(zip(dense.DenseGraph.OUTPUTS, y)), tolerance,
                             note="inputs: the first test scenes (zoo/scenes-test images 1..3) / 255")


def arguments(doc):
    """The options both dense exporters (this one and addp.crops_export) take."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--work", help="the training run's folder")
    ap.add_argument("--out", help="the model directory to write")
    ap.add_argument("--val-count", type=int, help="validation scenes (default 500, quick 100)")
    ap.add_argument("--eval-count", type=int, help="test scenes evaluated (default all, quick 200)")
    return ap


def trained_models(work, load, log):
    """(name, model, checkpoint) of each model of the training run in `work` that finished: the
    ADDP-initialised one, then the control; load(path) -> (model, checkpoint)."""
    for name in ("addp", "scratch"):
        path = os.path.join(work, f"{name}.pt")
        if not os.path.exists(path):
            log(f"{path} missing: skipped")
            continue
        yield (name, *load(path))


def main(argv=None):
    ap = arguments(__doc__)
    ap.add_argument("--scenes-out")
    ap.add_argument("--test-count", type=int, default=scenes.TEST_COUNT)
    ap.add_argument("--ort-check", action="store_true", help="run the golden files with ONNX Runtime Java")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    work = args.work or os.path.join(paths.WORK, "dense-quick" if args.quick else "dense")
    out = args.out or (os.path.join(work, NAME) if args.quick else os.path.join(paths.ZOO, NAME))
    scenes_out = args.scenes_out or (os.path.join(work, "scenes-test") if args.quick
                                     else os.path.join(paths.ZOO, "scenes-test"))
    t0 = time.time()

    def log(msg):
        print(f"{time.strftime('%H:%M:%S')} export {msg}", flush=True)

    val_count = args.val_count or (100 if args.quick else VAL_COUNT)
    val = scenes.make_scenes(scenes.Pool("val"), scenes.SEEDS["val"], 0, val_count)
    all_test = scenes.make_scenes(scenes.Pool("test"), scenes.SEEDS["test"], 0, args.test_count)
    test = all_test[:args.eval_count or (200 if args.quick else len(all_test))]
    results, models, fusions = {}, {}, {}
    for name, model, ck in trained_models(work, dense.load_model, log):
        models[name] = model
        fusions[name] = None
        stride = model.stride
        v_raw = dense.run_graph(dense.DenseGraph(model).eval(), scenes.stack(val)[0])
        v_gt = np.stack([s["semantic"] for s in val])
        fusion_miou = {}
        for i, fu in enumerate(FUSIONS):
            seg = dense.fuse_seg(torch.from_numpy(v_raw["seg"]), torch.from_numpy(v_raw["heatmap"]), fu, stride)
            fusion_miou[i] = dense_eval.miou(seg.argmax(1).numpy(), v_gt)[0]
        fusion = FUSIONS[max(fusion_miou, key=fusion_miou.get)]
        graph = dense.DenseGraph(model, fusion).eval()
        v_out = dict(v_raw, seg=dense.fuse_seg(torch.from_numpy(v_raw["seg"]), torch.from_numpy(v_raw["heatmap"]),
                                               fusion, stride).numpy())
        val_figs = {cf: evaluate_set(v_out, val, cf, stride) for cf in ("heatmap", "segmentation")}
        choice = max(val_figs, key=lambda cf: val_figs[cf]["ap50"])
        t_raw = dense.run_graph(dense.DenseGraph(model).eval(), scenes.stack(test)[0])
        t_out = dict(t_raw, seg=dense.fuse_seg(torch.from_numpy(t_raw["seg"]), torch.from_numpy(t_raw["heatmap"]),
                                               fusion, stride).numpy())
        test_miou_unfused = dense_eval.miou(t_raw["seg"].argmax(1), np.stack([s["semantic"] for s in test]))[0]
        test_fig = evaluate_set(t_out, test, choice, stride)
        other = "heatmap" if choice == "segmentation" else "segmentation"
        test_other = evaluate_set(t_out, test, other, stride)
        st = ck["state"]
        results[name] = {"init": name, "class_from": choice, "seg_fusion": fusion,
                         "test_miou_seg_head_alone": round(test_miou_unfused, 4),
                         "val_fusion_miou": [{"fusion": FUSIONS[i], "miou": round(v, 4)} for i, v in fusion_miou.items()],
                         "val": {cf: summary(f) for cf, f in val_figs.items()},
                         "test": test_fig, "test_other_class_from": {other: summary(test_other)},
                         "training": {"steps": st["step"], "images": st["images"],
                                      "wall_s": round(st["elapsed"]), "val_loss": st["val"][-1:],
                                      "config": ck["train_config"]}}
        fusions[name] = fusion
        log(f"{name}: seg_fusion {fusion}; class_from {choice}; val {summary(val_figs[choice])}; test {summary(test_fig)}")
    if "addp" not in models:
        sys.exit("no ADDP-init checkpoint: nothing to export")
    model = models["addp"]
    export.clean_dir(out)
    graphs = export_onnx(model, out, fusions["addp"])
    write_scenes(scenes_out, all_test)
    write_golden(model, out, scenes.stack(test[:3])[0], fusion=fusions["addp"])
    a = results["addp"]
    protocol = ("boxes: COCO AP@[.5:.95] (IoU 0.50:0.05:0.95), AP50, AP75; 101-point interpolated "
                "precision, greedy matching by descending score to the unmatched GT of highest IoU >= t "
                "in the same image, at most 100 detections per image, categories without GT skipped; "
                "continuous [x,y,w,h] IoU. masks: mIoU over 11 classes (background included), per class "
                "sum of |pred & gt| / sum of |pred | gt| over all test images at 64x64, mean over classes "
                "present in GT or prediction; pred = per-pixel argmax of seg. Decoding per manifest "
                "recognition.heads.detection (models/addp/dense_eval.py; models/DENSE_CONTRACT.md).")
    n_inst = sum(len(s["labels"]) for s in test)
    eval_doc = {"model": NAME, "version": VERSION + ("-quick" if args.quick else ""),
                "scenes": len(test), "scenes_in_files": len(all_test), "instances": n_inst,
                "protocol": protocol, "class_from": a["class_from"], "seg_fusion": a["seg_fusion"],
                **{k: a["test"][k] for k in ("ap", "ap50", "ap75", "miou", "per_class_iou",
                                              "per_class_ap50", "per_class_ap", "class_agnostic_ap50",
                                              "class_agnostic_ap", "classification", "detections")},
                "control_scratch": ({k: results["scratch"]["test"][k] for k in ("ap", "ap50", "ap75", "miou",
                                     "class_agnostic_ap50", "classification")}
                                    | {"class_from": results["scratch"]["class_from"],
                                       "seg_fusion": results["scratch"]["seg_fusion"]})
                if "scratch" in results else None}
    with open(os.path.join(scenes_out, "eval.json"), "w") as f:
        json.dump(eval_doc, f, indent=1)
    manifest = {
        "name": NAME, "version": VERSION + ("-quick" if args.quick else ""),
        "description": "Dense recognition on the small ADDP pixel encoder (models/zoo/addp-fmnist, read back "
                       "from gen_step.onnx): CenterNet detection (stride 4), semantic segmentation (11 classes "
                       "incl. background) and multilabel presence from one encoder pass, trained jointly on "
                       "64x64 Fashion-MNIST scenes (models/addp/scenes.py).",
        "graphs": graphs,
        "preprocess": PREPROCESS,
        "recognition": recognition(a["class_from"], model.stride),
        "seg_fusion": {"inside_graph": a["seg_fusion"],
                       "what": "the seg output's foreground mass is shared among classes by "
                               "p(c|fg)^seg_power * maxpool(heatmap_c, heat_kernel cells)^heat_power "
                               "(models/addp/dense.py fuse_seg); chosen by val mIoU; null = plain softmax"},
        "labels": data.LABELS,
        "training": {
            "data": "generated 64x64 scenes of 1-4 Fashion-MNIST TRAIN items 0..54,999 (fresh scenes every "
                    "step, seed [1, index]); validation: 500 scenes of train items 55,000..59,999; test: "
                    f"{len(all_test)} scenes of TEST items (zoo/scenes-test)",
            "quick_mode": args.quick,
            "model_config": model.config,
            "params": sum(p.numel() for p in model.parameters()),
            "init": "ADDP pixel encoder (patch_embed, cls_token, pos_embed, tokenizer_norm, blocks, norm) read "
                    "back from zoo/addp-fmnist/gen_step.onnx; heads random (same seed as the control)",
            "runs": {k: v["training"] for k, v in results.items()},
        },
        "metrics": {"test": summary(a["test"]) | {"class_from": a["class_from"]},
                    "test_scratch_control": summary(results["scratch"]["test"]) | {"class_from": results["scratch"]["class_from"]}
                    if "scratch" in results else None,
                    "val": {k: v["val"] for k, v in results.items()},
                    "eval_file": "../scenes-test/eval.json"},
    }
    export.write_manifest(out, manifest)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if args.ort_check:
        export.ort_java_check(out)
    log(f"wrote {out} and {scenes_out} in {time.time() - t0:.0f}s")
    return results


if __name__ == "__main__":
    main()
