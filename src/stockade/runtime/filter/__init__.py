"""The filter language: conditions and output strings, parsed and compiled once.

``parse(condition) -> Node`` checks syntax only; ``compile(node, table, macros, lists) -> CompiledFilter``
resolves macros and lists, types every check against a source's field table and generates Python for it;
``compile_output(fmt, table) -> OutputFormat`` compiles an alert output format.
"""

from stockade.runtime.filter.ast import (
    And,
    Check,
    FieldRef,
    Identifier,
    ListValue,
    Node,
    Not,
    Or,
    Pos,
    Transformer,
    Value,
    format_tree,
    to_condition,
)
from stockade.runtime.filter.compiler import CompiledFilter, event_types_of, fields_of, resolve
from stockade.runtime.filter.compiler import compile_filter as compile
from stockade.runtime.filter.errors import FilterCompileError, FilterError, FilterSyntaxError, OutputFormatError
from stockade.runtime.filter.output import NA, OutputFormat, compile_output
from stockade.runtime.filter.parser import ALL_OPS, TRANSFORMERS, parse

__all__ = [
    "ALL_OPS",
    "NA",
    "TRANSFORMERS",
    "And",
    "Check",
    "CompiledFilter",
    "FieldRef",
    "FilterCompileError",
    "FilterError",
    "FilterSyntaxError",
    "Identifier",
    "ListValue",
    "Node",
    "Not",
    "Or",
    "OutputFormat",
    "OutputFormatError",
    "Pos",
    "Transformer",
    "Value",
    "compile",
    "compile_output",
    "event_types_of",
    "fields_of",
    "format_tree",
    "parse",
    "resolve",
    "to_condition",
]
