"""Decoding and evaluation of the dense heads, exactly as models/DENSE_CONTRACT.md specifies, in
numpy, so the Java side can reproduce every figure within 0.005:

- detection decoding: 3x3 peaks >= min_score, top max_detections over all classes, centre =
  (cell + offset) * stride, box = centre -/+ size/2 clipped to the canvas, class from the heat-map
  channel or from the segmentation (majority non-background argmax class among the pixels the box
  covers), per-class greedy NMS;
- the second stage's rules (`refine`): the crop classifier's relabelling and rescoring of the
  candidates, and the painting of the semantic map by the refined boxes (the crops themselves
  and the classifier are in crops.py);
- COCO box AP@[.5:.95] / AP50 / AP75 (101-point interpolated precision, greedy matching by
  score, at most 100 detections per image), written here because pycocotools is not available;
- semantic mIoU over the 11 classes (background included);
- COCO RLE masks (column-major counts, and the compressed string form pycocotools writes).

Tie rules (as the contract states them): every sort is stable and descending by score,
candidates enumerated in (class, y, x) order; NMS suppresses IoU > nms_iou; the matching GT is
the unmatched one with the highest IoU >= t, the first in GT order on ties; a pixel (i, j) is
inside a box iff x0 <= j + 0.5 < x1 and y0 <= i + 0.5 < y1 (also for instance masks = argmax ==
class within the box); the majority class on ties is the smallest class index; a box with no
foreground pixel inside keeps its heat-map class."""
import numpy as np

IOU_THRESHOLDS = np.round(np.arange(0.5, 0.951, 0.05), 2)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


# ---------------------------------------------------------------- decoding

def peaks(heat, kernel=3):
    """heat [K,H,W] -> bool [K,H,W]: values equal to the max of their kernel x kernel neighbourhood
    (same padding: outside pixels never win)."""
    K, H, W = heat.shape
    r = kernel // 2
    padded = np.full((K, H + 2 * r, W + 2 * r), -np.inf, heat.dtype)
    padded[:, r:r + H, r:r + W] = heat
    hmax = np.full_like(heat, -np.inf)
    for dy in range(kernel):
        for dx in range(kernel):
            hmax = np.maximum(hmax, padded[:, dy:dy + H, dx:dx + W])
    return heat == hmax


def box_iou(a, b):
    """IoU of [x, y, w, h] boxes, a [n,4] x b [m,4] -> [n,m] (continuous, no +1)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ax1, ay1, ax2, ay2 = a[:, 0], a[:, 1], a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx1, by1, bx2, by2 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2[:, None], bx2[None]) - np.maximum(ax1[:, None], bx1[None]), 0, None)
    ih = np.clip(np.minimum(ay2[:, None], by2[None]) - np.maximum(ay1[:, None], by1[None]), 0, None)
    inter = iw * ih
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def seg_class(seg_argmax, box, fallback):
    """Majority non-background class (0-based) of the argmax map among the pixels whose centre
    lies inside the box."""
    region = seg_argmax[box_pixels(box, seg_argmax.shape)].ravel()
    counts = np.bincount(region, minlength=12)[1:]
    if counts.sum() == 0:
        return fallback
    return int(np.argmax(counts))


def box_pixels(box, shape):
    """bool [H,W]: pixel (i, j) is inside iff x0 <= j + 0.5 < x1 and y0 <= i + 0.5 < y1."""
    x, y, w, h = box
    H, W = shape
    cols = (np.arange(W) + 0.5 >= x) & (np.arange(W) + 0.5 < x + w)
    rows = (np.arange(H) + 0.5 >= y) & (np.arange(H) + 0.5 < y + h)
    return rows[:, None] & cols[None, :]


def nms(boxes, scores, labels, iou):
    """Per-class greedy NMS; input sorted by score descending. -> kept indices (in order)."""
    keep = []
    suppressed = np.zeros(len(boxes), bool)
    for i in range(len(boxes)):
        if suppressed[i]:
            continue
        keep.append(i)
        same = (labels == labels[i]) & ~suppressed
        same[:i + 1] = False
        if same.any():
            ious = box_iou(boxes[i:i + 1], boxes[same])[0]
            idx = np.nonzero(same)[0]
            suppressed[idx[ious > iou]] = True
    return np.array(keep, np.int64)


def candidates(heat, size, offset, det, score_threshold=None, canvas=64):
    """One image's candidate boxes before any relabelling or NMS: heat [K,g,g] (sigmoid), size
    [2,g,g] (input px), offset [2,g,g] (cells), det = the manifest's detection head.
    -> (boxes [n,4] xywh, scores [n], labels [n] 0-based), by descending score (stable)."""
    thr = det["min_score"] if score_threshold is None else max(det["min_score"], score_threshold)
    K, H, W = heat.shape
    mask = peaks(heat, det["peak_kernel"]) & (heat >= thr)
    c, y, x = np.nonzero(mask)                      # (class, y, x) order
    scores = heat[c, y, x]
    order = np.argsort(-scores, kind="stable")[:det["max_detections"]]
    c, y, x, scores = c[order], y[order], x[order], scores[order]
    s = det["stride"]
    cx = (x + offset[0, y, x]) * s
    cy = (y + offset[1, y, x]) * s
    w, h = size[0, y, x], size[1, y, x]
    x0, x1 = np.clip(cx - w / 2, 0, canvas), np.clip(cx + w / 2, 0, canvas)
    y0, y1 = np.clip(cy - h / 2, 0, canvas), np.clip(cy + h / 2, 0, canvas)
    boxes = np.stack([x0, y0, np.maximum(x1 - x0, 0), np.maximum(y1 - y0, 0)], 1).astype(np.float64).reshape(-1, 4)
    return boxes, scores.astype(np.float64), c.astype(np.int64)


def to_refine(boxes, scores, det):
    """Which candidates the second stage classifies: those scoring >= refine.min_score (the others
    are dropped). -> bool [n]."""
    return scores >= det["refine"]["min_score"]


def refine(probs, peak_scores, score_mode, none_class):
    """Crop probabilities [n, none_class + 1] -> (labels, scores): the most likely item class
    (classes below none_class; ties: the lowest), scored as the manifest's refine.score says."""
    probs = np.asarray(probs, np.float64)
    new = probs[:, :none_class].argmax(1)
    p = probs[np.arange(len(new)), new]
    peak = np.asarray(peak_scores, np.float64)
    if score_mode == "peak":
        s = peak
    elif score_mode == "peak_times_prob":
        s = peak * p
    elif score_mode == "peak_times_item":
        s = peak * (1.0 - probs[:, none_class])
    elif score_mode == "sqrt_peak_times_prob":
        s = np.sqrt(peak * p)
    else:
        raise ValueError(f"unknown refine score {score_mode!r}")
    return new.astype(np.int64), s


def decode(heat, size, offset, det, seg_argmax=None, score_threshold=None, canvas=64, crop_probs=None):
    """One image -> (boxes [n,4] xywh, scores [n], labels [n] 0-based) after NMS. With the
    manifest's `refine` block, crop_probs are the crop classifier's probabilities [m,11] of the
    candidates `to_refine` selects (in candidate order): their class becomes the crop's most likely
    item class, their score per refine.score, then they are re-sorted (stable) before the NMS."""
    boxes, scores, labels = candidates(heat, size, offset, det, score_threshold, canvas)
    if det.get("class_from", "heatmap") == "segmentation":
        assert seg_argmax is not None, "class_from segmentation needs the seg argmax"
        labels = np.array([seg_class(seg_argmax, b, l) for b, l in zip(boxes, labels)], np.int64)
    if det.get("refine"):
        sel = to_refine(boxes, scores, det)
        boxes, scores, labels = boxes[sel], scores[sel], labels[sel]
        assert crop_probs is not None and len(crop_probs) == len(boxes), "refine needs the crops' probabilities"
        labels, scores = refine(crop_probs, scores, det["refine"]["score"], det["refine"]["none_class"])
        order = np.argsort(-scores, kind="stable")
        boxes, scores, labels = boxes[order], scores[order], labels[order]
    keep = nms(boxes, scores, labels, det["nms_iou"])
    return boxes[keep], scores[keep].astype(np.float64), labels[keep]


# ---------------------------------------------------------------- box AP

def coco_ap(gts, dets, num_classes=10, max_dets=100):
    """gts: per image (boxes [k,4], labels [k]); dets: per image (boxes [n,4], scores [n], labels [n]).
    -> dict(ap, ap50, ap75, per_class_ap50, per_class_ap) as the contract defines them."""
    # at most max_dets per image, highest scores (stable)
    dets = [(np.asarray(b, np.float64).reshape(-1, 4), np.asarray(s, np.float64), np.asarray(l))
            for b, s, l in dets]
    dets = [(b[o], s[o], l[o]) for b, s, l in dets for o in [np.argsort(-s, kind="stable")[:max_dets]]]
    table = np.full((num_classes, len(IOU_THRESHOLDS)), np.nan)
    for c in range(num_classes):
        gt_c = [np.asarray(b, np.float64).reshape(-1, 4)[np.asarray(l) == c] for b, l in gts]
        n_gt = sum(len(g) for g in gt_c)
        if n_gt == 0:
            continue
        img_idx, det_box, det_score = [], [], []
        for i, (b, s, l) in enumerate(dets):
            sel = l == c
            img_idx += [i] * int(sel.sum())
            det_box.append(b[sel])
            det_score.append(s[sel])
        img_idx = np.array(img_idx, np.int64)
        det_box = np.concatenate(det_box) if det_box else np.zeros((0, 4))
        det_score = np.concatenate(det_score) if det_score else np.zeros(0)
        order = np.argsort(-det_score, kind="stable")
        img_idx, det_box = img_idx[order], det_box[order]
        ious = [box_iou(det_box[k:k + 1], gt_c[img_idx[k]])[0] for k in range(len(order))]
        for ti, t in enumerate(IOU_THRESHOLDS):
            matched = [np.zeros(len(g), bool) for g in gt_c]
            tp = np.zeros(len(order))
            for k in range(len(order)):
                iou = np.where(matched[img_idx[k]], -1.0, ious[k])
                if len(iou) and iou.max() >= t:
                    matched[img_idx[k]][int(np.argmax(iou))] = True
                    tp[k] = 1
            table[c, ti] = ap_from_tp(tp, n_gt)
    valid = ~np.isnan(table[:, 0])
    return {"ap": float(np.mean(table[valid])), "ap50": float(np.mean(table[valid, 0])),
            "ap75": float(np.mean(table[valid, 5])),
            "per_class_ap50": [None if np.isnan(v) else float(v) for v in table[:, 0]],
            "per_class_ap": [None if np.isnan(r[0]) else float(np.mean(r)) for r in table]}


def ap_from_tp(tp, n_gt):
    """101-point interpolated AP from the TP flags of detections sorted by score."""
    if n_gt == 0:
        return float("nan")
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    recall = ctp / n_gt
    precision = ctp / np.maximum(ctp + cfp, np.finfo(np.float64).eps)
    precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    sampled = np.array([precision[i] if i < len(precision) else 0.0 for i in idx])
    return float(sampled.mean())


# ---------------------------------------------------------------- masks

def paint(semantic, boxes, scores, labels, min_score):
    """The semantic map relabelled by the refined boxes: every foreground pixel (class != 0) inside
    a box of score >= min_score takes that box's class (1 + label); where boxes overlap, the higher
    score wins (painted in ascending score order, stable). Pixels outside every box keep theirs."""
    out = np.array(semantic, copy=True)
    fg = semantic != 0
    order = np.argsort(np.asarray(scores), kind="stable")
    for i in order:
        if scores[i] < min_score:
            continue
        inside = box_pixels(boxes[i], semantic.shape) & fg
        out[inside] = 1 + labels[i]
    return out


def miou(pred, gt, num_classes=11):
    """pred, gt: int [N,H,W] semantic maps. -> (mIoU over classes present in either, per-class IoU
    list with None for absent classes)."""
    pred = np.asarray(pred).ravel().astype(np.int64)
    gt = np.asarray(gt).ravel().astype(np.int64)
    inter = np.bincount(gt[pred == gt], minlength=num_classes)[:num_classes]
    area_p = np.bincount(pred, minlength=num_classes)[:num_classes]
    area_g = np.bincount(gt, minlength=num_classes)[:num_classes]
    union = area_p + area_g - inter
    per = [float(i / u) if u > 0 else None for i, u in zip(inter, union)]
    vals = [v for v in per if v is not None]
    return float(np.mean(vals)), per


def rle_counts(mask):
    """bool [h,w] -> run lengths over the column-major pixels, starting with a (possibly empty)
    run of zeros: the pycocotools convention."""
    flat = np.asarray(mask, bool).ravel(order="F")
    if flat.size == 0:
        return []
    change = np.nonzero(flat[1:] != flat[:-1])[0] + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    return ([0] + runs) if flat[0] else runs


def rle_from_counts(counts, h, w):
    flat = np.zeros(h * w, bool)
    pos, val = 0, False
    for n in counts:
        flat[pos:pos + n] = val
        pos += n
        val = not val
    assert pos == h * w, f"counts sum {pos} != {h * w}"
    return flat.reshape((h, w), order="F")


def counts_to_string(counts):
    """pycocotools rleToString: LEB128-like 5-bit groups + 48, deltas against counts[i-2] for i > 2."""
    out = []
    for i, x in enumerate(counts):
        x = int(x)
        if i > 2:
            x -= int(counts[i - 2])
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def string_to_counts(s):
    """pycocotools rleFrString."""
    counts, p = [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def encode_rle(mask):
    """bool [h,w] -> {"size": [h, w], "counts": compressed string}."""
    h, w = np.asarray(mask).shape
    return {"size": [int(h), int(w)], "counts": counts_to_string(rle_counts(mask))}


def decode_rle(rle):
    h, w = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, str):
        counts = string_to_counts(counts)
    return rle_from_counts(counts, h, w)


# ---------------------------------------------------------------- whole-set evaluation

def summary(fig):
    """The headline figures of an `evaluate` result, rounded to 4 places."""
    keys = ("ap", "ap50", "ap75", "miou", "class_agnostic_ap50", "class_agnostic_ap")
    return {k: round(fig[k], 4) for k in keys}


def presence_figures(probs, truth, threshold=0.5):
    pred = probs >= threshold
    truth = truth.astype(bool)
    tp = int((pred & truth).sum())
    fp, fn = int((pred & ~truth).sum()), int((~pred & truth).sum())
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return {"threshold": threshold, "micro_precision": p, "micro_recall": r,
            "micro_f1": 2 * p * r / max(1e-12, p + r),
            "exact_set_accuracy": float(np.mean(np.all(pred == truth, 1)))}


def evaluate(outputs, gt_boxes, gt_labels, gt_semantic, det, num_classes=10, crop_probs=None):
    """outputs: dict of numpy arrays of the graph's outputs over N images (presence, heatmap, size,
    offset, seg); gt_*: per-image lists and [N,64,64] semantic maps; crop_probs: per image, the
    second stage's probabilities of its `to_refine` candidates (when det has `refine`).
    -> figures dict. With `refine`, the predicted semantic map is the seg argmax painted by the
    refined boxes (paint)."""
    seg_argmax = outputs["seg"].argmax(1)
    dets = [decode(outputs["heatmap"][i], outputs["size"][i], outputs["offset"][i], det, seg_argmax[i],
                   crop_probs=None if crop_probs is None else crop_probs[i])
            for i in range(len(seg_argmax))]
    semantic = seg_argmax
    if det.get("refine"):
        semantic = np.stack([paint(seg_argmax[i], *dets[i], det["refine"]["paint_min_score"])
                             for i in range(len(dets))])
    box = coco_ap(list(zip(gt_boxes, gt_labels)), dets, num_classes)
    agnostic = coco_ap([(b, np.zeros(len(l), np.int64)) for b, l in zip(gt_boxes, gt_labels)],
                       [(b, s, np.zeros(len(l), np.int64)) for b, s, l in dets], 1)
    m, per = miou(semantic, gt_semantic, num_classes + 1)
    truth = np.zeros((len(gt_labels), num_classes))
    for i, l in enumerate(gt_labels):
        truth[i, np.asarray(l, np.int64)] = 1
    return {"ap": box["ap"], "ap50": box["ap50"], "ap75": box["ap75"], "miou": m,
            "per_class_iou": per, "per_class_ap50": box["per_class_ap50"],
            "per_class_ap": box["per_class_ap"],
            "class_agnostic_ap50": agnostic["ap50"], "class_agnostic_ap": agnostic["ap"],
            "classification": presence_figures(outputs["presence"], truth),
            "detections": int(sum(len(d[0]) for d in dets))}
