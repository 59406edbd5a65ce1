"""Reading a file that someone else named, without being led out of where it may be.

The folder being indexed, the register's ``fichier`` paths and the warehouse dictionary
are written by other people: a symbolic link may point at ``/etc/passwd``, a named pipe
blocks whoever opens it, a device never ends. Every such read goes through here.

The rule: the file's real path (every link followed) lies inside one of the allowed roots,
and it is a regular file; both are checked on the path before anything is opened (opening
a FIFO blocks), and again on the open descriptor, so that a file swapped in between is
caught: the last component is opened with ``O_NOFOLLOW`` (a link put there fails), and
``O_NONBLOCK`` (a pipe put there does not block); the descriptor must be a regular file,
and its path, as the kernel sees it, must still lie inside a root.

A link that stays inside the root is allowed: it is read as the file it points to.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Office documents, even PDFs full of scans, stay well below this; a bigger file is an
# export or an archive, whose text would take hours to check for personal data and embed.
DEFAULT_MAX_FILE_BYTES = 50_000_000
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class UnsafeFile(Exception):
    """A file that must not be read; ``reason`` says why, in French, without its target."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileTooLarge(UnsafeFile):
    """A file over the size limit; the reason names its size and the limit."""


@dataclass(frozen=True)
class ReadFile:
    """A file's bytes, read once, and its modification time (seconds since the epoch)."""

    data: bytes
    mtime: float


def megabytes(size: int) -> str:
    """A size as a person reads it: « 2,5 Mo »."""
    return f"{size / 1_000_000:.1f} Mo".replace(".", ",")


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in French; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "tube nommé (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "périphérique"
    if stat.S_ISDIR(mode):
        return "dossier"
    return "fichier spécial"


def _inside(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def real_roots(roots: Sequence[Path]) -> list[str]:
    """The roots with every link followed, as the real paths of files are compared to."""
    return [os.path.realpath(root) for root in roots]


def leads_inside(path: Path, roots: Sequence[Path]) -> bool:
    """Whether ``path``, every link followed, lies inside one of ``roots`` (False if broken)."""
    try:
        real = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return False
    return _inside(real, real_roots(roots))


def check_file(path: Path, roots: Sequence[Path], folder: str = "dossier autorisé") -> Path:
    """The real path of ``path`` when it is a regular file inside one of ``roots``.

    Nothing is opened. Raises ``UnsafeFile`` (with a French reason naming ``folder``, the
    roots as the reader knows them) for a link leading outside, a broken or looping link,
    a pipe, socket, device or folder; ``OSError`` when the file cannot be looked at
    (missing, no permission).
    """
    linked = path.is_symlink()
    try:
        real = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        if linked:
            raise UnsafeFile("lien symbolique cassé (sa cible n'existe pas)") from None
        raise
    except (OSError, RuntimeError) as error:  # a loop of links
        if linked:
            raise UnsafeFile("lien symbolique en boucle") from error
        raise
    if not _inside(real, real_roots(roots)):
        if linked:
            raise UnsafeFile(f"lien symbolique qui sort du {folder} : non lu")
        raise UnsafeFile(f"chemin hors du {folder} : non lu")
    kind = _kind(os.stat(real).st_mode)
    if kind is not None:
        raise UnsafeFile(f"{kind} : ce n'est pas un fichier ordinaire, non lu")
    return Path(real)


def _opened_path(descriptor: int) -> str | None:
    """The path the kernel gives an open file (Linux ``/proc``); None where there is none."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return None


def read_file(
    path: Path,
    roots: Sequence[Path],
    max_bytes: int | None = None,
    folder: str = "dossier autorisé",
) -> ReadFile:
    """The bytes of ``path`` once ``check_file`` allows it, re-checked on the open file.

    ``max_bytes`` bounds what is read: beyond it, ``FileTooLarge`` names the size and the
    limit (the caller adds which setting changes it).
    """
    return read_checked(check_file(path, roots, folder), roots, max_bytes, folder)


def read_checked(
    real: Path,
    roots: Sequence[Path],
    max_bytes: int | None = None,
    folder: str = "dossier autorisé",
) -> ReadFile:
    """``read_file`` for a path ``check_file`` already returned: checked on the open file only."""
    try:
        descriptor = os.open(real, _OPEN_FLAGS)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link
            raise UnsafeFile("fichier remplacé par un lien pendant la lecture : non lu") from error
        raise
    try:
        status = os.fstat(descriptor)
        kind = _kind(status.st_mode)
        if kind is not None:
            raise UnsafeFile(f"{kind} : ce n'est pas un fichier ordinaire, non lu")
        opened = _opened_path(descriptor)
        if opened is not None and not _inside(opened, real_roots(roots)):
            raise UnsafeFile(f"fichier déplacé hors du {folder} pendant la lecture : non lu")
        if max_bytes is not None and status.st_size > max_bytes:
            raise FileTooLarge(_too_big(status.st_size, max_bytes))
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
        if max_bytes is not None and len(data) > max_bytes:  # grew while being read
            raise FileTooLarge(_too_big(len(data), max_bytes))
        return ReadFile(data, status.st_mtime)
    finally:
        os.close(descriptor)


def _too_big(size: int, max_bytes: int) -> str:
    return f"fichier trop volumineux ({megabytes(size)}, limite {megabytes(max_bytes)})"
