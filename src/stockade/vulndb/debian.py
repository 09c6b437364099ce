"""The Debian security tracker's JSON (``https://security-tracker.debian.org/tracker/data/json``) as advisories.

The document is ``{source package: {issue: {description, scope, debianbug, releases: {codename: {status,
repositories, fixed_version, urgency, nodsa, nodsa_reason, next_point_update}}}}}``. Each issue (a CVE id,
or a ``TEMP-…`` id the tracker gives issues without one) becomes one :class:`Advisory` with that id and an
``affected`` entry per (source package, release):

- the ecosystem is ``Debian:<version>`` with the release number for the codename (:data:`DEBIAN_RELEASES`:
  ``bookworm`` -> ``Debian:12``), the way OSV names Debian releases; ``sid`` (unstable) has no number and
  becomes ``Debian:sid``; a codename this table does not know yet is kept as written (``Debian:duke``)
  with an info diagnostic;
- the name is the source package (Debian's vulnerability data is keyed by source package);
- ``status: resolved`` with a real ``fixed_version`` -> range ``introduced 0, fixed <version>``, state
  FIXED. The tracker calls an issue resolved in a release once the fixed version is in the release
  itself or its ``-security`` or ``-lts`` suite, which are the suites a system of that release installs
  from: that is what "released" means here. A fix only queued for the next point release (in
  proposed-updates; the tracker sets ``next_point_update``) leaves the status ``open``: affected, no
  released fix. ``fixed_version: "0"`` means the release was never affected: no entry.
- ``status: open`` -> range ``introduced 0`` (every version), state AFFECTED, unless the urgency is
  ``end-of-life`` (the package is out of security support in that release: END_OF_LIFE), the
  ``nodsa_reason`` is ``ignored`` (WILL_NOT_FIX), ``postponed`` or there is a plain ``nodsa`` note
  (the fix will come with a later update, not a DSA: FIX_DEFERRED);
- ``status: undetermined`` (nobody has checked whether the release is affected) -> range
  ``introduced 0``, state UNKNOWN (end-of-life urgency still wins); a matcher decides whether to report
  such entries;
- the tracker's own fields (urgency with its ``**`` NVD marker, status, codename, repositories and their
  versions, nodsa, nodsa_reason, next_point_update, debianbug) are kept in ``ecosystem_specific``; the
  issue's ``scope`` goes into :attr:`Advisory.extra`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import orjson

from stockade.model import Diagnostic, DiagnosticLevel
from stockade.vulndb.model import Advisory, Affected, Event, FixState, Range
from stockade.vulndb.osv import diagnostic, json_pointer, kind_of, load_json_file

SOURCE_NAME = "debian-tracker"
TRACKER_URL = "https://security-tracker.debian.org/tracker"

# codename -> the release's number, as OSV's Debian ecosystem names it (Debian:12)
DEBIAN_RELEASES: Mapping[str, str] = {
    "squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
    "bookworm": "12", "trixie": "13", "forky": "14", "duke": "15", "sid": "sid",
}

_INTRODUCED_0 = Event("introduced", "0")
_ALL_VERSIONS = (Range("ECOSYSTEM", (_INTRODUCED_0,)),)


def release_for(codename: str, releases: Mapping[str, str] = DEBIAN_RELEASES) -> str:
    """``"12"`` for ``bookworm``; the codename itself when it is not in ``releases``."""
    return releases.get(codename.strip().lower(), codename.strip())


def _state(status: str, urgency: str, nodsa: str | None, nodsa_reason: str) -> FixState:
    if urgency.rstrip("*").strip() == "end-of-life":
        return FixState.END_OF_LIFE
    if status == "undetermined":
        return FixState.UNKNOWN
    if nodsa_reason == "ignored":
        return FixState.WILL_NOT_FIX
    if nodsa_reason == "postponed" or nodsa is not None:
        return FixState.FIX_DEFERRED
    return FixState.AFFECTED


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_tracker(doc: Any, origin: str, *, source: str = SOURCE_NAME,
                  releases: Mapping[str, str] = DEBIAN_RELEASES) -> tuple[list[Advisory], list[Diagnostic]]:
    """The advisories of a parsed tracker document, and a diagnostic per entry that could not be read.

    Advisories are in the order their ids first appear (issues that affect no release are left out);
    ``releases`` maps codenames to release numbers.
    """
    problems: list[Diagnostic] = []
    if not isinstance(doc, dict):
        return [], [diagnostic(origin, f"expected the tracker's JSON object of source packages, not {kind_of(doc)}")]
    affected: dict[str, list[Affected]] = {}
    details: dict[str, str] = {}
    scopes: dict[str, str] = {}
    unknown_codenames: set[str] = set()
    for package, issues in doc.items():
        if not isinstance(issues, dict):
            problems.append(diagnostic(origin, f"source package {package!r}: expected an object of issues, not "
                                               f"{kind_of(issues)}", pointer=json_pointer(package)))
            continue
        if not package.strip():
            problems.append(diagnostic(origin, "a source package without a name", pointer=json_pointer(package)))
            continue
        for issue_id, issue in issues.items():
            ptr = json_pointer(package, issue_id)
            if not isinstance(issue, dict):
                problems.append(diagnostic(origin, f"{issue_id}: expected an object, not {kind_of(issue)}",
                                           pointer=ptr))
                continue
            if not issue_id.strip():
                problems.append(diagnostic(origin, "an issue without an id", pointer=ptr))
                continue
            rels = issue.get("releases")
            if rels == []:  # an empty list stands for "no releases" in some copies of the tracker's data
                continue
            if not isinstance(rels, dict):
                problems.append(diagnostic(origin, f"{issue_id}: 'releases' must be an object, not {kind_of(rels)}",
                                           pointer=ptr + "/releases"))
                continue
            entries = affected.setdefault(issue_id, [])
            description = _text(issue.get("description"))
            if description and not details.get(issue_id):
                details[issue_id] = description
            scope = _text(issue.get("scope"))
            if scope and issue_id not in scopes:
                scopes[issue_id] = scope
            bug = issue.get("debianbug")
            for codename, entry in rels.items():
                rptr = ptr + json_pointer("releases", codename)
                item = _release_entry(package, issue_id, codename, entry, bug, rptr, origin, releases, problems)
                if item is not None:
                    entries.append(item)
                    if codename.strip().lower() not in releases:
                        unknown_codenames.add(codename)
    for codename in sorted(unknown_codenames):
        problems.append(diagnostic(origin, f"release {codename!r} has no known number: its entries are stored "
                                           f"as Debian:{codename.strip()}", level=DiagnosticLevel.INFO))
    advisories = [
        Advisory(
            id=issue_id,
            details=details.get(issue_id, ""),
            affected=tuple(entries),
            references=(("WEB", f"{TRACKER_URL}/{issue_id}"),),
            source=source,
            extra={"scope": scopes[issue_id]} if issue_id in scopes else {},
        )
        for issue_id, entries in affected.items()
        if entries  # an issue no release is affected by (fixed_version "0" everywhere) matches nothing
    ]
    return advisories, problems


def _release_entry(package: str, issue_id: str, codename: str, entry: Any, bug: Any, ptr: str, origin: str,
                   releases: Mapping[str, str], problems: list[Diagnostic]) -> Affected | None:
    if not isinstance(entry, dict):
        problems.append(diagnostic(origin, f"{issue_id}: expected an object, not {kind_of(entry)}", pointer=ptr))
        return None
    status = entry.get("status")
    if not isinstance(status, str):
        problems.append(diagnostic(origin, f"{issue_id}: 'status' must be a string, not {kind_of(status)}",
                                   pointer=ptr + "/status"))
        return None
    for key in ("urgency", "fixed_version", "nodsa", "nodsa_reason"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(diagnostic(origin, f"{issue_id}: {key!r} must be a string, not {kind_of(value)}",
                                       pointer=ptr + "/" + key))
            return None
    repositories = entry.get("repositories")
    if repositories is not None and not (isinstance(repositories, dict)
                                         and all(isinstance(v, str) for v in repositories.values())):
        problems.append(diagnostic(origin, f"{issue_id}: 'repositories' must map suites to versions",
                                   pointer=ptr + "/repositories"))
        return None
    urgency = entry.get("urgency") or ""
    fixed = (entry.get("fixed_version") or "").strip()
    nodsa = entry.get("nodsa")
    nodsa_reason = entry.get("nodsa_reason") or ""
    if status == "resolved":
        if fixed == "0":
            return None  # never affected in this release
        if not fixed:
            problems.append(diagnostic(origin, f"{issue_id}: resolved without a fixed_version: skipped",
                                       pointer=ptr, level=DiagnosticLevel.WARNING))
            return None
        ranges: tuple[Range, ...] = (Range("ECOSYSTEM", (_INTRODUCED_0, Event("fixed", fixed))),)
        state = FixState.FIXED
    elif status in ("open", "undetermined"):
        ranges = _ALL_VERSIONS
        state = _state(status, urgency, nodsa, nodsa_reason)
    else:
        problems.append(diagnostic(origin, f"{issue_id}: unknown status {status!r}: stored as unknown",
                                   pointer=ptr + "/status", level=DiagnosticLevel.WARNING))
        ranges = _ALL_VERSIONS
        state = FixState.UNKNOWN
    specific: dict[str, Any] = {"status": status, "codename": codename}
    if urgency:
        specific["urgency"] = urgency
    if repositories:
        specific["repositories"] = repositories
    if nodsa is not None:
        specific["nodsa"] = nodsa
    if nodsa_reason:
        specific["nodsa_reason"] = nodsa_reason
    if entry.get("next_point_update") is True:
        specific["next_point_update"] = True
    if isinstance(bug, int) and not isinstance(bug, bool):
        specific["debianbug"] = bug
    return Affected(
        ecosystem=f"Debian:{release_for(codename, releases)}",
        name=package,
        purl=f"pkg:deb/debian/{package}?arch=source",
        ranges=ranges,
        fix_state=state,
        ecosystem_specific=orjson.dumps(specific).decode(),
    )


def read_tracker(path: str | os.PathLike[str], *, source: str = SOURCE_NAME,
                 releases: Mapping[str, str] = DEBIAN_RELEASES) -> tuple[list[Advisory], list[Diagnostic]]:
    """:func:`parse_tracker` on a file (at most ``MAX_FILE_BYTES``; the whole document is parsed at once)."""
    origin = os.fspath(path)
    doc, problem = load_json_file(origin)
    if problem is not None:
        return [], [problem]
    return parse_tracker(doc, origin, source=source, releases=releases)
