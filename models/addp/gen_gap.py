"""How far ADDP is from its MAGE teacher, mask ratio by mask ratio, on test images.

    cd models && /usr/bin/python3 -m addp.gen_gap [--work work/gen] [--addp addp.pt] [--mage mage.pt] [--images 512]

For each masked share r (masks drawn as in training: the next-noisier mask 0.06 above), on the
VQ tokens of the first test images, unconditional: the teacher's and ADDP's negative
log-likelihood of the true tokens at the masked positions and their top-1 accuracy, KL(teacher ||
ADDP), and ADDP's NLL when its unreliable soft tokens come from its own previous prediction
instead of the teacher's (as in generation). A gap that is the same at every r says ADDP has not
caught up with its teacher; a gap growing where the generation loop feeds ADDP its own
predictions says the loop, not training, loses the quality."""
import argparse
import math
import os

import torch
import torch.nn.functional as F

from . import addp as addp_mod
from . import data, mage, paths, schedule, vq

RATIOS = (0.97, 0.85, 0.7, 0.55, 0.4, 0.25, 0.1)
GAP = 0.06


def nll_acc(logp, ids, mask):
    nll = -logp.gather(-1, ids[..., None])[..., 0][mask].mean().item()
    acc = (logp.argmax(-1) == ids)[mask].float().mean().item()
    return nll, acc


@torch.no_grad()
def gap_at(model, teacher, ids, r, gen):
    N = ids.shape[1]
    n_t, n_tp1 = math.ceil(N * r), min(N, math.ceil(N * min(1.0, r + GAP)))
    m_t, m_tp1 = schedule.nested_masks(len(ids), N, n_t, n_tp1, gen)
    p_tp1, q_t = teacher.probs(ids, m_tp1), teacher.probs(ids, m_t)
    log_q = torch.log(q_t.clamp_min(1e-12))

    def addp_logp(mask, soft):
        x = model.vqgan.decoder(model.soft_latent(ids, mask, soft))
        return F.log_softmax(model.decode(model.encode(x), ids, mask), -1)

    log_a = addp_logp(m_t, p_tp1)
    log_self = addp_logp(m_t, addp_logp(m_tp1, p_tp1).exp())
    row = {"r": r, "masked": n_t}
    row["teacher_nll"], row["teacher_acc"] = nll_acc(log_q, ids, m_t)
    row["addp_nll"], row["addp_acc"] = nll_acc(log_a, ids, m_t)
    row["kl"] = (q_t * (log_q - log_a)).sum(-1)[m_t].mean().item()
    row["addp_nll_self_fed"] = nll_acc(log_self, ids, m_t)[0]
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(paths.WORK, "gen"))
    ap.add_argument("--addp", default="addp.pt")
    ap.add_argument("--mage", default="mage.pt")
    ap.add_argument("--images", type=int, default=512)
    args = ap.parse_args()
    torch.manual_seed(0)
    tokenizer = vq.load(os.path.join(args.work, "vq.pt"))
    teacher = mage.load(os.path.join(args.work, args.mage))
    model = addp_mod.load(os.path.join(args.work, args.addp))
    x, _ = data.load_rgb("test", args.images)
    with torch.no_grad():
        ids = tokenizer.encode_ids(x)
    gen = torch.Generator().manual_seed(1)
    print(f"{args.addp} ({torch.load(os.path.join(args.work, args.addp))['total_steps']} steps) vs teacher {args.mage}")
    print("  r  masked  teacher NLL  ADDP NLL  teacher acc  ADDP acc  KL(teacher||ADDP)  ADDP NLL self-fed")
    for r in RATIOS:
        w = gap_at(model, teacher, ids, r, gen)
        print(f"{w['r']:.2f} {w['masked']:6d} {w['teacher_nll']:12.3f} {w['addp_nll']:9.3f} {w['teacher_acc']:12.3f}"
              f" {w['addp_acc']:9.3f} {w['kl']:18.3f} {w['addp_nll_self_fed']:18.3f}", flush=True)


if __name__ == "__main__":
    main()
