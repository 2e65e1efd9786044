"""Released-checkpoint importer/exporter. The real weights cannot be downloaded here, so the
tests build random models in the released key layout. Full-size ViT-B/16 and ViT-L/16 run only
with ADDP_SLOW_TESTS=1 (minutes, several GB of RAM and temp disk)."""
import json
import os
import pickle
import tempfile
import unittest

import torch

from helpers import tiny_addp, tiny_classifier
from test_export import check_graph_io
from addp import export, released
from addp.addp import ADDP
from addp.classifier import ViTClassifier

SLOW = os.environ.get("ADDP_SLOW_TESTS") == "1"


def released_layout(model, predictor_keys=True):
    """A state dict as the released files hold it: ADDP + unused tables + the MAGE predictor."""
    sd = dict(model.state_dict())
    n1, D = model.pos_embed.shape[1:]
    for k in ("decoder_pos_embed", "pos_token_embed", "pos_mask_embed"):
        sd[k] = torch.zeros(1, n1, D)
    p = model.config["patch"]
    sd["decoder_pred.weight"] = torch.zeros(p * p * 3, D)
    sd["decoder_pred.bias"] = torch.zeros(p * p * 3)
    if predictor_keys:
        sd["token_predictor.token_emb.position_ids"] = torch.arange(n1)[None]
        sd["token_predictor.blocks.0.attn.qkv.weight"] = torch.zeros(3 * D, D)
    return {"model": sd}


class _WritesAFile:
    """Unpickling this calls open(path, "w"): what a crafted checkpoint would do, harmlessly."""
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class UntrustedCheckpointTest(unittest.TestCase):
    def test_a_checkpoint_that_runs_code_is_refused_without_running_it(self):
        m = tiny_addp(seed=3)
        with tempfile.TemporaryDirectory() as tmp:
            marker = os.path.join(tmp, "ran")
            path = os.path.join(tmp, "evil.pth")
            ck = released_layout(m)
            ck["extra"] = _WritesAFile(marker)
            torch.save(ck, path)
            for load in (lambda: released.load_addp(path, m.config), lambda: released.read_checkpoint(path)):
                with self.assertRaises(pickle.UnpicklingError) as err:
                    load()
                self.assertIn("evil.pth", str(err.exception))
                self.assertFalse(os.path.exists(marker), "the payload ran")
            # the payload is real: torch's default (unsafe) loader runs it
            torch.load(path, map_location="cpu")["extra"].close()
            self.assertTrue(os.path.exists(marker))

    def test_weights_only_still_reads_the_released_layout(self):
        m = tiny_addp(seed=4)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "ckpt.pth")
            torch.save(released_layout(m), path)
            self.assertIn("model", released.read_checkpoint(path))


class ReleasedLayoutTest(unittest.TestCase):
    def test_roundtrip_small(self):
        m = tiny_addp(seed=3)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "ckpt.pth")
            torch.save(released_layout(m), path)
            loaded = released.load_addp(path, m.config)
        for k, v in m.state_dict().items():
            self.assertTrue(torch.equal(v, loaded.state_dict()[k]), k)

    def test_unknown_or_missing_keys_fail(self):
        m = tiny_addp()
        ck = released_layout(m)
        ck["model"]["surprise.weight"] = torch.zeros(1)
        with self.assertRaises(RuntimeError):
            released.load_addp(ck, m.config)
        ck = released_layout(m)
        del ck["model"]["decoder_pos_mask_embed"]
        with self.assertRaises(RuntimeError):
            released.load_addp(ck, m.config)

    def test_manifest_recognition_block(self):
        m = tiny_addp(seed=1)
        with tempfile.TemporaryDirectory() as tmp:
            released.export_released(m, tiny_classifier(m), tmp, "base")
            with open(os.path.join(tmp, "manifest.json")) as f:
                self.assertEqual(json.load(f)["recognition"], export.CLASSIFIER_RECOGNITION)
            released.export_released(m, None, tmp, "base")
            with open(os.path.join(tmp, "manifest.json")) as f:
                self.assertNotIn("recognition", json.load(f))

    def test_released_key_names(self):
        keys = set(ADDP(dict(released.addp_config("base"), depth=1, dec_depth=1)).state_dict())
        for k in ("vqgan.quantize.embedding.weight", "vqgan.decoder.up.4.block.1.conv2.weight",
                  "patch_embed.proj.weight", "cls_token", "pos_embed", "tokenizer_norm.weight",
                  "blocks.0.attn.qkv.weight", "blocks.0.mlp.fc2.bias", "norm.weight",
                  "decoder_embed.weight", "mask_token", "decoder_pos_embed_learned",
                  "decoder_pos_mask_embed", "decoder_pos_token_embed", "decoder_blocks.0.norm1.weight",
                  "decoder_norm.bias", "token_emb.weight", "mlm_layer.fc.weight", "mlm_layer.ln.weight",
                  "mlm_layer.bias"):
            self.assertIn(k, keys)


@unittest.skipUnless(SLOW, "set ADDP_SLOW_TESTS=1 for the full-size ViT-B/16 and ViT-L/16 export")
class FullSizeExportTest(unittest.TestCase):
    def export_size(self, size, golden):
        torch.manual_seed(0)
        model = ADDP(released.addp_config(size))
        cls = ViTClassifier(released.classifier_config(size))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "addp.pth")
            torch.save(released_layout(model), path)
            ft = os.path.join(tmp, "ft.pth")
            torch.save({"model": cls.state_dict()}, ft)
            del model, cls
            model = released.load_addp(path, released.addp_config(size))
            cls = released.load_classifier(ft, size)
            os.remove(path)
            out = os.path.join(tmp, "zoo")
            released.export_released(model, cls, out, size, golden=golden, check=golden)
            graphs = export.io_spec(model, cls)
            self.assertEqual(graphs["gen_step"][0][2][2], ["batch", 256, 1024])
            with open(os.path.join(out, "manifest.json")) as f:
                manifest = json.load(f)
            for name, spec in manifest["graphs"].items():
                check_graph_io(self, os.path.join(out, spec["file"]), spec)
            self.assertEqual(manifest["tokens"], {"grid": [16, 16], "count": 256, "codebook_size": 1024})
            self.assertEqual(manifest["recognition"], export.CLASSIFIER_RECOGNITION)

    def test_base(self):
        self.export_size("base", golden=True)

    def test_large(self):
        self.export_size("large", golden=False)


if __name__ == "__main__":
    unittest.main()
