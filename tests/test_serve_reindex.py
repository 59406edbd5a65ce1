"""The weekly reindex beside the live service, on the embedded index (issue 18's bar).

``boussole serve`` runs in its own process; a file is added to a declared source and two
files change; ``boussole reindex`` runs while a client keeps searching. The run succeeds,
no search fails, every answer shows the old index or the new one (never one changed file
old and the other new), and the new file is found through the same server, not restarted.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.servers import boussole_serve, serve_environment

MARKER = "code de bascule"
OLD, NEW = "ALPHA", "OMEGA"
NEW_TERM = "zorglub"


def boussole(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A ``boussole`` command in its own process, as the systemd timer runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from ui.cli import main; main()", *args],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def write_marked(docs: Path, marker: str) -> None:
    """Two procedures that always change together: a search sees both old or both new."""
    for name, topic in (("acces-vpn.md", "l'accès VPN"), ("badge.md", "le badge d'accès")):
        (docs / name).write_text(
            f"# Procédure pour {topic}\n\nLe {MARKER} de cette procédure est {marker}. "
            f"Demandez {topic} au centre de services de la DSIN.",
            "utf-8",
        )


@dataclass
class Searches:
    """What the client saw while the reindex ran."""

    done: int = 0
    failures: list[str] = field(default_factory=list)
    mixed: list[list[str]] = field(default_factory=list)
    markers: set[str] = field(default_factory=set)


def keep_searching(base: str, stop: threading.Event, seen: Searches) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            try:
                response = client.post("/search", json={"query": f"{MARKER} procédure", "k": 10})
            except httpx.HTTPError as exc:
                seen.failures.append(type(exc).__name__)
                continue
            seen.done += 1
            if response.status_code != 200:
                seen.failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
                continue
            found = sorted(
                marker
                for hit in response.json()["hits"]
                for marker in (OLD, NEW)
                if f"{MARKER} de cette procédure est {marker}" in hit["text"]
            )
            seen.markers.update(found)
            if len(set(found)) > 1:
                seen.mixed.append(found)


@pytest.mark.slow
def test_reindex_beside_the_running_server(tmp_path: Path, model_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_marked(docs, OLD)
    (docs / "conges.md").write_text(
        "# Congés\n\nLes congés annuels se posent dans le portail RH, un mois à l'avance.",
        "utf-8",
    )
    values = {
        "data_dir": str(tmp_path / "data"),
        "embedding": {"model": str(model_dir)},
        "sources": [{"name": "procedures", "type": "files", "path": str(docs)}],
        "security": {"rate_limit": "100000/minute"},
    }
    env = serve_environment(tmp_path, values)
    first = boussole(env, "reindex")  # no server yet: written in place
    assert first.returncode == 0, first.stdout + first.stderr

    with boussole_serve(env, tmp_path / "serve.log") as base:
        before = httpx.get(f"{base}/health", timeout=10).json()
        assert before["generation"] == "qdrant"
        write_marked(docs, NEW)
        (docs / "zorglub.md").write_text(
            f"# Déclaration des {NEW_TERM}s\n\nChaque {NEW_TERM} se déclare au service "
            "des moyens généraux avant la fin du trimestre.",
            "utf-8",
        )
        seen, stop = Searches(), threading.Event()
        client = threading.Thread(target=keep_searching, args=(base, stop, seen))
        client.start()
        try:
            time.sleep(1)
            run = boussole(env, "reindex")
            during = seen.done
            time.sleep(1)
        finally:
            stop.set()
            client.join(timeout=60)

        assert run.returncode == 0, run.stdout + run.stderr
        assert "sert le nouvel index" in run.stderr
        assert seen.failures == []
        assert during >= 5, f"only {during} searches while the reindex ran"
        assert seen.mixed == []  # old or new, never one file of each
        assert seen.markers == {OLD, NEW}  # the client saw the switch happen
        found = httpx.post(f"{base}/search", json={"query": f"déclarer un {NEW_TERM}"}, timeout=30)
        assert found.json()["hits"][0]["source_path"] == "zorglub.md"
        after = httpx.get(f"{base}/health", timeout=10).json()
        assert after["generation"] != "qdrant" and after["chunks"] > before["chunks"]

    data = tmp_path / "data"
    assert (data / "qdrant.live").read_text("utf-8").strip() == after["generation"]
    folders = sorted(path.name for path in data.iterdir() if path.name.startswith("qdrant"))
    assert folders == [after["generation"], "qdrant.live"]  # the old generation is gone
    assert not (data / "state" / "serving.json").exists()  # the server withdrew on exit

    # The server stopped: the next run writes in place in the generation in use.
    (docs / "conges.md").unlink()
    alone = boussole(env, "reindex")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "copie" not in alone.stderr
    assert (data / "qdrant.live").read_text("utf-8").strip() == after["generation"]
