"""Package URLs (purl): build and parse them as the purl specification says, with per-type normalisation.

``pkg:type/namespace/name@version?qualifiers#subpath``: the type is lower case; namespace segments, name,
version, qualifier values and subpath segments are percent-encoded (everything but unreserved characters
and ``:``); qualifiers are sorted by key and empty ones dropped. Per type (PURL-TYPES): ``pypi`` names are
lower case with ``_`` as ``-``; ``npm``, ``deb``, ``apk``, ``alpm``, ``bitbucket``, ``github``, ``golang``
and ``composer`` namespaces/names are lower case; ``nuget`` and others keep their case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

_SAFE = "-._~:"
_LOWER_NAMESPACE = frozenset({"npm", "deb", "apk", "alpm", "bitbucket", "github", "golang", "composer", "hex"})
_LOWER_NAME = frozenset({"npm", "deb", "apk", "alpm", "bitbucket", "github", "golang", "composer", "hex", "pypi"})
_TYPE = re.compile(r"[a-z][a-z0-9.+-]*")


class PurlError(ValueError):
    """A string that is not a valid purl."""


@dataclass(frozen=True, slots=True)
class PackageURL:
    type: str
    name: str
    namespace: str = ""
    version: str = ""
    qualifiers: Mapping[str, str] = field(default_factory=dict)
    subpath: str = ""

    def __str__(self) -> str:
        return build(self.type, self.name, namespace=self.namespace, version=self.version,
                     qualifiers=self.qualifiers, subpath=self.subpath)


def _enc(text: str) -> str:
    return quote(text, safe=_SAFE)


def normalise_name(type_: str, namespace: str, name: str) -> tuple[str, str]:
    """The namespace and name as the purl type wants them."""
    if type_ in _LOWER_NAMESPACE:
        namespace = namespace.lower()
    if type_ in _LOWER_NAME:
        name = name.lower()
    if type_ == "pypi":
        name = name.replace("_", "-")
    return namespace, name


def build(
    type_: str,
    name: str,
    *,
    namespace: str = "",
    version: str = "",
    qualifiers: Mapping[str, str] | None = None,
    subpath: str = "",
) -> str:
    """The canonical purl string; raises PurlError for an empty name or a bad type."""
    type_ = type_.lower()
    if not _TYPE.fullmatch(type_):
        raise PurlError(f"invalid purl type {type_!r}")
    if not name:
        raise PurlError("a purl needs a name")
    namespace, name = normalise_name(type_, namespace.strip("/"), name)
    out = ["pkg:", type_, "/"]
    if namespace:
        out.append("/".join(_enc(seg) for seg in namespace.split("/") if seg))
        out.append("/")
    out.append(_enc(name))
    if version:
        out.append("@" + _enc(version))
    if qualifiers:
        pairs = sorted((k.lower(), v) for k, v in qualifiers.items() if v)
        if pairs:
            out.append("?" + "&".join(f"{k}={_enc(v)}" for k, v in pairs))
    if subpath:
        segs = [s for s in subpath.strip("/").split("/") if s not in ("", ".", "..")]
        if segs:
            out.append("#" + "/".join(_enc(s) for s in segs))
    return "".join(out)


def parse(text: str) -> PackageURL:
    """Parse a purl string into its (decoded) parts; raises PurlError when it is not one."""
    if not text.startswith("pkg:"):
        raise PurlError(f"not a purl (no 'pkg:' scheme): {text[:80]!r}")
    rest = text[4:].lstrip("/")
    rest, _, subpath = rest.partition("#")
    rest, _, query = rest.partition("?")
    type_, slash, remainder = rest.partition("/")
    type_ = type_.lower()
    if not slash or not _TYPE.fullmatch(type_):
        raise PurlError(f"invalid purl type in {text[:80]!r}")
    remainder = remainder.strip("/")
    path, at, version = remainder.rpartition("@")
    if not at:
        path, version = remainder, ""
    segments = [unquote(s) for s in path.split("/") if s]
    if not segments:
        raise PurlError(f"purl without a name: {text[:80]!r}")
    qualifiers: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise PurlError(f"invalid purl qualifier {pair!r}")
        if value:
            qualifiers[key.lower()] = unquote(value)
    namespace, name = normalise_name(type_, "/".join(segments[:-1]), segments[-1])
    sub = "/".join(unquote(s) for s in subpath.split("/") if s not in ("", ".", ".."))
    return PackageURL(type_, name, namespace, unquote(version), qualifiers, sub)


def base(text: str, *, version: bool = True) -> str:
    """The purl without qualifiers and subpath (and without the version when ``version`` is False), in
    canonical form, so purls written by other tools compare with ours; text that is not a purl is only cut."""
    try:
        p = parse(text)
    except PurlError:
        cut = text.split("#", 1)[0].split("?", 1)[0]
        return cut if version else cut.rsplit("@", 1)[0]
    return build(p.type, p.name, namespace=p.namespace, version=p.version if version else "")
