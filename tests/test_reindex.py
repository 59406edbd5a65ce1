"""The reindex: incremental by content, deletions, failing and empty sources, one run at a time."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from connectors.base import SkippedDocument
from connectors.files import FilesConnector
from indexing.reindex import Reindexer, ReindexLocked, RunLock, Source, SourceStatus
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters
from tests.conftest import FakeEmbedder, make_pipeline


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def folder(root: Path, name: str = "partage", groups: tuple[str, ...] = ()) -> Source:
    connector = FilesConnector(root)
    return Source(name, connector.scan, groups)


@pytest.fixture
def reindexer(fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore) -> Reindexer:
    return Reindexer(make_pipeline(fake_embedder, bm25, store), store)


def ids(store: QdrantStore, source: str) -> set[str]:
    return set(store.document_versions(source=source))


def test_only_what_changed_is_redone(tmp_path: Path, reindexer: Reindexer) -> None:
    root = tmp_path / "partage"
    for name in ("a.md", "b.md", "c.md"):
        write(root, name, f"# {name}\nProcédure {name} : texte de la procédure.")
    first = reindexer.run([folder(root, groups=("agents",))]).sources[0]
    assert (first.added, first.updated, first.deleted, first.unchanged) == (3, 0, 0, 0)
    again = reindexer.run([folder(root, groups=("agents",))]).sources[0]
    assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 3)

    write(root, "a.md", "# a.md\nProcédure modifiée.")
    write(root, "d.md", "# d.md\nNouvelle procédure.")
    (root / "c.md").unlink()
    result = reindexer.run([folder(root, groups=("agents",))]).sources[0]
    assert (result.added, result.updated, result.deleted, result.unchanged) == (1, 1, 1, 1)
    assert result.status == SourceStatus.SUCCESS
    assert ids(reindexer.store, "partage") == {"a.md", "b.md", "d.md"}
    groups = reindexer.store.payloads(["access_groups"], SearchFilters(source="partage"))
    assert all(row["access_groups"] == ["agents"] for row in groups)


def test_a_failing_source_keeps_its_documents_and_the_others_go_on(
    tmp_path: Path, reindexer: Reindexer
) -> None:
    shared, other = tmp_path / "partage", tmp_path / "autre"
    write(shared, "a.md", "# A\nTexte A.")
    write(other, "b.md", "# B\nTexte B.")
    reindexer.run([folder(shared), folder(other, "autre")])

    def unmounted() -> list[SkippedDocument]:
        raise OSError("partage non monté")

    write(other, "c.md", "# C\nTexte C.")
    report = reindexer.run([Source("partage", unmounted), folder(other, "autre")])
    failed, fine = report.sources
    assert failed.status == SourceStatus.FAILED and "partage non monté" in (failed.error or "")
    assert ids(reindexer.store, "partage") == {"a.md"}
    assert fine.status == SourceStatus.SUCCESS and fine.added == 1
    assert report.status.value == "partiel"


def test_a_source_that_suddenly_has_nothing_is_a_failure(
    tmp_path: Path, reindexer: Reindexer
) -> None:
    root = tmp_path / "partage"
    write(root, "a.md", "# A\nTexte A.")
    reindexer.run([folder(root)])
    (root / "a.md").unlink()
    refused = reindexer.run([folder(root)]).sources[0]
    assert refused.status == SourceStatus.FAILED and "aucun document" in (refused.error or "")
    assert ids(reindexer.store, "partage") == {"a.md"}
    emptied = reindexer.run([folder(root)], allow_empty=True).sources[0]
    assert emptied.deleted == 1 and ids(reindexer.store, "partage") == set()


def test_a_file_that_turns_bad_keeps_its_indexed_version(
    tmp_path: Path, reindexer: Reindexer
) -> None:
    root = tmp_path / "partage"
    write(root, "a.md", "# A\nTexte A.")
    write(root, "b.md", "# B\nTexte B.")
    reindexer.run([folder(root)])
    (root / "b.md").write_bytes(b"")  # emptied by a failed copy
    result = reindexer.run([folder(root)]).sources[0]
    assert result.status == SourceStatus.PARTIAL and result.deleted == 0
    assert ids(reindexer.store, "partage") == {"a.md", "b.md"}


def test_full_reembeds_everything(tmp_path: Path, reindexer: Reindexer) -> None:
    root = tmp_path / "partage"
    write(root, "a.md", "# A\nTexte A.")
    reindexer.run([folder(root)])
    result = reindexer.run([folder(root)], full=True).sources[0]
    assert (result.updated, result.unchanged) == (1, 0)


def test_one_run_at_a_time_and_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "state" / "reindex.lock"
    with RunLock(path), pytest.raises(ReindexLocked, match="déjà en cours"), RunLock(path):
        pass
    assert not path.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "since": "x"}), "utf-8"
    )
    with RunLock(path) as lock:
        assert lock.recovered is not None and lock.recovered["pid"] == int(dead.stdout)
        assert json.loads(path.read_text("utf-8"))["pid"] == os.getpid()


@pytest.mark.slow
def test_cli_reindex_reports_and_keeps_a_history(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "partage"
    write(root, "procédures/vpn.md", "# VPN\nLe compte VPN est ouvert sous huit jours ouvrés.")
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "sources:\n"
        f"  - {{name: partage, type: files, path: '{root}', groups: [agents]}}\n"
        "  - {name: geocat, type: csw, url: 'http://127.0.0.1:9/csw', timeout_s: 1}\n",
        "utf-8",
    )
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(settings))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    result = CliRunner().invoke(app, ["reindex"])
    assert result.exit_code == 3, result.output  # the catalogue server is down: partial
    assert "partage succes : 1 ajoutés" in result.output
    assert "geocat echec" in result.output
    history = (tmp_path / "data" / "state" / "reindex-history.jsonl").read_text("utf-8")
    run = json.loads(history.splitlines()[-1])
    assert run["status"] == "partiel"
    assert [s["status"] for s in run["sources"]] == ["succes", "echec"]
    only = CliRunner().invoke(app, ["reindex", "--source", "partage"])
    assert only.exit_code == 0, only.output
    assert "1 inchangés" in only.output
    unknown = CliRunner().invoke(app, ["reindex", "--source", "nulle"])
    assert unknown.exit_code != 0 and "inconnue" in str(unknown.exception or unknown.output)
