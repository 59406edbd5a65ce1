"""Shared fixtures: real Qdrant local mode everywhere; the real model where it matters."""

from __future__ import annotations

import functools
import hashlib
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.settings import SearchSettings, Settings, load_settings
from connectors.files import FilesConnector
from guardrails.access import AccessPolicy
from guardrails.pii import PiiConfig, PiiRedactor
from indexing.chunking import Chunker
from indexing.embedding import DenseEmbedder, DenseModelSpec
from indexing.pipeline import IndexingPipeline
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, StoreConfig
from tests.postgres import fresh_postgres_warehouse, postgres_warehouse  # noqa: F401
from tests.servers import chromium  # noqa: F401

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: for plumbing tests only."""

    name = "fake-hash-64"
    dim = 64
    window = 512
    passage_prefix = ""
    query_prefix = ""

    def tokenize(self, text: str) -> list[int]:
        return [0, *(hash(word) % 1000 for word in text.split()), 2]

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dim
        for word in text.lower().split():
            digest = hashlib.md5(word.encode()).digest()
            vector[digest[0] % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@functools.cache
def pii_redactor() -> PiiRedactor:
    """The real French PII guard, built once per test session (spaCy loads in seconds)."""
    return PiiRedactor(PiiConfig())


@pytest.fixture(scope="session")
def redactor() -> PiiRedactor:
    return pii_redactor()


@pytest.fixture(scope="session")
def bm25() -> FrenchBm25:
    return FrenchBm25()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QdrantStore]:
    store = QdrantStore(StoreConfig(collection="test", path=tmp_path / "qdrant"))
    yield store
    store.close()


def make_pipeline(
    embedder: FakeEmbedder | DenseEmbedder,
    bm25: FrenchBm25,
    store: QdrantStore,
    max_tokens: int = 200,
    access: AccessPolicy | None = None,
) -> IndexingPipeline:
    chunker = Chunker(
        embedder.tokenize,
        max_tokens=max_tokens,
        overlap_tokens=20,
        min_tokens=8,
        passage_prefix=embedder.passage_prefix,
    )
    store.ensure_collection(dim=embedder.dim, model=embedder.name)
    return IndexingPipeline(
        redactor=pii_redactor(),
        embedder=embedder,
        sparse=bm25,
        chunker=chunker,
        store=store,
        access=access,
        batch_chunks=16,
    )


def index_folder(pipeline: IndexingPipeline, root: Path, kind: str | None = None):  # type: ignore[no-untyped-def]
    connector = FilesConnector(root, kind=kind)
    return pipeline.run(connector.scan(), root=str(root))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real converted model: the one `make test` prepared, else built here once."""
    prepared = os.environ.get("BOUSSOLE_TEST_MODEL_DIR")
    if prepared and (Path(prepared) / "model.onnx").exists():
        return Path(prepared)
    from indexing.e5_onnx import build_e5_onnx

    return build_e5_onnx(tmp_path_factory.mktemp("models") / "multilingual-e5-small-int8")


@pytest.fixture(scope="session")
def real_embedder(model_dir: Path) -> DenseEmbedder:
    return DenseEmbedder(DenseModelSpec(model=str(model_dir), models_dir=model_dir.parent))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "absent.yaml", data_dir=tmp_path / "data")


@pytest.fixture
def search_settings() -> SearchSettings:
    return SearchSettings()
