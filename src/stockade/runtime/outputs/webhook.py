"""Alerts POSTed to an HTTP webhook: Falcosidekick's payload (the JSON Falco sends it) or a Slack body.

The producer never blocks: ``emit()`` puts the rendered payload on a bounded queue and returns; when the
queue is full the alert is dropped and counted. One worker thread sends, with a timeout per attempt and a
bounded number of attempts separated by exponential backoff (with jitter). Connection errors, timeouts,
408, 429 and 5xx answers are retried; other answers (4xx, 3xx) fail at once, since sending the same body
again cannot help.
"""

from __future__ import annotations

import contextlib
import json
import queue
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from stockade.errors import ConfigError
from stockade.runtime.outputs._alert import AlertLike, falco_payload, slack_payload
from stockade.runtime.outputs._http import Endpoint, request, tls_context

FORMATS = ("falcosidekick", "slack")
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))


@dataclass(frozen=True)
class WebhookOptions:
    url: str
    format: str = "falcosidekick"  # falcosidekick | slack
    queue_size: int = 1000
    timeout: float = 5.0  # seconds per attempt (connect and read)
    max_attempts: int = 4  # first try included
    backoff_initial: float = 0.5  # seconds before the 2nd attempt; doubled for each further one
    backoff_max: float = 10.0
    jitter: bool = True  # wait a random 50-100 % of the backoff, so many senders do not retry in step
    headers: Mapping[str, str] = field(default_factory=dict)
    ca_file: str | None = None
    insecure_skip_verify: bool = False
    hostname: str | None = None  # put in the payload's "hostname" when the alert does not carry one

    def validate(self) -> None:
        Endpoint.parse(self.url, "webhook URL")
        if self.format not in FORMATS:
            raise ConfigError(f"unknown webhook format {self.format!r} (expected one of {', '.join(FORMATS)})")
        if self.queue_size < 1 or self.max_attempts < 1:
            raise ConfigError("webhook queue_size and max_attempts must be at least 1")
        if self.timeout <= 0 or self.backoff_initial < 0 or self.backoff_max < 0:
            raise ConfigError("webhook timeout must be positive and backoff values not negative")


@dataclass(frozen=True, slots=True)
class WebhookStats:
    sent: int  # delivered with a 2xx answer
    failed: int  # given up on: attempts exhausted or an answer that is not retried
    dropped: int  # never attempted: queue full, or still queued when the output was closed
    retries: int  # attempts after the first, over all alerts
    queued: int  # waiting now
    last_error: str | None


class WebhookOutput:
    """Falcosidekick- or Slack-compatible webhook with a bounded queue and one worker thread."""

    name = "webhook"

    def __init__(self, options: WebhookOptions, *, start: bool = True,
                 on_error: Callable[[str], None] | None = None) -> None:
        options.validate()
        self.options = options
        self._endpoint = Endpoint.parse(options.url, "webhook URL")
        self._context: ssl.SSLContext | None = None
        if self._endpoint.scheme == "https":
            self._context = tls_context(ca_file=options.ca_file, insecure=options.insecure_skip_verify)
        self._headers = {"Content-Type": "application/json", "User-Agent": "stockade",
                         **dict(options.headers)}
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=options.queue_size)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._abort = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_error = on_error
        self._sent = self._failed = self._dropped = self._retries = 0
        self._last_error: str | None = None
        if start:
            self.start()

    # producer side -------------------------------------------------------------------------------------

    def render(self, alert: AlertLike) -> bytes:
        if self.options.format == "slack":
            body = slack_payload(alert, self.options.hostname)
        else:
            body = falco_payload(alert, self.options.hostname)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")

    def emit(self, alert: AlertLike) -> bool:
        """Queue the alert; False (and counted as dropped) when the queue is full or the output is closing."""
        if self._closing.is_set():
            with self._lock:
                self._dropped += 1
            return False
        try:
            self._queue.put_nowait(self.render(alert))
        except queue.Full:
            with self._lock:
                self._dropped += 1
            return False
        return True

    # worker side ---------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="stockade-webhook", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._abort.is_set():
            try:
                body = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._closing.is_set():
                    return
                continue
            try:
                self._deliver(body)
            finally:
                self._queue.task_done()

    def _deliver(self, body: bytes) -> None:
        opts = self.options
        for attempt in range(1, opts.max_attempts + 1):
            if attempt > 1:
                with self._lock:
                    self._retries += 1
            error, retry = self._attempt(body)
            if error is None:
                with self._lock:
                    self._sent += 1
                return
            self._note_error(error)
            if not retry or attempt == opts.max_attempts:
                break
            delay = min(opts.backoff_max, opts.backoff_initial * (2 ** (attempt - 1)))
            if opts.jitter:
                delay *= random.uniform(0.5, 1.0)
            if self._abort.wait(delay):
                break
        with self._lock:
            self._failed += 1

    def _attempt(self, body: bytes) -> tuple[str | None, bool]:
        """(error or None, whether to retry)."""
        try:
            resp = request(self._endpoint, "POST", "", body, self._headers, timeout=self.options.timeout,
                           context=self._context)
        except TimeoutError:
            return f"timed out after {self.options.timeout:g} s", True
        except OSError as exc:
            return f"connection failed: {exc.strerror or exc}", True
        if 200 <= resp.status < 300:
            return None, False
        return f"HTTP {resp.status} {resp.reason}", resp.status in _RETRY_STATUS

    def _note_error(self, error: str) -> None:
        with self._lock:
            self._last_error = error
        if self._on_error is not None:
            with contextlib.suppress(Exception):  # a broken callback must not kill the worker
                self._on_error(f"webhook {self.options.url}: {error}")

    # lifecycle -----------------------------------------------------------------------------------------

    def close(self, timeout: float = 10.0) -> None:
        """Stop accepting alerts, deliver what is queued for up to ``timeout`` seconds, then give up: alerts
        still queued are counted as dropped."""
        self._closing.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                self._abort.set()
                thread.join(self.options.timeout + 1.0)
        self._abort.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
            with self._lock:
                self._dropped += 1

    def stats(self) -> WebhookStats:
        with self._lock:
            return WebhookStats(self._sent, self._failed, self._dropped, self._retries, self._queue.qsize(),
                                self._last_error)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued alert has been sent or given up on (for tests and orderly shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return self._queue.unfinished_tasks == 0
