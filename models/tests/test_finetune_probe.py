import os
import tempfile
import unittest

import torch

from helpers import tiny_addp, tiny_classifier
from addp import classifier, export, readback


def distinct(model):
    """Every parameter different from every other, like trained weights: the exporter stores equal
    constants once (fresh LayerNorms are all ones), and a swapped or missed tensor must show."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)


class EncoderFromGenStepTest(unittest.TestCase):
    """The probe must get back exactly the encoder that went into gen_step.onnx."""

    def test_round_trip_through_the_exported_graph(self):
        model = tiny_addp(seed=3)
        distinct(model)
        with tempfile.TemporaryDirectory() as d:
            export.export_graphs(model, tiny_classifier(model), d)
            n = (model.config["img_size"] // model.config["patch"]) ** 2
            got = readback.encoder_state_from_gen_step(os.path.join(d, "gen_step.onnx"), n)
        want = model.state_dict()
        keys = [k for k in want if k.startswith(classifier.ENCODER_KEYS) and k not in ("pos_embed", "cls_token")]
        self.assertTrue(any(k.endswith("attn.qkv.weight") for k in keys))
        for k in keys:
            torch.testing.assert_close(got[k], want[k], rtol=0, atol=0, msg=k)
        torch.testing.assert_close(got["pos_embed"][:, 1:], want["pos_embed"][:, 1:], rtol=0, atol=0)
        torch.testing.assert_close(got["cls_token"], want["cls_token"] + want["pos_embed"][:, :1], rtol=0, atol=1e-7)

    def test_the_classifier_sees_the_same_function(self):
        model = tiny_addp(seed=4)
        distinct(model)
        with tempfile.TemporaryDirectory() as d:
            export.export_graphs(model, tiny_classifier(model), d)
            got = readback.encoder_state_from_gen_step(os.path.join(d, "gen_step.onnx"), 64)
        a, b = tiny_classifier(model), tiny_classifier(model)
        b.load_state_dict(a.state_dict())
        a.load_encoder(model.state_dict())
        b.load_encoder(got)
        x = torch.rand(3, 3, 32, 32)
        torch.testing.assert_close(a(x)[1], b(x)[1], rtol=0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
