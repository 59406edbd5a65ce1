"""An in-process app over a test index: the runtime's parts and ``GET /documents``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.runtime import Runtime
from assistant.search import SearchService
from assistant.settings import Settings
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder
from ui.server import documents_router


def runtime_over(
    settings: Settings, store: QdrantStore, embedder: FakeEmbedder, bm25: FrenchBm25
) -> Runtime:
    """A runtime whose index is ``store``, searched with the fake embedder."""
    runtime = Runtime(settings)
    service = SearchService(
        embedder=embedder,  # type: ignore[arg-type]
        sparse=bm25,
        store=store,
        settings=settings.search,
    )
    runtime.serve(store, service)
    return runtime


def documents_client(
    runtime: Runtime, root: Path | None, *, login_required: bool = False
) -> TestClient:
    """A client of ``GET /documents`` alone, serving ``root``."""
    app = FastAPI()
    app.include_router(documents_router(runtime, root, login_required=login_required))
    return TestClient(app)
