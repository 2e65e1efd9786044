"""Read the pre-trained ADDP pixel encoder back out of the committed gen_step.onnx (the pipeline's
checkpoints are git-ignored): named initializers as they are; each Linear weight from the MatMul
that feeds its named bias Add, transposed; the folded position table; cls_token + pos_embed[0],
which the export folded into one constant and which the forward only ever uses summed. Used by
finetune_probe.py and the dense heads (addp/dense.py)."""
import numpy as np
import onnx
import torch
from onnx import numpy_helper


def encoder_state_from_gen_step(path, n_tokens):
    """The ADDP pixel encoder of gen_step.onnx (initializers named addp.*)."""
    return state_from_onnx(path, n_tokens, "addp.")


def state_from_onnx(path, n_tokens, prefix=""):
    """The state dict of a ViT-based module (names as in its checkpoint, without `prefix`) read back
    from an ONNX file torch.onnx.export wrote, for an encoder with n_tokens patches. pos_embed[:, 0] comes back as zero and cls_token as the
    sum cls_token + pos_embed[:, 0]: the forward only uses that sum, and AdamW (same gradient, same
    decay) moves the sum the same either way, so fine-tuning from it is the same computation."""
    graph = onnx.load(path).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = {k[len(prefix):]: v for k, v in init.items() if k.startswith(prefix)}
    producers = {out: n for n in graph.node for out in n.output}
    first_use = {}
    for order, node in enumerate(graph.node):
        for name in node.input:
            first_use.setdefault(name, (order, node))
    for node in graph.node:
        if node.op_type != "Add":
            continue
        bias = next((i for i in node.input if i.startswith(prefix) and i.endswith(".bias")), None)
        src = next((producers.get(i) for i in node.input if i in producers), None)
        if bias and src is not None and src.op_type == "MatMul" and src.input[1] in init:
            state[bias[len(prefix):-len(".bias")] + ".weight"] = init[src.input[1]].T.copy()
    # folded constants, the earliest-used of their shape (the encoder runs first):
    # pos_embed[:, 1:] [1,N,D] and cls_token + pos_embed[:, :1] [1,1,D]
    def earliest(shape):
        return min((k for k, v in init.items() if k.startswith("onnx::") and v.shape == shape),
                   key=lambda k: first_use[k][0])

    n, d = n_tokens, init[prefix + "patch_embed.proj.weight"].shape[0]
    pos_rest, cls_sum = earliest((1, n, d)), earliest((1, 1, d))
    pos = np.zeros((1, n + 1, d), np.float32)
    pos[:, 1:] = init[pos_rest]
    state["pos_embed"] = pos
    state["cls_token"] = init[cls_sum]
    return {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}


def addp_from_gen_step(model_dir):
    """The whole ADDP generator (VQ decoder + codebook, pixel encoder, token decoder, MLM head) read
    back out of a model directory's gen_step.onnx, as an `addp.ADDP` module. Exact where the graph
    keeps the value; the values the graph never reads are filled as follows: the VQ encoder keeps
    its random init (train_gen.py's vq_encoder stage fits it to the frozen codebook and decoder),
    decoder_pos_token_embed[:, 0] is zero, and the MLM bias of the non-codebook vocabulary rows
    (class and mask ids, used only by the training loss) gets the codebook rows' minimum."""
    import json
    import os

    from . import addp as addp_mod

    manifest = json.load(open(os.path.join(model_dir, "manifest.json")))
    cfg = dict(manifest["training"]["model_configs"]["addp"], vq=manifest["training"]["model_configs"]["vq"])
    path = os.path.join(model_dir, "gen_step.onnx")
    if cfg.get("n_classes", 0):
        raise ValueError(f"{path} is class-conditional: its training continues from the committed "
                         "checkpoints (train_gen.py --more STEPS), not from a read-back")
    model = addp_mod.ADDP(cfg)
    n, K = model.n_tokens, cfg["codebook_size"]
    state = state_from_onnx(path, n, "addp.")
    graph = onnx.load(path).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    order = {}
    for k, node in enumerate(graph.node):
        for name in node.input:
            order.setdefault(name, k)
    folded = sorted((k for k in init if k.startswith("onnx::")), key=lambda k: order[k])
    # GroupNorm affine parameters: torch exports GroupNorm as InstanceNorm + Mul(weight) + Add(bias),
    # in the order the VQ decoder runs its norms
    norms = _execution_order(model.vqgan.decoder, torch.nn.GroupNorm,
                             torch.zeros(1, cfg["vq"]["z_channels"], 2, 2))
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def follow(out, op):   # the first consumer of `out` with this op type, through Reshapes
        for node in consumers.get(out, []):
            if node.op_type == op:
                return node
            if node.op_type == "Reshape":
                hit = follow(node.output[0], op)
                if hit is not None:
                    return hit
        return None

    affines = []
    for node in graph.node:       # graph order = execution order
        if node.op_type == "InstanceNormalization":
            mul = follow(node.output[0], "Mul")
            add = follow(mul.output[0], "Add")
            affines.append((next(i for i in mul.input if i in init), next(i for i in add.input if i in init)))
    muls, adds = [a for a, _ in affines], [b for _, b in affines]
    if not (len(norms) == len(muls) == len(adds)):
        raise ValueError(f"{len(norms)} GroupNorms but {len(muls)}/{len(adds)} folded affines")
    for name, w, b in zip(norms, muls, adds):
        state[f"vqgan.decoder.{name}.weight"] = torch.from_numpy(init[w].reshape(-1).copy())
        state[f"vqgan.decoder.{name}.bias"] = torch.from_numpy(init[b].reshape(-1).copy())
    # decoder_pos_token_embed[:, 1:] is the later-used [1,N,D] constant (the encoder's table is first)
    d = cfg["dim"]
    tables = [k for k in folded if init[k].shape == (1, n, d)]
    tok_pos = np.zeros((1, n + 1, d), np.float32)
    tok_pos[:, 1:] = init[tables[-1]]
    state["decoder_pos_token_embed"] = torch.from_numpy(tok_pos)
    bias_k = [k for k in folded if init[k].shape == (1, 1, K)][-1]   # the head runs last
    bias = np.full((1, 1, cfg["vocab_size"]), init[bias_k].min(), np.float32)
    bias[..., :K] = init[bias_k]
    state["mlm_layer.bias"] = torch.from_numpy(bias)
    own = model.state_dict()
    for k in own:
        if k.startswith("vqgan.encoder.") or k in ("pixel_mean", "pixel_std"):
            state[k] = own[k]
    missing = [k for k in own if k not in state]
    if missing:
        raise ValueError(f"not read back from {path}: {missing}")
    model.load_state_dict({k: state[k] for k in own})
    return model.eval()


def _execution_order(module, kind, example):
    """Names of the `kind` submodules of `module` in the order a forward pass runs them."""
    seen, hooks = [], []
    for name, m in module.named_modules():
        if isinstance(m, kind):
            hooks.append(m.register_forward_hook(lambda *_, name=name: seen.append(name)))
    with torch.no_grad():
        module(example)
    for h in hooks:
        h.remove()
    return seen
