"""stdout and file outputs, and the dispatcher that fans alerts out."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from stockade.errors import ConfigError
from stockade.runtime.outputs.dispatcher import Dispatcher
from stockade.runtime.outputs.file import FileOutput
from stockade.runtime.outputs.stdout import StdoutOutput


def test_stdout_text_lines(make_alert: Any) -> None:
    stream = io.StringIO()
    out = StdoutOutput(stream)
    out.emit(make_alert())
    out.emit(make_alert(output_fields={"proc.name": "sh"}))
    assert stream.getvalue() == ("06:13:20.123456789: Notice A shell was spawned (proc=bash)\n"
                                 "06:13:20.123456789: Notice A shell was spawned (proc=sh)\n")
    assert out.stats() == {"written": 2, "failed": 0}


def test_stdout_json_lines(make_alert: Any) -> None:
    stream = io.StringIO()
    StdoutOutput(stream, json_output=True).emit(make_alert())
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["rule"] == "Terminal shell in container"
    assert json.loads(line)["output_fields"] == {"proc.name": "bash", "container.id": "3ad7b26ded6d"}


def test_stdout_newlines_in_output_stay_on_one_line(make_alert: Any) -> None:
    stream = io.StringIO()
    alert = make_alert(output_fields={"proc.name": "evil\nFAKE ALERT"})
    StdoutOutput(stream).emit(alert)
    assert stream.getvalue().count("\n") == 1
    assert "evil\\nFAKE ALERT" in stream.getvalue()


def test_stdout_write_errors_are_counted_not_raised(make_alert: Any) -> None:
    stream = io.StringIO()
    stream.close()
    out = StdoutOutput(stream)
    out.emit(make_alert())
    assert out.stats() == {"written": 0, "failed": 1}


def test_file_appends_and_reopens_after_rotation(tmp_path: Path, make_alert: Any) -> None:
    path = tmp_path / "alerts.json"
    path.write_text("existing\n")
    out = FileOutput(path, json_output=True)
    out.emit(make_alert())
    rotated = tmp_path / "alerts.json.1"
    path.rename(rotated)
    out.emit(make_alert(rule="second"))  # still the rotated file: the handle is kept open
    out.reopen()
    out.emit(make_alert(rule="third"))
    out.close()
    old = rotated.read_text().splitlines()
    assert old[0] == "existing"
    assert [json.loads(line)["rule"] for line in old[1:]] == ["Terminal shell in container", "second"]
    assert [json.loads(line)["rule"] for line in path.read_text().splitlines()] == ["third"]
    assert out.stats() == {"written": 3, "failed": 0, "reopened": 1}


def test_file_without_keep_alive_follows_the_name(tmp_path: Path, make_alert: Any) -> None:
    path = tmp_path / "alerts.txt"
    out = FileOutput(path, keep_alive=False)
    out.emit(make_alert())
    path.rename(tmp_path / "moved")
    out.emit(make_alert())
    assert path.read_text() == "06:13:20.123456789: Notice A shell was spawned (proc=bash)\n"


def test_file_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot open alert output file .*missing/alerts.txt: No such file"):
        FileOutput(tmp_path / "missing" / "alerts.txt")


class Boom:
    name = "boom"

    def emit(self, alert: Any) -> None:
        raise RuntimeError("broken output")

    def close(self) -> None:
        raise RuntimeError("broken close")


def test_dispatcher_synchronous_isolates_a_failing_output(make_alert: Any) -> None:
    stream = io.StringIO()
    d = Dispatcher([Boom(), StdoutOutput(stream)])
    assert d.dispatch(make_alert()) is True
    d.close()
    assert stream.getvalue().count("\n") == 1
    stats = d.stats()
    assert (stats.alerts, stats.delivered, stats.dropped) == (1, 1, 0)
    assert stats.errors == {"boom": 2}


class Gate:
    """An output that blocks until released (a stalled pipe)."""

    name = "gate"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.got: list[str] = []

    def emit(self, alert: Any) -> None:
        self.entered.set()
        self.release.wait(10)
        self.got.append(alert.rule)

    def close(self) -> None:
        pass


def test_dispatcher_queue_drops_when_an_output_stalls(make_alert: Any) -> None:
    gate = Gate()
    d = Dispatcher([gate], queue_size=2)
    assert d.dispatch(make_alert(rule="r0")) is True
    assert gate.entered.wait(5)  # r0 is being emitted, the queue is empty
    results = [d.dispatch(make_alert(rule=f"r{i}")) for i in range(1, 6)]
    assert results == [True, True, False, False, False]
    gate.release.set()
    d.close()
    assert gate.got == ["r0", "r1", "r2"]
    stats = d.stats()
    assert (stats.alerts, stats.delivered, stats.dropped) == (6, 3, 3)
