"""A typed compiler for the CEL subset trustdesk's rules use: parse, check against a declared
environment, and generate one Python function for a whole rule set (see docs/decisions/0002-cel.md)."""

from trustdesk.risk.cel.checker import CelError, Env, check
from trustdesk.risk.cel.compiler import CompiledRuleSet, compile_rules
from trustdesk.risk.cel.parser import parse

__all__ = ["CelError", "CompiledRuleSet", "Env", "check", "compile_rules", "parse"]
