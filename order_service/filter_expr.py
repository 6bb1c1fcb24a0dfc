"""The plan's expression filter: a tokenizer, a recursive-descent parser and a tiny evaluator.

Replaces the seed's ``JSCODE`` (which it ran with ``new Function``): user text is never executed, only
parsed into a closed set of nodes. Accepted:

* literals: numbers, 'strings' / "strings", true/false/null (also True/False/None), lists ``[1, 'a']``;
* ``tag('NAME')`` and the seed's ``o.getTagValue('NAME')`` (dynamic tags first, then static ones);
* entry fields: ``symbol``, ``timeframe``, ``strategy``, ``side``/``type`` ('buy' | 'sell'), ``time``,
  ``entry_price``, ``stop_loss``, ``take_profit``, ``is_long``, ``is_limit``, ``quantity``, ``stake``
  (camelCase too), also written ``o.entry.symbol`` or ``o.symbol``;
* comparisons ``== != === !== < <= > >=``, ``x in [..]``, ``x not in [..]``, ``[..].includes(x)``;
* ``and or not`` and ``&& || !``, parentheses.

Semantics follow the seed's JavaScript where it matters: ``'1.27' == 1.27`` is true (loose equality),
an absent tag is null, and an ordering comparison with null is false. Evaluation never raises.
Any other text is a :class:`FilterSyntaxError` (a ValueError) naming the position of the error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

MAX_LENGTH = 10_000
MAX_DEPTH = 60


class Subject(Protocol):
    """What an expression reads: an order (or anything with the same shape)."""

    def tag_value(self, name: str) -> Any: ...


Predicate = Callable[[Any], bool]
Getter = Callable[[Any], Any]


class FilterSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"plan.expression: {message} at position {position}")
        self.position = position


# --- tokens -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num | str | id | op | end
    text: str
    pos: int
    value: Any = None


_OPERATORS = ("===", "!==", "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ",", ".", "-")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c.isascii() and (
            c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit())
        ):
            start = i
            while i < n and text[i].isascii() and text[i].isdigit():
                i += 1
            if i < n and text[i] == ".":
                i += 1
                while i < n and text[i].isascii() and text[i].isdigit():
                    i += 1
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j].isascii() and text[j].isdigit():
                    i = j
                    while i < n and text[i].isascii() and text[i].isdigit():
                        i += 1
            if i < n and (text[i].isalnum() or text[i] == "_"):
                raise FilterSyntaxError(f"malformed number {text[start : i + 1]!r}", start)
            tokens.append(Token("num", text[start:i], start, float(text[start:i])))
        elif c in "'\"":
            start, i = i, i + 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise FilterSyntaxError("unterminated string", start)
                ch = text[i]
                if ch == c:
                    i += 1
                    break
                if ch == "\\":
                    if i + 1 >= n or text[i + 1] not in _ESCAPES:
                        raise FilterSyntaxError("bad escape in string", i)
                    chars.append(_ESCAPES[text[i + 1]])
                    i += 2
                    continue
                chars.append(ch)
                i += 1
            tokens.append(Token("str", text[start:i], start, "".join(chars)))
        elif c.isascii() and (c.isalpha() or c == "_"):
            start = i
            while i < n and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("id", text[start:i], start))
        else:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    tokens.append(Token("op", op, i))
                    i += len(op)
                    break
            else:
                raise FilterSyntaxError(f"unexpected character {c!r}", i)
    tokens.append(Token("end", "", n))
    return tokens


# --- evaluation helpers (JS-like loose semantics that never raise) ------------------------------------


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def loose_eq(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, str) or isinstance(b, str) or isinstance(a, (int, float)) or isinstance(b, (int, float)):
        x, y = _num(a), _num(b)
        return x is not None and y is not None and x == y
    return bool(a == b)


def _order_cmp(op: str) -> Callable[[Any, Any], bool]:
    def cmp(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        if isinstance(a, str) and isinstance(b, str):
            x: Any = a
            y: Any = b
        else:
            x, y = _num(a), _num(b)
            if x is None or y is None:
                return False
        if op == "<":
            return bool(x < y)
        if op == "<=":
            return bool(x <= y)
        if op == ">":
            return bool(x > y)
        return bool(x >= y)

    return cmp


_NO_CONSTANT = object()


def _constant(value: Any) -> Getter:
    def get(o: Any) -> Any:
        return value

    get.constant = value  # type: ignore[attr-defined]
    return get


def _any_of(parts: list[Getter]) -> Getter:
    # bool(None) is False: values need no conversion before and/or (None, 0, '' are false).
    if len(parts) == 2:
        a, b = parts
        return lambda o: bool(a(o)) or bool(b(o))

    def any_of(o: Any) -> bool:
        # A plain loop: any() over a generator costs a frame per call on this hot path.
        for p in parts:  # noqa: SIM110
            if p(o):
                return True
        return False

    return any_of


def _all_of(parts: list[Getter]) -> Getter:
    if len(parts) == 2:
        a, b = parts
        return lambda o: bool(a(o)) and bool(b(o))

    def all_of(o: Any) -> bool:
        for p in parts:  # noqa: SIM110
            if not p(o):
                return False
        return True

    return all_of


def _truthy(value: Any) -> bool:
    return bool(value) if value is not None else False


def _entry_attr(name: str) -> Getter:
    def get(o: Any) -> Any:
        return getattr(o.entry, name)

    return get


def _order_attr(name: str) -> Getter:
    def get(o: Any) -> Any:
        return getattr(o, name)

    return get


FIELDS: dict[str, Getter] = {
    "symbol": _entry_attr("symbol"),
    "timeframe": _entry_attr("timeframe"),
    "strategy": _entry_attr("strategy"),
    "side": _entry_attr("side"),
    "type": _entry_attr("side"),
    "time": _entry_attr("time_ms"),
    "entry_price": _entry_attr("entry_price"),
    "entryPrice": _entry_attr("entry_price"),
    "stop_loss": _entry_attr("stop_loss"),
    "stopLoss": _entry_attr("stop_loss"),
    "take_profit": _entry_attr("take_profit"),
    "takeProfit": _entry_attr("take_profit"),
    "is_long": _entry_attr("is_long"),
    "isLong": _entry_attr("is_long"),
    "is_limit": _entry_attr("is_limit"),
    "isLimit": _entry_attr("is_limit"),
    "quantity": _order_attr("quantity"),
    "stake": _order_attr("stake"),
}
_CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
    "undefined": None,
}
_CMP_OPS = {"==", "!=", "===", "!==", "<", "<=", ">", ">="}


# --- parser -----------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "id" and self.tok.text in words

    def expect_op(self, op: str) -> Token:
        if not self.is_op(op):
            raise FilterSyntaxError(f"expected {op!r}, found {self.describe(self.tok)}", self.tok.pos)
        return self.advance()

    @staticmethod
    def describe(tok: Token) -> str:
        return "end of expression" if tok.kind == "end" else repr(tok.text)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterSyntaxError("expression nested too deeply", self.tok.pos)

    def parse(self) -> Getter:
        if self.tok.kind == "end":
            raise FilterSyntaxError("empty expression", 0)
        node = self.or_expr()
        if self.tok.kind != "end":
            raise FilterSyntaxError(f"unexpected {self.describe(self.tok)}", self.tok.pos)
        return node

    def or_expr(self) -> Getter:
        self.enter()
        parts = [self.and_expr()]
        while self.is_word("or") or self.is_op("||"):
            self.advance()
            parts.append(self.and_expr())
        self.depth -= 1
        if len(parts) == 1:
            return parts[0]
        return _any_of(parts)

    def and_expr(self) -> Getter:
        parts = [self.not_expr()]
        while self.is_word("and") or self.is_op("&&"):
            self.advance()
            parts.append(self.not_expr())
        if len(parts) == 1:
            return parts[0]
        return _all_of(parts)

    def not_expr(self) -> Getter:
        if self.is_word("not") or self.is_op("!"):
            self.advance()
            self.enter()
            inner = self.not_expr()
            self.depth -= 1
            return lambda o: not inner(o)
        return self.comparison()

    def comparison(self) -> Getter:
        left = self.operand()
        if self.tok.kind == "op" and self.tok.text in _CMP_OPS:
            op = self.advance().text
            right = self.operand()
            result = self.make_cmp(op, left, right)
        elif self.is_word("in"):
            self.advance()
            result = self.membership(left, negate=False)
        elif self.is_word("not") and self.tokens[self.i + 1].kind == "id" and self.tokens[self.i + 1].text == "in":
            self.advance()
            self.advance()
            result = self.membership(left, negate=True)
        else:
            return left
        if (self.tok.kind == "op" and self.tok.text in _CMP_OPS) or self.is_word("in"):
            raise FilterSyntaxError("chained comparison: add parentheses", self.tok.pos)
        return result

    @staticmethod
    def make_cmp(op: str, left: Getter, right: Getter) -> Getter:
        constant = getattr(right, "constant", _NO_CONSTANT)
        if op in ("==", "===") and isinstance(constant, str):
            # The common `tag('X') == 'P'`: plain string equality first, loose rules only for other types.
            def eq_text(o: Any) -> bool:
                v = left(o)
                return v == constant if v.__class__ is str else loose_eq(v, constant)

            return eq_text
        if op in ("==", "==="):
            return lambda o: loose_eq(left(o), right(o))
        if op in ("!=", "!=="):
            return lambda o: not loose_eq(left(o), right(o))
        cmp = _order_cmp(op)
        return lambda o: cmp(left(o), right(o))

    def membership(self, left: Getter, negate: bool) -> Getter:
        if not self.is_op("["):
            raise FilterSyntaxError("'in' needs a list such as ['BTCUSDT', 'ETHUSDT']", self.tok.pos)
        items = self.list_literal()
        if negate:
            return lambda o: not any(loose_eq(left(o), item) for item in items)
        return lambda o: any(loose_eq(left(o), item) for item in items)

    def list_literal(self) -> list[Any]:
        self.expect_op("[")
        items: list[Any] = []
        while not self.is_op("]"):
            items.append(self.literal())
            if self.is_op(","):
                self.advance()
            elif not self.is_op("]"):
                raise FilterSyntaxError(f"expected ',' or ']', found {self.describe(self.tok)}", self.tok.pos)
        self.advance()
        return items

    def literal(self) -> Any:
        tok = self.tok
        if tok.kind in ("num", "str"):
            self.advance()
            return tok.value
        if self.is_op("-") and self.tokens[self.i + 1].kind == "num":
            self.advance()
            return -self.advance().value
        if tok.kind == "id" and tok.text in _CONSTANTS:
            self.advance()
            return _CONSTANTS[tok.text]
        raise FilterSyntaxError(f"a list holds only numbers and strings, found {self.describe(tok)}", tok.pos)

    def string_arg(self, name: str) -> str:
        self.expect_op("(")
        tok = self.tok
        if tok.kind != "str":
            raise FilterSyntaxError(f"{name}() takes one quoted tag name", tok.pos)
        self.advance()
        self.expect_op(")")
        return str(tok.value)

    def operand(self) -> Getter:
        tok = self.tok
        if tok.kind in ("num", "str"):
            self.advance()
            return _constant(tok.value)
        if self.is_op("-"):
            self.advance()
            if self.tok.kind != "num":
                raise FilterSyntaxError("'-' only negates a number", tok.pos)
            negative = -self.advance().value
            return lambda o: negative
        if self.is_op("("):
            self.advance()
            inner = self.or_expr()
            self.expect_op(")")
            return inner
        if self.is_op("["):
            items = self.list_literal()
            if not self.is_op("."):
                raise FilterSyntaxError("a list is only allowed after 'in' or before .includes(…)", tok.pos)
            self.advance()
            if not self.is_word("includes"):
                raise FilterSyntaxError("only .includes(…) may follow a list", self.tok.pos)
            self.advance()
            self.expect_op("(")
            probe = self.or_expr()
            self.expect_op(")")
            return lambda o: any(loose_eq(probe(o), item) for item in items)
        if tok.kind == "id":
            return self.name()
        raise FilterSyntaxError(f"unexpected {self.describe(tok)}", tok.pos)

    def name(self) -> Getter:
        tok = self.advance()
        word = tok.text
        if word in _CONSTANTS:
            value = _CONSTANTS[word]
            return lambda o: value
        if word == "tag":
            if not self.is_op("("):
                raise FilterSyntaxError("tag needs a tag name: tag('MAXPRF')", self.tok.pos)
            tag_name = self.string_arg("tag")
            return lambda o: o.tag_value(tag_name)
        if word == "o":
            return self.seed_object(tok)
        if word in FIELDS:
            return self.plain_field(tok, FIELDS[word])
        if self.is_op("("):
            raise FilterSyntaxError(f"calling {word!r} is not allowed (only tag('NAME'))", tok.pos)
        raise FilterSyntaxError(f"unknown name {word!r}", tok.pos)

    def plain_field(self, tok: Token, getter: Getter) -> Getter:
        if self.is_op("."):
            raise FilterSyntaxError("attribute access is not allowed", self.tok.pos)
        if self.is_op("("):
            raise FilterSyntaxError(f"calling {tok.text!r} is not allowed (only tag('NAME'))", tok.pos)
        return getter

    def seed_object(self, tok: Token) -> Getter:
        """The seed's ``o.getTagValue('X')``, ``o.entry.FIELD`` and ``o.FIELD`` forms."""
        if not self.is_op("."):
            raise FilterSyntaxError("'o' is only usable as o.getTagValue('NAME') or o.entry.FIELD", tok.pos)
        self.advance()
        member = self.tok
        if member.kind != "id":
            raise FilterSyntaxError("expected a name after 'o.'", member.pos)
        self.advance()
        if member.text == "getTagValue":
            tag_name = self.string_arg("getTagValue")
            return lambda o: o.tag_value(tag_name)
        if member.text == "entry":
            self.expect_op(".")
            field_tok = self.tok
            if field_tok.kind != "id" or field_tok.text not in FIELDS:
                raise FilterSyntaxError(f"unknown entry field {field_tok.text!r}", field_tok.pos)
            self.advance()
            return self.plain_field(field_tok, FIELDS[field_tok.text])
        if member.text in FIELDS:
            return self.plain_field(member, FIELDS[member.text])
        raise FilterSyntaxError(f"attribute {member.text!r} is not allowed", member.pos)


def compile_expression(text: str) -> Predicate:
    """Parses ``text`` once; the returned predicate evaluates it on an order and never raises."""
    if len(text) > MAX_LENGTH:
        raise FilterSyntaxError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not text.strip():
        return lambda o: True
    node = _Parser(text).parse()

    def predicate(o: Any) -> bool:
        return _truthy(node(o))

    return predicate


def validate(text: str) -> None:
    """Raises FilterSyntaxError if ``text`` is not an accepted expression."""
    compile_expression(text)
