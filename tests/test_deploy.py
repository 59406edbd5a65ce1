"""The scheduling files run the real command, weekly, without a terminal."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_the_timer_fires_the_service_every_sunday_night() -> None:
    timer = unit("boussole-reindex.timer")
    assert timer["Timer"]["OnCalendar"].startswith("Sun ")
    assert timer["Timer"]["Unit"] == "boussole-reindex.service"
    assert timer["Timer"]["Persistent"] == "true"


def test_service_and_cron_line_run_the_reindex_command() -> None:
    command = shlex.split(unit("boussole-reindex.service")["Service"]["ExecStart"])
    assert command[0].endswith("/boussole") and command[1:] == ["reindex"]
    cron = [
        line
        for line in (DEPLOY / "boussole-reindex.cron").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    fields = cron[0].split(maxsplit=6)
    assert fields[:5] == ["0", "2", "*", "*", "0"]  # minute, hour, any day, any month, Sunday
    assert "boussole reindex" in fields[6]
    result = CliRunner().invoke(app, ["reindex", "--help"])
    assert result.exit_code == 0 and "--allow-empty" in result.output
