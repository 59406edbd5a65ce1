"""The runtime's reuse of catalogue links: per index, register version and set of groups."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import factory, runtime
from assistant.links import CatalogueLinks
from assistant.runtime import Runtime
from assistant.search import SearchService
from assistant.settings import load_settings
from guardrails.access import Reader
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, StoreConfig
from tests.conftest import FakeEmbedder


def test_links_are_reused_until_the_register_or_the_reader_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder: FakeEmbedder
) -> None:
    register = tmp_path / "registre.csv"
    register.write_text("id;intitule\n", "utf-8")
    settings = load_settings(
        tmp_path / "absent.yaml",
        data_dir=tmp_path / "data",
        conventions={"register_file": str(register)},
    )
    built: list[tuple[str, ...] | None] = []

    def catalogue_links(_: object, search: SearchService) -> CatalogueLinks:
        built.append(search.reader.allowed())
        return CatalogueLinks([], [])

    monkeypatch.setattr(factory, "catalogue_links", catalogue_links)
    clock = [1000.0]
    monkeypatch.setattr(runtime.time, "monotonic", lambda: clock[0])
    store = QdrantStore(StoreConfig(collection="test", path=None))
    service = SearchService(
        embedder=fake_embedder,  # type: ignore[arg-type]
        sparse=FrenchBm25(),
        store=store,
        settings=settings.search,
    )
    parts = Runtime(settings)
    agent = service.as_reader(Reader.of("agent", ["agents"]))
    first = parts.links(agent)
    assert parts.links(agent) is first and len(built) == 1  # reused
    parts.links(service.as_reader(Reader.of("dpo", ["dpo"])))
    assert len(built) == 2  # other groups, other links
    register.write_text("id;intitule\nC1;Convention cadastre\n", "utf-8")
    os.utime(register, ns=(1, 1))
    assert parts.links(agent) is not first and len(built) == 3  # the register changed
    clock[0] += runtime.LINKS_TTL_S + 1
    parts.links(agent)
    assert len(built) == 4  # too old: read again
    other_index = service.over(QdrantStore(StoreConfig(collection="test", path=None)))
    parts.links(other_index.as_reader(Reader.of("agent", ["agents"])))
    assert len(built) == 5  # a new generation of the index
