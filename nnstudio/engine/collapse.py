"""The collapse of a network without hidden activations into one affine map.

If every hidden layer is a dense layer with the identity activation (flatten layers only
reshape, so they are allowed too), the whole stack computes

    x·W₁ + b₁  →  (x·W₁ + b₁)·W₂ + b₂  =  x·(W₁W₂) + (b₁W₂ + b₂)  →  …

so one matrix W = W₁·W₂·…·Wₖ and one bias b (accumulated the same way) give the same
pre-activation of the output layer, and f(x·W + b) is the network's output, number for
number up to rounding (CURRICULUM §2). Any other hidden layer breaks the argument:
:class:`NotCollapsibleError` names the first one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get as get_activation
from .errors import EngineError
from .layers import Dense, Flatten
from .network import Network


class NotCollapsibleError(EngineError):
    """The network has a hidden layer that is not an affine map.

    ``layer`` is its index in ``network.layers``, ``name`` its qualified name, ``kind`` the
    layer kind and ``activation`` its activation (None for layers without one).
    """

    def __init__(self, layer: int, name: str, kind: str, activation: str | None):
        self.layer = layer
        self.name = name
        self.kind = kind
        self.activation = activation
        what = f"activation {activation!r}" if activation else f"a {kind} layer"
        super().__init__(f"{name} (layer {layer}) is not affine: {what}; "
                         "only dense layers with the identity activation collapse")


@dataclass(frozen=True)
class CollapsedMap:
    """u = x·W + b for the whole network, then the output layer's activation."""

    W: np.ndarray                     # (n_in, n_out)
    b: np.ndarray                     # (n_out,)
    output_activation: str            # name of the output layer's activation
    layer_names: tuple[str, ...]      # the dense layers that were multiplied together

    def pre_activation(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return x.reshape(x.shape[0], -1) @ self.W + self.b

    def apply(self, x: np.ndarray) -> np.ndarray:
        return get_activation(self.output_activation).forward(self.pre_activation(x))


def collapse(network: Network) -> CollapsedMap:
    """The single affine map equivalent to ``network`` (float64), or NotCollapsibleError."""
    last = len(network.layers) - 1
    W: np.ndarray | None = None
    b: np.ndarray | None = None
    names: list[str] = []
    for layer in network.layers:
        if isinstance(layer, Flatten):
            continue
        act = getattr(layer, "act", None)
        hidden_ok = isinstance(layer, Dense) and (layer.index == last or act.name == "identity")
        if not hidden_ok:
            raise NotCollapsibleError(layer.index, layer.name, layer.kind, act.name if act else None)
        Wi = np.asarray(layer.params["W"], dtype=np.float64)
        bi = np.asarray(layer.params["b"], dtype=np.float64) if "b" in layer.params \
            else np.zeros(Wi.shape[1])
        if W is None:
            W, b = Wi.copy(), bi.copy()
        else:
            W, b = W @ Wi, b @ Wi + bi
        names.append(layer.name)
    assert W is not None and b is not None   # a network always ends in a dense layer
    return CollapsedMap(W, b, network.output_layer.act.name, tuple(names))
