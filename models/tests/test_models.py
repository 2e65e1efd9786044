import unittest

import numpy as np
import torch
import torch.nn.functional as F

from helpers import VQ_TINY, tiny_addp, tiny_classifier, tiny_mage
from addp import addp, mage, schedule, vq


class VQTest(unittest.TestCase):
    def test_shapes_small_config(self):
        m = vq.VQModel(vq.SMALL_CONFIG).eval()
        x = torch.rand(2, 3, 32, 32)
        ids = m.encode_ids(x)
        self.assertEqual(ids.shape, (2, 64))
        self.assertTrue(int(ids.max()) < vq.SMALL_CONFIG["n_embed"])
        self.assertEqual(m.decode_ids(ids).shape, (2, 3, 32, 32))
        recon, loss, _ = m.train()(x)
        self.assertEqual(recon.shape, x.shape)
        self.assertEqual(loss.dim(), 0)

    def test_resblock_shortcut_quirk(self):
        # width change: out = nin_shortcut(h) + h with h the main path; x itself is dropped
        blk = vq.ResnetBlock(8, 16, 4).eval()
        self.assertEqual(tuple(blk.nin_shortcut.weight.shape), (16, 16, 1, 1))
        x = torch.randn(2, 8, 6, 6)
        h = blk.conv2(vq.swish(blk.norm2(blk.conv1(vq.swish(blk.norm1(x))))))
        self.assertTrue(torch.allclose(blk(x), blk.nin_shortcut(h) + h, atol=1e-6))
        same = vq.ResnetBlock(8, 8, 4).eval()
        self.assertIsNone(same.nin_shortcut)

    def test_released_layout_and_size(self):
        m = vq.VQModel(vq.released_config())
        n = lambda mod: sum(p.numel() for p in mod.parameters())
        self.assertAlmostEqual(n(m.encoder) / 1e6, 23.8, delta=0.1)
        self.assertAlmostEqual(n(m.decoder) / 1e6, 30.5, delta=0.1)
        keys = m.state_dict().keys()
        for k in ("encoder.conv_in.weight", "encoder.down.2.block.0.nin_shortcut.weight",
                  "encoder.mid.block_2.conv2.weight", "encoder.conv_out.bias",
                  "decoder.up.4.upsample.conv.weight", "decoder.up.1.block.0.nin_shortcut.weight",
                  "decoder.norm_out.weight", "quantize.embedding.weight"):
            self.assertIn(k, keys)
        self.assertNotIn("encoder.conv_in.bias", keys)
        self.assertNotIn("decoder.up.0.upsample.conv.weight", keys)


class ADDPTest(unittest.TestCase):
    def setUp(self):
        self.m = tiny_addp()
        self.N = self.m.n_tokens
        self.K = self.m.config["codebook_size"]
        g = torch.Generator().manual_seed(1)
        self.ids = torch.randint(0, self.K, (3, self.N), generator=g)
        self.x = torch.rand(3, 3, 32, 32, generator=g)

    def test_shapes(self):
        h = self.m.encode(self.x)
        self.assertEqual(h.shape, (3, 65, 32))
        m_t, _ = schedule.nested_masks(3, self.N, 40, 40)
        self.assertEqual(self.m.decode(h, self.ids, m_t).shape, (3, 64, self.K))
        self.assertEqual(self.m.decode(h, self.ids, m_t, full_vocab=True).shape,
                         (3, 64, self.m.config["vocab_size"]))

    def test_static_decoder_equals_packed(self):
        h = self.m.encode(self.x)
        for n in (64, 50, 33, 1):
            m_t, _ = schedule.nested_masks(3, self.N, n, n)
            packed = self.m.decode(h, self.ids, m_t)
            static = self.m.decode(h, self.ids, m_t, static=True)
            self.assertTrue(torch.allclose(packed, static, atol=1e-5), n)

    def test_static_decoder_per_sample_masks(self):
        h = self.m.encode(self.x)
        mask = torch.rand(3, self.N) < torch.tensor([[0.2], [0.6], [1.01]])
        static = self.m.decode(h, self.ids, mask, static=True)
        for b in range(3):
            one = self.m.decode(h[b:b + 1], self.ids[b:b + 1], mask[b:b + 1])
            self.assertTrue(torch.allclose(static[b:b + 1], one, atol=1e-5))

    def test_allmasked_logits_are_constant(self):
        mask = torch.ones(3, self.N, dtype=torch.bool)
        lg = self.m.decode(self.m.encode(self.x), self.ids, mask, static=True)
        other = self.m.decode(self.m.encode(torch.rand(3, 3, 32, 32)), self.ids.flip(0), mask, static=True)
        self.assertTrue(torch.allclose(lg, lg[:1].expand_as(lg), atol=1e-6))
        self.assertTrue(torch.allclose(lg, other, atol=1e-6))

    def test_soft_latent(self):
        probs = torch.softmax(torch.randn(3, self.N, self.K), -1)
        mask = torch.rand(3, self.N) < 0.5
        lat = self.m.soft_latent(self.ids, mask, probs)
        cb = self.m.vqgan.codebook
        self.assertEqual(lat.shape, (3, cb.shape[1], 8, 8))
        tok = lat.flatten(2).transpose(1, 2)                     # back to [B,N,C], row-major
        self.assertTrue(torch.allclose(tok[~mask], cb[self.ids][~mask]))
        self.assertTrue(torch.allclose(tok[mask], (probs @ cb)[mask], atol=1e-6))
        onehot = F.one_hot(self.ids, self.K).float()               # one-hot soft = hard token
        self.assertTrue(torch.allclose(self.m.soft_latent(self.ids, mask, onehot),
                                       self.m.vqgan.latent_from_tokens(cb[self.ids]), atol=1e-6))

    def test_soft_target_ce_is_pytorch_label_smoothing(self):
        V, K = self.m.config["vocab_size"], self.K
        logits = torch.randn(5, V)
        q = torch.softmax(torch.randn(5, K), -1)
        ref = F.cross_entropy(logits, F.pad(q, (0, V - K)), label_smoothing=0.1, reduction="none")
        self.assertTrue(torch.allclose(addp.soft_target_ce(logits, q), ref, atol=1e-5))

    def test_training_loss_and_gradients(self):
        pred = tiny_mage()
        self.m.train()
        loss = addp.training_loss(self.m, pred, self.ids, np.random.default_rng(0))
        loss.backward()
        self.assertTrue(torch.isfinite(loss))
        self.assertIsNone(self.m.vqgan.decoder.conv_out.weight.grad)   # tokenizer frozen
        self.assertIsNotNone(self.m.blocks[0].attn.qkv.weight.grad)
        self.assertIsNotNone(self.m.decoder_pos_token_embed.grad)

    def test_tied_head_does_not_train_the_embeddings(self):
        self.m.mlm_layer(torch.randn(2, 5, 32), self.m.token_emb.weight).sum().backward()
        self.assertIsNone(self.m.token_emb.weight.grad)
        self.assertIsNotNone(self.m.mlm_layer.fc.weight.grad)

    def test_classifier_loads_encoder(self):
        cls = tiny_classifier(self.m)
        cls.load_encoder(self.m.state_dict())
        self.assertTrue(torch.equal(cls.blocks[1].mlp.fc2.weight, self.m.blocks[1].mlp.fc2.weight))
        logits, feats = cls(self.x)
        self.assertEqual(logits.shape, (3, 10))
        self.assertEqual(feats.shape, (3, 32))


class MageTest(unittest.TestCase):
    def test_forward_with_and_without_drop(self):
        m = tiny_mage()
        ids = torch.randint(0, VQ_TINY["n_embed"], (4, 64))
        mask, drop = schedule.nested_masks(4, 64, 32, 45)
        mask, drop = drop, mask            # drop (32) is a subset of mask (45)
        self.assertEqual(m(ids, mask, drop).shape, (4, 65, m.config["vocab_size"]))
        p = m.probs(ids, mask)
        self.assertEqual(p.shape, (4, 64, VQ_TINY["n_embed"]))
        self.assertTrue(torch.allclose(p.sum(-1), torch.ones(4, 64), atol=1e-5))

    def test_masked_positions_do_not_see_their_ids(self):
        m = tiny_mage()
        ids = torch.randint(0, VQ_TINY["n_embed"], (2, 64))
        mask = torch.zeros(2, 64, dtype=torch.bool)
        mask[:, 10:30] = True
        other = ids.clone()
        other[:, 10:30] = (other[:, 10:30] + 1) % VQ_TINY["n_embed"]
        self.assertTrue(torch.allclose(m.probs(ids, mask), m.probs(other, mask)))

    def test_smoothed_ce(self):
        logits, target = torch.randn(6, 40), torch.randint(0, 40, (6,))
        ref = F.cross_entropy(logits, target, label_smoothing=0.1, reduction="none")
        self.assertTrue(torch.allclose(mage.smoothed_ce(logits, target), ref, atol=1e-5))


if __name__ == "__main__":
    unittest.main()
