"""What tests that start servers or browsers share: a free port, Debian's Chromium."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root, offline, with nothing of its own going out (OFFLINE.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A port the kernel hands out for port 0 on loopback (tiny race window, fine here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; checked before the model or the index are prepared."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} est absent : installez-le avec « apt-get install -y chromium »."
    if os.environ.get("BOUSSOLE_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (BOUSSOLE_REQUIRE_BROWSER=1)")
    pytest.skip(message)


@contextmanager
def environment(
    values: Mapping[str, str], *, unset: Iterable[str] = ("QDRANT_URL",)
) -> Iterator[None]:
    """Environment variables for a module's server (fixtures outlive ``monkeypatch``)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        for name in unset:
            patch.delenv(name, raising=False)
        yield
