"""What tests that start servers or browsers share: a free port, Debian's Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from assistant.settings import Settings

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


@contextmanager
def boussole_serve(env: Mapping[str, str], log: Path, *, timeout_s: float = 120) -> Iterator[str]:
    """``boussole serve`` in its own process on a free loopback port, until ``/health`` says ok.

    Yields its base address; the server is terminated on the way out (killed if it lingers).
    The access log goes to ``log``: a pipe nobody reads would block the server.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-c", "from ui.cli import main; main()", "serve"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=Path(__file__).resolve().parents[1],
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            assert process.poll() is None, "le serveur s'est arrêté :\n" + log.read_text("utf-8")
            assert time.monotonic() < deadline, f"pas de réponse sur {base} en {timeout_s:.0f} s"
            try:
                if httpx.get(f"{base}/health", timeout=5).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


VPN_PROCEDURE = "# Accès VPN\nLe compte VPN se demande au centre de services, sous cinq jours."


def serve_environment(root: Path, values: Mapping[str, Any]) -> dict[str, str]:
    """``values`` as ``root/settings.yaml``, and the environment of a process that reads it.

    Nothing of the developer's own ``BOUSSOLE_*`` or ``QDRANT_*`` variables leaks in.
    """
    settings_file = root / "settings.yaml"
    settings_file.write_text(json.dumps(values), encoding="utf-8")  # JSON is YAML
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOUSSOLE_", "QDRANT_"))}
    return env | {"BOUSSOLE_SETTINGS": str(settings_file), "PYTHONUNBUFFERED": "1"}


def index_vpn_procedure(root: Path) -> Settings:
    """One procedure in ``root/docs``, indexed with ``root/settings.yaml`` (real model, guard)."""
    from assistant import factory
    from assistant.settings import load_settings
    from tests.conftest import pii_redactor

    docs = root / "docs"
    docs.mkdir()
    (docs / "vpn.md").write_text(VPN_PROCEDURE, "utf-8")
    settings = load_settings(root / "settings.yaml")
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    try:
        pipeline = factory.make_pipeline(settings, embedder, store, pii_redactor())
        pipeline.run(factory.files_connector(settings, docs, None).scan(), root=str(docs))
    finally:
        store.close()
    return settings


def screenshot(page: Page, tmp_path: Path, name: str, *, full_page: bool = True) -> Path:
    """A screenshot in ``tmp_path``, copied to ``$BOUSSOLE_TEST_ARTIFACTS`` when it is set."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=full_page)
    wanted = os.environ.get("BOUSSOLE_TEST_ARTIFACTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(wanted) / name)
    return path
