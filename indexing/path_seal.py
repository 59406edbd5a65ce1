"""Keys that hold a person's name, stored sealed: ``agents/Léa Hnawia/fiche.txt`` never in clear.

A document's key (``doc_id``, ``source_path``) is its path: reindexing compares it with
the files it finds, ``/documents`` opens the file with it. When that path names a person
(its ``display_path`` differs), the index keeps it encrypted with AES-SIV, which is
deterministic: the same path always seals to the same token, so filters, deletions and
version checks still match on it, and nobody who reads the index, its backups or an API
answer learns the name. The key lives beside the index (``<data_dir>/state/path.key``,
mode 0600); whoever holds it can open a token again (the store, ``/documents``).

A lost key costs nothing but time: tokens no longer open, so the next reindex finds those
documents gone and writes them again under tokens of the new key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from connectors.errors import ConfigurationError

PREFIX = "~scelle~"  # a sealed key; no file name a person writes starts so
KEY_BYTES = 64  # AES-256-SIV
_ASSOCIATED = [b"boussole/path/1"]


class PathSealer:
    """Seal and open document keys with one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ConfigurationError(
                f"Clé de scellement des chemins invalide ({len(key)} octets au lieu de "
                f"{KEY_BYTES}) : supprimez-la pour qu'une nouvelle soit créée, puis réindexez."
            )
        self._cipher = AESSIV(key)

    def seal(self, value: str) -> str:
        """The token that stands for ``value`` (always the same for the same value)."""
        if is_sealed(value):
            return value
        sealed = self._cipher.encrypt(value.encode("utf-8"), _ASSOCIATED)
        return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")

    def open(self, value: str) -> str:
        """The key a token stands for; ``value`` itself when it is no token of this key."""
        if not is_sealed(value):
            return value
        body = value[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._cipher.decrypt(raw, _ASSOCIATED).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
            return value

    def variants(self, value: str) -> list[str]:
        """Every stored form ``value`` may have: as given, sealed, opened."""
        return list(dict.fromkeys([value, self.seal(value), self.open(value)]))


def is_sealed(value: str) -> bool:
    """Whether a key is a sealed token."""
    return value.startswith(PREFIX)


def load_or_create_key(path: Path) -> bytes:
    """The sealing key kept at ``path``, created (0600, never overwritten) on first use."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key
