"""Type checking of a parsed CEL expression against the variables a rule may read.

CEL does not convert between types at run time, so a rule like `event.amount > "100"` would silently
never hit; catching it on save, with its line and column, is what makes rules trustworthy. Numbers of
different types may be compared (CEL's heterogeneous numeric comparison) but not mixed in arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from trustdesk.risk.cel.parser import CelSyntaxError, Node, parse

Type = str  # "int", "double", "string", "bool", "null", "dyn", "list<T>", "map<K,V>", "message:<name>"
NUMERIC = {"int", "double"}


class CelError(Exception):
    def __init__(self, message: str, source: str, pos: int) -> None:
        self.line = source.count("\n", 0, pos) + 1
        self.column = pos - (source.rfind("\n", 0, pos) + 1) + 1
        self.pos = pos
        self.message = message
        super().__init__(f"line {self.line}, column {self.column}: {message}")


@dataclass(frozen=True)
class Env:
    """Top-level names: a message name maps to its fields and their types."""

    messages: dict[str, dict[str, Type]]


# Functions and methods: name -> list of (argument types, result type).
FUNCTIONS: dict[str, list[tuple[tuple[Type, ...], Type]]] = {
    "size": [(("string",), "int"), (("list",), "int"), (("map",), "int")],
    "int": [(("int",), "int"), (("double",), "int"), (("string",), "int")],
    "double": [(("int",), "double"), (("double",), "double"), (("string",), "double")],
    "string": [(("int",), "string"), (("double",), "string"), (("string",), "string"), (("bool",), "string")],
}
METHODS: dict[str, list[tuple[tuple[Type, ...], Type]]] = {
    "contains": [(("string", "string"), "bool")],
    "startsWith": [(("string", "string"), "bool")],
    "endsWith": [(("string", "string"), "bool")],
    "matches": [(("string", "string"), "bool")],
    "lowerAscii": [(("string",), "string")],
    "size": [(("string",), "int"), (("list",), "int")],
}


def _base(t: Type) -> Type:
    return t.split("<", 1)[0]


def _elem(t: Type) -> Type:
    if t.startswith("list<"):
        return t[5:-1]
    if t.startswith("map<"):
        return t[4:-1].split(",", 1)[1]
    return "dyn"


def _fits(actual: Type, wanted: Type) -> bool:
    return actual == "dyn" or wanted == "dyn" or actual == wanted or _base(actual) == wanted


class Checker:
    def __init__(self, env: Env, source: str) -> None:
        self.env = env
        self.source = source
        self.types: dict[int, Type] = {}

    def fail(self, message: str, node: Node) -> CelError:
        return CelError(message, self.source, node.pos)

    def check(self, node: Node) -> Type:
        result: Type = getattr(self, f"_{node.kind}")(node)
        self.types[id(node)] = result
        return result

    def _lit(self, node: Node) -> Type:
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "double"
        return "string"

    def _ident(self, node: Node) -> Type:
        if node.value not in self.env.messages:
            known = ", ".join(sorted(self.env.messages))
            raise self.fail(f"undeclared reference {node.value!r}; a rule can read {known}", node)
        return f"message:{node.value}"

    def _select(self, node: Node) -> Type:
        operand = node.args[0]
        operand_type = self.check(operand)
        if operand_type.startswith("message:"):
            fields = self.env.messages[operand_type[8:]]
            if node.value not in fields:
                known = ", ".join(sorted(fields))
                raise self.fail(
                    f"{operand_type[8:]} has no field {node.value!r}; known fields: {known}", node
                )
            return fields[node.value]
        if _base(operand_type) in ("map", "dyn"):
            return _elem(operand_type)
        raise self.fail(f"cannot read field {node.value!r} of a {operand_type}", node)

    def _index(self, node: Node) -> Type:
        container, index = (self.check(a) for a in node.args)
        if _base(container) == "list":
            if not _fits(index, "int"):
                raise self.fail(f"a list index must be an int, not {index}", node)
            return _elem(container)
        if _base(container) in ("map", "dyn"):
            return _elem(container)
        raise self.fail(f"cannot index a {container}", node)

    def _list(self, node: Node) -> Type:
        kinds = {self.check(a) for a in node.args}
        return f"list<{kinds.pop()}>" if len(kinds) == 1 else "list<dyn>"

    def _map(self, node: Node) -> Type:
        keys = {self.check(a) for a in node.args[0::2]}
        values = {self.check(a) for a in node.args[1::2]}
        key = keys.pop() if len(keys) == 1 else "dyn"
        value = values.pop() if len(values) == 1 else "dyn"
        return f"map<{key},{value}>"

    def _unary(self, node: Node) -> Type:
        operand = self.check(node.args[0])
        if node.value == "!":
            if not _fits(operand, "bool"):
                raise self.fail(f"'!' needs a bool, not {operand}", node)
            return "bool"
        if operand not in NUMERIC and operand != "dyn":
            raise self.fail(f"'-' needs a number, not {operand}", node)
        return operand

    def _binary(self, node: Node) -> Type:
        op = node.value
        left, right = (self.check(a) for a in node.args)
        if op in ("&&", "||"):
            for side in (left, right):
                if not _fits(side, "bool"):
                    raise self.fail(f"'{op}' needs bool operands, not {side}", node)
            return "bool"
        if op == "in":
            if _base(right) not in ("list", "map", "dyn"):
                raise self.fail(f"'in' needs a list or map on its right, not {right}", node)
            element = _elem(right) if _base(right) == "list" else right[4:-1].split(",")[0] or "dyn"
            if not (_fits(left, element) or {left, element} <= NUMERIC):
                raise self.fail(f"cannot look for a {left} in a {right}", node)
            return "bool"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            comparable = _fits(left, right) or {left, right} <= NUMERIC or "null" in (left, right)
            if op not in ("==", "!=") and "null" in (left, right):
                comparable = False
            if op not in ("==", "!=") and (_base(left) in ("list", "map", "bool")):
                comparable = False
            if not comparable:
                raise self.fail(f"cannot compare {left} {op} {right}; convert one side explicitly", node)
            return "bool"
        if op == "+" and left == right == "string":
            return "string"
        if op == "+" and _base(left) == _base(right) == "list":
            return left
        if left == "dyn" or right == "dyn":
            return "dyn"
        if left in NUMERIC and left == right and not (op == "%" and left == "double"):
            return left
        hint = " (CEL never mixes int and double: write double(x) or 2.0)" if {left, right} <= NUMERIC else ""
        raise self.fail(f"no operator {left} {op} {right}{hint}", node)

    def _cond(self, node: Node) -> Type:
        cond, then, other = (self.check(a) for a in node.args)
        if not _fits(cond, "bool"):
            raise self.fail(f"a condition must be a bool, not {cond}", node)
        if then != other and "dyn" not in (then, other):
            raise self.fail(f"both branches must have one type, not {then} and {other}", node)
        return then if then != "dyn" else other

    def _call(self, node: Node) -> Type:
        style, name = node.value
        table = METHODS if style == "method" else FUNCTIONS
        if name not in table:
            known = ", ".join(sorted(table))
            what = "method" if style == "method" else "function"
            raise self.fail(f"unknown {what} {name!r}; available: {known}", node)
        args = tuple(self.check(a) for a in node.args)
        for wanted, result in table[name]:
            if len(wanted) == len(args) and all(_fits(a, w) for a, w in zip(args, wanted, strict=True)):
                return result
        shown = ", ".join(args)
        raise self.fail(f"no overload of {name}({shown})", node)


def check(source: str, env: Env) -> tuple[Node, dict[int, Type]]:
    """Parse and type-check a rule condition; it must be a bool. Raises CelError with a position.

    Returns the tree and the type of each of its nodes (by id), which the compiler needs."""
    if not source.strip():
        raise CelError("the condition is empty", source, 0)
    try:
        node = parse(source)
    except CelSyntaxError as exc:
        raise CelError(f"syntax error: {exc.message}", source, exc.pos) from None
    checker = Checker(env, source)
    result = checker.check(node)
    if result not in ("bool", "dyn"):
        raise CelError(f"a rule condition must be a bool, but this is a {result}", source, node.pos)
    return node, checker.types
