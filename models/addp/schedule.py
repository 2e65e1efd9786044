"""Mask-ratio grid and nested masks for ADDP training (method note §3.2), and the generation
schedule (§4.2).

Scaling from 256 to 64 tokens: the grid lives in *ratio* space, not token space. ADDP takes the
cosine schedule at 101 points, r_k = cos(pi/2 * k/100), keeps the 66 ratios in [0.5, 1), weights
them by a N(0.55, 0.25) density truncated to [0.5, 1], and moves 1-5 grid steps for the noisier
timestep. None of this depends on the token count N; only the counts ceil(N*r) do. We therefore
keep the same 66-point grid, weights and 1-5 gap and only change N in ceil(N*r). One grid step
is an angle of pi/200, so the T=20 cosine inference step (pi/40) equals exactly 5 grid steps,
the largest training gap; that link holds for any N and is why the default T stays 20.
Effect of the coarser quantisation at N=64: masked counts 33..64 (256 tokens: 131..256) and a
gap reveals 0..5 tokens (256 tokens: 0..17), about the same fractions of the sequence."""
import math

import numpy as np
import torch
from scipy import stats

GRID_POINTS = 100          # r_k = cos(pi/2 * k / GRID_POINTS), k = 0..GRID_POINTS
RATIO_MIN, RATIO_MAX = 0.5, 1.0
MU, SIGMA = 0.55, 0.25     # MAGE's truncated-normal mask-ratio hyper-parameters
MAX_GAP = 5                # t+1 is 1..MAX_GAP grid steps noisier than t


def ratio_grid():
    """-> (ratios ascending [66] float64, probabilities [66] float64)."""
    k = np.arange(GRID_POINTS + 1)
    r = np.cos(np.pi / 2 * k / GRID_POINTS)
    r = np.sort(r[(r >= RATIO_MIN) & (r < RATIO_MAX)])
    tn = stats.truncnorm((RATIO_MIN - MU) / SIGMA, (RATIO_MAX - MU) / SIGMA, loc=MU, scale=SIGMA)
    pdf = tn.pdf(r)
    return r, pdf / pdf.sum()


def sample_counts(n_tokens, rng):
    """One draw per batch: -> (n_t, n_{t+1}) masked-token counts, n_t <= n_{t+1}."""
    r, p = ratio_grid()
    j = rng.choice(len(r), p=p)
    jn = min(j + int(rng.integers(1, MAX_GAP + 1)), len(r) - 1)
    return math.ceil(n_tokens * r[j]), math.ceil(n_tokens * r[jn])


def nested_masks(batch, n_tokens, n_t, n_tp1, generator=None):
    """Per sample, rank one uniform draw per position; m_t = the n_t lowest, m_{t+1} = the
    n_{t+1} lowest, so m_t is a subset of m_{t+1}. Ranking gives exact counts (no tie redraw).
    -> two bool tensors [batch, n_tokens] (True = unreliable/masked)."""
    u = torch.rand(batch, n_tokens, generator=generator)
    rank = u.argsort(dim=1).argsort(dim=1)
    return rank < n_t, rank < n_tp1


def gamma(progress, schedule):
    """Fraction still masked after progress = (s+1)/T, float64."""
    if schedule == "cosine":
        return math.cos(math.pi / 2 * progress)
    if schedule == "linear":
        return 1.0 - progress
    raise ValueError(schedule)


def n_masked_after(step, steps, n_tokens, schedule="cosine"):
    """Masked count after loop step `step` (0-based): clip(ceil(N*gamma), 1, N). The clip keeps
    exactly one soft token after the last step; ceil reveals nothing while N*gamma > N-1."""
    n = math.ceil(n_tokens * gamma((step + 1) / steps, schedule))
    return min(max(n, 1), n_tokens)
