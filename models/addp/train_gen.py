"""Continue the generation models of the committed zoo: a class-conditional ADDP and its MAGE
baseline at equal optimiser steps, starting from the repository alone (no earlier checkpoint needed).

    cd models && /usr/bin/python3 -m addp.train_gen                 # every stage not yet done
    cd models && /usr/bin/python3 -m addp.train_gen --until mage    # stop after a stage
    cd models && /usr/bin/python3 -m addp.train_gen --quick --more 2   # smoke run: the committed models
                                                                       # 2 steps on, into work/gen-quick

Stages (each resumable; a finished one is skipped; its optimiser-free result is copied to
zoo/addp-fmnist/checkpoints/ so that a later session continues from the repository):
  readback    ADDP (VQ decoder + codebook, encoder, token decoder) read back exactly from gen_step.onnx
  vq_encoder  the VQ encoder (in no graph) fitted to the frozen codebook and decoder
  tokens      token grids + labels of train items 0..54,999 and their flips (55,000.. is held out)
  mage        the class-conditional MAGE predictor (teacher and baseline), from scratch
  addp        ADDP continued from the read-back weights, class-conditional, new AdamW with warm-up
  later sessions add steps with `--more N` (a new cosine from the last weights), to one generator
  alone with `--more N --only addp` (ADDP's steps stay >= the baseline's)
Evaluation, sweeps and export: gen_eval.py."""
import argparse
import json
import os
import shutil
import time

import torch
import torch.nn.functional as F

from . import addp as addp_mod
from . import data, mage, paths, readback, train_utils, vq

ZOO = os.path.join(paths.ZOO, "addp-fmnist")
CHECKPOINTS = os.path.join(ZOO, "checkpoints")
N_CLASSES = 10
TRAIN_ITEMS = 55000          # train items 55,000..59,999: the held-out FID set of the sweeps
QUICK_ITEMS = 500            # the train (and test) items of a --quick run
STAGES = ["readback", "vq_encoder", "tokens", "mage", "addp"]

FULL = dict(
    vq_encoder=dict(seed=10, lr=2e-3, steps=600, batch_size=64, warmup=30, log_every=50, save_every=100),
    # the baseline trains to at most the optimiser step count of ADDP (600 committed + the addp stage)
    mage=dict(seed=11, lr=1e-3, steps=600, batch_size=128, warmup=100, log_every=25, save_every=25,
              p_uncond=0.1),
    addp=dict(seed=12, lr=1e-3, steps=200, batch_size=128, warmup=50, log_every=25, save_every=25,
              p_uncond=0.1, prior_steps=600),
)
QUICK = dict(
    vq_encoder=dict(FULL["vq_encoder"], steps=5, log_every=1),
    mage=dict(FULL["mage"], steps=4, warmup=1, log_every=1, batch_size=16),
    addp=dict(FULL["addp"], steps=4, warmup=1, log_every=1, batch_size=16),
)


class Run:
    def __init__(self, quick, work):
        self.quick, self.p, self.work = quick, (QUICK if quick else FULL), work
        self.checkpoints = os.path.join(work, "checkpoints") if quick else CHECKPOINTS
        os.makedirs(work, exist_ok=True)
        os.makedirs(self.checkpoints, exist_ok=True)
        self.results_path = os.path.join(work, "results.json")
        self.results = json.load(open(self.results_path)) if os.path.exists(self.results_path) else {}
        self.t0 = time.time()
        self.more_from, self.prior = {}, {}
        saved = self.results.get("more")     # an interrupted --more run resumes with the same sources
        if saved:
            self.more_from, self.prior = saved["from"], saved["prior"]
            for k in saved.get("only", ["mage", "addp"]):
                self.p[k] = dict(self.p[k], steps=saved["steps"])

    def log(self, msg):
        print(f"[{time.strftime('%H:%M:%S')} +{time.time() - self.t0:6.0f}s] {msg}", flush=True)

    def path(self, name):
        return os.path.join(self.work, name)

    def publish(self, name, prior_steps=0):
        """Optimiser-free copy of a finished stage's checkpoint into the committed checkpoints dir, with
        `total_steps`: the optimiser steps of every stage this model went through."""
        ck = torch.load(self.path(name), map_location="cpu")
        ck.pop("opt", None)
        ck["total_steps"] = prior_steps + int(ck["state"]["step"])
        torch.save(ck, self.path(name))
        torch.save(ck, os.path.join(self.checkpoints, name))

    def committed(self, name):
        """The last published checkpoint: this run's (quick runs publish into their work dir), else the
        zoo's (so that a quick run can continue the committed models without writing into the zoo)."""
        for folder in (self.checkpoints, CHECKPOINTS):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        return None

    # ---- stages ---------------------------------------------------------------------------
    def readback(self):
        model = readback.addp_from_gen_step(ZOO)
        torch.save({"model": model.state_dict(), "config": model.config, "state": {"step": 0}},
                   self.path("addp_unconditional.pt"))
        return {"readback_params": sum(p.numel() for p in model.parameters())}

    def vq_encoder(self):
        done = self.committed("vq.pt")
        if done and not self.quick:
            shutil.copy(done, self.path("vq.pt"))
        else:
            ck = torch.load(self.path("addp_unconditional.pt"))
            vq_model = vq.VQModel(ck["config"]["vq"])
            vq_model.load_state_dict({k[len("vqgan."):]: v for k, v in ck["model"].items()
                                      if k.startswith("vqgan.")})
            with conv_threads():
                fit_encoder(vq_model, self.p["vq_encoder"], self.path("vq.pt"), self.log, self.quick)
            self.publish("vq.pt")
        model = vq.load(self.path("vq.pt"))
        xte, _ = data.load_rgb("test", QUICK_ITEMS if self.quick else None)
        with conv_threads():
            return {"vq_psnr": round(vq.evaluate_psnr(model, xte), 3)}

    def tokens(self):
        model = vq.load(self.path("vq.pt"))
        x, y = data.load_rgb("train", QUICK_ITEMS if self.quick else TRAIN_ITEMS)
        with torch.no_grad(), conv_threads():
            enc = lambda v: torch.cat([model.encode_ids(v[i:i + 1000]) for i in range(0, len(v), 1000)])
            toks = torch.cat([enc(x), enc(x.flip(3))])
        torch.save({"tokens": toks, "labels": torch.cat([y, y])}, self.path("tokens.pt"))
        return {"codebook_used_train": len(toks.unique())}

    def mage(self):
        t = torch.load(self.path("tokens.pt"))
        cfg = dict(self.p["mage"], model=mage.small_config(256, n_classes=N_CLASSES))
        init = self._continue_from("mage.pt")
        model = mage.train(cfg, t["tokens"], self.path("mage.pt"), self.log, labels=t["labels"], init=init)
        self.publish("mage.pt", self.prior.get("mage.pt", 0))
        return {"mage_masked_acc_r0.75": round(mage.masked_accuracy(
            model, t["tokens"][:5000], 48, labels=t["labels"][:5000]), 4)}

    def addp(self):
        t = torch.load(self.path("tokens.pt"))
        vq_model = vq.load(self.path("vq.pt"))
        cfg = dict(self.p["addp"], model=addp_mod.small_config(vq_model.config, N_CLASSES))
        init = self._continue_from("addp.pt") or conditional_init(
            torch.load(self.path("addp_unconditional.pt"))["model"], cfg["model"], cfg["seed"])
        addp_mod.train(cfg, t["tokens"], vq_model, mage.load(self.path("mage.pt")), self.path("addp.pt"),
                       self.log, labels=t["labels"], init=init)
        self.publish("addp.pt", self.prior.get("addp.pt", cfg["prior_steps"]))
        return {}

    def _continue_from(self, name):
        """With --more: the last finished weights of this stage (a new schedule on top of them)."""
        src = self.more_from.get(name)
        return torch.load(src, map_location="cpu")["model"] if src else None

    def prepare_more(self, steps, only=("mage", "addp")):
        """--more STEPS: the generators in `only` continue from their last finished weights (work/,
        else the committed checkpoints) for STEPS more optimiser steps each, with new cosine
        schedules; a generator left out keeps its last weights (work/, else committed)."""
        done = self.results.setdefault("done", [])
        self.more_from, self.prior = {}, {}
        for name in ("mage.pt", "addp.pt"):
            if name[:-3] not in only and not os.path.exists(self.path(name)) and self.committed(name):
                shutil.copy(self.committed(name), self.path(name))
        for name, stage in [(s + ".pt", s) for s in only]:
            src = self.path(name) if os.path.exists(self.path(name)) else self.committed(name)
            if src is None:
                raise SystemExit(f"--more: no finished {name} in {self.work} or {self.checkpoints}")
            prev = self.path(name.replace(".pt", "_prev.pt"))
            shutil.copy(src, prev)
            self.more_from[name] = prev
            self.prior[name] = int(torch.load(prev, map_location="cpu").get("total_steps", 0))
            self.p[stage] = dict(self.p[stage], steps=steps)
            if stage in done:
                done.remove(stage)
            if os.path.exists(self.path(name)):
                os.remove(self.path(name))
        for name in ("vq.pt",):     # earlier stages from the committed files when work/ is new
            if not os.path.exists(self.path(name)) and self.committed(name):
                shutil.copy(self.committed(name), self.path(name))
        for stage in ("readback", "vq_encoder"):
            if stage not in done:
                done.insert(0, stage)
        self.log(f"--more {steps}: from {self.more_from}, prior steps {self.prior}")


def conditional_init(state, config, seed):
    """An unconditional ADDP state (vocabulary K+2) widened to the conditional layout: the class rows
    of token_emb start N(0, 0.02) as every embedding does, their MLM bias at the codebook minimum,
    decoder_pos_token_embed[0] (the class token's position) N(0, 0.02)."""
    g = torch.Generator().manual_seed(seed)
    state = dict(state)
    V, D = config["vocab_size"], config["dim"]
    emb = state["token_emb.weight"]
    extra = V - emb.shape[0]
    state["token_emb.weight"] = torch.cat([emb, 0.02 * torch.randn(extra, D, generator=g)])
    bias = state["mlm_layer.bias"]
    state["mlm_layer.bias"] = torch.cat([bias, bias.min().expand(1, 1, extra)], dim=-1)
    pos = state["decoder_pos_token_embed"].clone()
    pos[:, 0] = 0.02 * torch.randn(D, generator=g)
    state["decoder_pos_token_embed"] = pos
    return state


def fit_encoder(model, cfg, out_path, log, quick):
    """Train the VQ encoder alone against the frozen decoder and codebook: L1 + MSE reconstruction
    through the straight-through quantiser + 0.25 commitment (the codebook does not move)."""
    torch.manual_seed(cfg["seed"])
    x, _ = data.load_rgb("train", QUICK_ITEMS if quick else TRAIN_ITEMS)
    model.decoder.requires_grad_(False)
    model.quantize.requires_grad_(False)

    def batch_loss(step, gen, rng):
        xb = data.augment(x[torch.randint(0, len(x), (cfg["batch_size"],), generator=gen)], pad=0)
        z = model.encoder(xb)
        zq = model.latent_from_tokens(model.codebook[model.quantize.indices(z)])
        recon = model.decoder(z + (zq - z).detach())
        return F.l1_loss(recon, xb) + F.mse_loss(recon, xb) + 0.25 * F.mse_loss(z, zq.detach())

    opt = torch.optim.Adam(model.encoder.parameters(), lr=cfg["lr"], betas=(0.5, 0.9))
    train_utils.train_steps("vq_encoder", model, opt, cfg, out_path, log, batch_loss)


class conv_threads:
    """Convolutions use torch's own pool: both cores for the conv-only stages."""

    def __enter__(self):
        self.before = torch.get_num_threads()
        torch.set_num_threads(2)

    def __exit__(self, *exc):
        torch.set_num_threads(self.before)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--work", help="work dir (default work/gen or work/gen-quick)")
    ap.add_argument("--until", choices=STAGES)
    ap.add_argument("--more", type=int, metavar="STEPS",
                    help="add STEPS optimiser steps to both mage and addp (new cosine schedules); "
                         "works from the committed checkpoints alone (tokens are re-made)")
    ap.add_argument("--only", choices=["mage", "addp"],
                    help="with --more: continue this generator alone (the other keeps its weights; "
                         "ADDP's optimiser steps stay >= the baseline's)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads for the training steps: 2 pays x1.24 on an idle 2-core machine "
                         "(addp.profile_gen_step); 1 leaves a core to work beside it")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    work = args.work or os.path.join(paths.WORK, "gen-quick" if args.quick else "gen")
    run = Run(args.quick, work)
    done = run.results.setdefault("done", [])
    if args.more:
        only = [args.only] if args.only else ["mage", "addp"]
        run.prepare_more(args.more, only)
        run.results["more"] = {"from": run.more_from, "prior": run.prior, "steps": args.more, "only": only}
        with open(run.results_path, "w") as f:
            json.dump(run.results, f, indent=2)
    run.log(f"work {work}; done: {done}")
    for stage in STAGES:
        if stage in done:
            continue
        run.log(f"=== stage {stage}")
        t0 = time.time()
        values = getattr(run, stage)()
        done.append(stage)
        run.results.setdefault("wall_s", {})[stage] = round(time.time() - t0, 1)
        run.results.update(values)
        with open(run.results_path, "w") as f:
            json.dump(run.results, f, indent=2)
        run.log(f"=== stage {stage} done in {time.time() - t0:.0f}s {values}")
        if stage == args.until:
            break


if __name__ == "__main__":
    main()
