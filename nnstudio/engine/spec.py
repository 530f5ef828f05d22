"""Frozen, validated specifications: what a network, its optimizer and its training are.

Specs are plain values. They validate themselves on construction (an invalid spec cannot
exist), round-trip through the project JSON of DESIGN.md (``from_dict`` / ``to_dict``) and
are all the engine needs to build a network, so a run can be started anywhere from a spec
and a seed.

Every rejection is a :class:`SpecError` naming the field (a dotted path such as
``network.layers[1].units``) and what is allowed, with a ``code`` for the kind of mistake
(``too_small``, ``kernel_too_large``, ... — the list is ``errors.SPEC_ERROR_CODES``), its
numbers as ``details`` and the layer's type; the UI turns these into its own sentences.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, Mapping

from .errors import SpecError

ACTIVATIONS = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
INITS = ("uniform", "normal", "xavier", "he")
DROPOUT_SCALES = ("training", "inference")      # where dropout makes up for the dropped share
LOSSES = ("sse", "sse_sum", "cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
DTYPES = ("float32", "float64")
# how the trainer gets ∂E/∂p: backpropagation, or central differences (two forward passes per
# parameter entry: the book's slow first method, for comparing costs on small networks)
GRADIENT_METHODS = ("backprop", "numerical")


# --------------------------------------------------------------------------- helpers
def _int(path: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(path, f"an integer ≥ {minimum}", value, code="not_integer", minimum=minimum)
    if value < minimum:
        raise SpecError(path, f"an integer ≥ {minimum}", value, code="too_small", minimum=minimum)
    return value


def _float(path: str, value: Any, lo: float, hi: float, *, lo_open: bool = False,
           hi_open: bool = False) -> float:
    bounds = {"low": lo, "high": hi, "low_open": lo_open, "high_open": hi_open or math.isinf(hi)}
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(path, _range_text(lo, hi, lo_open, hi_open), value, code="not_number", **bounds)
    v = float(value)
    if (v < lo or (lo_open and v == lo)) or (v > hi or (hi_open and v == hi)):
        raise SpecError(path, _range_text(lo, hi, lo_open, hi_open), value, code="out_of_range", **bounds)
    return v


def _range_text(lo: float, hi: float, lo_open: bool, hi_open: bool) -> str:
    left = "(" if lo_open else "["
    right = ")" if hi_open or math.isinf(hi) else "]"   # infinity itself is never accepted
    hi_text = "∞" if math.isinf(hi) else f"{hi:g}"
    return f"a number in {left}{lo:g}, {hi_text}{right}"


def _choice(path: str, value: Any, allowed: tuple[str, ...], code: str = "unknown_choice") -> str:
    if value not in allowed:
        raise SpecError(path, "one of " + ", ".join(allowed), value, code=code, choices=tuple(allowed))
    return value


def _bool(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SpecError(path, "true or false", value, code="not_bool")
    return value


def _check_keys(path: str, data: Mapping[str, Any], known: set[str], required: set[str] = frozenset()) -> None:
    if not isinstance(data, Mapping):
        raise SpecError(path, "an object", data, code="not_object")
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"{path}.{unknown[0]}", "one of " + ", ".join(sorted(known)),
                        reason=f"unknown key {unknown[0]!r}", code="unknown_key", key=unknown[0],
                        known=tuple(sorted(known)))
    missing = sorted(required - set(data))
    if missing:
        raise SpecError(f"{path}.{missing[0]}", "a value", reason="missing", code="missing_key", key=missing[0])


class _Spec:
    """Shared JSON round-trip for the flat layer / optimizer / training specs."""

    type: ClassVar[str] = ""
    section: ClassVar[str] = ""  # the project-file key of a top-level spec

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = ""):
        path = path or cls.section or cls.type
        init = [f for f in fields(cls) if f.init and not f.name.startswith("_")]
        required = {f.name for f in init if f.default is MISSING and f.default_factory is MISSING}
        _check_keys(path, data, {f.name for f in init} | ({"type"} if cls.type else set()), required)
        kwargs = {k: v for k, v in data.items() if k != "type"}
        if any(f.name == "_path" for f in fields(cls)):
            kwargs["_path"] = path
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type} if self.type else {}
        for f in fields(self):
            if f.init and not f.name.startswith("_"):
                v = getattr(self, f.name)
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


# --------------------------------------------------------------------------- layers
@dataclass(frozen=True)
class DenseSpec(_Spec):
    """Fully connected layer u = x·W + b followed by its activation z = f(u).

    Inputs with more than one axis are flattened per sample first. Biases start at zero,
    except for the ``uniform`` initializer, which draws them from the same range as W.
    """

    type: ClassVar[str] = "dense"
    units: int
    activation: str = "relu"
    init: str = "he"
    std: float = 0.01
    scale: float = 0.5
    bias: bool = True
    _path: str = field(default="layer", repr=False, compare=False)

    def __post_init__(self) -> None:
        p = self._path
        _int(f"{p}.units", self.units)
        _choice(f"{p}.activation", self.activation, ACTIVATIONS)
        _choice(f"{p}.init", self.init, INITS)
        _float(f"{p}.std", self.std, 0.0, math.inf, lo_open=True)
        _float(f"{p}.scale", self.scale, 0.0, math.inf, lo_open=True)
        _bool(f"{p}.bias", self.bias)


@dataclass(frozen=True)
class Conv2dSpec(_Spec):
    """Convolution over (channels, height, width) inputs, computed through im2col."""

    type: ClassVar[str] = "conv2d"
    filters: int
    kernel: int
    stride: int = 1
    pad: int = 0
    activation: str = "relu"
    init: str = "he"
    std: float = 0.01
    scale: float = 0.5
    _path: str = field(default="layer", repr=False, compare=False)

    def __post_init__(self) -> None:
        p = self._path
        _int(f"{p}.filters", self.filters)
        _int(f"{p}.kernel", self.kernel)
        _int(f"{p}.stride", self.stride)
        _int(f"{p}.pad", self.pad, minimum=0)
        _choice(f"{p}.activation", self.activation, tuple(a for a in ACTIVATIONS if a != "softmax"))
        _choice(f"{p}.init", self.init, INITS)
        _float(f"{p}.std", self.std, 0.0, math.inf, lo_open=True)
        _float(f"{p}.scale", self.scale, 0.0, math.inf, lo_open=True)


@dataclass(frozen=True)
class PoolSpec(_Spec):
    """Max or average pooling over size×size windows (stride defaults to size)."""

    type: ClassVar[str] = "maxpool"
    size: int = 2
    stride: int | None = None
    mode: str = field(default="max", compare=True)
    _path: str = field(default="layer", repr=False, compare=False)

    def __post_init__(self) -> None:
        p = self._path
        _int(f"{p}.size", self.size)
        if self.stride is not None:
            _int(f"{p}.stride", self.stride)
        _choice(f"{p}.mode", self.mode, ("max", "avg"))

    @property
    def step(self) -> int:
        return self.size if self.stride is None else self.stride

    @property
    def kind(self) -> str:
        return "maxpool" if self.mode == "max" else "avgpool"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, "size": self.size}
        if self.stride is not None:
            out["stride"] = self.stride
        return out


@dataclass(frozen=True)
class FlattenSpec(_Spec):
    type: ClassVar[str] = "flatten"
    _path: str = field(default="layer", repr=False, compare=False)


@dataclass(frozen=True)
class BatchNormSpec(_Spec):
    """Batch normalization, then an optional activation (the book's Affine → BatchNorm → ReLU
    is ``dense`` with ``identity`` followed by ``batchnorm`` with ``relu``)."""

    type: ClassVar[str] = "batchnorm"
    momentum: float = 0.9
    eps: float = 1e-5
    activation: str = "identity"
    _path: str = field(default="layer", repr=False, compare=False)

    def __post_init__(self) -> None:
        p = self._path
        _float(f"{p}.momentum", self.momentum, 0.0, 1.0, hi_open=True)
        _float(f"{p}.eps", self.eps, 0.0, 1.0, lo_open=True)
        _choice(f"{p}.activation", self.activation, tuple(a for a in ACTIVATIONS if a != "softmax"))


@dataclass(frozen=True)
class DropoutSpec(_Spec):
    """Dropout with m ~ Bernoulli(1 − ratio) in training. ``scale_at`` says where the kept
    share 1 − ratio is made up for: "training" (inverted dropout, the default: z = x ⊙ m /
    (1 − ratio) in training, z = x at inference) or "inference" (the book's: z = x ⊙ m in
    training, z = x·(1 − ratio) at inference; the same predictions, but training sees
    smaller outputs, and learns more slowly: CURRICULUM §8's dropout figures are the book's)."""

    type: ClassVar[str] = "dropout"
    ratio: float = 0.5
    scale_at: str = "training"
    _path: str = field(default="layer", repr=False, compare=False)

    def __post_init__(self) -> None:
        _float(f"{self._path}.ratio", self.ratio, 0.0, 1.0, hi_open=True)
        _choice(f"{self._path}.scale_at", self.scale_at, DROPOUT_SCALES)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.scale_at == "training":      # the default: files stay as they were
            del out["scale_at"]
        return out


LayerSpec = DenseSpec | Conv2dSpec | PoolSpec | FlattenSpec | BatchNormSpec | DropoutSpec
LAYER_TYPES = ("dense", "conv2d", "maxpool", "avgpool", "flatten", "batchnorm", "dropout")


def layer_from_dict(data: Mapping[str, Any], path: str = "layer") -> LayerSpec:
    if not isinstance(data, Mapping):
        raise SpecError(path, "an object with a 'type'", data, code="not_object")
    kind = data.get("type")
    _choice(f"{path}.type", kind, LAYER_TYPES, code="unknown_type")
    try:
        if kind in ("maxpool", "avgpool"):
            _check_keys(path, data, {"type", "size", "stride"})
            return PoolSpec(size=data.get("size", 2), stride=data.get("stride"),
                            mode="max" if kind == "maxpool" else "avg", _path=path)
        cls = {"dense": DenseSpec, "conv2d": Conv2dSpec, "flatten": FlattenSpec,
               "batchnorm": BatchNormSpec, "dropout": DropoutSpec}[kind]
        return cls.from_dict(data, path)
    except SpecError as e:
        e.layer_type = e.layer_type or kind     # the UI names the layer as "Layer 2 (Dense)"
        raise


def layer_activation(layer: LayerSpec) -> str | None:
    return getattr(layer, "activation", None)


# --------------------------------------------------------------------------- network
# A layer's weights, or its outputs for one sample, above this many entries are refused: past
# it the arrays (times a batch, plus the optimizer's state) outgrow a computer's memory, which
# ended in a MemoryError deep inside NumPy. The book's and the examples' largest: SimpleConvNet's
# dense layer, 432 000 weights.
MAX_LAYER_ENTRIES = 100_000_000


def _not_too_large(field: str, kind: str, entries: int, part: str) -> None:
    if entries > MAX_LAYER_ENTRIES:
        raise SpecError(field, f"a layer of at most {MAX_LAYER_ENTRIES:,} {part}", entries,
                        reason=f"the layer would have {entries:,} {part}", code="too_large",
                        layer_type=kind, entries=entries, maximum=MAX_LAYER_ENTRIES, part=part)


@dataclass(frozen=True)
class NetworkSpec:
    """A whole network: input shape, layers in order, loss. Validated by shape inference."""

    input_shape: tuple[int, ...]
    layers: tuple[LayerSpec, ...]
    loss: str = "cross_entropy"

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))
        if len(self.input_shape) not in (1, 3):
            raise SpecError("network.input_shape", "[features] or [channels, height, width]",
                            list(self.input_shape), code="input_rank")
        for i, n in enumerate(self.input_shape):
            _int(f"network.input_shape[{i}]", n)
        if not self.layers:
            raise SpecError("network.layers", "at least one layer", [], code="no_layers")
        _choice("network.loss", self.loss, LOSSES)
        self.shapes()  # validates the structure
        last = self.layers[-1]
        if not isinstance(last, DenseSpec):
            raise SpecError(f"network.layers[{len(self.layers) - 1}].type", "dense (the output layer)",
                            last.to_dict()["type"], code="output_not_dense", layer_type=last.to_dict()["type"])
        for i, layer in enumerate(self.layers[:-1]):
            if layer_activation(layer) == "softmax":
                raise SpecError(f"network.layers[{i}].activation",
                                "a hidden activation (" + ", ".join(ACTIVATIONS[:-1]) + ")",
                                "softmax", reason="softmax belongs only to the output layer",
                                code="softmax_hidden", layer_type=layer.to_dict()["type"])
        if self.loss == "cross_entropy" and last.activation != "softmax":
            raise SpecError(f"network.layers[{len(self.layers) - 1}].activation", "softmax",
                            last.activation, reason=f"cross_entropy needs a softmax output, got {last.activation!r}",
                            code="loss_needs_softmax", layer_type="dense", loss=self.loss)

    def shapes(self) -> list[tuple[int, ...]]:
        """Per-sample output shape of every layer (raises SpecError where a layer cannot fit,
        or would be larger than MAX_LAYER_ENTRIES)."""
        shape = self.input_shape
        out = []
        seen_flat = len(shape) == 1
        for i, layer in enumerate(self.layers):
            p = f"network.layers[{i}]"
            if isinstance(layer, DenseSpec):
                _not_too_large(f"{p}.units", "dense", math.prod(shape) * layer.units, "weights")
                shape = (layer.units,)
                seen_flat = True
            elif isinstance(layer, FlattenSpec):
                shape = (math.prod(shape),)
                seen_flat = True
            elif isinstance(layer, (Conv2dSpec, PoolSpec)):
                kind = layer.to_dict()["type"]
                if len(shape) != 3 or seen_flat:
                    raise SpecError(f"{p}.type", "dense, dropout or batchnorm after a dense or flatten layer",
                                    kind, reason=f"a {kind} layer needs (channels, height, width) input, "
                                                 f"but its input has shape {list(shape)}",
                                    code="needs_image_input", layer_type=kind, shape=tuple(shape))
                c, h, w = shape
                k = layer.kernel if isinstance(layer, Conv2dSpec) else layer.size
                stride = layer.stride if isinstance(layer, Conv2dSpec) else layer.step
                pad = layer.pad if isinstance(layer, Conv2dSpec) else 0
                if k > h + 2 * pad or k > w + 2 * pad:
                    name = "kernel" if isinstance(layer, Conv2dSpec) else "size"
                    raise SpecError(f"{p}.{name}", f"at most {min(h, w) + 2 * pad} for an input of {h}×{w}"
                                    + (f" with pad {pad}" if pad else ""), k,
                                    reason=f"{name} {k} is larger than its {h}×{w} input",
                                    code="kernel_too_large", layer_type=layer.to_dict()["type"],
                                    height=h, width=w, pad=pad)
                oh = (h + 2 * pad - k) // stride + 1
                ow = (w + 2 * pad - k) // stride + 1
                if isinstance(layer, Conv2dSpec):
                    _not_too_large(f"{p}.filters", kind, layer.filters * c * k * k, "weights")
                    setting = "pad" if pad > max(h, w) else "filters"
                    _not_too_large(f"{p}.{setting}", kind, layer.filters * oh * ow, "outputs")
                shape = (layer.filters if isinstance(layer, Conv2dSpec) else c, oh, ow)
            out.append(shape)
        return out

    def multiply_adds(self) -> int:
        """Multiply-adds of one sample's forward pass through the dense and conv layers: the
        work that grows with the batch (what the rest of the layers do is small beside it)."""
        total = 0
        shape = self.input_shape
        for layer, out in zip(self.layers, self.shapes()):
            if isinstance(layer, DenseSpec):
                total += math.prod(shape) * layer.units
            elif isinstance(layer, Conv2dSpec):
                total += math.prod(out) * shape[0] * layer.kernel * layer.kernel
            shape = out
        return total

    @property
    def output_size(self) -> int:
        return self.layers[-1].units  # type: ignore[union-attr]

    def check_outputs(self, n_outputs: int, task: str) -> None:
        """Reject a network whose output does not fit the data (classes or target width)."""
        i = len(self.layers) - 1
        if self.output_size != n_outputs:
            what = "classes" if task == "classification" else "target values"
            raise SpecError(f"network.layers[{i}].units", f"{n_outputs} (the data set has {n_outputs} {what})",
                            self.output_size, code="output_width", layer_type="dense",
                            expected=n_outputs, task=task)
        if task == "regression" and self.loss == "cross_entropy":
            raise SpecError("network.loss", "sse or sse_sum for a regression data set", self.loss,
                            code="regression_loss")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "NetworkSpec":
        _check_keys("network", data, {"input_shape", "layers", "loss"}, {"input_shape", "layers"})
        shape = data["input_shape"]
        if not isinstance(shape, (list, tuple)):
            raise SpecError("network.input_shape", "[features] or [channels, height, width]", shape,
                            code="input_rank")
        layers = data["layers"]
        if not isinstance(layers, (list, tuple)):
            raise SpecError("network.layers", "a list of layers", layers, code="not_list")
        specs = tuple(layer_from_dict(d, f"network.layers[{i}]") for i, d in enumerate(layers))
        return cls(tuple(shape), specs, data.get("loss", "cross_entropy"))

    def to_dict(self) -> dict[str, Any]:
        return {"input_shape": list(self.input_shape), "layers": [l.to_dict() for l in self.layers],
                "loss": self.loss}


# --------------------------------------------------------------------------- optimizer, training
@dataclass(frozen=True)
class OptimizerSpec(_Spec):
    """Which update rule and its hyperparameters (each used only by the rules that need it)."""

    section: ClassVar[str] = "optimizer"
    name: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    rho: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        _choice("optimizer.name", self.name, OPTIMIZERS)
        _float("optimizer.lr", self.lr, 0.0, math.inf, lo_open=True)
        _float("optimizer.momentum", self.momentum, 0.0, 1.0, hi_open=True)
        _float("optimizer.rho", self.rho, 0.0, 1.0, hi_open=True)
        _float("optimizer.beta1", self.beta1, 0.0, 1.0, hi_open=True)
        _float("optimizer.beta2", self.beta2, 0.0, 1.0, hi_open=True)
        _float("optimizer.eps", self.eps, 0.0, 1.0, lo_open=True)


@dataclass(frozen=True)
class TrainingSpec(_Spec):
    """How data is fed: batch_size 1 is online learning, the training-set size is full batch.

    A run is ``epochs`` passes over the training set, or, where ``iterations`` is set, that
    many updates (the book's ``iters_num``), which may end inside an epoch; ``epochs`` is then
    kept but not used."""

    section: ClassVar[str] = "training"
    batch_size: int = 100
    epochs: int = 5
    iterations: int | None = None
    seed: int = 0
    dtype: str = "float32"
    weight_decay: float = 0.0
    l1: float = 0.0
    gradients: str = "backprop"

    def __post_init__(self) -> None:
        _int("training.batch_size", self.batch_size)
        _int("training.epochs", self.epochs)
        if self.iterations is not None:
            _int("training.iterations", self.iterations)
        _int("training.seed", self.seed, minimum=0)
        _choice("training.dtype", self.dtype, DTYPES)
        _float("training.weight_decay", self.weight_decay, 0.0, math.inf)
        _float("training.l1", self.l1, 0.0, math.inf)
        _choice("training.gradients", self.gradients, GRADIENT_METHODS)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for key, default in (("gradients", "backprop"), ("iterations", None)):
            if out[key] == default:        # the defaults: files stay as they were
                del out[key]
        return out
