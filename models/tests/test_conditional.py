import unittest

import numpy as np
import torch

from helpers import VQ_TINY
from addp import addp, export, generate, mage


def tiny_conditional(seed=0):
    torch.manual_seed(seed)
    cfg = dict(addp.small_config(VQ_TINY, n_classes=10), dim=32, depth=2, heads=2, dec_depth=2, dec_heads=2)
    return addp.ADDP(cfg).eval()


class ConditionalTest(unittest.TestCase):
    """Class conditioning through the vocabulary's class rows (fake class K, mask K+1, class c K+2+c)."""

    def test_slot_ids(self):
        cfg = mage.small_config(256, n_classes=10)
        ids = mage.class_slot_ids(cfg, torch.tensor([0, 9, 10, -1]))
        self.assertEqual(ids.tolist(), [258, 267, 256, 256])
        self.assertEqual(cfg["vocab_size"], 268)

    def test_static_decoder_equals_the_variable_length_one_with_a_label(self):
        m = tiny_conditional()
        N = m.n_tokens
        ids = torch.randint(0, 32, (2, N))
        mask = torch.zeros(2, N, dtype=torch.bool)
        mask[:, : N // 2] = True
        h = m.encode(torch.rand(2, 3, 32, 32))
        lab = torch.tensor([3, 10])
        a = m.decode(h, ids, mask, static=False, labels=lab)
        b = m.decode(h, ids, mask, static=True, labels=lab)
        self.assertLess((a - b).abs().max().item(), 1e-5)

    def test_label_changes_the_logits_and_all_masked_constants_are_per_label(self):
        m = tiny_conditional()
        step = export.GenStep(m).eval()
        const = export.allmask_logits(step, [0, 1, 10])
        self.assertEqual(const.shape, (3, m.n_tokens, 32))
        self.assertGreater(np.abs(const[0] - const[1]).max(), 1e-4)
        # "no class" is the fake class id, as an unconditional call
        none = export.allmask_logits(step, [10])[0]
        np.testing.assert_allclose(const[2], none, atol=1e-6)

    def test_guidance_mixes_the_label_and_no_class_logits(self):
        m = tiny_conditional()
        step = export.GenStep(m).eval()
        N = m.n_tokens
        ids, mask = torch.randint(0, 32, (3, N)), (torch.rand(3, N) < 0.5).float()
        probs = torch.softmax(torch.randn(3, N, 32), -1)
        lab = torch.tensor([4, 4, 10])
        with torch.no_grad():
            _, plain = step(ids, mask, probs, lab)
            _, none = step(ids, mask, probs, torch.full_like(lab, 10))
            _, zero = step(ids, mask, probs, lab, torch.zeros(3))
            _, guided = step(ids, mask, probs, lab, torch.tensor([0.0, 2.0, 2.0]))
        self.assertTrue(torch.equal(zero, plain))              # w = 0: the label's logits exactly
        self.assertTrue(torch.equal(guided[0], plain[0]))
        self.assertTrue(torch.equal(guided[2], plain[2]))      # no class: guidance does nothing
        torch.testing.assert_close(guided[1], plain[1] + 2.0 * (plain[1] - none[1]))
        self.assertGreater((guided[1] - plain[1]).abs().max().item(), 1e-4)
        # the all-masked constant of (label, w) is the contract's float32 mix of the w = 0 constants
        # (to rounding: a batch of one and a batch of two round the decoder's sums differently)
        c = export.allmask_logits(step, [4, 10])
        cw = export.allmask_logits(step, [4], 1.5)[0]
        d = (c[0] - c[1]).astype(np.float32)
        np.testing.assert_allclose(cw, c[0] + np.float32(1.5) * d, atol=1e-5, rtol=0)
        self.assertIn(("guidance", "float32", ["batch"]), export.io_spec(m, None)["gen_step"][0])

    def test_conditional_loop_runs_and_mage_takes_labels(self):
        m = tiny_conditional()
        step, render = export.GenStep(m).eval(), export.Render(m).eval()
        lab = [5, 10]
        px, _ = generate.run_loop(*generate.torch_fns(step, render, lab), export.allmask_logits(step, lab), 2, 4, seed=0)
        self.assertEqual(px.shape, (2, 3, 32, 32))
        torch.manual_seed(0)
        cfg = dict(mage.small_config(32, n_classes=10), dim=32, depth=1, heads=2, dec_dim=32, dec_depth=1, dec_heads=2)
        p = mage.MagePredictor(cfg).eval()
        ids = torch.randint(0, 32, (2, 64))
        mask = torch.rand(2, 64) < 0.5
        a, b = p.probs(ids, mask, torch.tensor([1, 1])), p.probs(ids, mask, torch.tensor([2, 2]))
        self.assertGreater((a - b).abs().max().item(), 1e-6)


if __name__ == "__main__":
    unittest.main()


class ReadbackTest(unittest.TestCase):
    """The whole unconditional generator comes back exactly out of an exported gen_step.onnx."""

    def test_generator_read_back_from_gen_step_is_exact(self):
        import json
        import os
        import tempfile

        from helpers import tiny_addp
        from addp import readback

        m = tiny_addp()
        with torch.no_grad():   # trained weights: the exporter shares identical constants (fresh norms are all 1/0)
            for p in m.parameters():
                p.add_(0.01 * torch.randn_like(p))
        with tempfile.TemporaryDirectory() as d:
            export.export_graphs(m, None, d)
            cfg = {k: v for k, v in m.config.items() if k != "vq"}
            with open(os.path.join(d, "manifest.json"), "w") as f:
                json.dump({"training": {"model_configs": {"addp": cfg, "vq": m.config["vq"]}}}, f)
            back = readback.addp_from_gen_step(d)
        x = export.example_inputs(export.io_spec(m, None)["gen_step"][0], 3, seed=5)
        with torch.no_grad():
            a = export.GenStep(m).eval()(*x.values())
            b = export.GenStep(back).eval()(*x.values())
        for u, v in zip(a, b):
            self.assertEqual((u - v).abs().max().item(), 0.0)
