"""The webhook output against a real local HTTP(S) server: delivery, retries, timeouts, drops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stockade.errors import ConfigError
from stockade.runtime.outputs._alert import falco_payload
from stockade.runtime.outputs.webhook import WebhookOptions, WebhookOutput


def fast(url: str, **kw: Any) -> WebhookOptions:
    return WebhookOptions(url=url, backoff_initial=0.01, backoff_max=0.05, jitter=False, **kw)


def test_delivers_falcosidekick_payloads(http_server: Any, make_alert: Any) -> None:
    server = http_server()
    out = WebhookOutput(fast(server.url + "/falco", headers={"X-Token": "t0"}))
    alerts = [make_alert(rule=f"rule {i}") for i in range(3)]
    for alert in alerts:
        assert out.emit(alert) is True
    assert out.wait_idle(10)
    out.close()
    assert [(s.method, s.path) for s in server.seen] == [("POST", "/falco")] * 3
    assert [s.json() for s in server.seen] == [falco_payload(a) for a in alerts]
    assert server.seen[0].headers["content-type"] == "application/json"
    assert server.seen[0].headers["x-token"] == "t0"
    stats = out.stats()
    assert (stats.sent, stats.failed, stats.dropped, stats.retries, stats.queued) == (3, 0, 0, 0, 0)


def test_retries_server_errors_then_succeeds(http_server: Any, make_alert: Any) -> None:
    server = http_server([(500, {}), (503, {})], default=(200, {}))
    out = WebhookOutput(fast(server.url, max_attempts=4))
    out.emit(make_alert())
    assert out.wait_idle(10)
    out.close()
    assert len(server.seen) == 3
    assert server.seen[0].body == server.seen[1].body == server.seen[2].body
    stats = out.stats()
    assert (stats.sent, stats.failed, stats.retries) == (1, 0, 2)
    assert stats.last_error == "HTTP 503 Service Unavailable"


def test_gives_up_after_max_attempts(http_server: Any, make_alert: Any) -> None:
    server = http_server(default=(500, {"error": "down"}))
    errors: list[str] = []
    out = WebhookOutput(fast(server.url, max_attempts=3), on_error=errors.append)
    out.emit(make_alert())
    assert out.wait_idle(10)
    out.close()
    assert len(server.seen) == 3
    stats = out.stats()
    assert (stats.sent, stats.failed, stats.retries) == (0, 1, 2)
    assert errors == [f"webhook {server.url}: HTTP 500 Internal Server Error"] * 3


def test_client_errors_are_not_retried(http_server: Any, make_alert: Any) -> None:
    server = http_server(default=(400, {"error": "bad payload"}))
    out = WebhookOutput(fast(server.url, max_attempts=5))
    out.emit(make_alert())
    assert out.wait_idle(10)
    out.close()
    assert len(server.seen) == 1
    assert (out.stats().failed, out.stats().retries) == (1, 0)


def test_too_many_requests_is_retried(http_server: Any, make_alert: Any) -> None:
    server = http_server([(429, {})], default=(204, b""))
    out = WebhookOutput(fast(server.url))
    out.emit(make_alert())
    assert out.wait_idle(10)
    out.close()
    assert (len(server.seen), out.stats().sent) == (2, 1)


def test_dead_server_queue_full_drops_are_counted(dead_url: str, make_alert: Any) -> None:
    out = WebhookOutput(fast(dead_url, queue_size=3, max_attempts=2), start=False)
    accepted = [out.emit(make_alert(rule=f"r{i}")) for i in range(5)]
    assert accepted == [True, True, True, False, False]
    out.start()
    assert out.wait_idle(20)
    out.close()
    stats = out.stats()
    assert (stats.sent, stats.failed, stats.dropped, stats.retries) == (0, 3, 2, 3)
    assert stats.last_error is not None and stats.last_error.startswith("connection failed: ")


def test_slow_server_times_out_and_counts_failures(http_server: Any, make_alert: Any) -> None:
    server = http_server(default=(200, {}, 1.5))  # answers after 1.5 s
    out = WebhookOutput(fast(server.url, timeout=0.2, max_attempts=2))
    out.emit(make_alert())
    assert out.wait_idle(20)
    out.close()
    assert len(server.seen) == 2
    stats = out.stats()
    assert (stats.sent, stats.failed, stats.retries) == (0, 1, 1)
    assert stats.last_error == "timed out after 0.2 s"


def test_close_gives_up_on_what_is_still_queued(dead_url: str, make_alert: Any) -> None:
    out = WebhookOutput(WebhookOptions(url=dead_url, backoff_initial=30.0, max_attempts=3, jitter=False),
                        start=False)
    for i in range(4):
        out.emit(make_alert(rule=f"r{i}"))
    out.start()
    out.close(timeout=0.5)  # the first alert is in a 30 s backoff: aborted; three never tried
    stats = out.stats()
    assert (stats.sent, stats.failed, stats.dropped, stats.queued) == (0, 1, 3, 0)
    assert out.emit(make_alert()) is False  # closed: refused and counted
    assert out.stats().dropped == 4


def test_slack_body_is_posted(http_server: Any, make_alert: Any) -> None:
    server = http_server()
    out = WebhookOutput(fast(server.url + "/services/T000/B000/XXX", format="slack"))
    out.emit(make_alert())
    assert out.wait_idle(10)
    out.close()
    (seen,) = server.seen
    body = seen.json()
    assert seen.path == "/services/T000/B000/XXX"
    assert body["text"] == make_alert().text()
    assert body["attachments"][0]["fields"][0] == {"title": "rule", "value": "Terminal shell in container",
                                                   "short": False}


def test_https_with_a_private_ca(http_server: Any, tls_cert: tuple[Path, Path], make_alert: Any) -> None:
    server = http_server(tls=tls_cert)
    assert server.url.startswith("https://")
    out = WebhookOutput(fast(server.url, ca_file=str(tls_cert[0])))
    out.emit(make_alert())
    assert out.wait_idle(10)
    out.close()
    assert out.stats().sent == 1
    # without the CA the certificate is not trusted: a TLS failure, retried, then given up
    untrusted = WebhookOutput(fast(server.url, max_attempts=1))
    untrusted.emit(make_alert())
    assert untrusted.wait_idle(10)
    untrusted.close()
    assert untrusted.stats().failed == 1
    assert "CERTIFICATE_VERIFY_FAILED" in (untrusted.stats().last_error or "")


@pytest.mark.parametrize(("options", "message"), [
    (WebhookOptions(url="ftp://x/"), r"invalid webhook URL 'ftp://x/'"),
    (WebhookOptions(url="http://x:99999/"), r"invalid webhook URL 'http://x:99999/': bad port"),
    (WebhookOptions(url="http://x/", format="teams"), r"unknown webhook format 'teams' \(expected one of "
                                                      r"falcosidekick, slack\)"),
    (WebhookOptions(url="http://x/", queue_size=0), r"queue_size and max_attempts must be at least 1"),
    (WebhookOptions(url="http://x/", timeout=0), r"timeout must be positive"),
])
def test_invalid_options(options: WebhookOptions, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        WebhookOutput(options)


def test_payload_is_rendered_at_emit_time(http_server: Any, make_alert: Any) -> None:
    server = http_server()
    out = WebhookOutput(fast(server.url), start=False)
    alert = make_alert()
    out.emit(alert)
    alert.output_fields["proc.name"] = "changed later"
    out.start()
    assert out.wait_idle(10)
    out.close()
    assert json.loads(server.seen[0].body)["output_fields"]["proc.name"] == "bash"
