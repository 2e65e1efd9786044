import os
import tempfile
import unittest

import numpy as np
import torch

from addp import data


class DataTest(unittest.TestCase):
    def test_idx_roundtrip(self):
        imgs = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
        labels = np.arange(5, dtype=np.uint8)
        with tempfile.TemporaryDirectory() as d:
            data.write_idx(os.path.join(d, "i.gz"), imgs)
            data.write_idx(os.path.join(d, "l.gz"), labels)
            self.assertTrue(np.array_equal(data.read_idx(os.path.join(d, "i.gz")), imgs))
            self.assertTrue(np.array_equal(data.read_idx(os.path.join(d, "l.gz")), labels))

    def test_pad_and_rgb(self):
        imgs = np.full((2, 28, 28), 255, np.uint8)
        x = data.to_rgb32(imgs)
        self.assertEqual(x.shape, (2, 3, 32, 32))
        self.assertEqual(float(x[:, :, 2:30, 2:30].min()), 1.0)
        self.assertEqual(float(x[:, :, :2].max()), 0.0)          # 2 px zero border
        self.assertEqual(float(x[:, :, :, 30:].max()), 0.0)
        self.assertTrue(torch.equal(x[:, 0], x[:, 2]))

    def test_augment(self):
        x = torch.rand(8, 3, 32, 32)
        flipped = data.augment(x, pad=0)               # flips only
        for a, b in zip(x, flipped):
            self.assertTrue(torch.equal(b, a) or torch.equal(b, a.flip(2)))
        shifted = data.augment(x, pad=2)               # translation drops pixels, adds zeros
        self.assertEqual(shifted.shape, x.shape)
        self.assertTrue((shifted.flatten(1).sum(1) <= x.flatten(1).sum(1) + 1e-4).all())

    @unittest.skipUnless(os.path.exists(os.path.join(data.DATA_DIR, "t10k-labels-idx1-ubyte.gz")),
                         "dataset-fashion-mnist not installed")
    def test_real_test_split(self):
        images, labels = data.load_split("test")
        self.assertEqual(images.shape, (10000, 28, 28))
        self.assertEqual(np.bincount(labels).tolist(), [1000] * 10)


if __name__ == "__main__":
    unittest.main()
