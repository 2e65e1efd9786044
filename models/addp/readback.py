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
