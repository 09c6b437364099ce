"""The data model: frozen dataclasses and located YAML data, no I/O."""

from stockade.model.artifact import Artifact, HistoryEntry, ImageConfig, OSInfo
from stockade.model.diagnostic import Diagnostic, DiagnosticLevel
from stockade.model.dockerfile import Dockerfile, Flag, Heredoc, Instruction, Pragma, ShellCommand, Stage
from stockade.model.finding import Finding, FindingKind, ResourceRef
from stockade.model.located import YList, YMap, position_of
from stockade.model.location import Location, ObjectPath, Segment
from stockade.model.package import LayerRef, Package
from stockade.model.report import SCHEMA_VERSION, Report, Tool
from stockade.model.resource import Resource
from stockade.model.severity import Severity

__all__ = [
    "SCHEMA_VERSION",
    "Artifact",
    "Diagnostic",
    "DiagnosticLevel",
    "Dockerfile",
    "Finding",
    "FindingKind",
    "Flag",
    "Heredoc",
    "HistoryEntry",
    "ImageConfig",
    "Instruction",
    "LayerRef",
    "Location",
    "OSInfo",
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
