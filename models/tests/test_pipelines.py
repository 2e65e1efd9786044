"""The training pipelines run as the commands the README gives (`python3 -m addp.<pipeline>
--quick`), on tiny data and budgets, into a temporary folder: every stage finishes and writes what
the next one reads (the zoo's committed files are only read)."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch

from addp import data, paths

HAS_DATA = os.path.exists(os.path.join(data.DATA_DIR, "train-images-idx3-ubyte.gz"))


def run(*args):
    """python3 -m <args> from models/, one torch thread; fails the test with the command's output."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    res = subprocess.run([sys.executable, "-m", *args], cwd=paths.MODELS, env=env, capture_output=True,
                         text=True, timeout=1800)
    if res.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {res.returncode}:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}")
    return res.stdout


def final_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    assert not os.path.exists(path + ".partial"), f"{path}.partial left behind"
    return ck


@unittest.skipUnless(HAS_DATA, "Fashion-MNIST (Debian dataset-fashion-mnist) not installed")
class PipelineTest(unittest.TestCase):
    def test_train_all_runs_its_first_stages(self):
        with tempfile.TemporaryDirectory() as d:
            run("addp.train_all", "--quick", "--until", "addp", "--work", d, "--zoo", os.path.join(d, "zoo"))
            with open(os.path.join(d, "results.json")) as f:
                results = json.load(f)
            self.assertEqual(results["done"], ["vq", "tokens", "mage", "addp"])
            for name, steps in (("vq.pt", 20), ("mage.pt", 30), ("addp.pt", 20)):
                self.assertEqual(final_checkpoint(os.path.join(d, name))["state"]["step"], steps, name)

    def test_train_gen_continues_the_committed_generators(self):
        committed = os.path.join(paths.ZOO, "addp-fmnist", "checkpoints")
        prior = {n: torch.load(os.path.join(committed, n), map_location="cpu")["total_steps"]
                 for n in ("mage.pt", "addp.pt")}
        with tempfile.TemporaryDirectory() as d:
            out = run("addp.train_gen", "--quick", "--more", "2", "--work", d)
            self.assertIn("=== stage addp done", out)
            for name in ("mage.pt", "addp.pt"):
                ck = final_checkpoint(os.path.join(d, "checkpoints", name))
                self.assertNotIn("opt", ck, "published checkpoints are optimiser-free")
                self.assertEqual(ck["total_steps"], prior[name] + 2, name)

    def test_train_dense_then_its_export(self):
        with tempfile.TemporaryDirectory() as d:
            run("addp.train_dense", "--quick", "--no-export", "--budget-min", "0.02", "--out", d)
            for name in ("addp", "scratch"):
                st = final_checkpoint(os.path.join(d, f"{name}.pt"))["state"]
                self.assertGreaterEqual(st["step"], 1)
                self.assertTrue(st["val"], "the final validation is recorded")
            self.assertIn("finished already: skipped",
                          run("addp.train_dense", "--quick", "--no-export", "--out", d))
            run("addp.dense_export", "--quick", "--work", d, "--val-count", "8", "--eval-count", "8",
                "--test-count", "8")
            out = os.path.join(d, "addp-fmnist-dense")
            with open(os.path.join(out, "manifest.json")) as f:
                graph = json.load(f)["graphs"]["dense"]
            with open(os.path.join(out, graph["file"]), "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), graph["sha256"])
            self.assertTrue(os.path.exists(os.path.join(out, "golden", "dense", "case.json")))

    def test_train_crops_continues_a_finished_run(self):
        with tempfile.TemporaryDirectory() as d:
            first, second = os.path.join(d, "first"), os.path.join(d, "second")
            run("addp.train_crops", "--quick", "--budget-min", "0.02", "--models", "addp", "--out", first)
            done = final_checkpoint(os.path.join(first, "addp.pt"))["state"]
            run("addp.train_crops", "--quick", "--budget-min", "0.02", "--models", "addp", "--out", second,
                "--init-from", first)
            st = final_checkpoint(os.path.join(second, "addp.pt"))["state"]
            self.assertEqual(st["earlier_run"]["steps"], done["step"])
            self.assertEqual(st["val"][0]["item_accuracy"], done["val"][-1]["item_accuracy"],
                             "the second run starts from the first one's weights")


if __name__ == "__main__":
    unittest.main()
