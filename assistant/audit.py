"""The audit log: one JSON line per question, with who asked and which documents came back.

Each line: ``time`` (UTC), ``user``, ``address`` (the client: the peer, or the address a
trusted proxy forwarded; null for the chat), ``endpoint``, the question as ``audit.query`` says
(the text, a keyed hash — the same question always gives the same value, which nobody
can read back without the key kept in the data folder — or nothing), ``documents``: the
ids of the documents returned, and ``request_id``: the request's ``X-Request-ID``, as in the
server's log lines (null for the chat over its socket, which has none). Files rotate
(``audit.rotate_when``) and the last ``audit.retention_files`` are kept, by the standard
library's rotating handler.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

from assistant.logs import current_request_id
from assistant.settings import AuditQuery, AuditSettings

KEY_FILE = "audit.key"


class AuditLog:
    """Append audit lines to a rotating JSON Lines file (thread-safe, as logging is)."""

    def __init__(self, path: Path, settings: AuditSettings) -> None:
        self.path = path
        self.settings = settings
        path.parent.mkdir(parents=True, exist_ok=True)
        self.key = _key(path.parent / KEY_FILE)
        self.logger = logging.getLogger(f"boussole.audit.{path}")
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        if not self.logger.handlers:
            handler = TimedRotatingFileHandler(
                path,
                when=settings.rotate_when,
                backupCount=settings.retention_files,
                encoding="utf-8",
                utc=True,
            )
            handler.setFormatter(logging.Formatter("%(message)s"))
            self.logger.addHandler(handler)

    def query_value(self, query: str) -> str | None:
        """The question as the settings keep it."""
        if self.settings.query == AuditQuery.CLEAR:
            return query
        if self.settings.query == AuditQuery.HASH:
            folded = " ".join(query.split()).lower()
            return "hmac-sha256:" + hmac.new(self.key, folded.encode(), hashlib.sha256).hexdigest()
        return None

    def record(
        self,
        *,
        user: str,
        endpoint: str,
        query: str,
        documents: Iterable[str],
        address: str | None = None,
    ) -> None:
        """Write one line."""
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": user,
            "address": address,
            "endpoint": endpoint,
            "query": self.query_value(query),
            "documents": list(dict.fromkeys(documents)),
            "request_id": current_request_id(),
        }
        self.logger.info(json.dumps(line, ensure_ascii=False))

    def close(self) -> None:
        """Flush and release the file."""
        for handler in list(self.logger.handlers):
            handler.close()
            self.logger.removeHandler(handler)


def _key(path: Path) -> bytes:
    """The hashing key, made once and kept owner-only beside the log."""
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text("utf-8").strip())
