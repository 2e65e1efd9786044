"""FID on the fine-tuned classifier's penultimate features (`features` output, fc_norm)."""
import numpy as np
import torch
from scipy import linalg


@torch.no_grad()
def features(classifier, images, batch_size=500):
    """images: float32 [n,3,32,32] in [0,1] (numpy or torch) -> float64 [n, D]."""
    classifier.eval()
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    return np.concatenate([classifier(x[i:i + batch_size])[1].double().numpy()
                           for i in range(0, len(x), batch_size)])


def stats(feats):
    """-> (mu [D], sigma [D,D]) float64, sigma with the unbiased (n-1) normalisation."""
    return feats.mean(0), np.cov(feats, rowvar=False)


def frechet(mu1, s1, mu2, s2):
    """||mu1-mu2||^2 + tr(s1 + s2 - 2 (s1 s2)^1/2)."""
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    if not np.isfinite(covmean).all():
        eps = 1e-6 * np.eye(len(s1))
        covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def fid(classifier, images, ref_stats):
    return frechet(*stats(features(classifier, images)), *ref_stats)


def write_stats(path, mu, sigma):
    """Little-endian float64: mu [D] then sigma [D,D] row-major."""
    np.concatenate([mu.ravel(), sigma.ravel()]).astype("<f8").tofile(path)


def read_stats(path, dim):
    v = np.fromfile(path, dtype="<f8")
    return v[:dim], v[dim:].reshape(dim, dim)
