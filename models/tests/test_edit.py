import unittest

import numpy as np
import torch

from helpers import tiny_addp
from addp import export, generate


class EditLoopTest(unittest.TestCase):
    """Inpainting with the alternating loop on a tiny random ADDP: the region is regenerated, the rest
    is the source's tokens exactly, whatever the seed."""

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = tiny_addp().eval()
        cls.step = export.GenStep(cls.model).eval()
        cls.render = export.Render(cls.model).eval()
        N, K = cls.model.n_tokens, cls.model.config["codebook_size"]
        cls.source = np.random.default_rng(1).integers(0, K, size=(3, N)).astype(np.int64)
        grid = int(np.sqrt(N))
        cls.region = np.stack([generate.region_from_box((8, 8, 16, 16), 32, grid),
                               generate.region_from_box((0, 0, 32, 8), 32, grid),
                               np.zeros(N, bool)])

    def edit(self, seed):
        fns = generate.torch_fns(self.step, self.render)
        return generate.run_edit_loop(*fns, self.source, self.region, 8, seed=seed, record=True)

    def test_tokens_outside_region_equal_source_for_every_seed(self):
        for seed in (0, 1, 2):
            _, ids, trace = self.edit(seed)
            np.testing.assert_array_equal(ids[~self.region], self.source[~self.region])
            for st in trace:   # never masked outside the region either
                self.assertFalse(np.any(np.array(st["mask"], bool) & ~self.region))

    def test_region_differs_between_seeds(self):
        _, a, _ = self.edit(0)
        _, b, _ = self.edit(1)
        self.assertFalse(np.array_equal(a[0][self.region[0]], b[0][self.region[0]]))

    def test_empty_region_returns_the_source(self):
        _, ids, _ = self.edit(0)
        np.testing.assert_array_equal(ids[2], self.source[2])

    def test_region_counts_follow_the_schedule_scaled_to_the_region(self):
        _, _, trace = self.edit(0)
        n_region = self.region.sum(1)
        for st in trace:
            want = [generate.edit_counts(int(n), st["s"], 8) for n in n_region]
            self.assertEqual(st["n_next"], want)
            self.assertEqual(np.array(st["mask"]).sum(1).tolist(), want)

    def test_box_rule_cells_overlapping_by_any_area(self):
        r = generate.region_from_box((4, 4, 1, 1), 32, 8).reshape(8, 8)   # inside cell (1,1) only
        self.assertEqual(list(zip(*np.nonzero(r))), [(1, 1)])
        r = generate.region_from_box((4, 4, 4, 4), 32, 8).reshape(8, 8)   # exactly one cell: edges touch only
        self.assertEqual(list(zip(*np.nonzero(r))), [(1, 1)])
        r = generate.region_from_box((3, 3, 2, 2), 32, 8).reshape(8, 8)   # straddles four cells
        self.assertEqual(r.sum(), 4)
        self.assertEqual(generate.region_from_box((0, 0, 0, 5), 32, 8).sum(), 0)


if __name__ == "__main__":
    unittest.main()
