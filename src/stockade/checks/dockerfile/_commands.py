"""Pure predicates over the simple commands of a RUN: wrappers (``sudo``, ``env`` ...), option parsing, and
package-manager invocations (apt, apk, yum/dnf, zypper, pip, npm, gem, go) with their operands.

Every function takes words (``ShellCommand.argv`` after quote removal) and never raises on odd input.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stockade.model import ShellCommand

Option = tuple[str, str | None]

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "yash", "fish", "tcsh", "csh"})
INTERPRETERS = frozenset({"perl", "ruby", "node", "nodejs", "php", "pwsh", "powershell", "lua", "deno", "bun"})
DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "xh"})
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")


def program(word: str) -> str:
    """The base name of a command word: ``/usr/bin/apt-get`` -> ``apt-get``."""
    return word.rsplit("/", 1)[-1]


def is_python(name: str) -> bool:
    return _PYTHON.match(name) is not None


# --- option parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parsed:
    """Options (``("-y", None)``, ``("--setopt", "x=1")``) and operands, in order."""

    options: tuple[Option, ...]
    operands: tuple[str, ...]

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.options)

    def values(self, *names: str) -> list[str]:
        return [value for name, value in self.options if name in names and value is not None]


def parse_options(
    args: Sequence[str], short_values: str = "", long_values: Iterable[str] = (), stop_at_operand: bool = False
) -> Parsed:
    """GNU-style parsing: ``-abc`` clusters (a value-taking letter takes the rest or the next word),
    ``--name=value``, ``--name value`` for names in ``long_values``, ``--`` ends the options."""
    longs = frozenset(long_values)
    options: list[Option] = []
    operands: list[str] = []
    i = 0
    count = len(args)
    while i < count:
        word = args[i]
        i += 1
        if word == "--":
            operands.extend(args[i:])
            break
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word.partition("=")
            if eq:
                options.append((name, value))
            elif name[2:] in longs and i < count:
                options.append((name, args[i]))
                i += 1
            else:
                options.append((name, None))
        elif word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            cluster = word[1:]
            for j, letter in enumerate(cluster):
                if letter in short_values:
                    rest = cluster[j + 1 :]
                    if rest:
                        options.append((f"-{letter}", rest.removeprefix("=")))
                    elif i < count:
                        options.append((f"-{letter}", args[i]))
                        i += 1
                    else:
                        options.append((f"-{letter}", None))
                    break
                options.append((f"-{letter}", None))
        else:
            operands.append(word)
            if stop_at_operand:
                operands.extend(args[i:])
                break
    return Parsed(tuple(options), tuple(operands))


# --- wrappers -----------------------------------------------------------------------------------------

# wrapper -> (short options with a value, long options with a value, leading operands it consumes)
_WRAPPERS: dict[str, tuple[str, frozenset[str], int]] = {
    "sudo": ("ugCDhprtUT", frozenset({"user", "group", "close-from", "chdir", "host", "prompt", "role", "type",
                                      "other-user", "command-timeout"}), 0),
    "doas": ("uC", frozenset(), 0),
    "env": ("uCS", frozenset({"unset", "chdir", "split-string"}), 0),
    "exec": ("a", frozenset(), 0),
    "nice": ("n", frozenset({"adjustment"}), 0),
    "nohup": ("", frozenset(), 0),
    "time": ("fo", frozenset({"format", "output"}), 0),
    "stdbuf": ("ioe", frozenset({"input", "output", "error"}), 0),
    "timeout": ("sk", frozenset({"signal", "kill-after"}), 1),
    "gosu": ("", frozenset(), 1),
    "su-exec": ("", frozenset(), 1),
    "chroot": ("", frozenset({"userspec", "groups"}), 1),
    "ionice": ("cnp", frozenset(), 0),
    "eatmydata": ("", frozenset(), 0),
    "busybox": ("", frozenset(), 0),
}  # fmt: skip
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def unwrap(argv: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Strip command wrappers: ``sudo -E env FOO=1 apt-get ...`` -> (("sudo", "env"), ("apt-get", ...),
    (("FOO", "1"),)). ``command -v x`` only looks a command up, so it yields no command."""
    wrappers: list[str] = []
    assignments: list[tuple[str, str]] = []
    words = tuple(argv)
    for _ in range(8):
        if not words:
            break
        name = program(words[0])
        if name == "command":
            rest = words[1:]
            if any(w in ("-v", "-V") for w in rest[:2]):
                return tuple(wrappers), (), tuple(assignments)
            words = tuple(w for w in rest if w != "-p") if rest[:1] == ("-p",) else rest
            wrappers.append(name)
            continue
        spec = _WRAPPERS.get(name)
        if spec is None:
            break
        wrappers.append(name)
        short, longs, skip = spec
        parsed = parse_options(words[1:], short, longs, stop_at_operand=True)
        rest = parsed.operands
        if name == "env":
            while rest and _ASSIGNMENT.match(rest[0]):
                key, _, value = rest[0].partition("=")
                assignments.append((key, value))
                rest = rest[1:]
        words = rest[skip:]
    return tuple(wrappers), words, tuple(assignments)


@functools.lru_cache(maxsize=8192)
def _unwrap_tuple(
    argv: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
    return unwrap(argv)


def effective_argv(command: ShellCommand) -> tuple[str, ...]:
    return _unwrap_tuple(command.argv)[1]


def env_assignments(command: ShellCommand) -> list[tuple[str, str]]:
    """Variables a command sets: leading ``VAR=x``, ``env VAR=x``, and ``export``/``declare -x`` words."""
    _, argv, via_env = unwrap(command.argv)
    found = list(command.assignments) + list(via_env)
    if argv and program(argv[0]) in ("export", "declare", "typeset", "readonly", "local"):
        for word in argv[1:]:
            if _ASSIGNMENT.match(word):
                key, _, value = word.partition("=")
                found.append((key, value))
    return found


# --- package managers ---------------------------------------------------------------------------------

_APT = ("oct", frozenset({"option", "config-file", "target-release", "default-release", "host-architecture"}))
_APK = ("Xpt", frozenset({"repository", "root", "virtual", "arch", "cache-dir", "keys-dir", "repositories-file",
                          "cache-max-age", "timeout", "progress-fd", "wait"}))  # fmt: skip
_RPM = ("cdex", frozenset({"config", "installroot", "releasever", "setopt", "enablerepo", "disablerepo", "repo",
                           "repoid", "exclude", "excludepkgs", "forcearch", "downloaddir", "destdir", "color",
                           "rpmverbosity", "comment", "advisory", "advisories", "bz", "cve", "sec-severity",
                           "secseverity", "disableplugin", "enableplugin", "installonly-limit",
                           "use-host-config"}))  # fmt: skip
_ZYPPER = ("Rctr", frozenset({"root", "config", "reposd-dir", "cache-dir", "raw-cache-dir", "solv-cache-dir",
                              "pkg-cache-dir", "type", "repo", "from", "download", "name", "capability"}))  # fmt: skip
_PIP_OPTS = ("ibfteCcr", frozenset({"index-url", "extra-index-url", "find-links", "trusted-host", "target", "prefix",
                                    "root", "platform", "python-version", "implementation", "abi", "progress-bar",
                                    "proxy", "src", "upgrade-strategy", "no-binary", "only-binary", "cache-dir",
                                    "log", "timeout", "retries", "cert", "client-cert", "build", "global-option",
                                    "config-settings", "report", "root-user-action", "python", "editable",
                                    "requirement", "constraint", "exists-action", "keyring-provider",
                                    "use-feature", "use-deprecated", "group", "python-executable"}))  # fmt: skip
_NPM = ("w", frozenset({"prefix", "registry", "cache", "workspace", "omit", "include", "tag", "userconfig",
                        "globalconfig", "loglevel", "install-strategy", "save-prefix", "cwd", "dir"}))  # fmt: skip
# yarn 1's options that take a value (https://classic.yarnpkg.com/en/docs/cli/): ``--mutex network:31997``.
_YARN = (_NPM[0], _NPM[1] | frozenset({"network-timeout", "mutex", "cache-folder", "modules-folder", "cwd",
                                       "global-folder", "link-folder", "preferred-cache-folder", "network-concurrency",
                                       "use-yarnrc", "proxy", "https-proxy", "otp"}))  # fmt: skip
_GEM = ("vinsPg", frozenset({"version", "install-dir", "bindir", "source", "trust-policy", "platform", "file",
                             "build-root"}))  # fmt: skip
_GO_VALUE_FLAGS = frozenset({"-tags", "-ldflags", "-gcflags", "-asmflags", "-gccgoflags", "-p", "-mod", "-modfile",
                             "-pkgdir", "-toolexec", "-overlay", "-pgo", "-installsuffix", "-compiler", "-buildmode",
                             "-C", "-exec", "-o"})  # fmt: skip

_RPM_TOOLS = frozenset({"yum", "dnf", "dnf5", "microdnf", "tdnf"})
_NPM_INSTALL = frozenset({"install", "i", "add", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal",
                          "isntall"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class PackageCommand:
    """One package-manager invocation: ``family`` groups tools that share a syntax."""

    family: str  # apt | apk | rpm | zypper | pip | npm | gem | go
    tool: str  # apt-get, apt, dnf, pip3, yarn ...
    action: str  # install, add, update, "group install" ...
    options: Parsed
    operands: tuple[str, ...]  # the operands after the action

    @property
    def installs(self) -> bool:
        """Installs packages (what pins, caches and recommends are about)."""
        action = self.action
        if self.family == "apt":
            return action == "install"
        if self.family == "apk":
            return action == "add"
        if self.family == "rpm":
            return action in ("install", "in", "groupinstall", "localinstall", "reinstall", "group install",
                              "groups install", "module install")  # fmt: skip
        if self.family == "zypper":
            return action in ("install", "in", "source-install", "si")
        if self.family == "pip":
            return action == "install"
        if self.family == "npm":
            return action in _NPM_INSTALL
        return action == "install"


@functools.lru_cache(maxsize=8192)
def package_command(command: ShellCommand) -> PackageCommand | None:
    """Recognise ``command`` as a package-manager call (through sudo/env wrappers), or None."""
    argv = effective_argv(command)
    if not argv:
        return None
    tool = program(argv[0])
    rest = argv[1:]
    if tool in ("apt-get", "apt", "aptitude"):
        return _with_action("apt", tool, parse_options(rest, *_APT))
    if tool == "apk":
        return _with_action("apk", tool, parse_options(rest, *_APK))
    if tool in _RPM_TOOLS:
        parsed = parse_options(rest, *_RPM)
        found = _with_action("rpm", tool, parsed)
        if found and found.action in ("group", "groups", "module") and found.operands:
            return PackageCommand("rpm", tool, f"{found.action} {found.operands[0]}", parsed, found.operands[1:])
        return found
    if tool == "zypper":
        return _with_action("zypper", tool, parse_options(rest, *_ZYPPER))
    pip_args: tuple[str, ...] | None = None
    if _PIP.match(tool):
        pip_args = rest
    elif is_python(tool):
        parsed_py = parse_options(rest, "mcWX", stop_at_operand=True)
        modules = parsed_py.values("-m")
        if modules and modules[0] == "pip":
            index = rest.index("pip") if "pip" in rest else len(rest)
            pip_args = rest[index + 1 :]
    elif tool == "uv" and rest[:1] == ("pip",):
        pip_args = rest[1:]
    if pip_args is not None:
        return _with_action("pip", tool, parse_options(pip_args, *_PIP_OPTS))
    if tool in ("npm", "pnpm", "yarn"):
        found = _with_action("npm", tool, parse_options(rest, *(_YARN if tool == "yarn" else _NPM)))
        if found and tool == "yarn" and found.action == "global" and found.operands:
            return PackageCommand("npm", tool, found.operands[0], found.options, found.operands[1:])
        return found
    if tool == "gem":
        return _with_action("gem", tool, parse_options(rest, *_GEM))
    if tool == "go":
        return _go_command(rest)
    return None


def _with_action(family: str, tool: str, parsed: Parsed) -> PackageCommand | None:
    if not parsed.operands:
        return PackageCommand(family, tool, "", parsed, ())
    return PackageCommand(family, tool, parsed.operands[0], parsed, parsed.operands[1:])


def _go_command(args: Sequence[str]) -> PackageCommand | None:
    if not args:
        return None
    action = args[0]
    options: list[Option] = []
    operands: list[str] = []
    i = 1
    while i < len(args):
        word = args[i]
        i += 1
        if word.startswith("-") and len(word) > 1:
            name, eq, value = word.partition("=")
            name = "-" + name.lstrip("-")
            if eq:
                options.append((name, value))
            elif name in _GO_VALUE_FLAGS and i < len(args):
                options.append((name, args[i]))
                i += 1
            else:
                options.append((name, None))
        else:
            operands.append(word)
    return PackageCommand("go", "go", action, Parsed(tuple(options), tuple(operands)), tuple(operands))


def snippet_package_command(snippet: str) -> PackageCommand | None:
    """The package-manager call in a finding's snippet (a command line: leading ``VAR=x`` words skipped)."""
    words = snippet.split()
    while words and _ASSIGNMENT.match(words[0]):
        words = words[1:]
    return package_command(ShellCommand(argv=tuple(words), line=0)) if words else None


def package_commands(commands: Iterable[ShellCommand]) -> list[tuple[ShellCommand, PackageCommand]]:
    found = []
    for command in commands:
        pc = package_command(command)
        if pc is not None:
            found.append((command, pc))
    return found


def is_variable(word: str) -> bool:
    """A word whose value is decided at build time (``$PKGS``, ``${VERSION}``): it cannot be judged."""
    return "$" in word or "`" in word


# --- version pins ---------------------------------------------------------------------------------------

_LOCAL_PREFIXES = ("./", "../", "/", "~/")
_SEMVER = re.compile(r"^[=v]?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")
_HEX_REF = re.compile(r"^[0-9a-f]{7,64}$")
_PEP440_EXACT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^=*,;<>!~\s]+\s*(;.*)?$")
_VCS = re.compile(r"^(git|hg|svn|bzr)(\+[a-z]+)?://|^git@")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar")
_GO_MOVING = frozenset({"latest", "master", "main", "head", "upgrade", "patch", "trunk", "develop"})


def _local(word: str) -> bool:
    return word.startswith(_LOCAL_PREFIXES) or word in (".", "..") or word.startswith("file:")


def unpinned_packages(pc: PackageCommand) -> list[str]:
    """The operands of an install that do not fix a version (empty when none, or not an install)."""
    if not pc.installs and not (pc.family == "rpm" and pc.action == "module enable"):
        return []
    judge = _PIN_JUDGES.get(pc.family)
    if judge is None:
        return []
    return judge(pc)


def _apt_unpinned(pc: PackageCommand) -> list[str]:
    out = []
    for word in pc.operands:
        if is_variable(word) or "=" in word or word.endswith(".deb") or _local(word):
            continue
        out.append(word)
    return out


def _apk_unpinned(pc: PackageCommand) -> list[str]:
    out = []
    for word in pc.operands:
        if is_variable(word) or word.endswith(".apk") or _local(word):
            continue
        name_end = re.search(r"[<>=~]", word)
        if name_end is not None:
            operator = re.match(r"[<>=~]+", word[name_end.start() :])
            if operator is not None and operator.group(0) in ("=", "~", "~="):
                continue
        out.append(word)
    return out


def _rpm_unpinned(pc: PackageCommand) -> list[str]:
    out = []
    module = pc.action.startswith("module")
    for word in pc.operands:
        if is_variable(word) or word.endswith(".rpm") or "://" in word or _local(word):
            continue
        if module:
            if ":" not in word:
                out.append(word)
            continue
        if word.startswith("@") or "(" in word or word.startswith("/"):
            continue  # groups and capabilities: nothing to pin
        last = word.rsplit("-", 1)
        if len(last) == 2 and last[0] and last[1][:1].isdigit():
            continue  # name-version[-release]
        if re.search(r"-\d+:", word):
            continue  # name-epoch:version
        out.append(word)
    return out


def _zypper_unpinned(pc: PackageCommand) -> list[str]:
    out = []
    for word in pc.operands:
        if is_variable(word) or word.endswith(".rpm") or "://" in word or _local(word):
            continue
        match = re.search(r"[<>=]+", word)
        if match is not None and match.group(0) in ("=", "=="):
            continue
        out.append(word)
    return out


def pip_requirement_pinned(word: str) -> bool:
    """A pip requirement that fixes what is installed: ``pkg==1.2`` (``===``), a local path or archive,
    or a VCS URL at a ref. ``>=``, ``~=``, ``<`` and wildcards leave the version open."""
    if _local(word) or word.endswith(_ARCHIVES):
        return True
    if _VCS.match(word):
        rest = word.split("://", 1)[-1].split("#", 1)[0]
        path = rest.split("/", 1)[1] if "/" in rest else ""
        return "@" in path  # vcs+scheme://host/repo@ref
    if "://" in word:
        return True  # a direct URL to an archive
    if " @ " in word:
        return pip_requirement_pinned(word.split(" @ ", 1)[1].strip())
    return _PEP440_EXACT.match(word) is not None


def _pip_unpinned(pc: PackageCommand) -> list[str]:
    opts = pc.options
    if opts.has("--require-hashes") or opts.values("-c", "--constraint"):
        return []
    out = []
    for word in pc.operands:
        if is_variable(word) or pip_requirement_pinned(word):
            continue
        out.append(word)
    for editable in opts.values("-e", "--editable"):
        if not is_variable(editable) and not pip_requirement_pinned(editable):
            out.append(editable)
    return out


def npm_spec_pinned(word: str) -> bool:
    """``name@1.2.3`` (an exact version), a local folder or tarball, a git URL at a commit."""
    if _local(word) or word.endswith((".tgz", ".tar.gz", ".tar")):
        return True
    head = word.split("#", 1)[0]
    is_git = word.startswith(("git+", "git://", "git@", "github:", "gitlab:", "bitbucket:", "gist:")) or (
        head.endswith(".git") or ("/" in word and not word.startswith("@") and "://" not in word)
    )
    if is_git:
        ref = word.rsplit("#", 1)[1] if "#" in word else ""
        if ref.startswith("semver:"):
            return _SEMVER.match(ref.removeprefix("semver:")) is not None
        return _HEX_REF.match(ref) is not None
    if "://" in word:
        return True  # a tarball URL
    name, version = _npm_split(word)
    if version.startswith("npm:"):
        return npm_spec_pinned(version.removeprefix("npm:"))
    return bool(name) and _SEMVER.match(version) is not None


def _npm_split(word: str) -> tuple[str, str]:
    scoped = word.startswith("@")
    body = word[1:] if scoped else word
    name, at, version = body.partition("@")
    return ("@" if scoped else "") + name, version if at else ""


def _npm_unpinned(pc: PackageCommand) -> list[str]:
    if pc.action not in _NPM_INSTALL:
        return []
    if pc.tool == "yarn" and pc.action != "add":
        return []  # yarn 1's `install` takes no package names (it installs the lockfile); `yarn add` does
    return [w for w in pc.operands if not is_variable(w) and not npm_spec_pinned(w)]


def _gem_unpinned(pc: PackageCommand) -> list[str]:
    versions = pc.options.values("-v", "--version")
    # a version from a variable or a command substitution (``-v "$(cat .version)"``) is not judged
    exact = any(is_variable(v) or re.match(r"^=?\s*\d[\w.]*$", v.strip()) for v in versions)
    out = []
    for word in pc.operands:
        if is_variable(word) or word.endswith(".gem") or _local(word):
            continue
        _, colon, version = word.partition(":")
        if colon and re.match(r"^=?\s*\d[\w.]*$", version):
            continue
        if exact:
            continue
        out.append(word)
    return out


def _go_unpinned(pc: PackageCommand) -> list[str]:
    if pc.action != "install":
        return []
    out = []
    for word in pc.operands:
        if is_variable(word) or _local(word) or word in ("std", "cmd", "all"):
            continue
        path, at, version = word.partition("@")
        if at:
            if version.lower() in _GO_MOVING:
                out.append(word)
            continue
        if "." in path.split("/", 1)[0]:
            out.append(word)
    return out


_PIN_JUDGES = {
    "apt": _apt_unpinned,
    "apk": _apk_unpinned,
    "rpm": _rpm_unpinned,
    "zypper": _zypper_unpinned,
    "pip": _pip_unpinned,
    "npm": _npm_unpinned,
    "gem": _gem_unpinned,
    "go": _go_unpinned,
}

OS_FAMILIES = frozenset({"apt", "apk", "rpm", "zypper"})
LANGUAGE_FAMILIES = frozenset({"pip", "npm", "gem", "go"})


def package_name(word: str) -> str:
    """The bare package name of an OS-package operand: ``gcc=4:12.2`` / ``gcc~12`` / ``gcc:amd64`` -> ``gcc``."""
    name = re.split(r"[<>=~]", word, maxsplit=1)[0]
    return name.split(":", 1)[0].lower()


def mount_targets(flags: Iterable[tuple[str, str | None]], kinds: tuple[str, ...] = ("cache", "tmpfs")) -> list[str]:
    """Targets of ``RUN --mount=type=cache,target=...`` (and tmpfs) flags given as (name, value) pairs."""
    targets = []
    for name, value in flags:
        if name != "mount" or not value:
            continue
        fields: dict[str, str] = {}
        for part in value.split(","):
            key, eq, val = part.partition("=")
            fields[key.strip().lower()] = val.strip() if eq else ""
        if fields.get("type", "bind") in kinds:
            target = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
            if target:
                targets.append(target)
    return targets
