"""Generation evaluation: FID of each generator against the first 2,000 test images on the
fine-tuned ADDP classifier's features, and 8x8 PNG sample grids."""
import os

import numpy as np
import torch
from PIL import Image

from . import export, fid, generate


def save_grid(path, images, cols=8):
    """images float [n,3,H,W] in [0,1] -> one PNG grid, `cols` a row (n = 64 -> 8x8; every image is
    drawn: callers pick how many)."""
    x = (np.clip(np.asarray(images), 0, 1) * 255 + 0.5).astype(np.uint8)
    n, _, H, W = x.shape
    rows = -(-n // cols)
    grid = np.zeros((rows * H, cols * W, 3), np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[r * H:(r + 1) * H, c * W:(c + 1) * W] = x[i].transpose(1, 2, 0)
    Image.fromarray(grid).save(path)


@torch.no_grad()
def vq_reconstruct(vq_model, images, batch=500):
    return np.concatenate([vq_model.decode_ids(vq_model.encode_ids(images[i:i + batch]))
                           .clamp(0, 1).numpy() for i in range(0, len(images), batch)])


@torch.no_grad()
def random_tokens(vq_model, n, n_tokens, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vq_model.codebook.shape[0], (n, n_tokens), generator=g)
    return np.concatenate([vq_model.decode_ids(ids[i:i + 500]).clamp(0, 1).numpy()
                           for i in range(0, n, 500)])


def run(addp_model, predictor, classifier, test_images, gen, n_fid, n_small, out_dir, log,
        sweep=()):
    """-> metrics dict; writes fid_ref_stats.bin and samples/*.png into out_dir.
    sweep: optional extra (steps, choice_temperature) settings scored on n_small ADDP images."""
    os.makedirs(os.path.join(out_dir, "samples"), exist_ok=True)
    ref = test_images[:n_fid]
    ref_stats = fid.stats(fid.features(classifier, ref))
    fid.write_stats(os.path.join(out_dir, "fid_ref_stats.bin"), *ref_stats)
    step = export.GenStep(addp_model).eval()
    render = export.Render(addp_model).eval()
    const = export.allmask_logits(step)
    kw = dict(temperature=gen["temperature"], choice_temperature=gen["choice_temperature"],
              schedule_name=gen["schedule"])
    N = addp_model.n_tokens
    metrics, samples = {}, {}

    def score(key, images):
        metrics[key] = round(fid.fid(classifier, images, ref_stats), 4)
        log(f"eval {key} = {metrics[key]}")

    # seeds: ADDP and MAGE share seeds (same uniforms); the 500-image set uses its own seed
    samples["addp"] = generate.generate_many(*generate.torch_fns(step, render), const, n_fid,
                                             250, gen["steps"], seed=1, **kw)
    score("fid_addp", samples["addp"])
    samples["mage"] = generate.generate_many(*generate.mage_fns(predictor, render),
                                             _mage_allmask_logits(predictor, N), n_fid, 250,
                                             gen["steps"], seed=1, **kw)
    score("fid_mage", samples["mage"])
    samples["random"] = random_tokens(addp_model.vqgan, n_fid, N, seed=3)
    score("fid_random", samples["random"])
    other = test_images[n_fid:2 * n_fid]           # a disjoint real set for the floors
    samples["vq_recon"] = vq_reconstruct(addp_model.vqgan, other)
    score("fid_vq_recon", samples["vq_recon"])
    score("fid_real_test", other.numpy())
    # n_small-image FIDs over three seeds: the spread a Java re-implementation should land in
    small = []
    for seed in (500, 501, 502):
        imgs = generate.generate_many(*generate.torch_fns(step, render), const, n_small, 250,
                                      gen["steps"], seed=seed, **kw)
        small.append(round(fid.fid(classifier, imgs, ref_stats), 4))
    metrics["fid_addp_500"] = small[0]
    metrics["fid_addp_500_seeds"] = {"seeds": [500, 501, 502], "fid": small}
    log(f"eval fid_addp_500 = {small[0]} (seeds 500-502: {small})")
    for steps, tau in sweep:
        key = f"fid_addp_500_T{steps}_tau{tau:g}"
        imgs = generate.generate_many(*generate.torch_fns(step, render), const, n_small, 250,
                                      steps, seed=500, **dict(kw, choice_temperature=tau))
        score(key, imgs)
    for name, imgs in samples.items():
        save_grid(os.path.join(out_dir, "samples", f"{name}.png"), imgs[:64])
    save_grid(os.path.join(out_dir, "samples", "real_test.png"), test_images[:64].numpy())
    metrics["fid_dim"] = int(ref_stats[0].shape[0])
    metrics["fid_images"] = n_fid
    return metrics


def _mage_allmask_logits(predictor, n_tokens):
    with torch.no_grad():
        ids = torch.zeros(1, n_tokens, dtype=torch.long)
        return predictor.codebook_logits(ids, torch.ones(1, n_tokens, dtype=torch.bool))[0].numpy()
