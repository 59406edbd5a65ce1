"""Start the real pycsw CSW server (tests/pycsw/server.py) on loopback for a test.

pycsw lives in its own venv, `.venv-pycsw` (it needs sqlalchemy<2), so the server runs as a
subprocess; this module is stdlib + pytest only. Tests skip when that venv is absent, so CI
must create it: `python3 -m venv .venv-pycsw && .venv-pycsw/bin/pip install --require-hashes
--no-deps -r requirements-pycsw.lock`.

    with pycsw_server(CORPUS / "catalogue" / "iso19139_plume", tmp_path) as csw:
        CatalogueServiceWeb(csw.url, skip_caps=True) ...
        csw.load(edited_dir)  # upsert edited records into the running server
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-pycsw" / "bin" / "python"
SERVER = Path(__file__).with_name("server.py")
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class PycswServer:
    """A running server: its CSW endpoint and the workdir holding its config, DB and logs."""

    url: str
    workdir: Path

    def load(self, records_dir: Path) -> str:
        """Upsert records_dir into the live DB (same fileIdentifier = update); stderr report."""
        done = subprocess.run(
            [str(PYTHON), str(SERVER), "load", "--records", str(records_dir),
             "--workdir", str(self.workdir)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"pycsw load failed ({done.returncode}):\n{done.stderr}")
        return done.stderr


@contextmanager
def pycsw_server(records_dir: Path, tmp_path: Path) -> Iterator[PycswServer]:
    """Load records_dir into a fresh pycsw, serve it on 127.0.0.1, stop it on exit."""
    if not PYTHON.exists():
        if os.environ.get("BOUSSOLE_REQUIRE_PYCSW"):  # `make test` builds it: never skip there
            pytest.fail(f"{PYTHON} absent: run `make pycsw`")
        pytest.skip(
            f"{PYTHON.relative_to(ROOT)} absent: python3 -m venv .venv-pycsw && .venv-pycsw/bin/pip"
            " install --require-hashes --no-deps -r requirements-pycsw.lock"
        )
    workdir = tmp_path / "pycsw"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    stdout, stderr = workdir / "stdout.log", workdir / "stderr.log"
    # Files, not pipes: an undrained pipe would block the server once its buffer fills.
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen(
            [str(PYTHON), str(SERVER), "serve", "--records", str(records_dir),
             "--port", str(port), "--workdir", str(workdir)],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "READY" not in stdout.read_text(encoding="utf-8", errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"pycsw server not ready (rc={proc.poll()}):\n{stderr.read_text()[-4000:]}"
                )
            time.sleep(0.1)
        print(stderr.read_text().strip(), file=sys.stderr)  # loaded/failed counts, shown on failure
        yield PycswServer(url=f"http://127.0.0.1:{port}/csw", workdir=workdir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
