"""ONNX export (opset 17, dynamic batch axis "batch") of the three graphs of the Java contract,
their golden input/output files, the golden generation traces, the manifest, and the check of
every graph with ONNX Runtime Java (tools/OrtGoldenCheck.java).

gen_step: (ids int64 [B,N], mask float32 [B,N] 1=unreliable, probs float32 [B,N,K])
          -> pixels [B,3,H,W] in [0,1], logits [B,N,K]. One ORT run per loop step: token->pixel
          decoding of step s and pixel->token prediction for step s+1 share one graph, so Java
          copies only ids/mask/probs in and pixels/logits out per step.
render:   same inputs -> pixels (the last step needs no prediction).
classifier: pixels [B,3,H,W] -> logits [B,C], features [B,D]."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn

from . import data, generate, paths

OPSET = 17
# the manifest's "recognition" block of a model whose only head is the softmax classifier graph
CLASSIFIER_RECOGNITION = {"graph": "classifier", "input": "pixels",
                          "heads": {"classification": {"kind": "softmax", "output": "logits"}}}
ORT_ARTIFACT = "com.microsoft.onnxruntime:onnxruntime:1.24.2"


class Render(nn.Module):
    """Token -> pixel: latent = where(mask, probs @ codebook, codebook[ids]) -> VQ decode."""

    def __init__(self, addp):
        super().__init__()
        self.addp = addp

    def forward(self, ids, mask, probs):
        latent = self.addp.soft_latent(ids, mask > 0.5, probs)
        return self.addp.vqgan.decoder(latent).clamp(0.0, 1.0)


class GenStep(Render):
    """One generation step: render, then encoder + static-shape token decoder on (ids, mask).
    A class-conditional model takes two more inputs: `label` int64 [B], the class index (0..C-1,
    manifest `labels`) or C for no class, and `guidance` float32 [B], the classifier-free guidance
    strength w: logits = l_c + w * (l_c - l_none), where l_c and l_none are the token decoder's
    logits for the label and for no class on the same encoder features (w = 0, or no class, gives
    l_c exactly). The encoder runs once; the small decoder runs twice."""

    def forward(self, ids, mask, probs, label=None, guidance=None):
        pixels = super().forward(ids, mask, probs)
        h = self.addp.encode(pixels)
        logits = self.addp.decode(h, ids, mask > 0.5, static=True, labels=label)
        if guidance is not None:
            none = torch.full_like(label, self.addp.config["n_classes"])
            plain = self.addp.decode(h, ids, mask > 0.5, static=True, labels=none)
            logits = logits + guidance[:, None, None] * (logits - plain)
        return pixels, logits


class Tokenize(nn.Module):
    """Image -> token ids: VQ encoder, nearest codebook row (squared L2, lowest id on ties).
    pixels [B,3,H,W] RGB in [0,1] (the manifest's preprocess) -> ids int64 [B,N], row-major."""

    def __init__(self, vq_model):
        super().__init__()
        self.vq = vq_model

    def forward(self, pixels):
        return self.vq.encode_ids(pixels)


def conditional(addp):
    return addp.config.get("n_classes", 0) > 0


def graph_modules(addp, classifier, tokenizer=None):
    mods = {"gen_step": GenStep(addp), "render": Render(addp)}
    if tokenizer is not None:
        mods["tokenize"] = Tokenize(tokenizer)
    if classifier is not None:
        mods["classifier"] = classifier     # forward(pixels) -> (logits, features)
    return {k: m.eval() for k, m in mods.items()}


def io_spec(addp, classifier, tokenizer=None):
    """-> {graph: (inputs, outputs)} with (name, dtype, shape) and "batch" as the dynamic axis."""
    N, K = addp.n_tokens, addp.config["codebook_size"]
    S = addp.config["img_size"]
    gen_in = [("ids", "int64", ["batch", N]), ("mask", "float32", ["batch", N]),
              ("probs", "float32", ["batch", N, K])]
    step_in = gen_in + ([("label", "int64", ["batch"]), ("guidance", "float32", ["batch"])]
                        if conditional(addp) else [])
    pix = ("pixels", "float32", ["batch", 3, S, S])
    spec = {"gen_step": (step_in, [pix, ("logits", "float32", ["batch", N, K])]),
            "render": (gen_in, [pix])}
    if tokenizer is not None:
        spec["tokenize"] = ([pix], [("ids", "int64", ["batch", N])])
    if classifier is not None:
        c = classifier.config
        spec["classifier"] = ([pix], [("logits", "float32", ["batch", c["num_classes"]]),
                                      ("features", "float32", ["batch", c["dim"]])])
    return spec


def example_inputs(spec_inputs, batch, seed, label_count=10):
    """Deterministic golden inputs: random ids, per-sample different masks (row 0 all masked,
    row 1 all but one masked, the rest random), proper probability rows, images in [0,1]."""
    g = torch.Generator().manual_seed(seed)
    shapes = {name: shape for name, _, shape in spec_inputs}
    out = {}
    for name, dtype, shape in spec_inputs:
        shape = [batch] + shape[1:]
        if name == "ids":
            out[name] = torch.randint(0, shapes["probs"][2], shape, generator=g)
        elif name == "mask":
            m = (torch.rand(shape, generator=g) < 0.5).float()
            m[0] = 1.0
            if batch > 1:
                m[1] = 1.0
                m[1, shape[1] // 3] = 0.0
            out[name] = m
        elif name == "probs":
            out[name] = torch.softmax(3 * torch.randn(shape, generator=g), dim=-1)
        elif name == "label":   # every class index and "no class" (= the count of classes) in turn
            out[name] = torch.arange(shape[0]) % (label_count + 1)
        elif name == "guidance":
            out[name] = 3 * torch.rand(shape, generator=g)
        else:
            out[name] = torch.rand(shape, generator=g)
    return out


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_graph(module, args, path, inputs, outputs):
    """The one ONNX export step: `module` traced on example `args` into `path` (opset 17, constant
    folding, the first axis of every input and output dynamic under the name its spec gives it),
    the contract's shapes declared on the graph's inputs and outputs; inputs/outputs: (name, dtype,
    shape) lists. Returns the manifest's entry for the graph."""
    dyn = {n: {0: shape[0]} for n, _, shape in inputs + outputs}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # tracer notes on static sizes (token grid, crop size)
        torch.onnx.export(module, args, path, opset_version=OPSET, do_constant_folding=True,
                          input_names=[n for n, _, _ in inputs],
                          output_names=[n for n, _, _ in outputs], dynamic_axes=dyn)
    _declare_shapes(path, inputs + outputs)
    return {"file": os.path.basename(path), "sha256": sha256(path),
            "inputs": [dict(name=n, dtype=d, shape=s) for n, d, s in inputs],
            "outputs": [dict(name=n, dtype=d, shape=s) for n, d, s in outputs]}


def export_graphs(addp, classifier, out_dir, batch=1, tokenizer=None):
    """Write <graph>.onnx files; returns the manifest "graphs" section."""
    spec = io_spec(addp, classifier, tokenizer)
    graphs = {}
    for name, module in graph_modules(addp, classifier, tokenizer).items():
        inputs, outputs = spec[name]
        args = tuple(example_inputs(inputs, batch, 0).values())
        graphs[name] = export_graph(module, args, os.path.join(out_dir, f"{name}.onnx"), inputs, outputs)
    return graphs


def _declare_shapes(path, specs):
    """Write the contract's shapes into the graph's input/output declarations: the exporter
    leaves symbolic names on dims that are static in fact (e.g. after Resize)."""
    model = onnx.load(path)
    by_name = {n: shape for n, _, shape in specs}
    for vi in list(model.graph.input) + list(model.graph.output):
        for dim, want in zip(vi.type.tensor_type.shape.dim, by_name[vi.name]):
            if isinstance(want, str):
                dim.dim_param = want
            else:
                dim.dim_value = want
    onnx.checker.check_model(model)
    onnx.save(model, path)


def write_tensor(path, t):
    a = np.ascontiguousarray(t.numpy() if torch.is_tensor(t) else t)
    a.astype(a.dtype.newbyteorder("<")).tofile(path)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "file": os.path.basename(path)}


def write_golden_case(out_dir, graph, inputs, outputs, tolerance=1e-4, **about):
    """The one golden writer: golden/<graph>/ with each tensor as a raw little-endian file
    (<name>.in.bin, <name>.out.bin) and case.json naming them with dtype and shape, the tolerance
    and any further fields `about` gives. inputs/outputs: {name: tensor or array}."""
    d = os.path.join(out_dir, "golden", graph)
    os.makedirs(d, exist_ok=True)
    case = {"inputs": {n: write_tensor(os.path.join(d, f"{n}.in.bin"), t) for n, t in inputs.items()},
            "outputs": {n: write_tensor(os.path.join(d, f"{n}.out.bin"), t) for n, t in outputs.items()},
            "tolerance": tolerance, **about}
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(case, f, indent=1)


def write_golden(addp, classifier, out_dir, batch=3, tolerance=1e-4, tokenizer=None):
    """Golden I/O of the generation graphs (and the classifier's): deterministic example inputs."""
    spec = io_spec(addp, classifier, tokenizer)
    for name, module in graph_modules(addp, classifier, tokenizer).items():
        inputs, outputs = spec[name]
        x = example_inputs(inputs, batch, seed=1234, label_count=addp.config.get("n_classes", 0))
        with torch.no_grad():
            y = module(*x.values())
        y = y if isinstance(y, tuple) else (y,)
        write_golden_case(out_dir, name, x, {n: t for (n, _, _), t in zip(outputs, y)}, tolerance)


def allmask_logits(gen_step, labels=None, guidance=None):
    """The constant logits of an all-masked decoder input: gen_step with mask = 1 (eval mode).
    A conditional model has one such constant per (label, guidance): labels [B] -> [B,N,K]
    (guidance: one strength for all, or one per image; default 0); else [N,K]."""
    N, K = gen_step.addp.n_tokens, gen_step.addp.config["codebook_size"]
    if labels is not None and conditional(gen_step.addp):
        lab = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        B = len(lab)
        with torch.no_grad():
            _, lg = gen_step(torch.zeros(B, N, dtype=torch.long), torch.ones(B, N),
                             torch.full((B, N, K), 1.0 / K), lab, generate.guidance_tensor(guidance, B))
        return lg.numpy()
    with torch.no_grad():
        _, lg = gen_step(torch.zeros(1, N, dtype=torch.long), torch.ones(1, N),
                         torch.full((1, N, K), 1.0 / K))
    return lg[0].numpy()


def write_traces(addp, out_dir, gen, seeds=(0, 1, 2), batch=4, labelled_seeds=()):
    """Golden generation traces from the reference loop running the exported graphs' modules.
    labelled_seeds: conditional traces whose image b asks for class (seed + 3b) mod C (the trace's
    `labels`); the others ask for no class (`labels` = C for every image of a conditional model).
    A conditional model's traces run at the guidance strength gen["guidance"] (`guidance`, per image)."""
    step = GenStep(addp).eval()
    render = Render(addp).eval()
    d = os.path.join(out_dir, "golden", "traces")
    os.makedirs(d, exist_ok=True)
    C = addp.config.get("n_classes", 0)
    for seed in list(seeds) + list(labelled_seeds):
        labels = None
        if C:
            labels = ([(seed + 3 * b) % C for b in range(batch)] if seed in labelled_seeds else [C] * batch)
        w = None if labels is None else [float(gen.get("guidance", 0.0))] * batch
        step_fn, render_fn = generate.torch_fns(step, render, labels, w)
        const = allmask_logits(step, labels, w)
        px, trace = generate.run_loop(step_fn, render_fn, const, batch, gen["steps"], seed=seed,
                                      temperature=gen["temperature"],
                                      choice_temperature=gen["choice_temperature"],
                                      schedule_name=gen["schedule"], record=True)
        doc = {"seed": seed, "batch": batch, "steps": gen["steps"], "schedule": gen["schedule"],
               "temperature": gen["temperature"], "choice_temperature": gen["choice_temperature"],
               "tokens": addp.n_tokens, "codebook_size": addp.config["codebook_size"],
               **({"labels": labels, "guidance": w} if labels is not None else {}),
               "steps_data": trace,
               "final_images": write_tensor(os.path.join(d, f"seed_{seed}_images.bin"),
                                            px.astype(np.float32))}
        with open(os.path.join(d, f"seed_{seed}.json"), "w") as f:
            json.dump(doc, f)


def edit_sources(vq_model, n):
    """The first n test images' token ids (via the tokenize graph's module) and a region per image
    (a centred 16x16 box; a 32x8 top border; the whole right half), for the edit traces."""
    x, _ = data.load_rgb("test", n)
    with torch.no_grad():
        ids = Tokenize(vq_model).eval()(x).numpy()
    grid = int(np.sqrt(ids.shape[1]))
    boxes = [(8, 8, 16, 16), (0, 0, 32, 8), (16, 0, 16, 32)]
    region = np.stack([generate.region_from_box(boxes[b % len(boxes)], 32, grid) for b in range(n)])
    return ids, region, [boxes[b % len(boxes)] for b in range(n)]


def write_edit_traces(addp, vq_model, out_dir, gen, seeds=(0, 1), batch=4):
    """Golden edit traces: the reference edit loop on test images' tokens, with recorded uniforms.
    Seed 0 asks for no class, seed 1 for class (3b) mod C per image (conditional models)."""
    step, render = GenStep(addp).eval(), Render(addp).eval()
    d = os.path.join(out_dir, "golden", "traces")
    os.makedirs(d, exist_ok=True)
    C = addp.config.get("n_classes", 0)
    src, region, boxes = edit_sources(vq_model, batch)
    for seed in seeds:
        labels = None if not C else ([C] * batch if seed == 0 else [(3 * b) % C for b in range(batch)])
        w = None if labels is None else [float(gen.get("guidance", 0.0))] * batch
        px, ids, trace = generate.run_edit_loop(*generate.torch_fns(step, render, labels, w), src, region,
                                                gen["steps"], seed=seed, temperature=gen["temperature"],
                                                choice_temperature=gen["choice_temperature"],
                                                schedule_name=gen["schedule"], record=True)
        doc = {"seed": seed, "batch": batch, "steps": gen["steps"], "schedule": gen["schedule"],
               "temperature": gen["temperature"], "choice_temperature": gen["choice_temperature"],
               "tokens": addp.n_tokens, "codebook_size": addp.config["codebook_size"],
               **({"labels": labels, "guidance": w} if labels is not None else {}),
               "source": "first test images, tokenized", "source_ids": src.tolist(),
               "boxes": [list(b) for b in boxes], "region": region.astype(int).tolist(),
               "first_step": "gen_step(source ids with 0 in the region, region mask, uniform probs 1/K)",
               "steps_data": trace,
               "final_images": write_tensor(os.path.join(d, f"edit_seed_{seed}_images.bin"),
                                            px.astype(np.float32))}
        with open(os.path.join(d, f"edit_seed_{seed}.json"), "w") as f:
            json.dump(doc, f)


def ort_java_check(model_dir):
    """Run every graph on its golden inputs with ONNX Runtime Java; raises on failure."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ORT_ARTIFACT}",
                        f"-DoutputDirectory={tmp}"], check=True, cwd=tmp)
        jar = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".jar")][0]
        res = subprocess.run(["java", "-cp", jar, os.path.join(paths.TOOLS, "OrtGoldenCheck.java"),
                              model_dir], capture_output=True, text=True)
    print(res.stdout + res.stderr, end="")
    if res.returncode != 0:
        raise RuntimeError(f"ONNX Runtime Java golden check failed for {model_dir}")
    return res.stdout


def write_manifest(out_dir, manifest):
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


def clean_dir(out_dir):
    """Remove previous graphs/golden files so a re-export never mixes versions."""
    if os.path.isdir(os.path.join(out_dir, "golden")):
        shutil.rmtree(os.path.join(out_dir, "golden"))
    os.makedirs(out_dir, exist_ok=True)
