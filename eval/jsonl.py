"""Reading the JSON Lines files the evaluations are made of (questions, labelled cases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.errors import BoussoleError


def numbered_lines(
    path: Path, error: type[BoussoleError], what: str
) -> Iterator[tuple[int, str, str]]:
    """``(number, where, line)`` for each non-blank line; ``where`` names file and line.

    A file that cannot be read, or is not UTF-8, is an ``error`` naming it (``what``: the
    kind of file, as the message says it: « de questions », « de cas »).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise error(f"Fichier {what} illisible : {path} ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path} n'est pas encodé en UTF-8.") from exc
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, f"{path.name}, ligne {number}", line
