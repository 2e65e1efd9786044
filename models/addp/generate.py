"""Reference generation loop (method note §4.2), with all randomness drawn as explicit uniform
arrays so a run can be recorded and replayed bit-for-bit by the Java service.

Per step s (0-based) and per image the loop draws u_sample[N] then u_gumbel[N] (numpy PCG64,
uniform in [0,1)), for every position, so the layout never depends on the mask. Numerics:
  p       = softmax(logits / temperature) in float32 (see softmax32 for the exact operations)
  sample  = first k with cdf[k] > u * cdf[K-1], cdf = float64 cumsum of p (clipped to K-1)
  ids'    = mask ? sample : ids
  g       = -ln(-ln(max(u_gumbel, 1e-20)))                          (float64)
  conf    = mask ? ln(float64(p[ids'])) + tau_s * g : +inf,  tau_s = tau * (1 - (s+1)/T)
  n_next  = clip(ceil(N * gamma((s+1)/T)), 1, N)
  newmask = the n_next smallest conf (stable: ties -> lower position)
  pixels, logits = step_fn(ids', newmask, p)   (render_fn at the last step)
Whenever the new mask is all ones the next logits are the cached all-masked logits (they do not
depend on the input), which is also what Java does."""
import math

import numpy as np
import torch

from . import schedule


def softmax32(logits, temperature):
    """float32 softmax written so Java can repeat it operation by operation:
    x = logits / T; d = x - max(x); e = (float) exp((double) d); s = e[0] + e[1] + ... summed
    left to right in float32; p = e / s."""
    x = (np.asarray(logits, np.float32) / np.float32(temperature)).astype(np.float32)
    d = x - x.max(axis=-1, keepdims=True)
    e = np.exp(d.astype(np.float64)).astype(np.float32)
    s = np.add.accumulate(e, axis=-1, dtype=np.float32)[..., -1:]   # sequential float32 sum
    return (e / s).astype(np.float32)


def sample_inverse_cdf(p, u):
    """p [B,N,K] float32, u [B,N] -> [B,N] int64 (numpy searchsorted side='right')."""
    cdf = np.cumsum(p.astype(np.float64), axis=-1)
    target = u * cdf[..., -1]
    k = (cdf <= target[..., None]).sum(-1)
    return np.minimum(k, p.shape[-1] - 1).astype(np.int64)


def choose_mask(p, ids_new, mask, u_gumbel, tau_s, n_next):
    """-> new mask [B,N] bool: the n_next lowest confidences (stable); n_next is one count for
    the batch or one per image (edits: each image has its own region size)."""
    g = -np.log(-np.log(np.maximum(u_gumbel, 1e-20)))
    p_sel = np.take_along_axis(p, ids_new[..., None], axis=-1)[..., 0].astype(np.float64)
    with np.errstate(divide="ignore"):
        conf = np.log(p_sel) + tau_s * g
    conf = np.where(mask, conf, np.inf)
    order = np.argsort(conf, axis=1, kind="stable")
    counts = np.broadcast_to(np.asarray(n_next), (mask.shape[0],))
    new_mask = np.zeros_like(mask)
    for b, n in enumerate(counts):
        new_mask[b, order[b, :n]] = True
    return new_mask


def run_loop(step_fn, render_fn, allmask_logits, batch, steps, seed=None, uniforms=None,
             temperature=1.0, choice_temperature=6.0, schedule_name="cosine", record=False):
    """step_fn(ids, mask, probs) -> (pixels or None, logits [B,N,K]); render_fn(ids, mask,
    probs) -> pixels. Arrays are numpy (ids int64, mask bool, probs float32); allmask_logits
    [N,K] float32. Uniforms come from np.random.default_rng(seed), or from `uniforms`
    ([steps, B, 2, N], e.g. a recorded trace). -> (pixels [B,3,H,W] float32, trace or None)."""
    N, K = allmask_logits.shape[-2:]    # [N,K], or [B,N,K] for a conditional model (one per label)
    rng = np.random.default_rng(seed) if uniforms is None else None
    ids = np.zeros((batch, N), np.int64)
    mask = np.ones((batch, N), bool)
    logits = np.broadcast_to(allmask_logits, (batch, N, K))
    trace = []
    pixels = None
    for s in range(steps):
        u = rng.random((batch, 2, N)) if uniforms is None else np.asarray(uniforms[s], np.float64)
        p = softmax32(logits, temperature)
        ids_new = np.where(mask, sample_inverse_cdf(p, u[:, 0]), ids)
        tau_s = choice_temperature * (1.0 - (s + 1) / steps)
        n_next = schedule.n_masked_after(s, steps, N, schedule_name)
        new_mask = choose_mask(p, ids_new, mask, u[:, 1], tau_s, n_next)
        if s < steps - 1:
            pixels, logits = step_fn(ids_new, new_mask, p)
            if new_mask.all():
                logits = np.broadcast_to(allmask_logits, (batch, N, K))
        else:
            pixels = render_fn(ids_new, new_mask, p)
        if record:
            trace.append(dict(s=s, n_next=n_next, u_sample=u[:, 0].tolist(), u_gumbel=u[:, 1].tolist(),
                              ids=ids_new.tolist(), mask=new_mask.astype(int).tolist(),
                              image_sum=None if pixels is None else
                              pixels.astype(np.float64).reshape(batch, -1).sum(1).tolist()))
        ids, mask = ids_new, new_mask
    return pixels, (trace if record else None)


def guidance_tensor(guidance, batch):
    """gen_step's `guidance` input: float32 [batch] from None (0), one strength, or one per image."""
    w = np.broadcast_to(np.asarray(0.0 if guidance is None else guidance, np.float32), (batch,))
    return torch.from_numpy(np.array(w))


def torch_fns(gen_step, render, labels=None, guidance=None):
    """Wrap the exported PyTorch modules (GenStep/Render in export.py) as loop callbacks.
    labels: class indices [B] for a class-conditional gen_step (None: unconditional graph);
    guidance: its classifier-free guidance strength, one for all or one per image (None: 0)."""
    lab = None if labels is None else torch.as_tensor(np.asarray(labels), dtype=torch.long)
    w = None if lab is None else guidance_tensor(guidance, len(lab))

    def step_fn(ids, mask, p):
        extra = () if lab is None else (lab[:len(ids)], w[:len(ids)])
        with torch.no_grad():
            px, lg = gen_step(torch.from_numpy(ids), torch.from_numpy(mask.astype(np.float32)),
                              torch.from_numpy(p), *extra)
        return px.numpy(), lg.numpy()

    step_fn.codebook_size = None if gen_step is None else gen_step.addp.config["codebook_size"]

    def render_fn(ids, mask, p):
        with torch.no_grad():
            return render(torch.from_numpy(ids), torch.from_numpy(mask.astype(np.float32)),
                          torch.from_numpy(p)).numpy()
    return step_fn, render_fn


def mage_fns(predictor, render, labels=None, guidance=None):
    """The baseline: the same loop, but the next logits come from the MAGE predictor on
    (ids, mask) alone; pixels are only rendered at the end. guidance: classifier-free guidance
    strength w as in gen_step, l_c + w * (l_c - l_none) (None or 0: l_c)."""
    lab = None if labels is None else torch.as_tensor(np.asarray(labels), dtype=torch.long)

    def step_fn(ids, mask, p):
        i, m = torch.from_numpy(ids), torch.from_numpy(mask)
        with torch.no_grad():
            lg = predictor.codebook_logits(i, m, lab)
            if guidance:
                none = torch.full_like(lab, predictor.config["n_classes"])
                lg = lg + float(guidance) * (lg - predictor.codebook_logits(i, m, none))
        return None, lg.numpy()

    _, render_fn = torch_fns(None, render)
    step_fn.codebook_size = predictor.config["codebook_size"]
    return step_fn, render_fn


def generate_many(step_fn, render_fn, allmask_logits, n_images, batch, steps, seed, **kw):
    """n_images samples in batches; batch b uses seed (seed, b) so runs are reproducible."""
    out = []
    for b in range(math.ceil(n_images / batch)):
        bs = min(batch, n_images - b * batch)
        px, _ = run_loop(step_fn, render_fn, allmask_logits, bs, steps,
                         seed=[seed, b], **kw)
        out.append(px)
    return np.concatenate(out)


def edit_counts(n_region, step, steps, schedule_name="cosine"):
    """Masked count of an edit after loop step `step`: the generation schedule applied to the region's
    size instead of N: clip(ceil(n_region * gamma((s+1)/T)), 1, n_region) (0 for an empty region)."""
    if n_region == 0:
        return 0
    n = math.ceil(n_region * schedule.gamma((step + 1) / steps, schedule_name))
    return min(max(n, 1), n_region)


def run_edit_loop(step_fn, render_fn, source_ids, region, steps, seed=None, uniforms=None,
                  temperature=1.0, choice_temperature=6.0, schedule_name="cosine", record=False):
    """Inpainting/outpainting with the same loop: tokens outside the region start reliable with the
    source's ids and are never touched; the region's tokens start masked. The first logits come from
    one gen_step on (source ids, region mask, uniform probs): the region's pixels are rendered from the
    mean codebook vector, the rest from the source's tokens. Each image then reveals its own region on
    the generation schedule scaled to the region's size (edit_counts). Uniforms as run_loop (the same
    layout, so an edit replays like a generation). source_ids int64 [B,N], region bool [B,N]."""
    B, N = source_ids.shape
    rng = np.random.default_rng(seed) if uniforms is None else None
    ids = np.where(region, 0, source_ids).astype(np.int64)
    mask = region.copy()
    n_region = region.sum(1)
    K = None
    trace, pixels = [], None
    for s in range(steps):
        if s == 0:
            K = step_fn.codebook_size
            pixels, logits = step_fn(ids, mask, np.full((B, N, K), 1.0 / K, np.float32))
        u = rng.random((B, 2, N)) if uniforms is None else np.asarray(uniforms[s], np.float64)
        p = softmax32(logits, temperature)
        ids_new = np.where(mask, sample_inverse_cdf(p, u[:, 0]), ids)
        tau_s = choice_temperature * (1.0 - (s + 1) / steps)
        n_next = np.array([edit_counts(int(n), s, steps, schedule_name) for n in n_region])
        new_mask = choose_mask(p, ids_new, mask, u[:, 1], tau_s, n_next)
        if s < steps - 1:
            pixels, logits = step_fn(ids_new, new_mask, p)
        else:
            pixels = render_fn(ids_new, new_mask, p)
        if record:
            trace.append(dict(s=s, n_next=n_next.tolist(), u_sample=u[:, 0].tolist(),
                              u_gumbel=u[:, 1].tolist(), ids=ids_new.tolist(),
                              mask=new_mask.astype(int).tolist(),
                              image_sum=pixels.astype(np.float64).reshape(B, -1).sum(1).tolist()))
        ids, mask = ids_new, new_mask
    return pixels, ids, (trace if record else None)


def region_from_box(box, image_size, grid):
    """Token mask of a box (x, y, w, h) in pixels of an image_size x image_size input: a token is in
    the region when its cell overlaps the box by any area (half-open cells, so touching is not
    overlapping). -> bool [grid*grid], row-major."""
    x, y, w, h = box
    cell = image_size / grid
    out = np.zeros((grid, grid), bool)
    for r in range(grid):
        for c in range(grid):
            x0, y0 = c * cell, r * cell
            out[r, c] = x < x0 + cell and x + w > x0 and y < y0 + cell and y + h > y0 and w > 0 and h > 0
    return out.reshape(-1)


def region_from_pixel_mask(pixel_mask, grid):
    """Token mask of a pixel mask [H,W] bool: a token is in the region when any pixel of its cell is."""
    H, W = pixel_mask.shape
    cells = pixel_mask.reshape(grid, H // grid, grid, W // grid)
    return cells.any(axis=(1, 3)).reshape(-1)
