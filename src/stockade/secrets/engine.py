"""The scanning core: keyword prefilter -> rule regex in windows -> allowlists -> redaction.

A file is read in chunks. Each chunk buffer holds some context before its own region (for ``\\b`` and
``^`` at the border, the line start, snippets) and enough after it that every match starting in the own
region ends inside the buffer; a match is reported by the chunk whose own region holds its first byte,
so a secret across a chunk border is found exactly once.

In a buffer, ONE pass of RE2 over an alternation of every keyword of every rule finds the keyword
occurrences. A rule's keywords lie inside each of its matches, and its matches are at most ``maxlen``
bytes long, so every match lies within ``[p - maxlen, p + maxlen]`` of one of its keyword occurrences
``p``; the rule's regex runs only in those windows (merged where they overlap), continuing leftmost-first
from the end of its previous match like a scan of the whole file would. For a rule whose every match
contains a keyword, the matches are exactly those of running its regex over the whole file.

Some keywords are dense in real input (``password``, ``token``, ``http``): a call per occurrence would cost
more than the regexes themselves. When a buffer's keyword hits exceed a budget, the rules of its dense
keywords turn "hot" (the scanner remembers them, see ``Tuning``): their keywords leave the alternation,
and one RE2 Set pass over the buffer tells which hot rules match anywhere in it; only those run, over the
whole buffer. The answer is the same either way, only the cost differs.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from stockade.secrets._regex import KEYWORD_MAX_MEM, UNANCHORED, MatchFn, compile_raw, compile_set, literal_alternation
from stockade.secrets.model import INLINE_ALLOW, SNIPPET_MAX, SecretMatch, redact, shannon_entropy
from stockade.secrets.ruleset import CompiledRule, Engine

CONTEXT = 4096  # bytes searched around a match, on its lines, for the inline allow comment
SNIPPET_BYTES = 400  # bytes read on each side of a secret (within its line) to build its snippet
LOOKBEHIND = CONTEXT + 1

_MARKER = INLINE_ALLOW.encode()
_CONTROL = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F)}
_A = UNANCHORED
_BLANK = b" \t\r\x0b\x0c"


@dataclass(slots=True)
class FileState:
    """What carries over from one chunk of a file to the next."""

    path: str
    active: list[bool] | None  # per compiled rule; None when every rule applies to this path
    limit: int
    resume: dict[int, int] = field(default_factory=dict)  # rule -> end of its last match (file offset)
    cursor: int = 0  # file offset up to which newlines have been counted
    line: int = 1  # line number at ``cursor``
    last_newline: int = -1  # file offset of the last newline before ``cursor``
    recent: list[tuple[int, int]] = field(default_factory=list)  # secret spans near the buffer's start
    matches: list[SecretMatch] = field(default_factory=list)
    truncated: bool = False  # more than ``limit`` matches


def lookahead(engine: Engine) -> int:
    """Bytes a buffer must hold after its own region."""
    return engine.max_len + CONTEXT + SNIPPET_BYTES + 1


def scan_buffer(
    engine: Engine,
    buf: bytes,
    base: int,
    own_start: int,
    own_end: int,
    st: FileState,
    tuning: Tuning | None = None,
    *,
    last: bool = False,
) -> None:
    """Scan one buffer holding file bytes ``[base, base + len(buf))``; report matches starting in
    ``[own_start, own_end)`` into ``st``. Calls must come in file order with adjacent own regions;
    ``last`` marks the file's last buffer."""
    candidates, spans = find(engine, buf, own_start - base, own_end - base, st.active, st.resume, base, tuning)
    if candidates:
        candidates.sort()
        _report(engine, buf, base, candidates, spans, st)
    if not last:
        _advance(buf, base, own_end, st)
        _forget_spans(st, own_end)


Candidate = tuple[int, int, int, int, int]  # match start, rule index, match end, secret start, secret end

MAX_HOT = 32  # rules handled by the one-pass Set check (each adds a little to every buffer's cost)
WINDOW_COST = 2000  # rough cost of running a rule in one window, in the unit of one byte of a full pass / 3


@dataclass(frozen=True, slots=True)
class Plan:
    """How a buffer is searched for a given set of "hot" rules: keywords only hot rules own are left out
    of the keyword alternation, and one RE2 Set pass tells which hot rules match anywhere in the buffer;
    only those then run, over the whole buffer."""

    hot: frozenset[int]
    keyword_match: MatchFn
    hot_rules: tuple[int, ...]
    hot_set: Callable[[bytes], list[int]] | None


class Tuning:
    """What a scanner learns about its input: which rules' keywords are dense. It only changes speed --
    every plan finds exactly the same matches -- and is shared by the buffers a scanner (process) scans."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.hot: frozenset[int] = frozenset()
        self.frozen = False
        self._plans: dict[frozenset[int], Plan] = {}

    def plan(self, hot: frozenset[int]) -> Plan:
        plan = self._plans.get(hot)
        if plan is None:
            if len(self._plans) >= 64:
                self._plans.clear()
            try:
                plan = _make_plan(self.engine, hot)
            except Exception:  # RE2 refused the Set or the alternation: keep the plain plan, stop learning
                self.frozen = True
                self.hot = frozenset()
                plan = _make_plan(self.engine, frozenset())
            self._plans[hot] = plan
        return plan

    def learn(self, hot: frozenset[int]) -> None:
        if len(hot) <= MAX_HOT and not self.frozen:
            self.hot = hot


def _make_plan(engine: Engine, hot: frozenset[int]) -> Plan:
    if not hot:
        return Plan(hot, engine.keyword_match, (), None)
    cold_keywords = {kw for index, crule in enumerate(engine.rules) if index not in hot for kw in crule.keywords}
    if cold_keywords:
        keyword_match = compile_raw(literal_alternation(cold_keywords), "keywords", max_mem=KEYWORD_MAX_MEM).match
    else:
        keyword_match = compile_raw(b"[^\\x00-\\xff]", "nothing").match
    hot_rules = tuple(sorted(hot))
    hot_set = compile_set(engine.rules[r].rule.regex.encode("ascii") for r in hot_rules)
    return Plan(hot, keyword_match, hot_rules, hot_set)


def find(
    engine: Engine,
    buf: bytes,
    rs: int,
    re_: int,
    active: list[bool] | None,
    resume: dict[int, int],
    base: int = 0,
    tuning: Tuning | None = None,
) -> tuple[list[Candidate], list[tuple[int, int]]]:
    """Matches of every (active) rule starting in ``buf[rs:re_]`` and the secret spans of every match seen
    (also those starting after ``re_``). ``resume`` maps a rule to the file offset where its previous match
    ended and is updated. Each rule's matches are those of its regex run leftmost-first over the whole buffer
    (from ``resume``), restricted to matches containing one of its keywords -- found by running it only near
    keyword occurrences, or, for dense keywords, over the whole buffer when a one-pass Set check says it
    matches somewhere."""
    n = len(buf)
    rules = engine.rules
    if tuning is None:
        tuning = Tuning(engine)
    plan = tuning.plan(tuning.hot)
    hot = plan.hot

    # 1. keyword occurrences: one RE2 pass; each hit is the longest keyword starting at its position.
    #    When hits get dense, the rules of the dense keywords turn hot and the pass goes on without them.
    per_keyword: dict[bytes, list[int]] = {}
    match_kw = plan.keyword_match
    budget = 16 + (n - rs) // 1024
    pos = rs
    while True:
        s, t = match_kw(_A, buf, pos, n)[0]
        if s < 0:
            break
        kw = buf[s:t].lower()
        found = per_keyword.get(kw)
        if found is None:
            per_keyword[kw] = [s]
        else:
            found.append(s)
        pos = s + 1
        budget -= 1
        if budget < 0:
            dense = {r for k, hits in per_keyword.items() if len(hits) >= 4 for r in engine.keyword_rules[k]}
            if dense - hot and len(hot | dense) <= MAX_HOT and not tuning.frozen:
                plan = tuning.plan(hot | dense)
                hot = plan.hot
                tuning.learn(hot)
                match_kw = plan.keyword_match
            budget = 1 << 62  # learn once per buffer

    per_rule: dict[int, list[int]] = {}
    for kw, positions in per_keyword.items():
        for r in engine.keyword_rules[kw]:
            if r in hot or (active is not None and not active[r]):
                continue
            have = per_rule.get(r)
            per_rule[r] = positions if have is None else sorted(have + positions)
    whole: list[int] = []
    if plan.hot_set is not None:
        whole = [plan.hot_rules[i] for i in plan.hot_set(buf)]
        if active is not None:
            whole = [r for r in whole if active[r]]
    for r, positions in list(per_rule.items()):
        if len(positions) * (WINDOW_COST + 2 * rules[r].maxlen) > 3 * (n - rs):
            whole.append(r)  # dense here: one pass over the buffer costs less than the windows
            del per_rule[r]

    # 2. each rule's regex in merged windows around its hits (or over the whole buffer), leftmost-first
    #    from the end of its previous match.
    candidates: list[Candidate] = []
    spans: list[tuple[int, int]] = []
    jobs: list[tuple[int, list[int] | None]] = [*per_rule.items(), *((r, None) for r in whole)]
    for r, near in jobs:
        crule = rules[r]
        span = crule.maxlen
        match = crule.match
        group = crule.group
        p = max(rs, resume.get(r, 0) - base)
        windows = [(p, n)] if near is None else _windows(near, span, n)
        for start, we in windows:
            at = max(start, p)
            while at < we:
                groups = match(_A, buf, at, we)
                ms, me = groups[0]
                if ms < 0:
                    break
                ss, se = groups[group]
                if ms < re_:
                    candidates.append((ms, r, me, ss, se))
                    p = me if me > ms else ms + 1
                if 0 <= ss < se:
                    spans.append((ss, se))
                at = me if me > ms else ms + 1
        resume[r] = base + p
    return candidates, spans


def _windows(hits: list[int], span: int, n: int) -> list[tuple[int, int]]:
    """[h - span, h + span] around each hit, merged where they overlap, clipped to the buffer."""
    out: list[tuple[int, int]] = []
    i = 0
    count = len(hits)
    while i < count:
        h = hits[i]
        ws = h - span
        we = h + span
        i += 1
        while i < count and hits[i] - span <= we:
            we = hits[i] + span
            i += 1
        out.append((ws, min(we, n)))
    return out


def raw_matches(engine: Engine, buf: bytes, tuning: Tuning | None = None) -> list[tuple[int, int, int]]:
    """(rule index, start, end) of every match in a whole buffer that contains one of its rule's keywords,
    sorted: the engine's answer before allowlists and redaction (for tests and benchmarks)."""
    candidates, _ = find(engine, buf, 0, len(buf), None, {}, 0, tuning)
    rules = engine.rules
    return sorted(
        (r, ms, me) for ms, r, me, _, _ in candidates if rules[r].keyword_match(_A, buf, ms, me)[0][0] >= 0
    )


def _forget_spans(st: FileState, own_end: int) -> None:
    keep_from = own_end - LOOKBEHIND
    st.recent = [s for s in st.recent if s[1] > keep_from]


def _advance(buf: bytes, base: int, to: int, st: FileState) -> None:
    start = st.cursor - base
    end = to - base
    if end > start:
        k = buf.count(b"\n", start, end)
        if k:
            st.line += k
            st.last_newline = base + buf.rfind(b"\n", start, end)
        st.cursor = to


def _report(
    engine: Engine,
    buf: bytes,
    base: int,
    candidates: list[tuple[int, int, int, int, int]],
    spans: list[tuple[int, int]],
    st: FileState,
) -> None:
    n = len(buf)
    rules = engine.rules
    global_allow = engine.allow_match
    has_marker = buf.find(_MARKER) >= 0
    # Secret spans known near this buffer, in buffer coordinates, for redaction in snippets.
    all_spans = sorted({*spans, *((a - base, b - base) for a, b in st.recent if b > base)})
    starts = [a for a, _ in all_spans]
    for ms, r, me, ss, se in candidates:
        if ss < 0 or se <= ss:
            continue
        crule: CompiledRule = rules[r]
        if crule.keyword_match(_A, buf, ms, me)[0][0] < 0:
            continue  # a match without any of the rule's keywords is not reported
        secret = buf[ss:se]  # allowlist regexes see the secret alone: ^ and $ anchor at its ends
        size = se - ss
        if global_allow is not None and global_allow(_A, secret, 0, size)[0][0] >= 0:
            continue
        if crule.allow_match is not None and crule.allow_match(_A, secret, 0, size)[0][0] >= 0:
            continue
        floor = crule.rule.entropy
        if floor is not None and shannon_entropy(secret) < floor:
            continue
        if has_marker and _marked(buf, ms, me):
            continue
        _advance(buf, base, base + ms, st)
        k = buf.count(b"\n", ms, ss)
        line = st.line + k
        line_start = buf.rfind(b"\n", ms, ss) + 1 + base if k else st.last_newline + 1
        k2 = buf.count(b"\n", ss, se)
        end_start = buf.rfind(b"\n", ss, se) + 1 + base if k2 else line_start
        text = secret.decode("utf-8", "replace")
        redacted = redact(text).translate(_CONTROL)
        snippet = _snippet(buf, ss, se, redacted, secret, all_spans, starts, n, engine.max_len)
        st.matches.append(SecretMatch(
            rule=crule.rule,
            path=st.path,
            line=line,
            column=base + ss - line_start + 1,
            end_line=line + k2,
            end_column=base + se - end_start + 1,
            offset=base + ss,
            end_offset=base + se,
            redacted=redacted,
            snippet=snippet,
        ))  # fmt: skip
        if len(st.matches) > st.limit:
            st.truncated = True
            return
    st.recent.extend((base + a, base + b) for a, b in spans)


def _marked(buf: bytes, ms: int, me: int) -> bool:
    """True when a line of the match [ms, me) carries the inline allow comment (searched within CONTEXT
    bytes of the match)."""
    lo = max(0, ms - CONTEXT)
    left = buf.rfind(b"\n", lo, ms)
    left = lo if left < 0 else left + 1
    hi = min(len(buf), me + CONTEXT)
    right = buf.find(b"\n", me, hi)
    right = hi if right < 0 else right
    return buf.find(_MARKER, left, right) >= 0


def _snippet(
    buf: bytes,
    ss: int,
    se: int,
    redacted: str,
    secret: bytes,
    spans: list[tuple[int, int]],
    starts: list[int],
    n: int,
    max_len: int,
) -> str:
    """The secret's line(s) around it with the secret redacted and any other secret on it masked."""
    lo = max(0, ss - SNIPPET_BYTES)
    a = buf.rfind(b"\n", lo, ss)
    a = lo if a < 0 else a + 1
    hi = min(n, se + SNIPPET_BYTES)
    b = buf.find(b"\n", se, hi)
    b = hi if b < 0 else b
    while a < ss and buf[a] in _BLANK:
        a += 1
    while b > se and buf[b - 1] in _BLANK:
        b -= 1
    masks: list[tuple[int, int]] = []
    # other secret spans overlapping the snippet region
    i = bisect.bisect_left(starts, a - max_len)
    while i < len(spans) and spans[i][0] < b:
        x, y = spans[i]
        if y > a and (x, y) != (ss, se):
            masks.append((max(x, a), min(y, b)))
        i += 1
    # the same secret text repeated on the line
    if len(secret) >= 4:
        for lo_, hi_ in ((a, ss), (se, b)):
            at = buf.find(secret, lo_, hi_)
            while at >= 0:
                masks.append((at, at + len(secret)))
                at = buf.find(secret, at + len(secret), hi_)
    before = _masked(buf, a, ss, masks)
    after = _masked(buf, se, b, masks)
    budget = SNIPPET_MAX - len(redacted)
    if len(before) + len(after) > budget:
        keep_before = min(len(before), max(budget // 2, budget - len(after)))
        keep_after = max(0, min(len(after), budget - keep_before))
        before = before[len(before) - keep_before :] if keep_before else ""
        after = after[:keep_after]
    return before + redacted + after


def _masked(buf: bytes, a: int, b: int, masks: list[tuple[int, int]]) -> str:
    """Decoded text of buf[a:b] with every masked span in it shown as ``*****``."""
    pieces: list[str] = []
    pos = a
    for lo, hi in sorted(masks):
        x, y = max(lo, a), min(hi, b)
        if y <= pos or x >= b:
            continue
        if x > pos:
            pieces.append(buf[pos:x].decode("utf-8", "replace"))
        pieces.append("*****")
        pos = y
    if pos < b:
        pieces.append(buf[pos:b].decode("utf-8", "replace"))
    return "".join(pieces).translate(_CONTROL)


# --- whole files ---------------------------------------------------------------------------------------

Reader = Callable[[int], bytes]


def read_full(read: Reader, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the input."""
    data = read(size)
    if len(data) >= size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def scan_chunks(
    engine: Engine,
    first: bytes,
    read: Reader,
    chunk_size: int,
    max_size: int,
    st: FileState,
    tuning: Tuning | None = None,
) -> tuple[int, bool]:
    """Scan a file whose first bytes are ``first`` and whose rest ``read`` returns. Returns the number of
    bytes scanned (at most ``max_size``: the rest is not read) and whether bytes past ``max_size`` were
    seen (False when the input may simply end there)."""
    ahead = lookahead(engine)
    chunk = max(chunk_size, 2 * (ahead + LOOKBEHIND) + 4096)
    buf = first
    if len(buf) < chunk:
        buf = buf + read_full(read, chunk - len(buf))
    base = 0
    own_start = 0
    while True:
        end = base + len(buf)
        eof = len(buf) < chunk
        cut = end > max_size
        if end >= max_size:
            buf = buf[: max_size - base]
            end = max_size
            eof = True
        own_end = end if eof else end - ahead
        scan_buffer(engine, buf, base, own_start, own_end, st, tuning, last=eof)
        if eof or st.truncated:
            return end, cut
        keep_from = own_end - LOOKBEHIND
        tail = buf[keep_from - base :]
        buf = tail + read_full(read, chunk - len(tail))
        base = keep_from
        own_start = own_end


def resolve(matches: list[SecretMatch]) -> list[SecretMatch]:
    """Drop duplicates and overlaps: identical (rule, offset) once; a Generic-category match whose secret
    overlaps a specific rule's is dropped; of two matches of the same specificity on the same span, the
    more severe (then the lower rule id) stays. Sorted by position, then rule id."""
    unique: dict[tuple[str, int], SecretMatch] = {}
    for m in matches:
        unique.setdefault((m.rule.id, m.offset), m)
    ordered = sorted(unique.values(), key=lambda m: (m.offset, m.end_offset, m.rule.id))
    drop: set[int] = set()
    for i, m in enumerate(ordered):
        j = i + 1
        while j < len(ordered) and ordered[j].offset < m.end_offset:
            o = ordered[j]
            if m.rule.generic != o.rule.generic:
                drop.add(i if m.rule.generic else j)
            elif (m.offset, m.end_offset) == (o.offset, o.end_offset):
                a, b = (m.rule.severity.rank, o.rule.severity.rank)
                drop.add(j if a >= b else i)
            j += 1
    return [m for i, m in enumerate(ordered) if i not in drop]
