"""Retrain the whole Fashion-MNIST ADDP model zoo from scratch, evaluate it and export it.

    cd models && /usr/bin/python3 -m addp.train_all            # full run (<= 3 h on 2 CPU cores)
    cd models && /usr/bin/python3 -m addp.train_all --quick    # smoke run (< 3 min), separate dirs

Stages (each resumable: a finished stage is skipped, an interrupted one resumes from its last
checkpoint): vq -> tokens -> mage -> addp -> finetune -> scratch -> evaluate -> export.
Checkpoints go to work/<mode>/ (git-ignored); the full run exports to zoo/addp-fmnist/, the quick
run to work/quick/zoo/addp-fmnist/. `--redo STAGE` forces a stage (and everything after it)."""
import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

import torch

from . import addp as addp_mod
from . import classifier, data, evaluate, export, mage, paths, vq

STAGES = ["vq", "tokens", "mage", "addp", "finetune", "scratch", "evaluate", "export"]
# independent stages run as two single-core child processes: that uses the 2 cores better
# than one process with 2 OpenBLAS threads, whose element-wise ops run on one core
PARALLEL = ("finetune", "scratch")
GENERATION = {"schedule": "cosine", "steps": 20, "temperature": 1.0, "choice_temperature": 6.0,
              "mask_ratio": 1.0}

FULL = dict(
    vq=dict(seed=0, model=vq.SMALL_CONFIG, lr=2e-3, steps=1000, batch_size=64, warmup=50,
            restart_every=50, log_every=50, save_every=100),
    mage=dict(seed=1, lr=1e-3, steps=1400, batch_size=128, warmup=100, log_every=50, save_every=100),
    addp=dict(seed=2, lr=1e-3, steps=600, batch_size=128, warmup=50, log_every=25, save_every=50),
    # short-schedule recipe (measured: translation, drop path, low lr and layer decay 0.75
    # all slowed convergence within the CPU budget); scratch = same recipe, no layer decay
    finetune=dict(name="finetune", seed=3, lr=3e-3, epochs=7, warmup_epochs=0.25, batch_size=128,
                  layer_decay=0.9, drop_path=0.0, translate=0, log_every=100, save_every=100),
    scratch=dict(name="scratch", seed=3, lr=3e-3, epochs=7, warmup_epochs=0.25, batch_size=128,
                 drop_path=0.0, translate=0, log_every=100, save_every=100),
    eval=dict(n_fid=2000, n_small=500, sweep=[]),
    tiny=False,
)

QUICK = dict(
    vq=dict(FULL["vq"], steps=20, batch_size=32, restart_every=10, log_every=10, save_every=1000,
            train_limit=2000),
    mage=dict(FULL["mage"], steps=30, batch_size=64, warmup=5, log_every=10, save_every=1000),
    addp=dict(FULL["addp"], steps=20, batch_size=32, warmup=5, log_every=10, save_every=1000),
    finetune=dict(FULL["finetune"], epochs=1, warmup_epochs=0.2, batch_size=64, train_limit=1280,
                  test_limit=500, log_every=10),
    scratch=dict(FULL["scratch"], epochs=1, warmup_epochs=0.2, batch_size=64, train_limit=1280,
                 test_limit=500, log_every=10),
    eval=dict(n_fid=100, n_small=50, sweep=[]),
    tiny=True,
)


def shrink(config, **kw):
    """Quick mode: the same classes with tiny widths/depths."""
    return dict(config, **kw)


@contextlib.contextmanager
def conv_threads():
    """Convolutions run on torch's own thread pool, not on OpenBLAS: give it both cores for the
    conv-only stages (elsewhere 1 torch thread + 2 OpenBLAS threads is fastest)."""
    torch.set_num_threads(2)
    try:
        yield
    finally:
        torch.set_num_threads(1)


class Run:
    def __init__(self, quick, work_dir, zoo_dir):
        self.quick = quick
        self.p = QUICK if quick else FULL
        self.work = work_dir
        self.zoo = zoo_dir
        os.makedirs(self.work, exist_ok=True)
        self.results_path = os.path.join(self.work, "results.json")
        self.results = json.load(open(self.results_path)) if os.path.exists(self.results_path) else {}
        self.t_start = time.time()

    def log(self, msg):
        print(f"[{time.strftime('%H:%M:%S')} +{time.time() - self.t_start:6.0f}s] {msg}", flush=True)

    def path(self, name):
        return os.path.join(self.work, name)

    def record(self, stage, seconds, **values):
        self.results.setdefault("wall_s", {})[stage] = round(seconds, 1)
        self.results.update(values)
        with open(self.results_path, "w") as f:
            json.dump(self.results, f, indent=2)

    # ---- stages -------------------------------------------------------------------------
    def vq(self):
        cfg = dict(self.p["vq"])
        if self.p["tiny"]:
            cfg["model"] = shrink(cfg["model"], ch=8, z_channels=16, n_embed=64, norm_groups=4)
        with conv_threads():
            model = vq.train(cfg, self.path("vq.pt"), self.log)
        xte, _ = data.load_rgb("test", 500 if self.quick else None)
        return {"vq_psnr": round(vq.evaluate_psnr(model, xte), 3)}

    def tokens(self):
        model = vq.load(self.path("vq.pt"))
        xtr, _ = data.load_rgb("train", self.p["vq"].get("train_limit"))
        with torch.no_grad(), conv_threads():
            enc = lambda x: torch.cat([model.encode_ids(x[i:i + 1000]) for i in range(0, len(x), 1000)])
            # the training set and its horizontal flips: the only augmentation of MAGE/ADDP here
            toks = torch.cat([enc(xtr), enc(xtr.flip(3))])
        torch.save(toks, self.path("tokens.pt"))
        used = len(toks.unique())
        return {"codebook_used_train": used}

    def mage(self):
        toks = torch.load(self.path("tokens.pt"))
        K = vq.load(self.path("vq.pt")).config["n_embed"]
        cfg = dict(self.p["mage"], model=mage.small_config(K))
        if self.p["tiny"]:
            cfg["model"] = shrink(cfg["model"], dim=32, depth=1, dec_dim=32, dec_depth=1, heads=2, dec_heads=2)
        model = mage.train(cfg, toks, self.path("mage.pt"), self.log)
        return {"mage_masked_acc_r0.75": round(mage.masked_accuracy(model, toks[:5000], 48), 4)}

    def addp(self):
        toks = torch.load(self.path("tokens.pt"))
        vq_model = vq.load(self.path("vq.pt"))
        cfg = dict(self.p["addp"], model=addp_mod.small_config(vq_model.config))
        if self.p["tiny"]:
            cfg["model"] = shrink(cfg["model"], dim=32, depth=1, heads=2, dec_depth=1, dec_heads=2)
        addp_mod.train(cfg, toks, vq_model, mage.load(self.path("mage.pt")), self.path("addp.pt"), self.log)
        return {}

    def _classifier(self, key, pretrained):
        addp_ckpt = torch.load(self.path("addp.pt"), map_location="cpu")
        cfg = dict(self.p[key])
        cfg["model"] = classifier.config_from_addp(addp_ckpt["config"], drop_path=cfg.pop("drop_path"))
        state = addp_ckpt["model"] if pretrained else None
        _, top1 = classifier.train(cfg, self.path(f"cls_{key}.pt"), self.log, state)
        return {f"top1_{'addp' if pretrained else 'scratch'}": round(top1, 4)}

    def finetune(self):
        return self._classifier("finetune", True)

    def scratch(self):
        return self._classifier("scratch", False)

    def evaluate(self):
        cls, _ = classifier.load(self.path("cls_finetune.pt"))
        xte, _ = data.load_rgb("test")
        e = self.p["eval"]
        metrics = evaluate.run(addp_mod.load(self.path("addp.pt")), mage.load(self.path("mage.pt")),
                               cls, xte, GENERATION, e["n_fid"], e["n_small"], self.model_dir(),
                               self.log, sweep=e["sweep"])
        return metrics

    def model_dir(self):
        d = os.path.join(self.zoo, "addp-fmnist")
        os.makedirs(d, exist_ok=True)
        return d

    def export(self):
        out = self.model_dir()
        addp_model = addp_mod.load(self.path("addp.pt"))
        cls, _ = classifier.load(self.path("cls_finetune.pt"))
        export.clean_dir(out)
        graphs = export.export_graphs(addp_model, cls, out)
        export.write_golden(addp_model, cls, out)
        export.write_traces(addp_model, out, GENERATION)
        metrics = self.metrics()
        with open(os.path.join(out, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2)
        export.write_manifest(out, self.manifest(graphs, addp_model, cls, metrics))
        export.ort_java_check(out)
        write_test_subset(os.path.join(self.zoo, "fashion-mnist-test"), 2000)
        return {}

    # ---- outputs ------------------------------------------------------------------------
    def metrics(self):
        keys = ["vq_psnr", "top1_addp", "top1_scratch", "fid_addp", "fid_mage", "fid_random",
                "fid_vq_recon", "fid_addp_500"]
        m = {k: self.results.get(k) for k in keys}
        m.update({k: v for k, v in self.results.items() if k.startswith("fid_") and k not in m})
        m["fid_protocol"] = ("features: classifier.onnx 'features'; reference: first n test images; "
                             "ADDP and MAGE use the default generation settings and the same uniforms "
                             "(numpy PCG64 seed [1, batch index], batches of 250); 500-image sets: "
                             "seeds [S, batch index], S = 500..502; floors use test images n..2n-1")
        m.update({k: self.results[k] for k in ("codebook_used_train", "mage_masked_acc_r0.75")
                  if k in self.results})
        m["quick_mode"] = self.quick
        return m

    def manifest(self, graphs, addp_model, cls, metrics):
        c = addp_model.config
        K = c["codebook_size"]
        n_params = lambda m: sum(p.numel() for p in m.parameters())
        return {
            "name": "addp-fmnist",
            "version": "1.0.0" + ("-quick" if self.quick else ""),
            "description": "Small ADDP (arXiv 2306.05423) trained from scratch on Fashion-MNIST "
                           "32x32: MaskGIT-style VQ tokenizer (8x8 tokens), ViT pixel encoder "
                           f"(patch {c['patch']}, dim {c['dim']}, depth {c['depth']}), token decoder "
                           f"(depth {c['dec_depth']}), fine-tuned classifier head.",
            "graphs": graphs,
            "preprocess": {"mode": "pad", "content_size": 28, "size": 32, "fill": 0.0,
                           "interpolation": "bilinear", "channels": "rgb", "range": [0, 1]},
            "recognition": export.CLASSIFIER_RECOGNITION,
            "labels": data.LABELS,
            "tokens": {"grid": [8, 8], "count": addp_model.n_tokens, "codebook_size": K},
            "generation": GENERATION,
            "training": {
                "data": "Fashion-MNIST (Debian dataset-fashion-mnist): 60,000 train images "
                        "(+ horizontal flips for the token models); test top-1 on the 10,000 test images",
                "quick_mode": self.quick,
                "params": {"vq_decoder": n_params(addp_model.vqgan.decoder),
                           "vq_encoder": n_params(addp_model.vqgan.encoder),
                           "addp_encoder": n_params(addp_model) - n_params(addp_model.vqgan)
                           - sum(n_params(b) for b in addp_model.decoder_blocks),
                           "addp_decoder_blocks": sum(n_params(b) for b in addp_model.decoder_blocks),
                           "classifier": n_params(cls)},
                "stages": {k: {kk: vv for kk, vv in self.p[k].items() if kk != "model"}
                           for k in ("vq", "mage", "addp", "finetune", "scratch")},
                "model_configs": {"addp": {k: v for k, v in c.items() if k != "vq"}, "vq": c["vq"],
                                  "classifier": cls.config},
                "wall_time_s": self.results.get("wall_s", {}),
            },
            "metrics": metrics,
            "fid_reference": {"file": "fid_ref_stats.bin", "dim": metrics.get("fid_dim"),
                              "format": "float64 little-endian: mu [dim] then sigma [dim,dim] row-major",
                              "features": "classifier.onnx output 'features'",
                              "images": f"first {self.p['eval']['n_fid']} Fashion-MNIST test images"},
        }


def write_test_subset(out_dir, n):
    """First n test images/labels in the original gzipped IDX format, for the Java demo/tests."""
    os.makedirs(out_dir, exist_ok=True)
    images, labels = data.load_split("test")
    data.write_idx(os.path.join(out_dir, f"t10k-{n}-images-idx3-ubyte.gz"), images[:n])
    data.write_idx(os.path.join(out_dir, f"t10k-{n}-labels-idx1-ubyte.gz"), labels[:n])


def run_parallel(run, stages):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    procs = {}
    for stage in stages:
        cmd = [sys.executable, "-m", "addp.train_all", "--child", stage, "--work", run.work,
               "--zoo", run.zoo] + (["--quick"] if run.quick else [])
        procs[stage] = subprocess.Popen(cmd, env=env, cwd=paths.MODELS)
    failed = [stage for stage, p in procs.items() if p.wait() != 0]
    if failed:
        raise RuntimeError(f"stage(s) {failed} failed")
    for stage in stages:
        with open(run.path(f"child_{stage}.json")) as f:
            child = json.load(f)
        run.results.setdefault("done", []).append(stage)
        run.record(stage, child["seconds"], **child["values"])
        run.log(f"=== stage {stage} done in {child['seconds']:.0f}s {child['values']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run with tiny models and data")
    ap.add_argument("--work", help="checkpoint dir (default work/full or work/quick)")
    ap.add_argument("--zoo", help="export dir (default zoo/ or work/quick/zoo/)")
    ap.add_argument("--redo", choices=STAGES, help="rerun this stage and all later ones")
    ap.add_argument("--until", choices=STAGES, help="stop after this stage")
    ap.add_argument("--child", choices=PARALLEL, help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(1)   # OpenBLAS uses both cores for the matmuls; see README
    mode = "quick" if args.quick else "full"
    work = args.work or os.path.join(paths.WORK, mode)
    zoo = args.zoo or (os.path.join(paths.WORK, "quick", "zoo") if args.quick else paths.ZOO)
    run = Run(args.quick, work, zoo)
    if args.child:   # one of the parallel stages; the parent records its result
        t0 = time.time()
        values = getattr(run, args.child)()
        with open(run.path(f"child_{args.child}.json"), "w") as f:
            json.dump({"values": values, "seconds": time.time() - t0}, f)
        return
    done = run.results.setdefault("done", [])
    if args.redo:
        done[:] = [s for s in done if STAGES.index(s) < STAGES.index(args.redo)]
    run.log(f"mode {mode}; work {work}; zoo {zoo}; done: {done}")
    for stage in STAGES:
        if stage in done:
            continue
        if stage in PARALLEL:
            todo = [s for s in PARALLEL if s not in done]
            run.log(f"=== stages {todo} (parallel)")
            run_parallel(run, todo)
            continue
        run.log(f"=== stage {stage}")
        t0 = time.time()
        values = getattr(run, stage)()
        done.append(stage)
        run.record(stage, time.time() - t0, **values)
        run.log(f"=== stage {stage} done in {time.time() - t0:.0f}s {values}")
        if stage == args.until:
            break
    run.log(f"total {time.time() - run.t_start:.0f}s; results in {run.results_path}")


if __name__ == "__main__":
    main()
