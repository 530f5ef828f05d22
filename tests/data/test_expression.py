"""The safe expression parser: correct values, precedence, and hostile or broken input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.data import DataError, Expression, ExpressionError, parse_expression
from nnstudio.data.expression import MAX_DEPTH, MAX_LENGTH, tokenize

X = np.array([-2.0, -0.5, 0.0, 0.5, 1.0, 3.0])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x", X),
        ("x^3 - 2.5*x^2", X**3 - 2.5 * X**2),
        ("x**2", X**2),
        ("-x^2", -(X**2)),  # unary minus binds looser than ^
        ("2^3^2", np.full_like(X, 512.0)),  # right-associative
        ("x^-1 * x", np.where(X == 0, np.nan, 1.0)),
        ("1 - 2 - 3", np.full_like(X, -4.0)),  # left-associative
        ("8 / 4 / 2", np.full_like(X, 1.0)),
        ("2 + 3 * x", 2 + 3 * X),
        ("(2 + 3) * x", 5 * X),
        ("sin(x) + cos(x) + tan(x)", np.sin(X) + np.cos(X) + np.tan(X)),
        ("exp(x) - tanh(x) + abs(x)", np.exp(X) - np.tanh(X) + np.abs(X)),
        ("sqrt(abs(x)) + log(abs(x) + 1)", np.sqrt(np.abs(X)) + np.log(np.abs(X) + 1)),
        ("pi * e", np.full_like(X, math.pi * math.e)),
        ("1.5e-1 + .5 + 2.", np.full_like(X, 2.65)),
        ("2x + 3sin(x)", 2 * X + 3 * np.sin(X)),  # implicit product after a number
        ("2(x + 1)", 2 * (X + 1)),
        ("1/2x", 0.5 * X),  # * precedence: (1/2)*x
        ("x³ − 2.5x²", X**3 - 2.5 * X**2),  # typographic forms
        ("2×x ÷ 4 · π", 2 * X / 4 * math.pi),
        ("  x\t+\n1 ", X + 1),
        ("+x", X),
        ("--x", X),
        ("7", np.full_like(X, 7.0)),
    ],
)
def test_values(text, expected):
    expression = parse_expression(text)
    assert isinstance(expression, Expression)
    assert expression.text == text
    result = expression(X)
    assert result.shape == X.shape and result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-12, equal_nan=True)


def test_call_keeps_shape_and_gives_nan_not_warnings():
    f = parse_expression("log(x)")
    grid = np.linspace(-1, 1, 6).reshape(2, 3)
    with np.errstate(all="raise"):  # the expression silences its own floating-point errors
        y = f(grid)
    assert y.shape == (2, 3)
    assert np.isnan(y[0]).all() and np.isfinite(y[1]).all()
    assert float(parse_expression("x^2")(3.0)) == 9.0


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("__import__('os')", 0, "unknown name '__import__'"),
        ("x.__class__", 1, "unexpected character '.'"),
        ("().__class__.__bases__[0]", 1, "expected a number"),
        ("os.system('ls')", 0, "unknown name 'os'"),
        ("eval(x)", 0, "unknown name 'eval'"),
        ("exec", 0, "unknown name 'exec'"),
        ("lambda: 0", 0, "unknown name 'lambda'"),
        ("x; import os", 1, "unexpected character ';'"),
        ("'x'", 0, "unexpected character"),
        ("x[0]", 1, "unexpected character '['"),
        ("sin(x, 2)", 5, "unexpected character ','"),
        ("foo(x)", 0, "unknown name 'foo'"),
        ("y + 1", 0, "unknown name 'y'"),
        ("", 0, "empty"),
        ("   ", 3, "empty"),
        ("x +", 3, "ends too early"),
        ("(x + 1", 6, "missing ')'"),
        ("x + 1)", 5, "unmatched ')'"),
        ("sin x", 4, "expected '(' after sin"),
        ("sin()", 4, "before ')'"),
        ("x 2", 2, "expected an operator"),
        ("x ^^ 2", 3, "before '^'"),
        ("* x", 0, "before '*'"),
        ("1e999 * x", 0, "too large"),
        ("x @ 2", 2, "unexpected character '@'"),
        ("x = 1", 2, "unexpected character '='"),
    ],
)
def test_errors_point_at_the_offending_character(text, position, words):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    err = info.value
    assert err.position == position
    assert err.expression == text
    assert words in str(err)
    assert f"at position {position}" in str(err)
    assert isinstance(err, DataError) and isinstance(err, ValueError)


def test_lazy_tokenizing_reports_the_leftmost_problem():
    # the quote at 11 is never reached: the unknown name at 0 is reported
    with pytest.raises(ExpressionError) as info:
        parse_expression("__import__('os').system('rm -rf /')")
    assert info.value.position == 0


def test_nesting_and_length_limits():
    deep = "(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression(deep)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * 500 + "x")
    ok = "(" * (MAX_DEPTH // 2) + "x" + ")" * (MAX_DEPTH // 2)
    assert parse_expression(ok)(2.0) == 2.0
    with pytest.raises(ExpressionError, match="longer than") as info:
        parse_expression("x+" * MAX_LENGTH + "x")
    assert info.value.position == MAX_LENGTH


def test_non_text_is_rejected():
    with pytest.raises(ExpressionError):
        parse_expression(42)  # type: ignore[arg-type]


def test_tokens_carry_positions():
    tokens = tokenize("2.5*sin(x)")
    assert [(t.kind, t.text, t.pos) for t in tokens] == [
        ("num", "2.5", 0), ("op", "*", 3), ("name", "sin", 4), ("(", "(", 7),
        ("name", "x", 8), (")", ")", 9), ("end", "", 10),
    ]
    assert tokenize("2e3")[0].value == 2000.0
    # "2e" is the number 2 then the constant e, not a broken exponent
    assert [t.text for t in tokenize("2e")][:2] == ["2", "e"]
