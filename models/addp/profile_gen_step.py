"""Time one ADDP training step (batch 128) by part, and the variants of the step that might pay.

    cd models && /usr/bin/python3 -m addp.profile_gen_step [--work work/gen] [--steps 4]

Needs a work dir of train_gen.py (tokens.pt, vq.pt, mage.pt, addp.pt). Prints seconds per part
(teacher forwards, VQ decode, encoder, token decoder, backward + AdamW) and steps per minute for
each variant, measured one after another in this run."""
import argparse
import os
import time

import numpy as np
import torch

from . import addp as addp_mod
from . import mage, paths, schedule, train_utils, vq
from .train_utils import drop_labels


def timed_step(model, teacher, opt, ids, labels, rng, gen, variant, parts):
    def lap(name, t):
        parts[name] = parts.get(name, 0.0) + time.perf_counter() - t
        return time.perf_counter()

    B, N = ids.shape
    t = time.perf_counter()
    n_t, n_tp1 = schedule.sample_counts(N, rng)
    m_t, m_tp1 = schedule.nested_masks(B, N, n_t, n_tp1, gen)
    with torch.no_grad():
        if variant.get("teacher_batched"):
            both = teacher.probs(torch.cat([ids, ids]), torch.cat([m_tp1, m_t]),
                                 None if labels is None else torch.cat([labels, labels]))
            p_tp1, q_t = both[:B], both[B:]
        else:
            p_tp1 = teacher.probs(ids, m_tp1, labels)
            q_t = teacher.probs(ids, m_t, labels)
        t = lap("teacher", t)
        if variant.get("decode_threads"):
            torch.set_num_threads(variant["decode_threads"])
        lat = model.soft_latent(ids, m_t, p_tp1)
        if variant.get("channels_last"):
            lat = lat.contiguous(memory_format=torch.channels_last)
        x_t = model.vqgan.decoder(lat).contiguous()
        torch.set_num_threads(variant.get("threads", 1))
        t = lap("vq_decode", t)
    h = model.encode(x_t)
    t = lap("encoder", t)
    logits = model.decode(h, ids, m_t, full_vocab=True, labels=labels)
    loss = (addp_mod.soft_target_ce(logits, q_t) * m_t).sum() / m_t.sum()
    t = lap("token_decoder", t)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    lap("backward_adamw", t)


def measure(work, variant, steps, batch):
    torch.set_num_threads(variant.get("threads", 1))
    t = torch.load(os.path.join(work, "tokens.pt"))
    vq_model = vq.load(os.path.join(work, "vq.pt"))
    ck = torch.load(os.path.join(work, "addp.pt"), map_location="cpu")
    model = addp_mod.ADDP(ck["config"])
    model.load_state_dict(ck["model"])
    model.vqgan.load_state_dict(vq_model.state_dict())
    if variant.get("channels_last"):
        model.vqgan.decoder.to(memory_format=torch.channels_last)
    teacher = mage.load(os.path.join(work, "mage.pt")).eval().requires_grad_(False)
    model.train()
    opt = torch.optim.AdamW(train_utils.adamw_groups(model, 0.05), lr=1e-4)
    gen = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    parts = {}
    for i in range(steps + 1):
        if i == 1:
            parts, t0 = {}, time.perf_counter()     # the first step warms allocators up
        pick = torch.randint(0, len(t["tokens"]), (batch,), generator=gen)
        lab = drop_labels(t["labels"][pick], 0.1, gen)
        timed_step(model, teacher, opt, t["tokens"][pick], lab, rng, gen, variant, parts)
    per = (time.perf_counter() - t0) / steps
    return per, {k: v / steps for k, v in parts.items()}


VARIANTS = {
    "baseline (1 thread)": {},
    "teacher forwards batched": {"teacher_batched": True},
    "VQ decode channels-last": {"channels_last": True},
    "VQ decode on 2 threads": {"decode_threads": 2},
    "2 threads throughout": {"threads": 2},
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(paths.WORK, "gen"))
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    args = ap.parse_args()
    base = None
    for name, variant in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        per, parts = measure(args.work, variant, args.steps, args.batch)
        base = base or per
        split = "  ".join(f"{k} {v:.2f}s" for k, v in parts.items())
        print(f"{name:28s} {per:5.2f} s/step  {60 / per:5.1f} steps/min  x{base / per:4.2f}  | {split}",
              flush=True)


if __name__ == "__main__":
    main()
