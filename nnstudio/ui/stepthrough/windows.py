"""Which input elements a row of an im2col matrix came from.

im2col (engine/im2col.py) orders rows image by image, then output position by output
position: row r = (n·OH + i)·OW + j holds the window of image n whose top-left corner is at
(i·stride − pad, j·stride − pad), all channels. Pooling runs im2col on every channel as an
image of its own, so there n·C + c takes the place of n and the window has one channel.
"""

from __future__ import annotations

import numpy as np


def window_of_row(x_shape: tuple[int, int, int, int], row: int, kernel: int, stride: int, pad: int,
                  per_channel: bool) -> np.ndarray:
    """Flat indices into x (shape ``x_shape``) of the elements in im2col row ``row``; padding
    positions outside the image are left out."""
    n, c, h, w = x_shape
    oh = (h + 2 * pad - kernel) // stride + 1
    ow = (w + 2 * pad - kernel) // stride + 1
    image, pos = divmod(row, oh * ow)
    i, j = divmod(pos, ow)
    if per_channel:
        sample, channels = divmod(image, c)
        channels = [channels]
    else:
        sample, channels = image, list(range(c))
    ys = np.arange(kernel) + i * stride - pad
    xs = np.arange(kernel) + j * stride - pad
    ys, xs = ys[(ys >= 0) & (ys < h)], xs[(xs >= 0) & (xs < w)]
    idx = [np.ravel_multi_index((sample, ch, y, x), x_shape) for ch in channels for y in ys for x in xs]
    return np.array(idx, dtype=np.int64)
