"""Who may use the chat and the command line's ``--as-user``: the users file.

- ``ui.users_file``: a YAML or JSON file of users, each with a salted scrypt hash of
  their password and their groups (``python -m assistant.users`` prints a hash)::

      users:
        marie.dupont:
          name: Marie Dupont
          password: "scrypt$16384$8$1$<sel>$<empreinte>"
          groups: [dsin, dpo]

- Behind a reverse proxy (``security.trusted_proxies``), the ``X-Remote-User`` and
  ``X-Remote-Groups`` (comma-separated) headers name the user; they are believed only from
  the proxies' addresses (see ``assistant/security.py``).
- ``CHAINLIT_AUTH_SECRET``: signs the chat's session tokens. When absent, one is generated
  once into ``<data_dir>/chat_auth_secret`` (owner-only file); an example value is refused.

The file is read at each login, so adding a user or changing a password needs no restart.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.security import header_identity, replace_private_file
from connectors.errors import ConfigurationError
from guardrails.access import Reader

SECRET_ENV = "CHAINLIT_AUTH_SECRET"
SECRET_FILE = "chat_auth_secret"

# scrypt cost: 16 MiB and about 50 ms per check on a small server.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_MAX_N = 2**20
_PLACEHOLDERS = ("changeme", "change-me", "change_me", "changethis", "your-secret", "your_secret")
MIN_SECRET_CHARS = 32


@dataclass(frozen=True)
class ChatUser:
    """A person allowed in the chat, and the groups they belong to."""

    identifier: str
    display_name: str | None
    groups: tuple[str, ...]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=32
    )


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash, as the users file stores it."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a stored hash; a malformed hash matches nothing."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = (int(value) for value in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        return False
    if not salt or not expected:
        return False
    actual = _scrypt(password, salt, n, r, p)
    return hmac.compare_digest(actual, expected)


# Checked for unknown names too, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password("", salt=b"\0" * 16)


@dataclass(frozen=True)
class _Entry:
    password: str
    display_name: str | None
    groups: tuple[str, ...]


def _groups(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigurationError(f"{where} : « groups » doit être une liste de noms de groupes.")
    return tuple(item.strip() for item in value if item.strip())


def load_users(path: Path) -> dict[str, _Entry]:
    """The users file, checked; a file that cannot be used stops the login with a reason."""
    return _entries(_decode(path), path)


def _decode(path: Path) -> Any:
    """The users file as YAML or JSON (by its suffix), errors naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"Fichier des utilisateurs illisible : {path} ({exc.strerror or exc}). "
            "Vérifiez le réglage ui.users_file."
        ) from exc
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path} n'est pas du YAML ou du JSON valide : {exc}") from exc
    return raw


def _entries(raw: Any, path: Path) -> dict[str, _Entry]:
    """The accounts of a decoded users file, each field checked."""
    users = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(users, dict):
        raise ConfigurationError(
            f"{path} doit contenir une clé « users » : identifiant -> password, groups, name."
        )
    entries: dict[str, _Entry] = {}
    for name, fields in users.items():
        where = f"{path}, utilisateur « {name} »"
        if not isinstance(fields, dict) or not isinstance(fields.get("password"), str):
            raise ConfigurationError(
                f"{where} : « password » manque (empreinte donnée par python -m assistant.users)."
            )
        display = fields.get("name")
        entries[str(name)] = _Entry(
            password=fields["password"],
            display_name=str(display) if display else None,
            groups=_groups(fields.get("groups"), where),
        )
    return entries


MIN_PASSWORD_CHARS = 12
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def add_user(
    path: Path,
    username: str,
    password: str,
    groups: Iterable[str],
    display_name: str | None = None,
) -> None:
    """Add an account to the users file (created if absent), its password stored hashed."""
    if not _USER_NAME.fullmatch(username):
        raise ConfigurationError(
            f"Identifiant refusé « {username} » : lettres, chiffres et . _ @ - "
            "(64 caractères au plus, commençant par une lettre ou un chiffre)."
        )
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigurationError(
            f"Mot de passe trop court : {MIN_PASSWORD_CHARS} caractères au moins."
        )
    raw = _raw_users(path)
    if username in raw["users"]:
        raise ConfigurationError(f"{path} : l'utilisateur « {username} » existe déjà.")
    entry: dict[str, Any] = {
        "password": hash_password(password),
        "groups": sorted({group.strip() for group in groups if group.strip()}),
    }
    if display_name and display_name.strip():
        entry["name"] = display_name.strip()
    raw["users"][username] = entry
    _write_users(path, raw)


def remove_user(path: Path, username: str) -> None:
    """Remove an account; the chat refuses its next login."""
    raw = _raw_users(path)
    if username not in raw["users"]:
        known = ", ".join(sorted(raw["users"])) or "aucun"
        raise ConfigurationError(f"{path} : aucun utilisateur « {username} » (comptes : {known}).")
    del raw["users"][username]
    _write_users(path, raw)


def _raw_users(path: Path) -> dict[str, Any]:
    """The file as written (other entries kept as they are), once it is known to be valid."""
    if not path.exists():
        return {"users": {}}
    raw = _decode(path)
    _entries(raw, path)  # a file the chat could not use is reported, never overwritten
    return dict(raw)


def _write_users(path: Path, raw: dict[str, Any]) -> None:
    """The users file rewritten whole, in its own format, owner-only, swapped in at once."""
    if path.suffix.lower() == ".json":
        text = json.dumps(raw, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=True)
    replace_private_file(path, text)


def check_password(path: Path, username: str, password: str) -> ChatUser | None:
    """The user when the name and password match the users file, else None."""
    entry = load_users(path).get(username.strip())
    if entry is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, entry.password):
        return None
    return ChatUser(username.strip(), entry.display_name, entry.groups)


def from_headers(headers: Mapping[str, str]) -> ChatUser | None:
    """The user a trusted reverse proxy names in its headers, None when it names nobody."""
    named = header_identity(headers)
    return ChatUser(named[0], None, named[1]) if named else None


def reader_named(path: Path | None, name: str) -> Reader | None:
    """The reader a user of the users file stands for (their groups), None if unknown."""
    if path is None:
        return None
    entry = load_users(path).get(name.strip())
    return Reader.of(name.strip(), entry.groups) if entry else None


def _check_secret(value: str, origin: str) -> str:
    folded = value.strip().lower()
    if len(value.strip()) < MIN_SECRET_CHARS or any(word in folded for word in _PLACEHOLDERS):
        raise ConfigurationError(
            f"{origin} ressemble à une valeur d'exemple ou est trop court (moins de "
            f"{MIN_SECRET_CHARS} caractères). Retirez {SECRET_ENV} pour que Boussole en "
            "génère un, ou donnez la sortie de : python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'."
        )
    return value.strip()


def ensure_auth_secret(data_dir: Path, environ: MutableMapping[str, str] = os.environ) -> None:
    """Give Chainlit a session-signing secret: the environment's, else one kept in data_dir.

    The generated secret stays on the server (owner-only file under the data folder, never
    in the repository), so that sessions survive a restart.
    """
    given = environ.get(SECRET_ENV)
    if given is not None:
        _check_secret(given, SECRET_ENV)
        return
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
    environ[SECRET_ENV] = _check_secret(path.read_text(encoding="utf-8"), str(path))


def main() -> None:
    """Print the hash of a password typed twice, for the users file."""
    first = getpass.getpass("Mot de passe : ")
    if first != getpass.getpass("Confirmez : "):
        print("Les deux saisies diffèrent.", file=sys.stderr)
        sys.exit(1)
    if len(first) < MIN_PASSWORD_CHARS:
        print(
            f"Mot de passe trop court : {MIN_PASSWORD_CHARS} caractères au moins.", file=sys.stderr
        )
        sys.exit(1)
    print(hash_password(first))


if __name__ == "__main__":
    main()
