"""The second dense stage's rules (models/DENSE_CONTRACT.md, "Second stage"): the crop sampler,
the rescoring, the painting of the semantic map, and the shipped crops.onnx's golden case."""
import json
import os
import unittest

import numpy as np
import torch

from addp import crops, dense_eval

ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo", "addp-fmnist-dense")


class CropRuleTest(unittest.TestCase):
    def test_grid_sample_is_the_written_rule_inside_and_outside_the_canvas(self):
        rng = np.random.default_rng(0)
        img = rng.random((2, 3, 64, 64))
        boxes = [(0, [10.5, 12.25, 20.0, 30.0]), (1, [-6.0, 55.0, 18.0, 9.5]), (0, [30.2, 3.1, 0.2, 0.1])]
        got = crops.crop(torch.from_numpy(img).float(), np.array([i for i, _ in boxes]),
                         np.array([b for _, b in boxes]), 32, 1.15).numpy()
        for k, (i, b) in enumerate(boxes):
            np.testing.assert_allclose(got[k], crops.crop_numpy(img[i], b, 32, 1.15), atol=1e-5)

    def test_a_tiny_box_still_samples_a_one_pixel_square(self):
        x0, y0, side = crops.square([[10.0, 10.0, 0.0, 0.0]], 1.15)
        self.assertEqual(side[0], 1.0)
        self.assertEqual((x0[0], y0[0]), (9.5, 9.5))

    def test_no_crops_for_no_boxes(self):
        self.assertEqual(crops.crop(torch.zeros(1, 3, 64, 64), [], np.zeros((0, 4)), 32, 1.15).shape, (0, 3, 32, 32))


class RefineTest(unittest.TestCase):
    PROBS = np.array([[0.1, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3],
                      [0.0, 0.0, 0.2, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.6]])

    def test_labels_ignore_the_no_item_class_and_ties_go_to_the_lower_class(self):
        labels, _ = dense_eval.refine(self.PROBS, [0.5, 0.8], "peak", 10)
        np.testing.assert_array_equal(labels, [1, 2])

    def test_score_modes(self):
        peak = [0.5, 0.8]
        np.testing.assert_allclose(dense_eval.refine(self.PROBS, peak, "peak", 10)[1], [0.5, 0.8])
        np.testing.assert_allclose(dense_eval.refine(self.PROBS, peak, "peak_times_prob", 10)[1], [0.3, 0.16])
        np.testing.assert_allclose(dense_eval.refine(self.PROBS, peak, "peak_times_item", 10)[1], [0.35, 0.32])
        np.testing.assert_allclose(dense_eval.refine(self.PROBS, peak, "sqrt_peak_times_prob", 10)[1],
                                   np.sqrt([0.3, 0.16]))
        with self.assertRaises(ValueError):
            dense_eval.refine(self.PROBS, peak, "max", 10)

    def test_decode_relabels_resorts_then_suppresses_by_the_new_class(self):
        heat = np.zeros((10, 16, 16))
        heat[3, 5, 5], heat[4, 5, 6] = 0.9, 0.7        # two peaks on one item, different classes
        size = np.full((2, 16, 16), 20.0)
        offset = np.full((2, 16, 16), 0.5)
        det = {"stride": 4, "peak_kernel": 3, "max_detections": 100, "min_score": 0.05, "nms_iou": 0.5,
               "refine": {"min_score": 0.1, "score": "peak_times_prob", "none_class": 10}}
        probs = np.zeros((2, 11))
        probs[0, 7], probs[0, 10] = 0.2, 0.8          # the stronger peak's crop is barely an item ...
        probs[1, 7] = 1.0                              # ... the weaker one's surely class 7
        boxes, scores, labels = dense_eval.decode(heat, size, offset, det, crop_probs=probs)
        np.testing.assert_array_equal(labels, [7])     # same class now: NMS keeps the higher new score
        np.testing.assert_allclose(scores, [0.7])


class PaintTest(unittest.TestCase):
    def test_only_foreground_inside_boxes_above_the_threshold_and_the_higher_score_wins(self):
        semantic = np.zeros((8, 8), np.uint8)
        semantic[1:7, 1:7] = 3
        boxes = np.array([[0, 0, 4, 8], [2, 0, 6, 8], [0, 0, 8, 8]], np.float64)
        out = dense_eval.paint(semantic, boxes, np.array([0.9, 0.5, 0.05]), np.array([0, 1, 5]), 0.3)
        self.assertTrue((out[semantic == 0] == 0).all())          # background stays background
        self.assertTrue((out[1:7, 1:4] == 1).all())               # box 0 (0.9) over box 1 where they overlap
        self.assertTrue((out[1:7, 4:7] == 2).all())               # box 1 alone; box 2 is below 0.3

    def test_equal_scores_the_later_box_wins(self):
        semantic = np.ones((4, 4), np.uint8)
        out = dense_eval.paint(semantic, np.array([[0, 0, 4, 4], [0, 0, 4, 4]], np.float64), np.array([0.5, 0.5]),
                          np.array([2, 6]), 0.1)
        self.assertTrue((out == 7).all())


@unittest.skipUnless(os.path.exists(os.path.join(ZOO, "crops.onnx")), "no second stage in the zoo")
class ShippedCropsTest(unittest.TestCase):
    def test_manifest_refine_block_and_golden_crops_follow_the_rule(self):
        with open(os.path.join(ZOO, "manifest.json")) as f:
            manifest = json.load(f)
        refine = manifest["recognition"]["heads"]["detection"]["refine"]
        self.assertEqual(refine["kind"], "crop_classifier")
        self.assertIn(refine["graph"], manifest["graphs"])
        with open(os.path.join(ZOO, "golden", "crops", "case.json")) as f:
            case = json.load(f)
        from addp import data
        scenes_dir = os.path.join(os.path.dirname(ZOO), "scenes-test")
        images = data.read_idx(os.path.join(scenes_dir, "images.idx.gz"))
        want = np.fromfile(os.path.join(ZOO, "golden", "crops", "crops.in.bin"), np.float32).reshape(
            case["inputs"]["crops"]["shape"])
        for k, c in enumerate(case["crop_of"]):
            img = images[c["scene_index"]].transpose(2, 0, 1).astype(np.float64) / 255.0
            got = crops.crop_numpy(img, c["box_xywh"], case["crop_size"], case["crop_scale"])
            np.testing.assert_allclose(got, want[k], atol=1e-5)


if __name__ == "__main__":
    unittest.main()
