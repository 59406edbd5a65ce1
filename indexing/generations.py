"""Generations of the embedded index: the weekly reindex beside a running server.

Local-mode Qdrant lets one process open an index folder. While ``boussole serve`` holds it,
the reindex copies the folder in use to a new *generation*, brings the copy up to date,
then names it in a pointer file with one atomic rename. The server watches the pointer,
opens the new generation beside the old one, and switches to it between two requests: a
search sees the old index or the new one, never a mix, and none fails. A run that fails
leaves the index in use untouched (its copy is thrown away).

Layout, beside ``settings.qdrant_path`` (``DATA/qdrant``)::

    DATA/qdrant/                               the first generation
    DATA/qdrant-20261203T120000Z-1a2b3c/       later ones
    DATA/qdrant.live                           names the one in use (absent: DATA/qdrant)
    DATA/state/serving.json                    the serving process and what it has open

With no server running, the reindex writes in place as before (no copy). A Qdrant server
(``QDRANT_URL``) needs none of this.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.errors import BoussoleError, IndexUnavailableError

logger = logging.getLogger(__name__)

_STAMP = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")
_LOCK = ".lock"  # Qdrant's own lock file: never copied, never compared


class IndexChangedError(BoussoleError):
    """The index in use changed while a new generation was being written."""

    code = "index_modifie_pendant_la_reindexation"
    http_status = 409


@dataclass(frozen=True)
class Generation:
    """A copy being brought up to date, and what it was copied from."""

    path: Path
    source: Path
    fingerprint: dict[str, tuple[int, int]]


class IndexGenerations:
    """The generations of one embedded index folder (``base``) and its pointer file."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.pointer = base.with_name(base.name + ".live")

    def live(self) -> Path:
        """The folder in use: the pointer's generation, else ``base``.

        A pointer that names anything else than a generation folder beside ``base`` (a
        path, a link, a folder that is gone) stops here: falling back to ``base`` would
        serve an old or empty index without a word.
        """
        try:
            name = self.pointer.read_text("utf-8").strip()
        except FileNotFoundError:
            return self.base
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexUnavailableError(
                f"Fichier {self.pointer} illisible ({exc.__class__.__name__}) : il désigne "
                "la génération de l'index en service."
            ) from exc
        path = self._named(name)
        if path is None or path.is_symlink() or not path.is_dir():
            raise IndexUnavailableError(
                f"Le fichier {self.pointer} désigne « {name[:80]} », qui n'est pas une "
                f"génération de l'index à côté de {self.base} : remettez-y le nom d'un "
                "dossier existant, ou supprimez-le pour revenir au dossier d'origine."
            )
        return path

    def prepare(self) -> Generation:
        """A copy of the folder in use, to bring up to date while the server reads the old."""
        source = self.live()
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        target = self.base.with_name(f"{self.base.name}-{stamp}")
        fingerprint = _fingerprint(source)
        started = time.perf_counter()
        shutil.copytree(source, target, ignore=_refuse_links_skip_lock)
        logger.info(
            "Index generation %s copied from %s in %.1f s",
            target.name,
            source.name,
            time.perf_counter() - started,
        )
        return Generation(target, source, fingerprint)

    def publish(self, generation: Generation) -> None:
        """Name ``generation`` in the pointer, atomically; refused if the index moved meanwhile.

        Someone who wrote to the index in use since the copy (the server stopped, a
        ``boussole index`` ran) would lose their changes to the switch: the copy is
        thrown away instead, and the run can be started again.
        """
        if self.live() != generation.source or _fingerprint(generation.source) != (
            generation.fingerprint
        ):
            self.discard(generation)
            raise IndexChangedError(
                f"L'index en service ({generation.source.name}) a changé pendant la "
                "réindexation : la nouvelle génération est abandonnée pour ne rien perdre. "
                "Relancez « boussole reindex »."
            )
        temporary = self.pointer.with_name(f"{self.pointer.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(generation.path.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.pointer)
        _sync_folder(self.pointer.parent)

    def discard(self, generation: Generation) -> None:
        """Remove a copy that will not be used."""
        shutil.rmtree(generation.path, ignore_errors=True)

    def collect(self, keep: Iterable[Path] = ()) -> list[Path]:
        """Remove the generations that are neither in use nor in ``keep``; the ones removed."""
        kept = {self.live(), *keep}
        removed = []
        for path in self._generations():
            if path not in kept:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed

    def _generations(self) -> list[Path]:
        parent = self.base.parent
        if not parent.is_dir():
            return []
        found = []
        for entry in parent.iterdir():
            path = self._named(entry.name)
            if path is not None and not entry.is_symlink() and entry.is_dir():
                found.append(path)
        return sorted(found)

    def _named(self, name: str) -> Path | None:
        """The generation folder called ``name``, None for any other name."""
        if name == self.base.name:
            return self.base
        prefix = self.base.name + "-"
        if name.startswith(prefix) and _STAMP.fullmatch(name[len(prefix) :]):
            return self.base.with_name(name)
        return None


@dataclass(frozen=True)
class Serving:
    """A running ``boussole serve`` and the generation it has open."""

    pid: int
    generation: str


class ServingRecord:
    """``state/serving.json``: which process serves the embedded index, and which generation.

    The server writes it when it opens a generation and removes it when it stops; the
    reindex reads it to know that the lock on the index is a reader's, which it can work
    beside, and waits on it to see the server switch.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def announce(self, generation: Path) -> None:
        """Record that this process serves ``generation`` (written atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "generation": generation.name,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, self.path)

    def withdraw(self) -> None:
        """Remove this process's record (a record of another process is left alone)."""
        record = self._read()
        if record is not None and record.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)

    def current(self) -> Serving | None:
        """The serving process, None when there is none (or its record is stale)."""
        record = self._read()
        if record is None or record.get("host") != socket.gethostname():
            return None
        pid, generation = record.get("pid"), record.get("generation")
        if not isinstance(pid, int) or not isinstance(generation, str) or not process_alive(pid):
            return None
        return Serving(pid, generation)

    def _read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine still runs (0 and below name no process)."""
    if pid <= 0:  # os.kill(0 or -1, …) would ask about whole groups of processes
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file: what a write to the index changes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.name != _LOCK and path.is_file() and not path.is_symlink():
            stat = path.stat()
            found[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return found


def _refuse_links_skip_lock(folder: str, names: list[str]) -> list[str]:
    """``copytree``'s filter: Qdrant's lock stays behind; a link stops the copy."""
    for name in names:
        if os.path.islink(os.path.join(folder, name)):
            raise IndexUnavailableError(
                f"Lien symbolique {os.path.join(folder, name)} dans l'index : copie refusée "
                "(l'index n'en contient jamais ; quelqu'un l'a placé là)."
            )
    return [name for name in names if name == _LOCK]


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (the pointer survives a power cut)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
