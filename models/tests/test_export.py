import json
import os
import tempfile
import unittest

import numpy as np
import onnx

from helpers import tiny_addp, tiny_classifier
from addp import export

GEN = {"schedule": "cosine", "steps": 8, "temperature": 1.0, "choice_temperature": 6.0, "mask_ratio": 1.0}


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_graph_io(test, path, graph_spec):
    """The ONNX file's inputs/outputs must have exactly the manifest's names and shapes."""
    model = onnx.load(path)
    onnx.checker.check_model(model)
    test.assertEqual(model.opset_import[0].version, 17)
    for kind, infos in (("inputs", model.graph.input), ("outputs", model.graph.output)):
        got = [(i.name, dims(i)) for i in infos]
        want = [(s["name"], s["shape"]) for s in graph_spec[kind]]
        test.assertEqual(got, want, f"{path} {kind}")


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.addp = tiny_addp()
        cls.cls = tiny_classifier(cls.addp)
        cls.graphs = export.export_graphs(cls.addp, cls.cls, cls.dir)
        export.write_golden(cls.addp, cls.cls, cls.dir)
        export.write_traces(cls.addp, cls.dir, GEN, seeds=(7,), batch=2)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_graph_io_contract(self):
        self.assertEqual(sorted(self.graphs), ["classifier", "gen_step", "render"])
        for name, spec in self.graphs.items():
            check_graph_io(self, os.path.join(self.dir, spec["file"]), spec)
            self.assertEqual(len(spec["sha256"]), 64)
        self.assertEqual(self.graphs["gen_step"]["inputs"][2]["shape"], ["batch", 64, 32])

    def test_golden_files(self):
        for name in self.graphs:
            d = os.path.join(self.dir, "golden", name)
            with open(os.path.join(d, "case.json")) as f:
                case = json.load(f)
            self.assertEqual(case["tolerance"], 1e-4)
            for io in ("inputs", "outputs"):
                for t in case[io].values():
                    n = int(np.prod(t["shape"]))
                    size = os.path.getsize(os.path.join(d, t["file"]))
                    self.assertEqual(size, n * (8 if t["dtype"] == "int64" else 4))
                    self.assertIn(t["dtype"], ("float32", "int64"))
        with open(os.path.join(self.dir, "golden", "gen_step", "case.json")) as f:
            case = json.load(f)
        mask = np.fromfile(os.path.join(self.dir, "golden", "gen_step", "mask.in.bin"), "<f4")
        mask = mask.reshape(case["inputs"]["mask"]["shape"])
        self.assertEqual(mask[0].sum(), 64)          # one all-masked row, one nearly-all-masked
        self.assertEqual(mask[1].sum(), 63)

    def test_trace_format(self):
        with open(os.path.join(self.dir, "golden", "traces", "seed_7.json")) as f:
            t = json.load(f)
        for k in ("seed", "batch", "steps", "schedule", "temperature", "choice_temperature",
                  "tokens", "codebook_size", "steps_data", "final_images"):
            self.assertIn(k, t)
        self.assertEqual(len(t["steps_data"]), 8)
        st = t["steps_data"][-1]
        self.assertEqual(np.array(st["u_sample"]).shape, (2, 64))
        self.assertEqual(np.array(st["mask"]).sum(1).tolist(), [1, 1])
        img = np.fromfile(os.path.join(self.dir, "golden", "traces", t["final_images"]["file"]), "<f4")
        self.assertEqual(img.size, 2 * 3 * 32 * 32)
        self.assertTrue(np.allclose(img.reshape(2, -1).sum(1), st["image_sum"], rtol=1e-5))



class CommittedManifestRecognitionTest(unittest.TestCase):
    def test_classifier_model_names_its_recognition_head(self):
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "zoo", "addp-fmnist", "manifest.json")
        with open(path) as f:
            manifest = json.load(f)
        self.assertEqual(manifest["recognition"], export.CLASSIFIER_RECOGNITION)
        head = manifest["recognition"]["heads"]["classification"]
        outputs = [o["name"] for o in manifest["graphs"][manifest["recognition"]["graph"]]["outputs"]]
        self.assertIn(head["output"], outputs)


if __name__ == "__main__":
    unittest.main()
