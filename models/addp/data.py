"""Fashion-MNIST from Debian's `dataset-fashion-mnist` (gzipped IDX files), as RGB in [0,1] at 32x32.

The 28x28 images are zero-padded by 2 px on each side (the manifest's preprocess "pad" rule with
content_size 28, size 32, fill 0) and the grey channel is replicated to RGB."""
import gzip
import os

import numpy as np
import torch
import torch.nn.functional as F

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    """Parse a (gzipped) uint8 IDX file into an array: magic 0x0800 + number of dimensions
    (2049 = labels [n], 2051 = images [n,rows,cols], 2052 = [n,h,w,c] scenes)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic - 0x0800
    if not 1 <= ndim <= 4:
        raise ValueError(f"{path}: unknown IDX magic {magic}")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, array):
    """Write a uint8 array of 1-4 dimensions (labels [n], images [n,rows,cols], scenes [n,h,w,c])
    as a gzipped IDX file, magic 0x0800 + ndim (mtime 0: reproducible)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = (0x0800 + array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(header + array.tobytes())


def load_split(split):
    """-> (uint8 images [n,28,28], int64 labels [n]); split is 'train' or 'test'."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    return images, labels.astype(np.int64)


def to_rgb32(images_u8):
    """uint8 [n,28,28] -> float32 tensor [n,3,32,32] in [0,1] (pad 2 px of 0, grey -> RGB)."""
    x = torch.from_numpy(np.asarray(images_u8, dtype=np.float32) / 255.0)[:, None]
    return F.pad(x, (2, 2, 2, 2)).expand(-1, 3, -1, -1).contiguous()


def load_rgb(split, limit=None):
    images, labels = load_split(split)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return to_rgb32(images), torch.from_numpy(labels)


def augment(x, pad=2):
    """Random horizontal flip + random translation by up to `pad` px (zero fill): the usual
    'random crop with padding' augmentation for 32x32 inputs."""
    B = x.shape[0]
    flip = torch.rand(B) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    if pad == 0:
        return x
    xp = F.pad(x, (pad, pad, pad, pad))
    dx, dy = torch.randint(0, 2 * pad + 1, (2, B))
    out = torch.empty_like(x)
    H, W = x.shape[2:]
    for i in range(B):
        out[i] = xp[i, :, dy[i]:dy[i] + H, dx[i]:dx[i] + W]
    return out


def batches(n, batch_size, generator=None, shuffle=True, drop_last=True):
    """Index batches over range(n)."""
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - batch_size + 1 if drop_last else n
    for i in range(0, max(stop, 0), batch_size):
        yield order[i:i + batch_size]
