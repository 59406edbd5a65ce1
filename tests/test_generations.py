"""Generations of the embedded index: copy, publish, refuse, collect, and who serves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.errors import IndexUnavailableError
from indexing.generations import (
    IndexChangedError,
    IndexGenerations,
    ServingRecord,
    process_alive,
)
from indexing.sparse import SparseVector
from indexing.store import ChunkRecord, QdrantStore, StoreConfig


def fill(folder: Path, texts: list[str]) -> None:
    """A real local-mode Qdrant index in ``folder`` holding one chunk per text."""
    store = QdrantStore(StoreConfig(collection="test", path=folder))
    try:
        store.ensure_collection(dim=3, model="fake")
        for number, text in enumerate(texts):
            chunk = ChunkRecord(
                doc_id=f"doc{number}",
                index=0,
                dense=[1.0, float(number), 0.5],
                sparse=SparseVector([number], [1.0]),
                sparse_label=SparseVector([], []),
                payload={"source_path": f"doc{number}.md", "text": text},
            )
            store.replace_document(f"doc{number}", "v1", [chunk])
    finally:
        store.close()


def texts(folder: Path) -> set[str]:
    store = QdrantStore(StoreConfig(collection="test", path=folder))
    try:
        return {str(payload.get("text")) for payload in store.payloads(["text"])}
    finally:
        store.close()


@pytest.fixture
def generations(tmp_path: Path) -> IndexGenerations:
    base = tmp_path / "qdrant"
    fill(base, ["ancien"])
    return IndexGenerations(base)


def test_a_published_copy_becomes_the_index_in_use(generations: IndexGenerations) -> None:
    assert generations.live() == generations.base  # no pointer yet: the first folder
    generation = generations.prepare()
    assert generation.path.parent == generations.base.parent
    assert not (generation.path / ".lock").exists()  # Qdrant's lock stays behind
    fill(generation.path, ["ancien", "nouveau"])
    assert texts(generations.base) == {"ancien"}  # the index in use is untouched
    generations.publish(generation)
    assert generations.live() == generation.path
    assert texts(generations.live()) == {"ancien", "nouveau"}
    assert generations.collect() == [generations.base]
    assert not generations.base.exists() and generation.path.exists()


def test_a_copy_is_refused_when_the_index_in_use_changed_meanwhile(
    generations: IndexGenerations,
) -> None:
    generation = generations.prepare()
    fill(generations.base, ["écrit entre-temps"])  # a `boussole index` after the copy
    with pytest.raises(IndexChangedError, match="Relancez"):
        generations.publish(generation)
    assert generations.live() == generations.base  # nothing written is lost
    assert "écrit entre-temps" in texts(generations.base)
    assert not generation.path.exists()


def test_collect_keeps_the_folder_in_use_and_the_ones_asked(
    generations: IndexGenerations,
) -> None:
    first, second = generations.prepare(), generations.prepare()
    generations.publish(second)
    stranger = generations.base.with_name("qdrant-à-garder")  # not a generation's name
    stranger.mkdir()
    removed = generations.collect(keep=[first.path])
    assert removed == [generations.base]
    assert first.path.exists() and second.path.exists() and stranger.exists()


@pytest.mark.parametrize(
    "pointer",
    [
        "../ailleurs",
        "/etc",
        "qdrant-../../etc",
        "qdrant-20261203T120000Z-zzzzzz",
        "qdrant-20261203T120000Z-abcdef\n/etc",
        "",
    ],
)
def test_a_pointer_that_names_no_generation_stops_the_start(
    generations: IndexGenerations, pointer: str
) -> None:
    generations.pointer.write_text(pointer, "utf-8")
    with pytest.raises(IndexUnavailableError, match=r"qdrant\.live"):
        generations.live()


def test_a_pointer_to_a_vanished_or_linked_generation_is_refused(
    generations: IndexGenerations, tmp_path: Path
) -> None:
    name = "qdrant-20261203T120000Z-abcdef"
    generations.pointer.write_text(name, "utf-8")
    with pytest.raises(IndexUnavailableError, match="n'est pas une génération"):
        generations.live()  # gone: never a silent fall back to an old folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (generations.base.parent / name).symlink_to(elsewhere)
    with pytest.raises(IndexUnavailableError, match="n'est pas une génération"):
        generations.live()


def test_a_link_inside_the_index_stops_the_copy(
    generations: IndexGenerations, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe", "utf-8")
    (generations.base / "collection" / "lien").symlink_to(secret)
    with pytest.raises(IndexUnavailableError, match="Lien symbolique"):
        generations.prepare()


def test_the_serving_record_names_a_live_process_only(tmp_path: Path) -> None:
    record = ServingRecord(tmp_path / "state" / "serving.json")
    assert record.current() is None
    record.announce(tmp_path / "qdrant-20261203T120000Z-abcdef")
    serving = record.current()
    assert serving is not None and serving.pid == os.getpid()
    assert serving.generation == "qdrant-20261203T120000Z-abcdef"
    record.withdraw()
    assert not record.path.exists()

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    host = socket.gethostname()
    for content in (
        json.dumps({"pid": int(gone.stdout), "host": host, "generation": "qdrant"}),  # dead
        json.dumps({"pid": os.getpid(), "host": "autre-machine", "generation": "qdrant"}),
        json.dumps({"pid": -1, "host": host, "generation": "qdrant"}),
        json.dumps({"pid": "1", "host": host, "generation": "qdrant"}),
        json.dumps([1, 2]),
        "{pas du json",
    ):
        record.path.write_text(content, "utf-8")
        assert record.current() is None, content


def test_withdraw_leaves_another_process_record(tmp_path: Path) -> None:
    record = ServingRecord(tmp_path / "serving.json")
    record.path.write_text(
        json.dumps({"pid": 1, "host": socket.gethostname(), "generation": "qdrant"}), "utf-8"
    )
    record.withdraw()
    assert record.path.exists()


def test_no_process_is_alive_at_zero_or_below() -> None:
    assert not process_alive(0) and not process_alive(-1)
    assert process_alive(os.getpid())
