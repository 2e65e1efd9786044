"""Tiny random models shared by the tests (same classes as the real ones)."""
import torch

from addp import addp, classifier, mage, vq

VQ_TINY = dict(vq.SMALL_CONFIG, ch=8, z_channels=16, n_embed=32, norm_groups=4)


def tiny_addp(seed=0):
    torch.manual_seed(seed)
    cfg = dict(addp.small_config(VQ_TINY), dim=32, depth=2, heads=2, dec_depth=2, dec_heads=2)
    return addp.ADDP(cfg).eval()


def tiny_mage(seed=0):
    torch.manual_seed(seed)
    cfg = dict(mage.small_config(VQ_TINY["n_embed"]), dim=32, depth=2, heads=2, dec_dim=32,
               dec_depth=1, dec_heads=2)
    return mage.MagePredictor(cfg).eval()


def tiny_classifier(model):
    return classifier.ViTClassifier(classifier.config_from_addp(model.config)).eval()
