import math
import unittest

import numpy as np
import torch

from addp import schedule


class RatioGridTest(unittest.TestCase):
    def test_grid_matches_the_paper(self):
        r, p = schedule.ratio_grid()
        self.assertEqual(len(r), 66)
        self.assertAlmostEqual(r[0], 0.5090, places=4)
        self.assertAlmostEqual(r[-1], 0.99988, places=5)
        self.assertTrue(np.all(np.diff(r) > 0))
        self.assertAlmostEqual(p.sum(), 1.0, places=12)
        self.assertAlmostEqual(float((r * p).sum()), 0.745, places=2)   # E[r] from the note

    def test_float32_grid_gives_the_same_counts(self):
        # the official code builds the grid in float32; our float64 grid must not change a count
        k = torch.arange(101) / 100.0
        r32 = torch.cos(math.pi / 2 * k)
        r32 = np.sort(r32[(r32 >= 0.5) & (r32 < 1.0)].numpy())
        r64, _ = schedule.ratio_grid()
        for n in (64, 256):
            self.assertEqual([math.ceil(n * float(x)) for x in r32], [math.ceil(n * x) for x in r64])

    def test_counts_and_gaps(self):
        r, _ = schedule.ratio_grid()
        for n, lo, max_gap in ((256, 131, 17), (64, 33, 5)):
            counts = [math.ceil(n * x) for x in r]
            self.assertEqual((min(counts), max(counts)), (lo, n))
            gaps = [counts[min(j + d, 65)] - counts[j] for j in range(66) for d in range(1, 6)]
            self.assertEqual((min(gaps), max(gaps)), (0, max_gap))
        self.assertEqual(sum(math.ceil(256 * x) == 256 for x in r), 5)   # 5 largest: all masked

    def test_sample_counts_are_ordered(self):
        rng = np.random.default_rng(0)
        for _ in range(500):
            n_t, n_tp1 = schedule.sample_counts(64, rng)
            self.assertTrue(33 <= n_t <= n_tp1 <= 64)
            self.assertLessEqual(n_tp1 - n_t, 5)

    def test_nested_masks(self):
        g = torch.Generator().manual_seed(0)
        m_t, m_tp1 = schedule.nested_masks(32, 64, 40, 43, g)
        self.assertTrue(torch.equal(m_t.sum(1), torch.full((32,), 40)))
        self.assertTrue(torch.equal(m_tp1.sum(1), torch.full((32,), 43)))
        self.assertFalse((m_t & ~m_tp1).any())          # m_t is a subset of m_{t+1}
        self.assertFalse(torch.equal(m_t[0], m_t[1]))    # masks differ per sample


class GenerationScheduleTest(unittest.TestCase):
    def test_t20_cosine_256_matches_the_note(self):
        counts = [schedule.n_masked_after(s, 20, 256) for s in range(20)]
        self.assertEqual(counts, [256, 253, 249, 244, 237, 229, 219, 208, 195, 182, 167, 151, 134,
                                  117, 98, 80, 60, 41, 21, 1])

    def test_t20_cosine_64(self):
        counts = [schedule.n_masked_after(s, 20, 64) for s in range(20)]
        self.assertEqual(counts[:3], [64, 64, 63])   # ceil(64*gamma) = 64: nothing revealed
        self.assertEqual(counts[-1], 1)              # the clip leaves exactly one soft token
        self.assertTrue(all(a >= b for a, b in zip(counts, counts[1:])))

    def test_linear_one_token_per_step(self):
        counts = [schedule.n_masked_after(s, 64, 64, "linear") for s in range(64)]
        self.assertEqual(counts, list(range(63, 0, -1)) + [1])

    def test_inference_step_is_five_grid_steps(self):
        # pi/(2T) for T=20 equals 5 grid steps of pi/200: the largest training gap
        self.assertAlmostEqual(math.pi / 2 / 20, schedule.MAX_GAP * math.pi / 2 / schedule.GRID_POINTS)


if __name__ == "__main__":
    unittest.main()
