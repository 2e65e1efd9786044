"""Multi-object scenes for the dense heads: 64x64 RGB canvases holding 1-4 Fashion-MNIST
items at scales 0.6-1.2 of 28 px, at random positions with limited overlap, on black, noisy or
textured backgrounds, items grey or tinted. Ground truth per scene: the visible-pixel mask, the
tight box around it and the class of every item, and the semantic map (0 background, 1 + c).

Everything is drawn with numpy from a numpy Generator seeded per scene ([seed, index]), in float64
arithmetic and then quantised to uint8, so a scene is the same bits for the same (pool, seed, index)
on any machine. Pools: train scenes use Fashion-MNIST train items 0..54,999, val scenes train items
55,000..59,999, test scenes test items only."""
import numpy as np

from . import data

SIZE = 64
MAX_ITEMS = 4
SCALE = (0.6, 1.2)
ALPHA = 0.2            # a resized item pixel belongs to the item where its grey value >= ALPHA
KEEP_VISIBLE = 0.6     # an earlier item keeps >= 60% of its pixels when a later one is placed on it
MIN_VISIBLE = 30       # ... and at least this many pixels
TRIES = 30
VAL_START = 55000
POOLS = {"train": ("train", 0, VAL_START), "val": ("train", VAL_START, 60000), "test": ("test", 0, 10000)}
SEEDS = {"train": 1, "val": 2, "test": 3}
TEST_COUNT = 1000


class Pool:
    """The Fashion-MNIST items a split may use: uint8 [n,28,28] and labels [n]."""

    def __init__(self, split):
        source, lo, hi = POOLS[split]
        images, labels = data.load_split(source)
        self.split, self.offset = split, lo
        self.images, self.labels = images[lo:hi], labels[lo:hi]


def resize_bilinear(img, size):
    """uint8 [h,w] -> float64 [size,size] in [0,1]; bilinear, half-pixel centres, edge clamp."""
    h, w = img.shape
    a = img.astype(np.float64) / 255.0

    def axis(n_in):
        c = (np.arange(size) + 0.5) * n_in / size - 0.5
        c = np.clip(c, 0, n_in - 1)
        i0 = np.floor(c).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, c - i0

    y0, y1, fy = axis(h)
    x0, x1, fx = axis(w)
    top = a[y0][:, x0] * (1 - fx) + a[y0][:, x1] * fx
    bot = a[y1][:, x0] * (1 - fx) + a[y1][:, x1] * fx
    return top * (1 - fy[:, None]) + bot * fy[:, None]


def background(rng):
    kind = rng.integers(0, 10)
    base = rng.uniform(0.0, 0.15)
    canvas = np.zeros((SIZE, SIZE, 3))
    if kind < 4:                                   # black
        return canvas
    colour = rng.uniform(0.3, 1.0, 3)
    if kind < 7:                                   # noise
        sigma = rng.uniform(0.02, 0.10)
        canvas += base * colour + rng.normal(0.0, sigma, (SIZE, SIZE, 1))
    else:                                          # texture: two sinusoidal gratings
        yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
        tex = np.zeros((SIZE, SIZE))
        for _ in range(2):
            theta, period, phase = rng.uniform(0, np.pi), rng.uniform(4, 20), rng.uniform(0, 2 * np.pi)
            tex += np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / period + phase)
        amp = rng.uniform(0.05, 0.15)
        canvas += (base + amp * (tex[..., None] + 2) / 4) * colour
    return np.clip(canvas, 0.0, 1.0)


def make_scene(pool, seed, index):
    """-> dict(image uint8 [64,64,3], semantic uint8 [64,64], labels int64 [k],
    masks bool [k,64,64] (visible pixels), boxes float64 [k,4] (x, y, w, h tight around the
    visible pixels), items int64 [k] (index in the source split))."""
    rng = np.random.default_rng([seed, index])
    canvas = background(rng)
    n_items = int(rng.integers(1, MAX_ITEMS + 1))
    owner = np.full((SIZE, SIZE), -1, np.int64)    # which item is visible at each pixel
    full_area, labels, items = [], [], []
    for _ in range(n_items):
        k = int(rng.integers(0, len(pool.labels)))
        side = int(round(28 * rng.uniform(*SCALE)))
        grey = resize_bilinear(pool.images[k], side)
        shape = grey >= ALPHA
        tint = rng.uniform(0.55, 1.0, 3) if rng.random() < 0.5 else np.ones(3)
        placed = False
        for _ in range(TRIES):
            x0, y0 = int(rng.integers(0, SIZE - side + 1)), int(rng.integers(0, SIZE - side + 1))
            mask = np.zeros((SIZE, SIZE), bool)
            mask[y0:y0 + side, x0:x0 + side] = shape
            ok = True
            for j, area in enumerate(full_area):
                left = np.count_nonzero((owner == j) & ~mask)
                if left < KEEP_VISIBLE * area or left < MIN_VISIBLE:
                    ok = False
                    break
            if ok:
                placed = True
                break
        if not placed:
            continue
        patch = canvas[y0:y0 + side, x0:x0 + side]
        colour = (0.25 + 0.75 * grey)[..., None] * tint
        patch[shape] = colour[shape]
        owner[mask] = len(full_area)
        full_area.append(int(mask.sum()))
        labels.append(int(pool.labels[k]))
        items.append(pool.offset + k)
    image = np.round(canvas * 255.0).astype(np.uint8)
    masks = np.stack([owner == j for j in range(len(labels))])
    semantic = np.zeros((SIZE, SIZE), np.uint8)
    for j, c in enumerate(labels):
        semantic[masks[j]] = 1 + c
    boxes = np.array([tight_box(m) for m in masks], np.float64).reshape(-1, 4)
    return dict(image=image, semantic=semantic, labels=np.array(labels, np.int64), masks=masks,
                boxes=boxes, items=np.array(items, np.int64))


def tight_box(mask):
    ys, xs = np.nonzero(mask)
    return [xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()]


def make_scenes(pool, seed, start, count):
    return [make_scene(pool, seed, i) for i in range(start, start + count)]


def stack(scenes):
    return (np.stack([s["image"] for s in scenes]), np.stack([s["semantic"] for s in scenes]))
