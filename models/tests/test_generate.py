import unittest

import numpy as np
import torch

from helpers import tiny_addp, tiny_mage
from addp import export, generate, schedule

N, K = 64, 32


def fake_fns(seed=0):
    """Step function with input-dependent random logits; records what it was called with."""
    calls = []
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(K, N, K)).astype(np.float32)

    def step_fn(ids, mask, p):
        calls.append((ids.copy(), mask.copy(), p.copy()))
        return np.zeros((len(ids), 3, 32, 32), np.float32), table[ids[:, 0]]

    def render_fn(ids, mask, p):
        calls.append((ids.copy(), mask.copy(), p.copy()))
        return np.ones((len(ids), 3, 32, 32), np.float32)
    return step_fn, render_fn, calls


class LoopTest(unittest.TestCase):
    def run_fake(self, steps=20, schedule_name="cosine", seed=3, **kw):
        step_fn, render_fn, calls = fake_fns()
        const = np.random.default_rng(9).normal(size=(N, K)).astype(np.float32)
        px, trace = generate.run_loop(step_fn, render_fn, const, 4, steps, seed=seed,
                                      schedule_name=schedule_name, record=True, **kw)
        return px, trace, calls

    def test_no_token_revealed_while_ceil_is_n(self):
        _, trace, calls = self.run_fake()
        for st in trace:
            if schedule.n_masked_after(st["s"], 20, N) == N:
                self.assertTrue(np.all(np.array(st["mask"]) == 1))
        self.assertEqual([st["n_next"] for st in trace[:3]], [64, 64, 63])

    def test_exactly_one_soft_token_after_last_step(self):
        _, trace, calls = self.run_fake()
        last_mask = np.array(trace[-1]["mask"])
        self.assertTrue(np.all(last_mask.sum(1) == 1))
        ids, mask, p = calls[-1]                     # render gets that mask and this step's p
        self.assertTrue(np.array_equal(mask, last_mask.astype(bool)))
        self.assertEqual(len(calls), 20)             # 19 gen_step calls + 1 render

    def test_masks_shrink_and_reliable_ids_stay(self):
        _, trace, _ = self.run_fake()
        for a, b in zip(trace, trace[1:]):
            ma, mb = np.array(a["mask"]), np.array(b["mask"])
            self.assertFalse(np.any(mb & ~ma))       # once reliable, always reliable
            rel = ma == 0
            self.assertTrue(np.array_equal(np.array(a["ids"])[rel], np.array(b["ids"])[rel]))
            self.assertTrue(np.all(mb.sum(1) == b["n_next"]))

    def test_replay_from_recorded_uniforms(self):
        px, trace, _ = self.run_fake(seed=11)
        uniforms = [np.stack([np.array(t["u_sample"]), np.array(t["u_gumbel"])], axis=1) for t in trace]
        step_fn, render_fn, _ = fake_fns()
        const = np.random.default_rng(9).normal(size=(N, K)).astype(np.float32)
        _, trace2 = generate.run_loop(step_fn, render_fn, const, 4, 20, uniforms=uniforms, record=True)
        self.assertEqual([t["ids"] for t in trace], [t["ids"] for t in trace2])
        self.assertEqual([t["mask"] for t in trace], [t["mask"] for t in trace2])

    def test_uniform_layout(self):
        # per step and image: u_sample[N] then u_gumbel[N] from one PCG64 stream
        _, trace, _ = self.run_fake(seed=5)
        rng = np.random.default_rng(5)
        u = rng.random((4, 2, N))
        self.assertEqual(trace[0]["u_sample"], u[:, 0].tolist())
        self.assertEqual(trace[0]["u_gumbel"], u[:, 1].tolist())

    def test_allmasked_steps_use_the_constant_logits(self):
        _, trace, calls = self.run_fake()
        const = np.random.default_rng(9).normal(size=(N, K)).astype(np.float32)
        p_const = generate.softmax32(const, 1.0)
        for s in range(3):                            # input masks of steps 0, 1, 2 are all ones
            self.assertTrue(np.array_equal(calls[s][2], np.broadcast_to(p_const, (4, N, K))))

    def test_linear_schedule(self):
        _, trace, _ = self.run_fake(steps=64, schedule_name="linear")
        self.assertEqual([t["n_next"] for t in trace], list(range(63, 0, -1)) + [1])

    def test_inverse_cdf_matches_searchsorted(self):
        rng = np.random.default_rng(0)
        p = generate.softmax32(rng.normal(size=(3, N, K)).astype(np.float32) * 3, 1.0)
        u = rng.random((3, N))
        got = generate.sample_inverse_cdf(p, u)
        for b in range(3):
            for i in range(N):
                cdf = np.cumsum(p[b, i].astype(np.float64))
                want = min(np.searchsorted(cdf, u[b, i] * cdf[-1], side="right"), K - 1)
                self.assertEqual(got[b, i], want)

    def test_choose_mask_ties_and_reliable(self):
        p = np.full((1, 6, 4), 0.25, np.float32)
        ids = np.zeros((1, 6), np.int64)
        mask = np.array([[True, True, False, True, True, True]])
        new = generate.choose_mask(p, ids, mask, np.full((1, 6), 0.5), 0.0, 3)
        # equal confidences: the lowest positions win; the reliable position 2 is never chosen
        self.assertEqual(new.astype(int).tolist(), [[1, 1, 0, 1, 0, 0]])


class ModelLoopTest(unittest.TestCase):
    def test_addp_and_mage_loops_run(self):
        m = tiny_addp()
        step, render = export.GenStep(m).eval(), export.Render(m).eval()
        const = export.allmask_logits(step)
        px = generate.generate_many(*generate.torch_fns(step, render), const, 5, 3, 6, seed=0)
        self.assertEqual(px.shape, (5, 3, 32, 32))
        self.assertTrue(0.0 <= px.min() and px.max() <= 1.0)
        pred = tiny_mage()
        mconst = pred.codebook_logits(torch.zeros(1, 64, dtype=torch.long),
                                      torch.ones(1, 64, dtype=torch.bool))[0].detach().numpy()
        px2 = generate.generate_many(*generate.mage_fns(pred, render), mconst, 2, 2, 6, seed=0)
        self.assertEqual(px2.shape, (2, 3, 32, 32))

    def test_gen_step_allmasked_logits_are_the_cached_constant(self):
        m = tiny_addp()
        step = export.GenStep(m).eval()
        const = export.allmask_logits(step)
        with torch.no_grad():
            _, lg = step(torch.randint(0, 32, (3, 64)), torch.ones(3, 64),
                         torch.softmax(torch.randn(3, 64, 32), -1))
        self.assertTrue(np.allclose(lg.numpy(), const[None], atol=1e-6))


if __name__ == "__main__":
    unittest.main()
