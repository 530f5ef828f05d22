"""Option specs shared by several data sets, and validation of a ``dataset`` entry."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from nnstudio.data.dataset import DatasetInfo, OptionSpec
from nnstudio.data.errors import OptionError
from nnstudio.data.preprocess import NORMALIZATIONS

SEED = OptionSpec(
    "seed", "int", 0, "random seed: the same seed gives the same samples and splits",
    minimum=0, maximum=2**32 - 1,
)
VALIDATION_RATIO = OptionSpec(
    "validation_ratio", "float", 0.0,
    "fraction of the training samples held out as a validation split (0: none)",
    minimum=0.0, maximum=1.0, exclusive_max=True,
)


def make_test_ratio(default: float) -> OptionSpec:
    return OptionSpec(
        "test_ratio", "float", default, "fraction of all samples held out as the test split",
        minimum=0.0, maximum=1.0, exclusive_max=True,
    )


def make_normalize(default: str) -> OptionSpec:
    return OptionSpec(
        "normalize", "choice", default,
        "feature scaling fitted on the training split: none, minmax (to [0, 1]) or "
        "standardize (zero mean, unit variance)",
        choices=NORMALIZATIONS,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe_range(spec: OptionSpec) -> str:
    lo = "-inf" if spec.minimum is None else f"{spec.minimum:g}"
    hi = "inf" if spec.maximum is None else f"{spec.maximum:g}"
    return f"[{lo}, {hi}{')' if spec.exclusive_max else ']'}"


def _check_bounds(set_name: str, spec: OptionSpec, value: float) -> None:
    too_low = spec.minimum is not None and value < spec.minimum
    too_high = spec.maximum is not None and (
        value >= spec.maximum if spec.exclusive_max else value > spec.maximum
    )
    if too_low or too_high:
        raise OptionError(
            f"data set {set_name!r}: option {spec.name!r} must be in {_describe_range(spec)}, "
            f"not {value!r}",
            spec.name, code="option_out_of_range", dataset=set_name, value=value,
            low=spec.minimum, high=spec.maximum, high_open=spec.exclusive_max,
        )


def _bad(set_name: str, spec: OptionSpec, expected: str, value: Any, code: str,
         **details: Any) -> OptionError:
    return OptionError(
        f"data set {set_name!r}: option {spec.name!r} must be {expected}, not {value!r}",
        spec.name, code=code, dataset=set_name, value=value, **details,
    )


def _column_ref(set_name: str, spec: OptionSpec, value: Any) -> int | str:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _bad(set_name, spec, "a column name or a 0-based column index", value,
               code="option_not_column")


def check_value(set_name: str, spec: OptionSpec, value: Any, base_dir: Path | None) -> Any:
    """The validated (and normalized) value of one option."""
    if value is None:
        if spec.nullable:
            return None
        raise _bad(set_name, spec, "set", value, code="option_not_set")
    kind = spec.kind
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(set_name, spec, "an integer", value, code="option_not_integer")
        _check_bounds(set_name, spec, value)
        return value
    if kind == "float":
        if not _is_number(value) or not math.isfinite(value):
            raise _bad(set_name, spec, "a number", value, code="option_not_number")
        _check_bounds(set_name, spec, float(value))
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise _bad(set_name, spec, "true or false", value, code="option_not_bool")
        return value
    if kind == "choice":
        if value not in spec.choices or isinstance(value, bool):
            choices = ", ".join(repr(c) for c in spec.choices)
            raise _bad(set_name, spec, f"one of {choices}", value, code="option_unknown_choice",
                       choices=tuple(spec.choices))
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise _bad(set_name, spec, "text", value, code="option_not_text")
        return value
    if kind == "path":
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
            raise _bad(set_name, spec, "a file path", value, code="option_not_path")
        path = Path(value).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return path
    if kind in ("range", "vector"):
        length = 2 if kind == "range" else spec.length
        if (
            not isinstance(value, (list, tuple))
            or len(value) != length
            or not all(_is_number(v) and math.isfinite(v) for v in value)
        ):
            raise _bad(set_name, spec, f"a list of {length} numbers", value,
                       code="option_not_numbers", length=length)
        values = tuple(float(v) for v in value)
        if kind == "range" and not values[0] < values[1]:
            raise _bad(set_name, spec, "[low, high] with low < high", value,
                       code="option_empty_range")
        for v in values:
            _check_bounds(set_name, spec, v)
        return values
    if kind == "column":
        if spec.multiple and isinstance(value, (list, tuple)):
            if not value:
                raise _bad(set_name, spec, "at least one column", value, code="option_no_columns")
            return tuple(_column_ref(set_name, spec, v) for v in value)
        return _column_ref(set_name, spec, value)
    if kind == "columns":
        if not isinstance(value, (list, tuple)):
            raise _bad(set_name, spec, "a list of column names or indices", value,
                       code="option_not_columns")
        return tuple(_column_ref(set_name, spec, v) for v in value)
    if kind == "strings":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise _bad(set_name, spec, "a list of strings", value, code="option_not_strings")
        return tuple(value)
    raise AssertionError(f"unknown option kind {kind!r}")  # a bug in a spec, not user input


def resolve(info: DatasetInfo, entry: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    """Validate a ``dataset`` entry against ``info.options``; defaults filled in.

    Unknown keys are rejected with an OptionError that names them and lists the allowed
    ones.
    """
    allowed = {spec.name for spec in info.options}
    unknown = [key for key in entry if key != "name" and key not in allowed]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise OptionError(
            f"data set {info.name!r}: unknown option{plural} {names}; allowed: "
            f"{', '.join(sorted(allowed))}",
            unknown[0], code="unknown_option", dataset=info.name, options=tuple(unknown),
            known=tuple(sorted(allowed)),
        )
    resolved: dict[str, Any] = {}
    for spec in info.options:
        if spec.name in entry:
            resolved[spec.name] = check_value(info.name, spec, entry[spec.name], base_dir)
        elif spec.required:
            raise OptionError(
                f"data set {info.name!r}: option {spec.name!r} is required ({spec.description})",
                spec.name, code="option_required", dataset=info.name,
            )
        else:
            resolved[spec.name] = spec.default
    return resolved
