"""The reindex: incremental by content, deletions, failing and empty sources, one run at a time."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from connectors.base import SkippedDocument
from connectors.files import FilesConnector
from indexing.reindex import (
    Reindexer,
    ReindexLocked,
    RunLock,
    Source,
    SourceStatus,
    files_source,
)
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters, StoreConfig
from tests.conftest import FakeEmbedder, make_pipeline


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def folder(root: Path, name: str = "partage", groups: tuple[str, ...] = ()) -> Source:
    return files_source(name, FilesConnector(root), groups=groups)


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

    def unmounted(_: object) -> list[SkippedDocument]:
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
    assert "partage succès : 1 ajoutés" in result.output
    assert "geocat échec" in result.output
    history = (tmp_path / "data" / "state" / "reindex-history.jsonl").read_text("utf-8")
    run = json.loads(history.splitlines()[-1])
    assert run["status"] == "partiel"
    assert [s["status"] for s in run["sources"]] == ["succes", "echec"]
    only = CliRunner().invoke(app, ["reindex", "--source", "partage"])
    assert only.exit_code == 0, only.output
    assert "1 inchangés" in only.output
    unknown = CliRunner().invoke(app, ["reindex", "--source", "nulle"])
    assert unknown.exit_code != 0 and "inconnue" in str(unknown.exception or unknown.output)

    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.settings import load_settings

    local = ("127.0.0.1", 50000)  # /metrics: this machine's monitoring (security.metrics_*)
    with TestClient(create_app(load_settings()), client=local) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = response.text
    assert "boussole_reindex_last_run_status 0" in metrics  # the last run: partage alone
    assert 'boussole_reindex_documents{source="partage",operation="unchanged"} 1' in metrics
    assert 'boussole_reindex_source_failed{source="partage"} 0' in metrics
    assert "boussole_index_chunks 1" in metrics

    # The quality guard: one question found, one whose answer is not indexed.
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"id": "q1", "question": "délai pour le compte VPN ?", "kind": "procedure",
                    "relevant": ["procédures/vpn.md"], "answer_contains": []}) + "\n"
        + json.dumps({"id": "q2", "question": "le menu de la cantine ?", "kind": "procedure",
                      "relevant": ["cantine.md"], "answer_contains": []}) + "\n",
        "utf-8",
    )  # fmt: skip
    monkeypatch.setenv("BOUSSOLE_REINDEX__QUESTIONS", str(questions))
    guarded = CliRunner().invoke(app, ["reindex", "--source", "partage"])
    assert guarded.exit_code == 0, guarded.output
    assert "Qualité : Recall@5 0.500, MRR@10 0.500" in guarded.output
    history_file = tmp_path / "data" / "state" / "reindex-history.jsonl"
    better = json.loads(history_file.read_text("utf-8").splitlines()[-1])
    better["quality"].update({"recall@5": 1.0, "mrr@10": 1.0})  # as if it had been better
    with history_file.open("a", encoding="utf-8") as history_out:
        history_out.write(json.dumps(better) + "\n")
    degraded = CliRunner().invoke(app, ["reindex", "--source", "partage"])
    assert degraded.exit_code == 4, degraded.output
    assert "DÉGRADÉE" in degraded.output and "(avant : 1.000 / 1.000)" in degraded.output
    last = json.loads(history_file.read_text("utf-8").splitlines()[-1])
    assert last["degraded"] is True and last["quality"]["previous"]["recall@5"] == 1.0
    with TestClient(create_app(load_settings()), client=local) as client:
        metrics = client.get("/metrics").text
    assert "boussole_reindex_last_run_degraded 1" in metrics
    assert "boussole_reindex_recall_at_5 0.5000" in metrics


def test_a_search_never_meets_two_versions_and_a_torn_document_is_redone(
    tmp_path: Path, reindexer: Reindexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "partage"
    write(root, "a.md", "# Télétravail\nDeux jours de télétravail par semaine au maximum.")
    reindexer.run([folder(root)])
    store = reindexer.store
    write(root, "a.md", "# Télétravail\nTrois jours de télétravail par semaine au maximum.")
    with monkeypatch.context() as patch:  # the run dies between writing and deleting
        patch.setattr(store.client, "delete", lambda *args, **kwargs: None)
        reindexer.run([folder(root)])
    assert len({row["version"] for row in store.payloads(["version"])}) == 2
    from indexing.sparse import FrenchBm25

    hits = store.search(
        dense=None, sparse=FrenchBm25().embed_query("jours de télétravail"), limit=10, candidates=10
    )
    assert {hit.payload["text"].split()[0] for hit in hits} == {"Trois"}
    assert store.document_versions() == {"a.md": ""}  # torn: the next run writes it again
    result = reindexer.run([folder(root)]).sources[0]
    assert result.updated == 1
    assert len({row["version"] for row in store.payloads(["version"])}) == 1


KILLED_RUN = """
import sys, time
from pathlib import Path
from typing import Any
sys.path.insert(0, {root!r})
from connectors.files import FilesConnector
from indexing.reindex import Reindexer, files_source
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, StoreConfig
from tests.conftest import FakeEmbedder, make_pipeline

class Slow(FakeEmbedder):
    def embed_passages(self, texts):
        print("batch", flush=True)
        time.sleep(0.3)
        return super().embed_passages(texts)

store = QdrantStore(StoreConfig(collection="test", path=Path({index!r})))
pipeline = make_pipeline(Slow(), FrenchBm25(), store)
pipeline.batch_chunks = 2
Reindexer(pipeline, store).run([files_source("partage", FilesConnector(Path({docs!r})))])
print("done", flush=True)
"""


def chunk_set(store: QdrantStore) -> set[tuple[str, int, str]]:
    rows = store.payloads(["doc_id", "chunk_index", "text"])
    return {(row["doc_id"], row["chunk_index"], row["text"]) for row in rows}


def test_a_run_killed_midway_then_a_normal_run_equals_a_clean_index(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25
) -> None:
    docs = tmp_path / "partage"
    for number in range(12):
        write(docs, f"p{number:02}.md", f"# Procédure {number}\nÉtape {number} de la procédure.")
    index = tmp_path / "index"
    script = KILLED_RUN.format(
        root=str(Path(__file__).resolve().parents[1]), index=str(index), docs=str(docs)
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    for number in range(0, 12, 3):  # a changed corpus, re-indexed by a run that gets killed
        write(docs, f"p{number:02}.md", f"# Procédure {number}\nÉtape {number}, modifiée.")
    (docs / "p11.md").unlink()
    write(docs, "p12.md", "# Procédure 12\nNouvelle étape.")
    killed = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert killed.stdout is not None
    batches = 0
    for line in killed.stdout:
        batches += line.startswith("batch")
        if batches == 2:
            killed.kill()  # SIGKILL, mid-run
            break
    killed.wait()
    assert killed.returncode == -9

    store = QdrantStore(StoreConfig(collection="test", path=index))
    try:
        assert store.count() > 0  # still searchable
        Reindexer(make_pipeline(fake_embedder, bm25, store), store).run(
            [files_source("partage", FilesConnector(docs))]
        )
        after_crash = chunk_set(store)
    finally:
        store.close()
    clean_store = QdrantStore(StoreConfig(collection="test", path=tmp_path / "clean"))
    try:
        Reindexer(make_pipeline(fake_embedder, bm25, clean_store), clean_store).run(
            [files_source("partage", FilesConnector(docs))]
        )
        assert after_crash == chunk_set(clean_store)
    finally:
        clean_store.close()


def test_an_unchanged_file_is_not_even_parsed(
    tmp_path: Path, reindexer: Reindexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "partage"
    write(root, "a.md", "# A\nTexte A.")
    write(root, "b.md", "# B\nTexte B.")
    reindexer.run([folder(root)])
    parsed: list[str] = []
    original = FilesConnector._parse

    def spy(self: FilesConnector, path: Path, loaded: object) -> object:
        parsed.append(path.name)
        return original(self, path, loaded)  # type: ignore[arg-type]

    monkeypatch.setattr(FilesConnector, "_parse", spy)
    write(root, "b.md", "# B\nTexte B, modifié.")
    result = reindexer.run([folder(root)]).sources[0]
    assert parsed == ["b.md"] and (result.unchanged, result.updated) == (1, 1)
    parsed.clear()
    regrouped = reindexer.run([folder(root, groups=("dpo",))]).sources[0]
    assert sorted(parsed) == ["a.md", "b.md"]  # new access groups: every document redone
    assert regrouped.updated == 2


def test_records_deleted_from_a_catalogue_server_are_deleted_here(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    import re
    import shutil

    from assistant import factory
    from assistant.settings import load_settings
    from tests.conftest import CORPUS
    from tests.pycsw.fixture import pycsw_server

    records = CORPUS / "catalogue" / "iso19139_IGNF_validator"
    fewer = tmp_path / "fewer"
    shutil.copytree(records, fewer)
    removed = fewer / "fr-210800405-08042-plu20140213.xml"
    identifier = re.search(
        r"<gmd:fileIdentifier>\s*<gco:CharacterString>([^<]+)<", removed.read_text("utf-8")
    )
    assert identifier is not None
    removed.unlink()
    reindexer = Reindexer(make_pipeline(fake_embedder, bm25, store), store)

    def run(url: str) -> Any:
        settings = load_settings(
            tmp_path / "absent.yaml",
            data_dir=tmp_path / "data",
            sources=[{"name": "geocat", "type": "csw", "url": url, "page_size": 10}],
        )
        sources, after = factory.declared_sources(settings)
        report = reindexer.run(sources)
        after(report)
        return report.sources[0]

    with pycsw_server(records, tmp_path / "all") as csw:
        first = run(csw.url)
    with pycsw_server(fewer, tmp_path / "fewer-server") as csw:
        second = run(csw.url)
    assert first.status == SourceStatus.SUCCESS and first.added >= 14
    assert second.status == SourceStatus.SUCCESS
    # Each record links to its server (GetRecordById), and the second one has another port:
    # the 14 that remain are rewritten, the one gone is deleted.
    assert second.deleted == 1 and second.seen == first.added - 1
    assert not any(identifier.group(1) in doc for doc in ids(store, "geocat"))
