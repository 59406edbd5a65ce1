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


def test_the_serve_unit_runs_boussole_serve_with_the_reindex_jobs_settings() -> None:
    serve = unit("boussole.service")["Service"]
    reindex = unit("boussole-reindex.service")["Service"]
    command = shlex.split(serve["ExecStart"])
    assert command[0].endswith("/boussole") and command[1:] == ["serve"]
    for field in ("User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile"):
        assert serve[field] == reindex[field], field
    assert serve["Restart"] == "on-failure"
    assert serve["ReadWritePaths"] in reindex["Environment"]  # its data folder, writable
    assert unit("boussole.service")["Install"]["WantedBy"] == "multi-user.target"
    import ui.cli  # noqa: F401  (registers « serve » on the same command line)

    assert CliRunner().invoke(app, ["serve", "--help"]).exit_code == 0


def proxy_headers() -> dict[str, str]:
    text = (DEPLOY / "nginx-boussole.conf").read_text("utf-8")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    headers = {}
    for line in lines:
        if line.startswith("proxy_set_header "):
            _, name, value = line.rstrip(";").split(maxsplit=2)
            headers[name.lower()] = value
    return headers


def test_the_proxy_example_sets_every_header_boussole_believes_instead_of_passing_it() -> None:
    from assistant.security import GROUPS_HEADER, USER_HEADER

    headers = proxy_headers()
    # Set by nginx, so that a client's own values never get through.
    assert headers[USER_HEADER.lower()] == "$remote_user"
    assert GROUPS_HEADER.lower() in headers
    assert headers["x-forwarded-for"] == "$remote_addr"  # not the client's list appended
    assert headers["upgrade"] == "$http_upgrade"  # the chat's websocket
    text = (DEPLOY / "nginx-boussole.conf").read_text("utf-8")
    assert "proxy_pass http://127.0.0.1:8000;" in text and "proxy_buffering    off;" in text
    assert "trusted_proxies" in text
