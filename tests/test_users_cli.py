"""`boussole users`: chat accounts added and removed without editing YAML by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli import app
from assistant.users import add_user, check_password, load_users
from connectors.errors import ConfigurationError


@pytest.fixture
def users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "users.yaml"
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_UI__USERS_FILE", str(path))
    return path


def run(*args: str, stdin: str | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, ["users", *args], input=stdin)
    return result.exit_code, result.output, result.exception


def test_an_added_account_logs_in_with_its_groups_and_no_password_is_stored(
    users_file: Path,
) -> None:
    password = "corail-lagon-2026"
    code, output, _ = run(
        "add",
        "marie.dupont",
        "--groups",
        "rh,sig",
        "--name",
        "Marie D.",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert code == 0, output
    assert "marie.dupont" in output and password not in output
    assert password not in users_file.read_text("utf-8")
    assert users_file.stat().st_mode & 0o777 == 0o600
    user = check_password(users_file, "marie.dupont", password)
    assert user is not None and user.groups == ("rh", "sig") and user.display_name == "Marie D."
    assert check_password(users_file, "marie.dupont", "mauvais-mot-de-passe") is None
    listed = run("list")[1]
    assert "marie.dupont" in listed and "rh, sig" in listed and "scrypt" not in listed


def test_the_password_prompt_asks_twice(users_file: Path) -> None:
    code, output, _ = run("add", "paul", stdin="premier-essai-123\nsecond-essai-1234\n" * 3)
    assert code != 0 and not users_file.exists()  # never two equal entries: nothing written
    code, output, _ = run("add", "paul", stdin="recif-barriere-9\nrecif-barriere-9\n")
    assert code == 0, output
    assert check_password(users_file, "paul", "recif-barriere-9") is not None


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("marie", "court", "trop court"),
        ("../etc/passwd", "assez-long-mot-de-passe", "Identifiant refusé"),
        ("marie\nadmin", "assez-long-mot-de-passe", "Identifiant refusé"),
        ("", "assez-long-mot-de-passe", "Identifiant refusé"),
    ],
)
def test_bad_names_and_short_passwords_are_refused(
    users_file: Path, name: str, password: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        add_user(users_file, name, password, [])
    assert not users_file.exists()


def test_a_name_is_added_once_and_removal_refuses_the_next_login(users_file: Path) -> None:
    add_user(users_file, "marie", "corail-lagon-2026", ["rh"])
    with pytest.raises(ConfigurationError, match="existe déjà"):
        add_user(users_file, "marie", "autre-mot-de-passe", [])
    add_user(users_file, "paul", "recif-barriere-9", [])
    code, output, _ = run("remove", "marie")
    assert code == 0, output
    assert check_password(users_file, "marie", "corail-lagon-2026") is None
    assert set(load_users(users_file)) == {"paul"}
    code, _, error = run("remove", "marie")
    assert code != 0 and "aucun utilisateur « marie » (comptes : paul)" in str(error)


def test_a_broken_file_is_reported_not_overwritten_and_json_stays_json(
    tmp_path: Path, users_file: Path
) -> None:
    users_file.parent.mkdir(parents=True)
    users_file.write_text("users: [", "utf-8")
    with pytest.raises(ConfigurationError, match="YAML ou du JSON"):
        add_user(users_file, "marie", "corail-lagon-2026", [])
    assert users_file.read_text("utf-8") == "users: ["
    as_json = tmp_path / "users.json"
    as_json.write_text(json.dumps({"users": {}, "note": "gardée"}), "utf-8")
    add_user(as_json, "marie", "corail-lagon-2026", ["dpo"])
    written = json.loads(as_json.read_text("utf-8"))
    assert written["note"] == "gardée" and written["users"]["marie"]["groups"] == ["dpo"]
    assert check_password(as_json, "marie", "corail-lagon-2026") is not None
    assert yaml.safe_load(as_json.read_text("utf-8")) == written


def test_without_a_users_file_setting_the_command_says_which_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BOUSSOLE_UI__USERS_FILE", raising=False)
    code, _, error = run("list")
    assert code != 0 and "ui.users_file" in str(error)
