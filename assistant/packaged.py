"""YAML files Boussole ships in its package, each replaceable by a file a setting names."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from connectors.errors import ConfigurationError


def load_yaml(path: Path | None, packaged: str, *, setting: str, label: str) -> tuple[Any, str]:
    """The decoded file at ``path`` (or the packaged ``packaged``) and where it came from.

    Errors name the setting, or the file, and say what is wrong, in French.
    """
    if path is None:
        text = resources.files("assistant").joinpath(packaged).read_text("utf-8")
        origin = f"assistant/{packaged}"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"{setting} : fichier illisible {path} ({exc})") from exc
        origin = str(path)
    try:
        return yaml.safe_load(text) or {}, origin
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{label} {origin} : YAML invalide ({exc})") from exc
