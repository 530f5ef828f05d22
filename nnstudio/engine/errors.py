"""Typed errors of the engine.

The engine never produces UI text: each error carries the structured facts (which field,
which values are allowed, where a NaN appeared) and a plain English message for logs and
the command line. The UI builds its own translated message from the attributes, chiefly
from ``SpecError.code`` (what kind of mistake) and ``SpecError.details`` (its numbers).
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

#: Every kind of SpecError, with the details it carries (besides field, allowed, value).
#: The UI has one plain-word sentence per code; a new code needs a new sentence there.
SPEC_ERROR_CODES: dict[str, tuple[str, ...]] = {
    "invalid": (),                           # anything else (value / allowed say what)
    "not_integer": ("minimum",),             # not a whole number
    "too_small": ("minimum",),               # a whole number below the minimum
    "not_number": ("low", "high", "low_open", "high_open"),   # not a finite number
    "out_of_range": ("low", "high", "low_open", "high_open"),
    "unknown_choice": ("choices",),          # a name that is not one of the choices
    "unknown_type": ("choices",),            # a layer type that does not exist
    "not_bool": (),
    "not_object": (),                        # a JSON object was expected
    "not_list": (),                          # a JSON list was expected
    "unknown_key": ("key", "known"),
    "missing_key": ("key",),
    "input_rank": (),                        # input_shape is neither [n] nor [c, h, w]
    "input_mismatch": ("expected",),         # input_shape differs from the data set's samples
    "no_layers": (),
    "output_not_dense": ("layer_type",),     # the last layer must be dense
    "softmax_hidden": (),                    # softmax on a layer other than the output
    "loss_needs_softmax": ("loss",),          # cross-entropy without a softmax output
    "needs_image_input": ("layer_type", "shape"),   # conv/pool after a flat layer
    "kernel_too_large": ("height", "width", "pad"),   # kernel / pool window (value) > input
    "output_width": ("expected", "task"),    # output units ≠ classes / target values
    "regression_loss": (),                   # cross-entropy on a regression data set
    "too_large": ("entries", "maximum", "part"),   # a layer's weights or outputs past the limit
}

_LAYER_INDEX = re.compile(r"layers\[(\d+)\]")


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class SpecError(EngineError, ValueError):
    """A specification (network, layer, optimizer, training) is invalid.

    ``field`` is the dotted path of the offending entry, e.g. ``"network.layers[1].units"``;
    ``allowed`` says what would be accepted; ``value`` is what was given. ``code`` (one of
    :data:`SPEC_ERROR_CODES`) names the kind of mistake and ``details`` holds its facts
    (e.g. ``{"minimum": 1}``), also readable as attributes (``err.minimum``). ``layer_type``
    is the layer's type where the error concerns one layer.
    """

    def __init__(self, field: str, allowed: str, value: object = None, *, reason: str = "",
                 code: str = "invalid", layer_type: str | None = None, **details: Any):
        if code not in SPEC_ERROR_CODES:
            raise ValueError(f"unknown SpecError code {code!r}")
        self.field = field
        self.allowed = allowed
        self.value = value
        self.reason = reason
        self.code = code
        self.layer_type = layer_type
        self.details = MappingProxyType(dict(details))
        detail = reason or f"got {value!r}"
        super().__init__(f"{field}: {detail}; allowed: {allowed}")

    def __getattr__(self, name: str) -> Any:
        details = self.__dict__.get("details", {})
        if name in details:
            return details[name]
        raise AttributeError(name)

    @property
    def layer(self) -> int | None:
        """Index of the layer the field belongs to (``network.layers[1].units`` → 1)."""
        m = _LAYER_INDEX.search(self.field)
        return int(m.group(1)) if m else None

    @property
    def setting(self) -> str:
        """The last part of the field: ``"units"`` for ``network.layers[1].units``."""
        return self.field.rsplit(".", 1)[-1]


class ShapeError(EngineError, ValueError):
    """Arrays or state whose shapes do not match, naming the parameter and both shapes."""

    code = "shape_mismatch"

    def __init__(self, name: str, expected: tuple, got: tuple):
        self.name = name
        self.expected = tuple(expected)
        self.got = tuple(got)
        super().__init__(f"{name}: expected shape {self.expected}, got {self.got}")


class DivergenceError(EngineError, ArithmeticError):
    """NaN or inf appeared during training.

    ``where`` names the quantity (``"loss"`` or a qualified parameter name such as
    ``"dense_1.W"``), ``iteration`` the training iteration in which it appeared.
    """

    code = "diverged"

    def __init__(self, where: str, iteration: int, value: float = float("nan")):
        self.where = where
        self.iteration = iteration
        self.value = value
        super().__init__(f"training diverged at iteration {iteration}: {where} became {value}")
