"""Typed errors of the engine.

The engine never produces UI text: each error carries the structured facts (which field,
which values are allowed, where a NaN appeared) and a plain English message for logs and
the command line. The UI builds its own translated message from the attributes.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class SpecError(EngineError, ValueError):
    """A specification (network, layer, optimizer, training) is invalid.

    ``field`` is the dotted path of the offending entry, e.g. ``"network.layers[1].units"``;
    ``allowed`` says what would be accepted; ``value`` is what was given.
    """

    def __init__(self, field: str, allowed: str, value: object = None, *, reason: str = ""):
        self.field = field
        self.allowed = allowed
        self.value = value
        self.reason = reason
        detail = reason or f"got {value!r}"
        super().__init__(f"{field}: {detail}; allowed: {allowed}")


class ShapeError(EngineError, ValueError):
    """Arrays or state whose shapes do not match, naming the parameter and both shapes."""

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

    def __init__(self, where: str, iteration: int, value: float = float("nan")):
        self.where = where
        self.iteration = iteration
        self.value = value
        super().__init__(f"training diverged at iteration {iteration}: {where} became {value}")
