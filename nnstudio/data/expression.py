"""A safe parser for one-variable function expressions such as ``x^3 - 2.5*x^2``.

The text is split into tokens and parsed by a small Pratt (precedence-climbing) parser into
a tree of nodes that NumPy evaluates. Nothing is ever handed to ``eval``/``exec``: the only
names that exist are ``x``, the constants ``pi`` and ``e``, and the functions
sin cos tan exp log sqrt abs tanh. Anything else (``__import__``, attribute access with
``.``, quotes, brackets, commas) is an :class:`ExpressionError` carrying the 0-based
position of the offending character.

Grammar, loosest binding first::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("^" | "**") unary)?        right-associative, so -x^2 = -(x^2)
    atom    := number | "x" | "pi" | "e" | func "(" expr ")" | "(" expr ")"

A few typographic forms a learner may paste are accepted too: − (minus sign), × and ·
(multiply), ÷ (divide), π, and the superscripts ² and ³. Multiplication must be written
as ``*`` except right after a number: ``2x``, ``2.5x²``, ``3sin(x)`` and ``2(x + 1)`` are
products (with the precedence of ``*``, so ``1/2x`` is ``(1/2)*x``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnstudio.data.errors import ExpressionError

MAX_LENGTH = 1000
MAX_DEPTH = 60

FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
}
CONSTANTS = {"pi": math.pi, "e": math.e, "π": math.pi}
VARIABLE = "x"

_OPERATOR_ALIASES = {"−": "-", "×": "*", "·": "*", "÷": "/"}
_SUPERSCRIPTS = {"²": "2", "³": "3"}


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "(", ")", "end"
    text: str
    pos: int
    value: float = 0.0


def _is_name_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an "end" token."""
    return list(_tokens(text))


def _tokens(text: str):
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit())):
            start = i
            while i < n and text[i].isascii() and text[i].isdigit():
                i += 1
            if i < n and text[i] == ".":
                i += 1
                while i < n and text[i].isascii() and text[i].isdigit():
                    i += 1
            if i < n and text[i] in "eE":
                # an exponent only if digits follow (2e3, 1.5e-2); else "e" is a name
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j].isascii() and text[j].isdigit():
                    i = j
                    while i < n and text[i].isascii() and text[i].isdigit():
                        i += 1
            literal = text[start:i]
            value = float(literal)
            if not math.isfinite(value):
                raise ExpressionError(f"number {literal} is too large", text, start,
                                      code="expr_number_too_large", number=literal)
            yield Token("num", literal, start, value)
        elif _is_name_start(ch):
            start = i
            while i < n and _is_name_char(text[i]):
                i += 1
            yield Token("name", text[start:i], start)
        elif ch == "π":
            yield Token("name", "π", i)
            i += 1
        elif ch == "*" and i + 1 < n and text[i + 1] == "*":
            yield Token("op", "^", i)
            i += 2
        elif ch in "+-*/^" or ch in _OPERATOR_ALIASES:
            yield Token("op", _OPERATOR_ALIASES.get(ch, ch), i)
            i += 1
        elif ch in _SUPERSCRIPTS:
            yield Token("op", "^", i)
            yield Token("num", _SUPERSCRIPTS[ch], i, float(_SUPERSCRIPTS[ch]))
            i += 1
        elif ch in "()":
            yield Token(ch, ch, i)
            i += 1
        else:
            raise ExpressionError(f"unexpected character {ch!r}", text, i, code="expr_bad_character",
                                  character=ch)
    yield Token("end", "", n)


# ---------------------------------------------------------------- syntax tree


class _Node:
    def evaluate(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class _Number(_Node):
    value: float

    def evaluate(self, x):
        return np.full(x.shape, self.value)


@dataclass(frozen=True)
class _Variable(_Node):
    def evaluate(self, x):
        return x


@dataclass(frozen=True)
class _Unary(_Node):
    op: str
    operand: _Node

    def evaluate(self, x):
        v = self.operand.evaluate(x)
        return -v if self.op == "-" else v


@dataclass(frozen=True)
class _Binary(_Node):
    op: str
    left: _Node
    right: _Node

    def evaluate(self, x):
        a = self.left.evaluate(x)
        b = self.right.evaluate(x)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if self.op == "/":
            return a / b
        return np.power(a, b)


@dataclass(frozen=True)
class _Call(_Node):
    name: str
    argument: _Node

    def evaluate(self, x):
        return FUNCTIONS[self.name](self.argument.evaluate(x))


# ---------------------------------------------------------------- parser

_BINARY_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 40}
_UNARY_POWER = 30


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        # tokens are read lazily, so the first problem from the left is the one reported
        self.tokens = _tokens(text)
        self._current: Token | None = None
        self.previous: Token | None = None
        self.depth = 0

    @property
    def current(self) -> Token:
        if self._current is None:
            self._current = next(self.tokens)
        return self._current

    def advance(self) -> Token:
        token = self.current
        self.previous = token
        if token.kind != "end":
            self._current = None  # the next token is read when it is looked at
        return token

    def error(self, message: str, token: Token | None = None, *, code: str,
              **details) -> ExpressionError:
        token = token or self.current
        return ExpressionError(message, self.text, token.pos, code=code, **details)

    def parse(self) -> _Node:
        if self.current.kind == "end":
            raise self.error("the expression is empty", code="expr_empty")
        node = self.expression(0)
        token = self.current
        if token.kind != "end":
            if token.kind == ")":
                raise self.error("unmatched ')'", code="expr_unmatched_close")
            if token.kind in ("num", "name", "("):
                raise self.error(f"expected an operator before {token.text!r}", code="expr_operator_missing",
                                 found=token.text)
            raise self.error(f"unexpected {token.text!r}", code="expr_unexpected", found=token.text)
        return node

    def expression(self, min_power: int) -> _Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("the expression is nested too deeply", code="expr_too_deep")
        left = self.prefix()
        while True:
            token = self.current
            if self.implicit_product():
                # 2x, 2.5x^2, 3sin(x), 2(x + 1): a number times what follows it
                if _BINARY_POWER["*"] <= min_power:
                    break
                right = self.expression(_BINARY_POWER["*"])
                left = _Binary("*", left, right)
                continue
            if token.kind != "op":
                break
            power = _BINARY_POWER[token.text]
            if power <= min_power:
                break
            self.advance()
            if token.text == "^":
                # right-associative, and the exponent may carry a sign: x^-1, 2^3^2 = 2^9
                right = self.expression(_UNARY_POWER - 1)
            else:
                right = self.expression(power)
            left = _Binary(token.text, left, right)
        self.depth -= 1
        return left

    def implicit_product(self) -> bool:
        return (
            self.previous is not None
            and self.previous.kind == "num"
            and self.current.kind in ("name", "(")
        )

    def prefix(self) -> _Node:
        token = self.advance()
        if token.kind == "num":
            return _Number(token.value)
        if token.kind == "op" and token.text in "+-":
            operand = self.expression(_UNARY_POWER)
            return _Unary(token.text, operand)
        if token.kind == "(":
            inner = self.expression(0)
            self.expect_close(token)
            return inner
        if token.kind == "name":
            return self.name(token)
        if token.kind == "end":
            raise self.error("the expression ends too early", token, code="expr_ends_early")
        if token.kind == ")":
            raise self.error("expected a number, x, a function or '(' before ')'", token,
                             code="expr_operand_missing", found=")")
        raise self.error(f"expected a number, x, a function or '(' before {token.text!r}", token,
                         code="expr_operand_missing", found=token.text)

    def name(self, token: Token) -> _Node:
        name = token.text
        if name == VARIABLE:
            return _Variable()
        if name in CONSTANTS:
            return _Number(CONSTANTS[name])
        if name in FUNCTIONS:
            if self.current.kind != "(":
                raise self.error(f"expected '(' after {name}", code="expr_call_needs_paren", function=name)
            opening = self.advance()
            argument = self.expression(0)
            self.expect_close(opening)
            return _Call(name, argument)
        allowed = ", ".join([VARIABLE, "pi", "e", *FUNCTIONS])
        raise self.error(f"unknown name {name!r} (allowed: {allowed})", token, code="expr_unknown_name",
                         name=name, allowed=allowed)

    def expect_close(self, opening: Token) -> None:
        token = self.current
        if token.kind == ")":
            self.advance()
            return
        if token.kind == "end":
            raise self.error(f"missing ')' for the '(' at position {opening.pos}", code="expr_unclosed",
                             opening=opening.pos)
        raise self.error(f"expected ')' but found {token.text!r}", code="expr_close_missing",
                         found=token.text)


@dataclass(frozen=True, eq=False)
class Expression:
    """A parsed expression in x; call it on an array to evaluate it element-wise.

    ``expr(x)`` returns float64 values of x's shape. Points where the function is undefined
    (log of a negative number, division by zero) come out as NaN or inf, with no warning, so
    a plot can simply leave gaps; ``nnstudio.data`` refuses to build a data set from them.
    """

    text: str
    _root: _Node

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            return np.asarray(self._root.evaluate(x), dtype=np.float64)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def parse_expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`; ExpressionError if it is not valid."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text", str(text), 0, code="expr_not_text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters",
                              text, MAX_LENGTH, code="expr_too_long", limit=MAX_LENGTH)
    return Expression(text, _Parser(text).parse())
