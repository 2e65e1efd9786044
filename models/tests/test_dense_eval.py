"""The dense evaluation protocol (DENSE_CONTRACT.md) on hand-checked cases: COCO box AP, mIoU,
CenterNet decoding, COCO RLE (counts and the compressed string form); and that the decoding stays
plain numpy, independent of the models."""
import os
import subprocess
import sys
import unittest

import numpy as np

from addp import dense_eval as ev


def gt(*boxes_labels):
    return (np.array([b for b, _ in boxes_labels], float).reshape(-1, 4), np.array([l for _, l in boxes_labels]))


def det(*items):
    return (np.array([b for b, _, _ in items], float).reshape(-1, 4), np.array([s for _, s, _ in items], float),
            np.array([l for _, _, l in items]))


A, B = [0, 0, 10, 10], [20, 20, 10, 12]


class BoxApTest(unittest.TestCase):
    def test_perfect_detections_give_one(self):
        r = ev.coco_ap([gt((A, 0), (B, 1)), gt((B, 0))], [det((A, .9, 0), (B, .8, 1)), det((B, .7, 0))])
        self.assertEqual((r["ap"], r["ap50"], r["ap75"]), (1.0, 1.0, 1.0))

    def test_one_false_positive_above_the_true_positive_halves_ap(self):
        # precision [0, 1/2] -> monotone [1/2, 1/2]; every recall point samples 1/2
        r = ev.coco_ap([gt((A, 0))], [det((B, .9, 0), (A, .8, 0))])
        self.assertAlmostEqual(r["ap"], 0.5, places=12)

    def test_false_positive_below_and_duplicates_cost_nothing(self):
        r = ev.coco_ap([gt((A, 0))], [det((A, .9, 0), (A, .85, 0), (B, .8, 0))])
        self.assertEqual(r["ap"], 1.0)

    def test_half_recall_samples_51_of_101_points(self):
        r = ev.coco_ap([gt((A, 0), (B, 0))], [det((A, .9, 0))])
        self.assertAlmostEqual(r["ap"], 51 / 101, places=12)

    def test_iou_thresholds_are_inclusive_and_averaged(self):
        # IoU([0,0,10,6], A) = 60/100 = 0.6: a TP at 0.50, 0.55, 0.60, an FP above
        r = ev.coco_ap([gt((A, 0))], [det(([0, 0, 10, 6], .9, 0))])
        self.assertEqual((r["ap50"], r["ap75"]), (1.0, 0.0))
        self.assertAlmostEqual(r["ap"], 0.3, places=12)

    def test_categories_without_gt_are_skipped_and_wrong_class_is_a_miss(self):
        r = ev.coco_ap([gt((A, 0), (B, 1))], [det((A, .9, 0), (B, .8, 3))])
        self.assertEqual(r["per_class_ap50"][:4], [1.0, 0.0, None, None])
        self.assertEqual(r["ap50"], 0.5)

    def test_matching_is_per_image(self):
        r = ev.coco_ap([gt((A, 0)), gt()], [det(), det((A, .9, 0))])
        self.assertEqual(r["ap"], 0.0)

    def test_at_most_100_detections_per_image(self):
        far = [([40, 40, 5, 5], 0.9, 0)] * 100
        r = ev.coco_ap([gt((A, 0))], [det(*far, (A, 0.1, 0))])
        self.assertEqual(r["ap"], 0.0)
        r = ev.coco_ap([gt((A, 0))], [det(*far[:99], (A, 0.1, 0))])
        self.assertAlmostEqual(r["ap"], 0.01, places=12)   # precision 1/100 at every recall point

    def test_box_iou(self):
        self.assertAlmostEqual(ev.box_iou([A], [[5, 0, 10, 10]])[0, 0], 50 / 150)
        self.assertEqual(ev.box_iou([A], [[10, 0, 5, 5]])[0, 0], 0.0)


class MiouTest(unittest.TestCase):
    def test_hand_checked(self):
        gtm = np.array([[[0, 0, 1, 1], [0, 0, 1, 1]]])
        pred = np.array([[[0, 1, 1, 1], [0, 0, 1, 2]]])
        m, per = ev.miou(pred, gtm, 11)
        # bg: inter 3, union 4; class 1: inter 3, union 4+... pred1={01,02,03,12}, gt1={02,03,12,13}
        self.assertEqual(per[0], 3 / 4)
        self.assertEqual(per[1], 3 / 5)
        self.assertEqual(per[2], 0.0)
        self.assertIsNone(per[3])
        self.assertAlmostEqual(m, (3 / 4 + 3 / 5 + 0) / 3)


class DecodeTest(unittest.TestCase):
    DET = {"stride": 4, "peak_kernel": 3, "max_detections": 100, "min_score": 0.05, "nms_iou": 0.5,
           "class_from": "heatmap"}

    def maps(self):
        heat = np.zeros((10, 16, 16), np.float32)
        size = np.zeros((2, 16, 16), np.float32)
        off = np.zeros((2, 16, 16), np.float32)
        heat[2, 3, 5] = 0.9
        heat[2, 3, 4] = 0.5          # neighbour of a higher value: not a peak
        heat[2, 3, 7] = 0.6          # a peak, same class, overlapping box: NMS removes it
        heat[4, 3, 7] = 0.7          # same place, other class: kept
        heat[1, 15, 15] = 0.3        # at the corner: clipped
        heat[6, 10, 10] = 0.04       # below min_score
        off[:, 3, 5] = (0.5, 0.25)
        off[:, 3, 7] = (-1.5, 0.25)  # the same centre as (3, 5)
        size[:, 3, 5] = (8, 12)
        size[:, 3, 7] = (8, 12)
        size[:, 3, 4] = (8, 12)
        size[:, 15, 15] = (10, 10)
        return heat, size, off

    def test_peaks_offsets_nms_and_clipping(self):
        boxes, scores, labels = ev.decode(*self.maps(), self.DET)
        np.testing.assert_allclose(scores, [0.9, 0.7, 0.3], rtol=1e-6)
        self.assertEqual(labels.tolist(), [2, 4, 1])
        np.testing.assert_allclose(boxes[0], [18, 7, 8, 12])      # centre (5.5*4, 3.25*4) = (22, 13)
        np.testing.assert_allclose(boxes[1], [18, 7, 8, 12])
        np.testing.assert_allclose(boxes[2], [55, 55, 9, 9])      # centre 60 +/- 5, clipped at 64

    def test_score_threshold_and_max_detections(self):
        boxes, scores, _ = ev.decode(*self.maps(), self.DET, score_threshold=0.65)
        self.assertEqual(len(scores), 2)
        boxes, scores, _ = ev.decode(*self.maps(), dict(self.DET, max_detections=1))
        self.assertEqual(scores.tolist(), [np.float32(0.9)])

    def test_class_from_segmentation(self):
        seg = np.zeros((64, 64), np.int64)
        seg[7:19, 18:26] = 1 + 8     # the first box's pixels: class 8
        seg[7:9, 18:20] = 1 + 3
        boxes, scores, labels = ev.decode(*self.maps(), dict(self.DET, class_from="segmentation"), seg)
        self.assertEqual(labels[0], 8)
        self.assertEqual(labels[-1], 1)     # no foreground inside: keeps the heat-map class

    def test_box_pixels_use_pixel_centres(self):
        inside = ev.box_pixels([1.6, 0, 0.8, 1.0], (2, 4))   # x 1.6..2.4 holds no centre
        self.assertEqual(inside.astype(int).tolist(), [[0, 0, 0, 0], [0, 0, 0, 0]])
        inside = ev.box_pixels([1.5, 0.5, 1.0, 1.0], (2, 4))   # x0 <= c < x1: 1.5 in, 2.5 out (rows too)
        self.assertEqual(inside.astype(int).tolist(), [[0, 1, 0, 0], [0, 0, 0, 0]])
        inside = ev.box_pixels([1.4, 0, 1.2, 1.0], (2, 4))
        self.assertEqual(inside.astype(int).tolist(), [[0, 1, 1, 0], [0, 0, 0, 0]])


class RleTest(unittest.TestCase):
    def round_trip(self, mask):
        rle = ev.encode_rle(mask)
        self.assertEqual(rle["size"], list(mask.shape))
        np.testing.assert_array_equal(ev.decode_rle(rle), mask)
        np.testing.assert_array_equal(ev.rle_from_counts(ev.rle_counts(mask), *mask.shape), mask)
        return rle

    def test_empty_full_single_pixel(self):
        self.assertEqual(ev.rle_counts(np.zeros((3, 5), bool)), [15])
        self.assertEqual(ev.rle_counts(np.ones((3, 5), bool)), [0, 15])
        m = np.zeros((3, 4), bool)
        m[1, 2] = True                           # column-major index 2*3 + 1 = 7
        self.assertEqual(ev.rle_counts(m), [7, 1, 4])
        for mask in (np.zeros((3, 5), bool), np.ones((3, 5), bool), m):
            self.round_trip(mask)

    def test_checkerboard_and_odd_sizes(self):
        cb = (np.add.outer(np.arange(7), np.arange(5)) % 2 == 0)
        self.assertEqual(ev.rle_counts(cb), [0] + [1] * 35)
        self.round_trip(cb)
        rng = np.random.default_rng(0)
        for h, w in [(1, 1), (1, 9), (9, 1), (13, 7), (64, 64), (63, 65)]:
            self.round_trip(rng.random((h, w)) < 0.3)

    def test_compressed_strings_hand_checked(self):
        # 5-bit groups + 48, continuation bit 0x20, sign bit 0x10; counts[i] - counts[i-2] for i > 2
        self.assertEqual(ev.counts_to_string([2, 2]), "22")          # [[0,1],[0,1]]
        self.assertEqual(ev.rle_counts(np.array([[0, 1], [0, 1]], bool)), [2, 2])
        self.assertEqual(ev.counts_to_string([0, 1, 2, 1]), "0120")  # 1 - 1 = 0 for i = 3
        self.assertEqual(ev.counts_to_string([40]), "X1")            # 40 = 8 + 32*1: (8|0x20)+48, 1+48
        self.assertEqual(ev.counts_to_string([5, 10, 1, 2]), "5:1H")  # 2 - 10 = -8 -> 24 + 48
        for counts in ([2, 2], [0, 1, 2, 1], [40], [5, 10, 1, 2], [0, 4096, 3, 1, 70000, 2]):
            self.assertEqual(ev.string_to_counts(ev.counts_to_string(counts)), counts)


class ImportTest(unittest.TestCase):
    # a whole decode + evaluate with the second stage, in a fresh interpreter
    REFINED_EVAL = """
import sys
import numpy as np
from addp import dense_eval as ev
heat = np.zeros((1, 10, 16, 16))
heat[0, 3, 5, 5] = 0.9
out = {"presence": np.zeros((1, 10)), "heatmap": heat, "size": np.full((1, 2, 16, 16), 20.0),
       "offset": np.zeros((1, 2, 16, 16)), "seg": np.ones((1, 11, 64, 64))}
det = {"stride": 4, "peak_kernel": 3, "max_detections": 100, "min_score": 0.05, "nms_iou": 0.5,
       "refine": {"min_score": 0.1, "score": "peak", "none_class": 10, "paint_min_score": 0.3}}
fig = ev.evaluate(out, [np.array([[10.0, 10.0, 20.0, 20.0]])], [np.array([7])], np.zeros((1, 64, 64), np.int64),
                  det, crop_probs=[np.eye(11)[[7]]])
assert fig["ap50"] == 1.0, fig
print(sorted(m for m in ("torch", "addp.crops") if m in sys.modules))
"""

    def test_decoding_and_evaluation_import_neither_torch_nor_the_crop_classifier(self):
        models = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run([sys.executable, "-c", self.REFINED_EVAL], cwd=models, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "[]")


if __name__ == "__main__":
    unittest.main()
