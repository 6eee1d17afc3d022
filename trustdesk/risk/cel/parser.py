"""Lexer and recursive-descent parser for CEL expressions, keeping each node's source offset.

The grammar is CEL's (operator precedence, literals, member calls, lists and maps); comprehension macros
are not part of trustdesk's subset and are refused with their position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class CelSyntaxError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Node:
    kind: str  # lit, ident, select, index, call, list, map, unary, binary, cond
    pos: int
    value: Any = None
    args: tuple[Node, ...] = field(default_factory=tuple)


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<float>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<int>0[xX][0-9a-fA-F]+u?|\d+u?)
    |(?P<string>[rR]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\|\||&&|==|!=|<=|>=|[<>!+\-*/%?:.,\[\](){}])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise CelSyntaxError(f"unexpected character {source[pos]!r}", pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            text = match.group()
            if kind == "ident" and text in {"true", "false", "null", "in"}:
                kind = "op" if text == "in" else "kw"
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(source)))
    return tokens


def _unquote(text: str, pos: int) -> str:
    raw = text[0] in "rR"
    body = text[2:-1] if raw else text[1:-1]
    if raw:
        return body
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt == "u" and i + 5 < len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 4
            else:
                raise CelSyntaxError(f"unknown escape \\{nxt}", pos + i)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


RELATIONS = {"<", "<=", ">", ">=", "==", "!=", "in"}


class Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self, text: str | None = None) -> Token:
        token = self.tok
        if text is not None and token.text != text:
            found = token.text or "end of expression"
            raise CelSyntaxError(f"expected {text!r} but found {found!r}", token.pos)
        self.i += 1
        return token

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "kw") and self.tok.text in texts

    def parse(self) -> Node:
        node = self.expr()
        if self.tok.kind != "eof":
            raise CelSyntaxError(f"unexpected {self.tok.text!r}", self.tok.pos)
        return node

    def expr(self) -> Node:
        cond = self.binary_level(0)
        if self.at("?"):
            pos = self.take().pos
            then = self.binary_level(0)
            self.take(":")
            other = self.expr()
            return Node("cond", pos, None, (cond, then, other))
        return cond

    LEVELS: tuple[frozenset[str], ...] = (
        frozenset({"||"}),
        frozenset({"&&"}),
        frozenset(RELATIONS),
        frozenset({"+", "-"}),
        frozenset({"*", "/", "%"}),
    )

    def binary_level(self, level: int) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary_level(level + 1)
        while self.tok.kind == "op" and self.tok.text in self.LEVELS[level]:
            op = self.take()
            right = self.binary_level(level + 1)
            left = Node("binary", op.pos, op.text, (left, right))
        return left

    def unary(self) -> Node:
        if self.at("!", "-"):
            op = self.take()
            operand = self.unary()
            negatable = isinstance(operand.value, int | float) and not isinstance(operand.value, bool)
            if op.text == "-" and operand.kind == "lit" and negatable:
                return Node("lit", op.pos, -operand.value)
            return Node("unary", op.pos, op.text, (operand,))
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                name = self.tok
                if name.kind != "ident":
                    raise CelSyntaxError("expected a field or method name after '.'", name.pos)
                self.take()
                if self.at("("):
                    args = self.arguments(")")
                    node = Node("call", name.pos, ("method", name.text), (node, *args))
                else:
                    node = Node("select", name.pos, name.text, (node,))
            elif self.at("["):
                pos = self.take().pos
                index = self.expr()
                self.take("]")
                node = Node("index", pos, None, (node, index))
            else:
                return node

    def arguments(self, close: str) -> list[Node]:
        self.take()
        args: list[Node] = []
        while not self.at(close):
            args.append(self.expr())
            if not self.at(close):
                self.take(",")
        self.take(close)
        return args

    def primary(self) -> Node:
        token = self.tok
        if token.kind == "int":
            self.take()
            text = token.text.rstrip("u")
            return Node("lit", token.pos, int(text, 16) if text[:2].lower() == "0x" else int(text))
        if token.kind == "float":
            self.take()
            return Node("lit", token.pos, float(token.text))
        if token.kind == "string":
            self.take()
            return Node("lit", token.pos, _unquote(token.text, token.pos))
        if token.kind == "kw":
            self.take()
            return Node("lit", token.pos, {"true": True, "false": False, "null": None}[token.text])
        if token.kind == "ident":
            self.take()
            if self.at("("):
                args = self.arguments(")")
                return Node("call", token.pos, ("function", token.text), tuple(args))
            return Node("ident", token.pos, token.text)
        if self.at("("):
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if self.at("["):
            items = self.arguments("]")
            return Node("list", token.pos, None, tuple(items))
        if self.at("{"):
            self.take()
            entries: list[Node] = []
            while not self.at("}"):
                entries.append(self.expr())
                self.take(":")
                entries.append(self.expr())
                if not self.at("}"):
                    self.take(",")
            self.take("}")
            return Node("map", token.pos, None, tuple(entries))
        found = token.text or "end of expression"
        raise CelSyntaxError(f"unexpected {found!r}", token.pos)


def parse(source: str) -> Node:
    return Parser(source).parse()
