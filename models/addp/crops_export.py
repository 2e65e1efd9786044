"""After train_crops.py: choose the second stage's decoding on the validation scenes, evaluate the
test scenes, and add crops.onnx to the dense model directory.

    cd models && /usr/bin/python3 -m addp.crops_export            # work/crops -> zoo/addp-fmnist-dense, zoo/scenes-test/eval.json
    /usr/bin/python3 -m addp.crops_export --quick                 # work/crops-quick -> work/crops-quick/addp-fmnist-dense

The first stage is the committed dense.onnx, read back into torch exactly (addp.readback; the
golden outputs are checked before anything else). For each crop classifier (ADDP init, scratch
control): on the 500 val scenes, every combination of refine.score and
refine.min_score is decoded (painting at 0.3) and the best val AP50 kept, then refine.paint_min_score
is chosen by val mIoU; then the 1,000
test scenes are evaluated with it. The second stage is switched on only if it beats the first
stage alone on val (AP50 + mIoU): then crops.onnx (ADDP init) gets golden I/O, the manifest its
`crops` graph and the detection head its `refine` block (models/DENSE_CONTRACT.md, second stage);
either way the measured figures go into the manifest and eval.json."""
import copy
import itertools
import json
import os
import shutil
import sys
import time

import numpy as np
import torch

from . import crops, dense, dense_eval, dense_export, export, paths, readback, scenes
from .dense_eval import summary

ZOO_DENSE = os.path.join(paths.ZOO, "addp-fmnist-dense")
ZOO_SCENES = os.path.join(paths.ZOO, "scenes-test")
SCORES = ("peak", "peak_times_prob", "peak_times_item", "sqrt_peak_times_prob")
MIN_SCORES = (0.05, 0.1, 0.2)
PAINT_MIN_SCORES = (0.1, 0.2, 0.3, 0.4, 0.5)


def first_stage(model_dir):
    """The committed dense graph back in torch, checked against its golden outputs."""
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    model = dense.DenseModel(manifest["training"]["model_config"])
    model.load_state_dict(readback.state_from_onnx(os.path.join(model_dir, "dense.onnx"), 64, "model."))
    graph = dense.DenseGraph(model.eval(), manifest["seg_fusion"]["inside_graph"]).eval()
    g = os.path.join(model_dir, "golden", "dense")
    with open(os.path.join(g, "case.json")) as f:
        case = json.load(f)
    x = torch.from_numpy(np.fromfile(os.path.join(g, "pixels.in.bin"), np.float32)
                         .reshape(case["inputs"]["pixels"]["shape"]))
    with torch.no_grad():
        for name, out in zip(dense.DenseGraph.OUTPUTS, graph(x)):
            ref = np.fromfile(os.path.join(g, case["outputs"][name]["file"]), np.float32)
            diff = float(np.abs(out.numpy().ravel() - ref).max())
            assert diff <= case["tolerance"], f"read-back dense graph differs on {name}: {diff}"
    return graph, manifest


@torch.no_grad()
def crop_probs(crop_graph, images_u8, outputs, det, size, scale, batch=512):
    """Per image, the crop classifier's probabilities of its candidates with score >= det's lowest
    refine.min_score candidate (min over MIN_SCORES is det["refine"]["min_score"])."""
    pixels = dense.pixels_of(images_u8)
    idx, boxes, counts = [], [], []
    for i in range(len(images_u8)):
        b, s, _ = dense_eval.candidates(outputs["heatmap"][i], outputs["size"][i], outputs["offset"][i], det)
        b = b[dense_eval.to_refine(b, s, det)]
        idx += [i] * len(b)
        boxes.append(b)
        counts.append(len(b))
    boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4))
    idx = np.array(idx, np.int64)
    probs = []
    for k in range(0, len(idx), batch):
        probs.append(crop_graph(crops.crop(pixels, idx[k:k + batch], boxes[k:k + batch], size, scale)).numpy())
    probs = np.concatenate(probs) if probs else np.zeros((0, crops.NUM_OUT))
    return np.split(probs, np.cumsum(counts)[:-1]), counts


def restrict(probs_per_image, outputs, det_all, det):
    """The probabilities of the candidates det's (higher) min_score keeps, from those of det_all."""
    out = []
    for i, p in enumerate(probs_per_image):
        b, s, _ = dense_eval.candidates(outputs["heatmap"][i], outputs["size"][i], outputs["offset"][i], det_all)
        s = s[dense_eval.to_refine(b, s, det_all)]
        out.append(p[s >= det["refine"]["min_score"]])
    return out


def refine_block(cfg, score, min_score, paint_min_score):
    return {"kind": "crop_classifier", "graph": "crops", "input": "crops", "output": "probs",
            "crop_size": cfg["crop_size"], "crop_scale": cfg["crop_scale"], "none_class": crops.NONE,
            "score": score, "min_score": min_score, "paint_min_score": paint_min_score}


def evaluate(outputs, scene_list, det, probs):
    return dense_eval.evaluate(outputs, [s["boxes"] for s in scene_list], [s["labels"] for s in scene_list],
                               np.stack([s["semantic"] for s in scene_list]), det, crop_probs=probs)


def export_crops(model, out_dir, size):
    inputs = [("crops", "float32", ["n", 3, size, size])]
    outputs = [("probs", "float32", ["n", crops.NUM_OUT])]
    return export.export_graph(crops.CropGraph(model).eval(), (torch.rand(2, 3, size, size),),
                               os.path.join(out_dir, "crops.onnx"), inputs, outputs)


def write_golden(model, out_dir, images_u8, boxes, size, scale, tolerance=1e-4):
    """golden/crops: the crops of a few boxes (the numpy reference sampler, so Java's sampler is
    checked too) and the graph's probabilities for them."""
    px = dense.pixels_of(images_u8).double().numpy()
    ref = np.stack([crops.crop_numpy(px[i], b, size, scale) for i, b in boxes]).astype(np.float32)
    torch_crops = crops.crop(dense.pixels_of(images_u8), np.array([i for i, _ in boxes]),
                             np.array([b for _, b in boxes]), size, scale).numpy()
    assert np.abs(ref - torch_crops).max() < 1e-5, "grid_sample differs from the crop rule"
    with torch.no_grad():
        probs = crops.CropGraph(model).eval()(torch.from_numpy(ref))
    export.write_golden_case(
        out_dir, "crops", {"crops": torch.from_numpy(ref)}, {"probs": probs}, tolerance,
        crop_of=[{"scene_index": int(i), "box_xywh": [float(v) for v in b]} for i, b in boxes],
        crop_size=size, crop_scale=scale,
        note="inputs: crops of zoo/scenes-test scenes (index 0-based) / 255 by the refine crop rule")


def main(argv=None):
    args = dense_export.arguments(__doc__).parse_args(argv)
    torch.set_num_threads(2)
    work = args.work or os.path.join(paths.WORK, "crops-quick" if args.quick else "crops")
    out = args.out or (os.path.join(work, "addp-fmnist-dense") if args.quick else ZOO_DENSE)
    t0 = time.time()

    def log(msg):
        print(f"{time.strftime('%H:%M:%S')} crops_export {msg}", flush=True)

    graph, manifest = first_stage(ZOO_DENSE)
    log("dense.onnx read back; golden outputs match")
    det0 = manifest["recognition"]["heads"]["detection"]
    det0 = {k: v for k, v in det0.items() if k != "refine"}
    val = scenes.make_scenes(scenes.Pool("val"), scenes.SEEDS["val"], 0, args.val_count or (100 if args.quick else 500))
    test = scenes.make_scenes(scenes.Pool("test"), scenes.SEEDS["test"], 0, args.eval_count or (200 if args.quick else 1000))
    v_img, t_img = scenes.stack(val)[0], scenes.stack(test)[0]
    v_out, t_out = dense.run_graph(graph, v_img), dense.run_graph(graph, t_img)
    first = {"val": summary(evaluate(v_out, val, det0, None)), "test": evaluate(t_out, test, det0, None)}
    log(f"first stage alone: val {first['val']}; test {summary(first['test'])}")
    results, models = {}, {}
    for name, model, ck in dense_export.trained_models(work, crops.load_model, log):
        models[name] = (model, ck)
        cfg = ck["train_config"]
        cgraph = crops.CropGraph(model).eval()
        det_all = dict(det0, refine=refine_block(cfg, SCORES[0], min(MIN_SCORES), PAINT_MIN_SCORES[0]))
        v_probs, v_counts = crop_probs(cgraph, v_img, v_out, det_all, cfg["crop_size"], cfg["crop_scale"])
        grid = {}   # score and min_score by val AP50 (painting at the middle threshold), then the painting by val mIoU
        for score, ms in itertools.product(SCORES, MIN_SCORES):
            det = dict(det0, refine=refine_block(cfg, score, ms, PAINT_MIN_SCORES[2]))
            grid[(score, ms, PAINT_MIN_SCORES[2])] = summary(evaluate(v_out, val, det, restrict(v_probs, v_out, det_all, det)))
        score, ms, _ = max(grid, key=lambda k: grid[k]["ap50"])
        for pm in PAINT_MIN_SCORES:
            if (score, ms, pm) not in grid:
                det = dict(det0, refine=refine_block(cfg, score, ms, pm))
                grid[(score, ms, pm)] = summary(evaluate(v_out, val, det, restrict(v_probs, v_out, det_all, det)))
        best = max(((score, ms, pm) for pm in PAINT_MIN_SCORES), key=lambda k: grid[k]["miou"])
        det = dict(det0, refine=refine_block(cfg, *best))
        t_all, t_counts = crop_probs(cgraph, t_img, t_out, det_all, cfg["crop_size"], cfg["crop_scale"])
        t_fig = evaluate(t_out, test, det, restrict(t_all, t_out, det_all, det))
        st = ck["state"]
        results[name] = {"init": name, "refine": det["refine"], "val_choice": grid[best],
                         "val_grid": [{"score": k[0], "min_score": k[1], "paint_min_score": k[2], **v}
                                      for k, v in grid.items()],
                         "val_crops_per_scene_at_min_score_0.05": float(np.mean(v_counts)),
                         "test": t_fig,
                         "training": {"steps": st["step"], "crops": st["crops"], "wall_s": round(st["elapsed"]),
                                      "val_item_accuracy": st["val"], "config": cfg}}
        log(f"{name}: refine {best}; val {grid[best]}; test {summary(t_fig)}; "
            f"{np.mean(v_counts):.1f} crops per val scene at min_score {min(MIN_SCORES)}")
    if "addp" not in models:
        sys.exit("no ADDP-init crop classifier: nothing to export")
    model, ck = models["addp"]
    cfg = ck["train_config"]
    a = results["addp"]
    # the second stage is switched on only where it pays on the validation scenes
    val_first = first["val"]["ap50"] + first["val"]["miou"]
    val_refined = a["val_choice"]["ap50"] + a["val_choice"]["miou"]
    enabled = val_refined > val_first
    log(f"second stage {'ON' if enabled else 'OFF'}: val AP50 + mIoU {val_refined:.4f} with it, {val_first:.4f} without")
    if args.quick:
        if os.path.exists(out):
            shutil.rmtree(out)
        shutil.copytree(ZOO_DENSE, out)
    manifest = copy.deepcopy(manifest)
    manifest["graphs"].pop("crops", None)
    manifest["recognition"]["heads"]["detection"].pop("refine", None)
    for stale in ("crops.onnx", os.path.join("golden", "crops")):
        path = os.path.join(out, stale)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
    second = summary(a["test"]) | {"refine": a["refine"]}
    if enabled:
        manifest["graphs"]["crops"] = export_crops(model, out, cfg["crop_size"])
        golden_boxes = [(0, [10.5, 12.25, 20.0, 30.0]), (1, [-4.0, 50.0, 18.0, 9.5]), (2, [30.0, 3.0, 33.7, 33.7])]
        write_golden(model, out, t_img[:3], golden_boxes, cfg["crop_size"], cfg["crop_scale"])
        manifest["recognition"]["heads"]["detection"]["refine"] = a["refine"]
    manifest["training"]["second_stage"] = {
        "what": "crop classifier (models/addp/crops.py): every candidate box's crop classified by the ADDP "
                "classifier fine-tuned on scene crops, naming the box and the seg foreground inside it",
        "init": "zoo/addp-fmnist/classifier.onnx read back (the ADDP encoder fine-tuned on Fashion-MNIST), "
                "an 11th 'no item' output; control: the same ViT from random init, same budget",
        "enabled": enabled,
        "val_ap50_plus_miou": {"with": round(val_refined, 4), "without": round(val_first, 4)},
        "runs": {k: v["training"] for k, v in results.items()}}
    figures = a["test"] if enabled else first["test"]
    manifest["metrics"]["test"] = summary(figures) | ({"refine": "crops"} if enabled else {})
    manifest["metrics"]["test_first_stage_only"] = summary(first["test"])
    manifest["metrics"]["test_second_stage"] = second
    if "scratch" in results:
        manifest["metrics"]["test_second_stage_scratch_control"] = summary(results["scratch"]["test"])
    manifest["metrics"]["val_second_stage"] = {k: v["val_choice"] for k, v in results.items()}
    manifest["metrics"]["val_first_stage_only"] = first["val"]
    export.write_manifest(out, manifest)
    eval_path = os.path.join(ZOO_SCENES if not args.quick else out, "eval.json")
    with open(os.path.join(ZOO_SCENES, "eval.json")) as f:
        ev = json.load(f)
    for k in ("ap", "ap50", "ap75", "miou", "per_class_iou", "per_class_ap50", "per_class_ap",
              "class_agnostic_ap50", "class_agnostic_ap", "detections"):
        ev[k] = figures[k]
    ev["scenes"] = len(test)
    ev.pop("refine", None)
    if enabled:
        ev["refine"] = a["refine"]
    ev["first_stage_only"] = {k: first["test"][k] for k in ("ap", "ap50", "ap75", "miou", "class_agnostic_ap50")}
    ev["second_stage"] = second | {"enabled": enabled}
    ev["control_scratch_second_stage"] = ({k: results["scratch"]["test"][k] for k in ("ap", "ap50", "ap75", "miou")}
                                          | {"refine": results["scratch"]["refine"]}) if "scratch" in results else None
    note = (" Second stage (refine, when the manifest has it): candidates with score >= refine.min_score are "
            "classified from their crops (models/addp/crops.py), relabelled and rescored, re-sorted, then NMS; "
            "pred semantic map = seg argmax painted by the refined boxes with score >= refine.paint_min_score "
            "(dense_eval.paint).")
    if note not in ev["protocol"]:
        ev["protocol"] = ev["protocol"].split(" Second stage (refine")[0] + note
    with open(eval_path, "w") as f:
        json.dump(ev, f, indent=1)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"first_stage": {"val": first["val"], "test": summary(first["test"])}, **results}, f, indent=1)
    log(f"wrote {out} and {eval_path} in {time.time() - t0:.0f}s")
    return results


if __name__ == "__main__":
    main()
