"""The dense model (addp/dense.py): output shapes and activations, the ADDP read-back into it
(position table interpolation included), targets and losses, and the ONNX export."""
import os
import tempfile
import unittest

import numpy as np
import onnx
import torch

from addp import dense, dense_export, scenes

ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo")
TINY = dict(dense.default_config(), dim=32, depth=1, heads=2, neck_dim=8, stem_dim=8, head_dim=8)


class DenseModelTest(unittest.TestCase):
    def test_outputs_follow_the_contract(self):
        torch.manual_seed(0)
        graph = dense.DenseGraph(dense.DenseModel(TINY)).eval()
        with torch.no_grad():
            presence, heat, size, offset, seg = graph(torch.rand(2, 3, 64, 64))
        self.assertEqual(presence.shape, (2, 10))
        self.assertEqual(heat.shape, (2, 10, 16, 16))
        self.assertEqual(size.shape, (2, 2, 16, 16))
        self.assertEqual(offset.shape, (2, 2, 16, 16))
        self.assertEqual(seg.shape, (2, 11, 64, 64))
        torch.testing.assert_close(seg.sum(1), torch.ones(2, 64, 64))
        self.assertTrue(((heat > 0) & (heat < 1)).all() and ((presence > 0) & (presence < 1)).all())
        # initial boxes: 22 px, centred in their cell
        torch.testing.assert_close(size.mean(), torch.tensor(22.0), atol=3.0, rtol=0)

    def test_seg_fusion_keeps_background_and_a_distribution(self):
        torch.manual_seed(1)
        seg = torch.softmax(torch.randn(2, 11, 64, 64), 1)
        heat = torch.rand(2, 10, 16, 16)
        self.assertIs(dense.fuse_seg(seg, heat, None), seg)
        fused = dense.fuse_seg(seg, heat, {"heat_kernel": 7, "seg_power": 1.0, "heat_power": 4.0})
        torch.testing.assert_close(fused[:, 0], seg[:, 0])
        torch.testing.assert_close(fused.sum(1), torch.ones(2, 64, 64))
        # one class hot in the heat-map near a pixel: that pixel's foreground goes to it
        heat = torch.full((1, 10, 16, 16), 1e-3)
        heat[0, 6, 2, 2] = 0.9
        seg = torch.full((1, 11, 64, 64), 0.02)
        seg[0, 0] = 0.2   # foreground 0.8 spread evenly -> all to class 6 at pixels within 3 cells
        fused = dense.fuse_seg(seg, heat, {"heat_kernel": 7, "seg_power": 1.0, "heat_power": 4.0})
        self.assertEqual(int(fused[0, :, 10, 10].argmax()), 7)
        self.assertEqual(int(fused[0, :, 60, 60].argmax()), 0)

    def test_addp_weights_are_read_back_and_the_position_table_interpolated(self):
        path = os.path.join(ZOO, "addp-fmnist", "gen_step.onnx")
        state = dense.encoder_state_from_gen_step(path, 64)
        native = dense.addp_init_model(path)                      # 32x32 encoder input: 8x8 grid
        torch.testing.assert_close(native.blocks[3].mlp.fc2.weight, state["blocks.3.mlp.fc2.weight"])
        torch.testing.assert_close(native.norm.weight, state["norm.weight"])
        torch.testing.assert_close(native.pos_embed, state["pos_embed"])
        wide = dense.DenseModel(dict(dense.default_config(), enc_size=64))   # 16x16 grid
        wide.load_addp_encoder(state)
        self.assertEqual(wide.pos_embed.shape, (1, 257, 128))
        grid = wide.pos_embed[0, 1:].reshape(16, 16, 128)
        old = state["pos_embed"][0, 1:].reshape(8, 8, 128)
        # bicubic x2 (half-pixel centres): the mean is nearly kept, and neighbours stay alike
        torch.testing.assert_close(grid.mean((0, 1)), old.mean((0, 1)), atol=0.02, rtol=0)
        self.assertEqual(wide(torch.rand(1, 3, 64, 64))["heatmap"].shape, (1, 10, 16, 16))

    def test_targets_and_a_training_step(self):
        pool = scenes.Pool("val")
        batch = scenes.make_scenes(pool, 2, 0, 4)
        x, t = dense.targets(batch)
        self.assertEqual(x.shape, (4, 3, 64, 64))
        n = sum(len(s["labels"]) for s in batch)
        self.assertEqual(int(t["heat"].eq(1).sum()), n - 0)       # one peak per object (no collisions here)
        self.assertEqual(int(t["reg_mask"].sum()), n)
        s0 = batch[0]
        x0, y0, w0, h0 = s0["boxes"][0]
        cx, cy = (x0 + w0 / 2) / 4, (y0 + h0 / 2) / 4
        self.assertEqual(float(t["heat"][0, s0["labels"][0], int(cy), int(cx)]), 1.0)
        np.testing.assert_allclose(t["size"][0, :, int(cy), int(cx)].numpy(), [w0, h0])
        torch.manual_seed(0)
        model = dense.DenseModel(TINY)
        opt = torch.optim.AdamW(dense.param_groups(model), lr=1e-3)
        first = None
        for _ in range(5):
            loss, parts = dense.losses(model(x), t)
            first = first or loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(loss.item(), first)
        self.assertEqual(set(parts), {"heat", "size", "offset", "seg", "presence"})


class DenseExportTest(unittest.TestCase):
    def test_onnx_graph_and_golden_files(self):
        torch.manual_seed(0)
        model = dense.DenseModel(TINY).eval()
        with tempfile.TemporaryDirectory() as d:
            graphs = dense_export.export_onnx(model, d, dense_export.FUSIONS[3])
            g = onnx.load(os.path.join(d, "dense.onnx"))
            self.assertEqual(g.opset_import[0].version, 17)
            self.assertEqual([i.name for i in g.graph.input], ["pixels"])
            self.assertEqual([o.name for o in g.graph.output], list(dense.DenseGraph.OUTPUTS))
            seg = g.graph.output[4].type.tensor_type.shape.dim
            self.assertEqual([x.dim_param or x.dim_value for x in seg], ["batch", 11, 64, 64])
            self.assertEqual(graphs["dense"]["outputs"][1]["shape"], ["batch", 10, 16, 16])
            images = np.zeros((2, 64, 64, 3), np.uint8)
            dense_export.write_golden(model, d, images, fusion=dense_export.FUSIONS[3])
            y = np.fromfile(os.path.join(d, "golden", "dense", "seg.out.bin"), "<f4")
            self.assertEqual(y.size, 2 * 11 * 64 * 64)

    def test_recognition_block(self):
        r = dense_export.recognition("segmentation")
        self.assertEqual(r["heads"]["detection"]["class_from"], "segmentation")
        self.assertEqual(r["heads"]["detection"]["stride"], 4)
        self.assertEqual(r["heads"]["segmentation"]["output"], "seg")


if __name__ == "__main__":
    unittest.main()
