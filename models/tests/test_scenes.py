"""Scene generator (addp/scenes.py): determinism, consistent ground truth, item pools, and the
committed test set (zoo/scenes-test) against its checksum and the generator."""
import gzip
import hashlib
import json
import os
import unittest

import numpy as np

from addp import data, dense_eval, scenes

ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo", "scenes-test")
# sha256 of the decompressed arrays of the 1,000 test scenes (seed 3, Fashion-MNIST test items)
IMAGES_SHA = "b168747cd113a2fd6c641133e769a4c175bb8a0f5210e452516162b2014098ba"
SEMANTIC_SHA = "4c9c837e3c773dc5ca07596ac64bb0b8bb74852eaa79fde5c91f4b9029652103"


class ScenesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pools = {s: scenes.Pool(s) for s in ("train", "val", "test")}

    def test_same_seed_same_bits(self):
        a = scenes.make_scene(self.pools["train"], 1, 17)
        b = scenes.make_scene(self.pools["train"], 1, 17)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
        c = scenes.make_scene(self.pools["train"], 1, 18)
        self.assertFalse(np.array_equal(a["image"], c["image"]))

    def test_ground_truth_is_consistent(self):
        for i in range(40):
            s = scenes.make_scene(self.pools["val"], 2, i)
            k = len(s["labels"])
            self.assertTrue(1 <= k <= scenes.MAX_ITEMS)
            self.assertEqual(s["image"].shape, (64, 64, 3))
            self.assertLessEqual(s["masks"].sum(0).max(), 1)              # visible masks are disjoint
            sem = np.zeros((64, 64), np.uint8)
            for m, c, box in zip(s["masks"], s["labels"], s["boxes"]):
                self.assertGreaterEqual(m.sum(), 1)
                sem[m] = 1 + c
                ys, xs = np.nonzero(m)                                    # tight around visible pixels
                self.assertEqual(list(box), [xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()])
            np.testing.assert_array_equal(sem, s["semantic"])

    def test_pools_keep_train_val_and_test_items_apart(self):
        self.assertEqual(self.pools["test"].split, "test")
        tr = np.concatenate([scenes.make_scene(self.pools["train"], 1, i)["items"] for i in range(50)])
        va = np.concatenate([scenes.make_scene(self.pools["val"], 2, i)["items"] for i in range(50)])
        self.assertTrue((tr < scenes.VAL_START).all())
        self.assertTrue((va >= scenes.VAL_START).all() and (va < 60000).all())
        self.assertEqual(scenes.POOLS["test"][0], "test")
        self.assertNotEqual(scenes.POOLS["train"][0], scenes.POOLS["test"][0])
        # the test pool really is the test file: its first item is t10k image 0
        test_images, _ = data.load_split("test")
        np.testing.assert_array_equal(self.pools["test"].images[0], test_images[0])


@unittest.skipUnless(os.path.isdir(ZOO), "zoo/scenes-test not exported yet")
class CommittedTestScenesTest(unittest.TestCase):
    def test_checksums_and_generator_agree(self):
        images = data.read_idx(os.path.join(ZOO, "images.idx.gz"))
        semantic = data.read_idx(os.path.join(ZOO, "semantic.idx.gz"))
        with gzip.open(os.path.join(ZOO, "images.idx.gz")) as f:
            self.assertEqual(f.read(4), bytes([0, 0, 8, 4]))
        self.assertEqual(images.shape, (scenes.TEST_COUNT, 64, 64, 3))
        self.assertEqual(hashlib.sha256(images.tobytes()).hexdigest(), IMAGES_SHA)
        self.assertEqual(hashlib.sha256(semantic.tobytes()).hexdigest(), SEMANTIC_SHA)
        pool = scenes.Pool("test")
        for i in (0, 1, 999):
            s = scenes.make_scene(pool, scenes.SEEDS["test"], i)
            np.testing.assert_array_equal(s["image"], images[i])
            np.testing.assert_array_equal(s["semantic"], semantic[i])

    def test_instances_json(self):
        with open(os.path.join(ZOO, "instances.json")) as f:
            coco = json.load(f)
        self.assertEqual(len(coco["images"]), scenes.TEST_COUNT)
        self.assertEqual([c["id"] for c in coco["categories"]], list(range(1, 11)))
        s = scenes.make_scene(scenes.Pool("test"), scenes.SEEDS["test"], 0)
        anns = [a for a in coco["annotations"] if a["image_id"] == 1]
        self.assertEqual(len(anns), len(s["labels"]))
        for a, m, c, b in zip(anns, s["masks"], s["labels"], s["boxes"]):
            self.assertEqual(a["category_id"], c + 1)
            self.assertEqual(a["bbox"], [float(v) for v in b])
            self.assertEqual(a["area"], int(m.sum()))
            np.testing.assert_array_equal(dense_eval.decode_rle(a["segmentation"]), m)


if __name__ == "__main__":
    unittest.main()
