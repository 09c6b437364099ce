"""The ``k8s_audit`` field table: the Falco k8saudit plugin's ``ka.*`` fields, the json plugin's ``json.*`` and
the legacy ``jevt.*`` fields, over one ``audit.k8s.io/v1`` ``Event`` object.

As in the plugin, every value is a string: JSON strings as they are, other JSON values in their compact JSON
text (``true``, ``403``, ``{"kind":"User","name":"bob"}``). List fields (``FieldDef.is_list``) return a tuple;
those with an optional index (``ka.req.pod.containers.image[0]``) return a one-element tuple for that index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from stockade.runtime.fields._table import Maker, SpecBuilder, Table
from stockade.runtime.fields.api import ArgKind, Event, Extractor, FieldError, FieldType

__all__ = ["SOURCE", "K8sAuditFieldTable", "event_time", "parse_k8s_time"]

SOURCE = "k8s_audit"
PLUGIN = "k8saudit"

S = FieldType.STRING
N = FieldType.NUMBER
B = FieldType.BOOL
LIST = True

_RX_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:?\d\d)?\Z")


def parse_k8s_time(text: object) -> int | None:
    """An RFC 3339 timestamp (``2024-06-10T06:13:20.123456Z``) as ns since the epoch; None when malformed."""
    if type(text) is not str or len(text) > 64:
        return None
    m = _RX_TIME.match(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=UTC)
    except ValueError:
        return None
    ns = int(dt.timestamp()) * 1_000_000_000 + (int(frac.ljust(9, "0")) if frac else 0)
    if tz and tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        ns -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1_000_000_000
    return ns


def event_time(event: Event) -> int:
    """The audit event's time in ns since the epoch: stageTimestamp, else requestReceivedTimestamp, else 0."""
    t = parse_k8s_time(event.get("stageTimestamp"))
    if t is None:
        t = parse_k8s_time(event.get("requestReceivedTimestamp"))
    return t or 0


def event_type(event: Event) -> str:
    return ""


# ---------------------------------------------------------------------------------------------------------------
# value helpers


def as_text(v: object) -> str | None:
    """The plugin's string form of a JSON value: strings as they are, anything else as compact JSON."""
    if v is None:
        return None
    if type(v) is str:
        return v
    if type(v) is bool:
        return "true" if v else "false"
    try:
        return orjson.dumps(v).decode()
    except (TypeError, orjson.JSONEncodeError):
        return None


def _get(obj: object, *keys: str) -> object:
    for k in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(k)
    return obj


def _text_at(*keys: str) -> Extractor:
    def ex(ev: Event) -> object:
        return as_text(_get(ev, *keys))

    return ex


def _list_at(*keys: str) -> Extractor:
    def ex(ev: Event) -> object:
        v = _get(ev, *keys)
        if type(v) is not list:
            return None
        out = tuple(as_text(x) for x in v)
        return None if None in out else out

    return ex


def _containers(ev: Event) -> list[Any] | None:
    v = _get(ev, "requestObject", "spec", "containers")
    return v if type(v) is list else None


def _indexed(arg: str | None, items: list[Any]) -> list[Any] | None:
    if arg is None:
        return items
    i = int(arg)
    return [items[i]] if i < len(items) else None


def _picked_containers(ev: Event, arg: str | None) -> list[Any] | None:
    """The pod's containers, or the one at index ``arg``; None when there are none (or no such index)."""
    cs = _containers(ev)
    return None if cs is None else _indexed(arg, cs)


def _per_container(
    value_of: Callable[[Event, Any], object],
    *,
    skip_missing: bool,
    default: Callable[[Event], str | None] | None = None,
) -> Maker:
    """A list field with one value per container (optionally one container, by index)."""

    def make(arg: str | None) -> Extractor:
        def ex(ev: Event) -> object:
            picked = _picked_containers(ev, arg)
            if picked is None:
                return None
            out: list[str] = []
            for c in picked:
                t = as_text(value_of(ev, c))
                if t is None and default is not None:
                    t = default(ev)
                if t is None:
                    if skip_missing:
                        continue
                    return None
                out.append(t)
            return tuple(out)

        return ex

    return make


def _sc(*keys: str) -> Callable[[Event, Any], object]:
    def value(_ev: Event, c: Any) -> object:
        return _get(c, "securityContext", *keys)

    return value


def _image(_ev: Event, c: Any) -> object:
    return _get(c, "image")


def _repository(_ev: Event, c: Any) -> object:
    image = _get(c, "image")
    if type(image) is not str:
        return None
    # the plugin's split: everything before the first ':' and then before the first '@'
    return image.split(":", 1)[0].split("@", 1)[0]


def _pod_sc_default(key: str) -> Callable[[Event], str | None]:
    def default(ev: Event) -> str | None:
        return as_text(_get(ev, "requestObject", "spec", "securityContext", key)) or "0"

    return default


def _host_ports_maker(arg: str | None) -> Extractor:
    def ex(ev: Event) -> object:
        picked = _picked_containers(ev, arg)
        if picked is None:
            return None
        out: list[str] = []
        for c in picked:
            ports = _get(c, "ports")
            if ports is None:
                continue
            if type(ports) is not list:
                return None
            for p in ports:
                v = _get(p, "hostPort")
                if v is None:
                    v = _get(p, "containerPort")  # with hostNetwork the container port is the host port
                t = as_text(v)
                if t is not None:
                    out.append(t)
        return tuple(out)

    return ex


def _any_privileged(ev: Event) -> object:
    cs = _containers(ev)
    if cs is None:
        return None
    return "true" if any(_get(c, "securityContext", "privileged") is True for c in cs) else "false"


def _first(maker: Maker) -> Extractor:
    inner = maker("0")

    def ex(ev: Event) -> object:
        v = inner(ev)
        return v[0] if type(v) is tuple and v else None

    return ex


def _volumes(ev: Event) -> list[Any] | None:
    v = _get(ev, "requestObject", "spec", "volumes")
    return v if type(v) is list else None


def _per_volume(value_of: Callable[[Any], list[str]]) -> Maker:
    def make(arg: str | None) -> Extractor:
        def ex(ev: Event) -> object:
            vs = _volumes(ev)
            if vs is None:
                return None
            picked = _indexed(arg, vs)
            if picked is None:
                return None
            out: list[str] = []
            for v in picked:
                out.extend(value_of(v))
            return tuple(out)

        return ex

    return make


def _hostpath(v: Any) -> list[str]:
    p = _get(v, "hostPath", "path")
    return [p] if type(p) is str else []


def _flexdriver(v: Any) -> list[str]:
    d = _get(v, "flexVolume", "driver")
    return [d] if type(d) is str else []


def _volume_type(v: Any) -> list[str]:
    return [k for k in v if k != "name"] if isinstance(v, Mapping) else []


def _volume_hostpath_maker(arg: str | None) -> Extractor:
    want = arg or ""
    prefix = want[:-1] if want.endswith("*") else None

    def ex(ev: Event) -> object:
        vs = _volumes(ev)
        if vs is None:
            return None
        for v in vs:
            for p in _hostpath(v):
                if p == want or (prefix is not None and p.startswith(prefix)):
                    return "true"
        return "false"

    return ex


def _rules_field(key: str) -> Maker:
    def make(arg: str | None) -> Extractor:
        def ex(ev: Event) -> object:
            rules = _get(ev, "requestObject", "rules")
            if type(rules) is not list:
                return None
            picked = _indexed(arg, rules)
            if picked is None:
                return None
            out: list[str] = []
            for r in picked:
                vals = _get(r, key)
                if type(vals) is list:
                    out.extend(t for t in (as_text(x) for x in vals) if t is not None)
            return tuple(out)

        return ex

    return make


def _service_ports_maker(arg: str | None) -> Extractor:
    def ex(ev: Event) -> object:
        ports = _get(ev, "requestObject", "spec", "ports")
        if type(ports) is not list:
            return None
        picked = _indexed(arg, ports)
        if picked is None:
            return None
        out = tuple(as_text(p) for p in picked)
        return None if None in out else out

    return ex


def _sourceips_maker(arg: str | None) -> Extractor:
    def ex(ev: Event) -> object:
        ips = _get(ev, "sourceIPs")
        if type(ips) is not list:
            return None
        picked = _indexed(arg, ips)
        if picked is None:
            return None
        return tuple(t for t in (as_text(x) for x in picked) if t is not None)

    return ex


def _uri_param_maker(arg: str | None) -> Extractor:
    key = arg or ""

    def ex(ev: Event) -> object:
        uri = ev.get("requestURI")
        if type(uri) is not str:
            return None
        try:
            query = parse_qs(urlsplit(uri).query, keep_blank_values=True, max_num_fields=1000)
        except ValueError:
            return None
        values = query.get(key)
        return values[0] if values else None

    return ex


def _has_name_maker(_arg: str | None) -> Extractor:
    def ex(_ev: Event) -> object:
        return "N/A"

    return ex


# ---------------------------------------------------------------------------------------------------------------
# json / jevt


def json_pointer(obj: object, pointer: str) -> tuple[bool, object]:
    """Resolve an RFC 6901 pointer; (found, value)."""
    if pointer == "":
        return True, obj
    if not pointer.startswith("/"):
        return False, None
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(obj, Mapping):
            if token not in obj:
                return False, None
            obj = obj[token]
        elif type(obj) is list:
            if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
                return False, None
            i = int(token)
            if i >= len(obj):
                return False, None
            obj = obj[i]
        else:
            return False, None
    return True, obj


def _value_maker(arg: str | None) -> Extractor:
    pointer = arg or ""
    if pointer and not pointer.startswith("/"):
        raise FieldError(f"the argument must be a JSON pointer starting with '/', got '{pointer}'")

    def ex(ev: Event) -> object:
        found, v = json_pointer(ev, pointer)
        return as_text(v) if found else None

    return ex


def _obj(ev: Event) -> object:
    try:
        return orjson.dumps(ev).decode()
    except (TypeError, orjson.JSONEncodeError):
        return None


def _fmt_time(fmt: str, with_ns: bool, iso: bool = False) -> Extractor:
    def ex(ev: Event) -> object:
        ts = event_time(ev)
        if not ts:
            return None
        out = datetime.fromtimestamp(ts // 1_000_000_000, UTC).strftime(fmt)
        if with_ns:
            out += f".{ts % 1_000_000_000:09d}"
        if iso:
            out += "Z"
        return out

    return ex


def _rawtime(part: str) -> Extractor:
    def ex(ev: Event) -> object:
        ts = event_time(ev)
        if not ts:
            return None
        if part == "s":
            return ts // 1_000_000_000
        if part == "ns":
            return ts % 1_000_000_000
        return ts

    return ex


# ---------------------------------------------------------------------------------------------------------------
# the table


def _build() -> SpecBuilder:
    b = SpecBuilder()
    add, plain = b.add, b.plain
    idx = ArgKind.OPTIONAL_INDEX

    # generic event fields
    plain("evt.time", S, "event timestamp (stageTimestamp) as a time string with nanoseconds (UTC)",
          _fmt_time("%H:%M:%S", True))
    plain("evt.time.s", S, "event timestamp as a time string without nanoseconds (UTC)", _fmt_time("%H:%M:%S", False))
    plain("evt.time.iso8601", S, "event timestamp in ISO 8601 format (UTC)", _fmt_time("%Y-%m-%dT%H:%M:%S", True, True))
    plain("evt.datetime", S, "event timestamp with the date (UTC)", _fmt_time("%Y-%m-%d %H:%M:%S", True))
    plain("evt.datetime.s", S, "event timestamp with the date, without nanoseconds (UTC)",
          _fmt_time("%Y-%m-%d %H:%M:%S", False))
    plain("evt.rawtime", N, "event timestamp, ns since the epoch", _rawtime(""))
    plain("evt.rawtime.s", N, "integer part of the event timestamp", _rawtime("s"))
    plain("evt.rawtime.ns", N, "fractional part of the event timestamp", _rawtime("ns"))
    plain("evt.source", S, "the name of the source that produced the event", lambda ev: SOURCE)
    plain("evt.pluginname", S, "the name of the plugin that generated the event", lambda ev: PLUGIN)
    plain("evt.is_async", B, "true for asynchronous events", lambda ev: False)

    # ka.*
    plain("ka.auditid", S, "the unique id of the audit event", _text_at("auditID"))
    plain("ka.stage", S, "stage of the request (RequestReceived, ResponseComplete ...)", _text_at("stage"))
    plain("ka.auth.decision", S, "the authorization decision", _text_at("annotations", "authorization.k8s.io/decision"))
    plain("ka.auth.reason", S, "the authorization reason", _text_at("annotations", "authorization.k8s.io/reason"))
    plain("ka.user.name", S, "the user name performing the request", _text_at("user", "username"))
    plain("ka.user.groups", S, "the groups to which the user belongs", _list_at("user", "groups"), is_list=LIST)
    plain("ka.impuser.name", S, "the impersonated user name", _text_at("impersonatedUser", "username"))
    plain("ka.verb", S, "the action being performed", _text_at("verb"))
    plain("ka.uri", S, "the request URI as sent from client to server", _text_at("requestURI"))
    add("ka.uri.param", S, "the value of a query parameter of the uri (ka.uri.param[key])", _uri_param_maker,
        arg=ArgKind.KEY)
    plain("ka.target.name", S, "the target object name", _text_at("objectRef", "name"))
    plain("ka.target.namespace", S, "the target object namespace", _text_at("objectRef", "namespace"))
    plain("ka.target.resource", S, "the target object resource", _text_at("objectRef", "resource"))
    plain("ka.target.subresource", S, "the target object subresource", _text_at("objectRef", "subresource"))
    plain("ka.req.binding.subjects", S, "the subjects linked by a (cluster) role binding",
          _list_at("requestObject", "subjects"), is_list=LIST)
    plain("ka.req.binding.role", S, "the role linked by a (cluster) role binding",
          _text_at("requestObject", "roleRef", "name"))
    add("ka.req.binding.subject.has_name", S, "deprecated, always N/A", _has_name_maker, arg=ArgKind.KEY)
    plain("ka.req.configmap.name", S, "the configmap name", _text_at("objectRef", "name"))
    plain("ka.req.configmap.obj", S, "the configmap's data object", _text_at("requestObject", "data"))
    image_maker = _per_container(_image, skip_missing=False)
    repo_maker = _per_container(_repository, skip_missing=False)
    add("ka.req.pod.containers.image", S, "the images of a pod's containers", image_maker, arg=idx, is_list=LIST)
    plain("ka.req.container.image", S, "deprecated: the image of the first container", _first(image_maker))
    add("ka.req.pod.containers.image.repository", S, "the image repositories of a pod's containers", repo_maker,
        arg=idx, is_list=LIST)
    plain("ka.req.container.image.repository", S, "deprecated: the repository of the first container",
          _first(repo_maker))
    plain("ka.req.pod.host_ipc", S, "the pod's hostIPC flag", _text_at("requestObject", "spec", "hostIPC"))
    plain("ka.req.pod.host_network", S, "the pod's hostNetwork flag", _text_at("requestObject", "spec", "hostNetwork"))
    plain("ka.req.container.host_network", S, "deprecated alias of ka.req.pod.host_network",
          _text_at("requestObject", "spec", "hostNetwork"))
    plain("ka.req.pod.host_pid", S, "the pod's hostPID flag", _text_at("requestObject", "spec", "hostPID"))
    add("ka.req.pod.containers.host_port", S, "the hostPort values of a pod's containers", _host_ports_maker,
        arg=idx, is_list=LIST)
    add("ka.req.pod.containers.privileged", S, "the privileged flags of a pod's containers (those that set it)",
        _per_container(_sc("privileged"), skip_missing=True), arg=idx, is_list=LIST)
    plain("ka.req.container.privileged", S, "deprecated: true if any container is privileged", _any_privileged)
    add("ka.req.pod.containers.allow_privilege_escalation", S, "the allowPrivilegeEscalation flags of a pod's "
        "containers", _per_container(_sc("allowPrivilegeEscalation"), skip_missing=False), arg=idx, is_list=LIST)
    add("ka.req.pod.containers.read_only_fs", S, "the readOnlyRootFilesystem flags of a pod's containers",
        _per_container(_sc("readOnlyRootFilesystem"), skip_missing=False), arg=idx, is_list=LIST)
    plain("ka.req.pod.run_as_user", S, "the pod's runAsUser",
          _text_at("requestObject", "spec", "securityContext", "runAsUser"))
    add("ka.req.pod.containers.run_as_user", S, "the runAsUser of a pod's containers",
        _per_container(_sc("runAsUser"), skip_missing=False), arg=idx, is_list=LIST)
    add("ka.req.pod.containers.eff_run_as_user", S, "the effective uid of a pod's containers (container, else pod, "
        "else 0)", _per_container(_sc("runAsUser"), skip_missing=False, default=_pod_sc_default("runAsUser")),
        arg=idx, is_list=LIST)
    plain("ka.req.pod.run_as_group", S, "the pod's runAsGroup",
          _text_at("requestObject", "spec", "securityContext", "runAsGroup"))
    add("ka.req.pod.containers.run_as_group", S, "the runAsGroup of a pod's containers",
        _per_container(_sc("runAsGroup"), skip_missing=False), arg=idx, is_list=LIST)
    add("ka.req.pod.containers.eff_run_as_group", S, "the effective gid of a pod's containers (container, else pod, "
        "else 0)", _per_container(_sc("runAsGroup"), skip_missing=False, default=_pod_sc_default("runAsGroup")),
        arg=idx, is_list=LIST)
    add("ka.req.pod.containers.proc_mount", S, "the procMount types of a pod's containers",
        _per_container(_sc("procMount"), skip_missing=False), arg=idx, is_list=LIST)
    plain("ka.req.role.rules", S, "the rules of a (cluster) role", _list_at("requestObject", "rules"), is_list=LIST)
    add("ka.req.role.rules.apiGroups", S, "the api groups of a role's rules", _rules_field("apiGroups"), arg=idx,
        is_list=LIST)
    add("ka.req.role.rules.nonResourceURLs", S, "the non resource urls of a role's rules",
        _rules_field("nonResourceURLs"), arg=idx, is_list=LIST)
    add("ka.req.role.rules.verbs", S, "the verbs of a role's rules", _rules_field("verbs"), arg=idx, is_list=LIST)
    add("ka.req.role.rules.resources", S, "the resources of a role's rules", _rules_field("resources"), arg=idx,
        is_list=LIST)
    plain("ka.req.pod.fs_group", S, "the pod's fsGroup",
          _text_at("requestObject", "spec", "securityContext", "fsGroup"))
    plain("ka.req.pod.supplemental_groups", S, "the pod's supplementalGroups",
          _list_at("requestObject", "spec", "securityContext", "supplementalGroups"), is_list=LIST)
    add("ka.req.pod.containers.add_capabilities", S, "the capabilities added to a pod's containers",
        _add_caps_maker, arg=idx, is_list=LIST)
    plain("ka.req.service.type", S, "the service type", _text_at("requestObject", "spec", "type"))
    add("ka.req.service.ports", S, "the service's ports", _service_ports_maker, arg=idx, is_list=LIST)
    add("ka.req.pod.volumes.hostpath", S, "the hostPath paths of a pod's volumes", _per_volume(_hostpath), arg=idx,
        is_list=LIST)
    add("ka.req.volume.hostpath", S, "deprecated: true if a volume uses the host path (a trailing * is a prefix)",
        _volume_hostpath_maker, arg=ArgKind.KEY)
    add("ka.req.pod.volumes.flexvolume_driver", S, "the flexVolume drivers of a pod's volumes",
        _per_volume(_flexdriver), arg=idx, is_list=LIST)
    add("ka.req.pod.volumes.volume_type", S, "the volume types of a pod's volumes", _per_volume(_volume_type),
        arg=idx, is_list=LIST)
    plain("ka.resp.name", S, "the response object name", _text_at("responseObject", "metadata", "name"))
    plain("ka.response.code", S, "the response code", _text_at("responseStatus", "code"))
    plain("ka.response.reason", S, "the response reason", _text_at("responseStatus", "reason"))
    plain("ka.useragent", S, "the user agent of the client", _text_at("userAgent"))
    add("ka.sourceips", S, "the IP addresses of the client", _sourceips_maker, arg=idx, is_list=LIST)
    plain("ka.cluster.name", S, "the cluster name the receiving source attached to the event (cluster_name)",
          _text_at("cluster_name"))

    # json plugin and the legacy jevt.* names
    for prefix in ("jevt", "json"):
        add(f"{prefix}.value", S, "the value at a JSON pointer (jevt.value[/user/username])", _value_maker,
            arg=ArgKind.KEY)
        plain(f"{prefix}.obj", S, "the whole event as JSON", _obj)
        plain(f"{prefix}.rawtime", N, "event timestamp, ns since the epoch", _rawtime(""))
    plain("jevt.time", S, "event timestamp as a time string with nanoseconds (UTC)", _fmt_time("%H:%M:%S", True))
    plain("jevt.time.iso8601", S, "event timestamp in ISO 8601 format (UTC)",
          _fmt_time("%Y-%m-%dT%H:%M:%S", True, True))
    return b


def _add_caps_maker(arg: str | None) -> Extractor:
    def ex(ev: Event) -> object:
        picked = _picked_containers(ev, arg)
        if picked is None:
            return None
        out: list[str] = []
        for c in picked:
            caps = _get(c, "securityContext", "capabilities", "add")
            if type(caps) is list:
                out.extend(t for t in (as_text(x) for x in caps) if t is not None)
        return tuple(out)

    return ex


class K8sAuditFieldTable(Table):
    """The k8saudit plugin's fields over audit.k8s.io/v1 Event objects."""

    def __init__(self) -> None:
        super().__init__(SOURCE, _build().specs, frozenset(), event_type)

    def event_time(self, event: Event) -> int:
        return event_time(event)

