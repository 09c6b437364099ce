"""The data model: frozen dataclasses and located YAML data, no I/O."""

from stockade.model.diagnostic import Diagnostic, DiagnosticLevel
from stockade.model.dockerfile import Dockerfile, Flag, Heredoc, Instruction, Pragma, ShellCommand, Stage
from stockade.model.finding import Finding, FindingKind, ResourceRef
from stockade.model.located import YList, YMap, position_of
from stockade.model.location import Location, ObjectPath, Segment
from stockade.model.package import Package
from stockade.model.report import SCHEMA_VERSION, Report, Tool
from stockade.model.resource import Resource
from stockade.model.severity import Severity

__all__ = [
    "SCHEMA_VERSION",
    "Diagnostic",
    "DiagnosticLevel",
    "Dockerfile",
    "Finding",
    "FindingKind",
    "Flag",
    "Heredoc",
    "Instruction",
    "Location",
    "ObjectPath",
    "Package",
    "Pragma",
    "Report",
    "Resource",
    "ResourceRef",
    "Segment",
    "Severity",
    "ShellCommand",
    "Stage",
    "Tool",
    "YList",
    "YMap",
    "position_of",
]
