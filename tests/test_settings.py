"""Settings: YAML defaults, BOUSSOLE_* overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import SearchMode, Settings, load_settings
from connectors.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]


def test_settings_yaml_matches_the_code_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QDRANT_URL", raising=False)
    assert load_settings(ROOT / "settings.yaml") == Settings()


def test_environment_overrides_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("search:\n  mode: dense\n  default_k: 3\n", "utf-8")
    monkeypatch.setenv("BOUSSOLE_SEARCH__DEFAULT_K", "8")
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "ailleurs"))
    settings = load_settings(path)
    assert settings.search.default_k == 8 and settings.search.mode == SearchMode.DENSE
    assert settings.qdrant_path == tmp_path / "ailleurs" / "qdrant"
    assert settings.reports_dir == tmp_path / "ailleurs" / "reports"


def test_qdrant_url_switches_to_a_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDRANT_URL", "http://127.0.0.1:6333")
    monkeypatch.setenv("QDRANT_API_KEY", "k3y-Zq9-xw")
    settings = load_settings(tmp_path / "absent.yaml")
    assert settings.qdrant.url == "http://127.0.0.1:6333"
    assert settings.qdrant.api_key is not None
    assert "k3y-Zq9-xw" not in repr(settings)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("search:\n  default_k: 80\n", "default_k doit être inférieur"),
        ("search:\n  mode: magique\n", "search.mode"),
        ("chunking:\n  max_tokens: 100\n  overlap_tokens: 60\n", "overlap_tokens"),
        ("unknown_key: 1\n", "unknown_key"),
        ("kind_by_folder:\n  x: recette\n", "recette"),
        ("search: [\n", "YAML valide"),
        ("- a\n- b\n", "dictionnaire"),
    ],
)
def test_invalid_settings_are_explained(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml_text, "utf-8")
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_settings(path)
    assert str(path) in caught.value.message


def test_missing_settings_file_named_by_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigurationError, match=r"nope\.yaml"):
        load_settings()
