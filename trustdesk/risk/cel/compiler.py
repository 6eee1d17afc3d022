"""Generating one Python function that evaluates every rule of a rule set against one event.

The function is built from checked syntax trees only: literals are written with repr(), names come from
the declared environment, so no text of a rule reaches the generated code unescaped. A rule whose
evaluation fails at run time (an int divided by zero, a missing map key) counts as an error, not a hit,
exactly as a CEL error would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trustdesk.risk.cel.checker import Env, Type, check
from trustdesk.risk.cel.parser import Node

Evaluate = Callable[[dict[str, dict[str, Any]]], tuple[list[int], list[int]]]


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(text: str, pattern: str) -> bool:
    # CEL's matches() is an unanchored RE2 search.
    return _regex(pattern).search(text) is not None


def _idiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _imod(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("modulus by zero")
    return a - _idiv(a, b) * b


def _fdiv(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _int(value: Any) -> int:
    return int(value) if not isinstance(value, str) else int(value.strip())


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


HELPERS = {
    "_matches": _matches,
    "_idiv": _idiv,
    "_imod": _imod,
    "_fdiv": _fdiv,
    "_int": _int,
    "_str": _str,
}
_FUNCTIONS = {"size": "len({0})", "int": "_int({0})", "double": "float({0})", "string": "_str({0})"}
_METHODS = {
    "contains": "({1} in {0})",
    "startsWith": "{0}.startswith({1})",
    "endsWith": "{0}.endswith({1})",
    "matches": "_matches({0}, {1})",
    "lowerAscii": "{0}.lower()",
    "size": "len({0})",
}


class _Writer:
    def __init__(self, types: dict[int, Type]) -> None:
        self.types = types

    def write(self, node: Node) -> str:
        code: str = getattr(self, f"_{node.kind}")(node)
        return code

    def _lit(self, node: Node) -> str:
        return repr(node.value)

    def _ident(self, node: Node) -> str:
        return f"m_{node.value}"

    def _select(self, node: Node) -> str:
        return f"{self.write(node.args[0])}[{node.value!r}]"

    def _index(self, node: Node) -> str:
        return f"{self.write(node.args[0])}[{self.write(node.args[1])}]"

    def _list(self, node: Node) -> str:
        return "[" + ", ".join(self.write(a) for a in node.args) + "]"

    def _map(self, node: Node) -> str:
        pairs = zip(node.args[0::2], node.args[1::2], strict=True)
        return "{" + ", ".join(f"{self.write(k)}: {self.write(v)}" for k, v in pairs) + "}"

    def _unary(self, node: Node) -> str:
        operand = self.write(node.args[0])
        return f"(not {operand})" if node.value == "!" else f"(-{operand})"

    def _binary(self, node: Node) -> str:
        left, right = (self.write(a) for a in node.args)
        op = node.value
        if op in ("&&", "||"):
            return f"({left} {'and' if op == '&&' else 'or'} {right})"
        if op in ("/", "%"):
            if self.types.get(id(node)) == "double":
                return f"_fdiv({left}, {right})"
            return f"{'_idiv' if op == '/' else '_imod'}({left}, {right})"
        return f"({left} {op} {right})"

    def _cond(self, node: Node) -> str:
        cond, then, other = (self.write(a) for a in node.args)
        return f"({then} if {cond} else {other})"

    def _call(self, node: Node) -> str:
        style, name = node.value
        args = [self.write(a) for a in node.args]
        template = _METHODS[name] if style == "method" else _FUNCTIONS[name]
        return template.format(*args)


@dataclass(frozen=True)
class CompiledRuleSet:
    keys: tuple[str, ...]
    evaluate: Evaluate
    python_source: str


def compile_rules(rules: Sequence[tuple[str, str]], env: Env) -> CompiledRuleSet:
    """`rules` is (key, CEL source) pairs; returns a function giving (hit indexes, error indexes)."""
    lines = ["def _evaluate(ctx):"]
    lines += [f"    m_{name} = ctx[{name!r}]" for name in env.messages]
    lines.append("    hits = []; errors = []")
    for index, (_key, source) in enumerate(rules):
        node, types = check(source, env)
        expression = _Writer(types).write(node)
        lines += [
            "    try:",
            f"        if {expression}: hits.append({index})",
            "    except Exception:",
            f"        errors.append({index})",
        ]
    lines.append("    return hits, errors")
    python_source = "\n".join(lines)
    namespace: dict[str, Any] = dict(HELPERS)
    # The source is generated from checked syntax trees, never from rule text (see module docstring).
    exec(compile(python_source, "<rules>", "exec"), namespace)  # noqa: S102
    return CompiledRuleSet(tuple(k for k, _ in rules), namespace["_evaluate"], python_source)
