"""Keys that name a person are sealed in the index, and still open the file they name."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.settings import SearchMode, load_settings
from connectors.errors import ConfigurationError
from guardrails.access import Reader
from indexing.path_seal import KEY_BYTES, PathSealer, is_sealed, load_or_create_key
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters, StoreConfig
from tests.conftest import FakeEmbedder, index_folder, make_pipeline
from tests.documents_app import documents_client, runtime_over

PATH = "agents/Léa Hnawia/fiche de poste.txt"


def test_a_sealed_key_is_stable_opaque_and_opens_with_its_key_only(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "state" / "path.key")
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE((tmp_path / "state" / "path.key").stat().st_mode) == 0o600
    assert load_or_create_key(tmp_path / "state" / "path.key") == key  # never replaced
    sealer = PathSealer(key)
    token = sealer.seal(PATH)
    assert is_sealed(token) and token == sealer.seal(PATH) and token != sealer.seal(PATH + "x")
    assert "Hnawia" not in token and "/" not in token
    assert sealer.open(token) == PATH
    assert sealer.seal(token) == token  # sealing twice changes nothing
    assert set(sealer.variants(PATH)) == {PATH, token}
    assert set(sealer.variants(token)) == {PATH, token}
    other = PathSealer(bytes(KEY_BYTES))
    assert other.open(token) == token  # another key opens nothing: the token stays a token
    assert other.open(token[:-3]) == token[:-3]
    with pytest.raises(ConfigurationError, match="Clé de scellement"):
        PathSealer(b"short")


def test_documents_serves_a_sealed_key_under_its_displayed_name(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25
) -> None:
    docs = tmp_path / "docs"
    (docs / "agents" / "Léa Hnawia").mkdir(parents=True)
    (docs / PATH).write_text("Fiche de poste : rappeler la DSIN pour l'accès VPN.", "utf-8")
    (docs / "vpn.md").write_text("# VPN\nLe compte VPN est ouvert sous huit jours.", "utf-8")
    settings = load_settings(tmp_path / "absent.yaml", data_dir=tmp_path / "data")
    config = StoreConfig(
        collection="test", path=None, path_key=load_or_create_key(settings.path_key_file)
    )
    store = QdrantStore(config)
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    runtime = runtime_over(settings, store, fake_embedder, bm25)
    service = runtime.search_service(Reader.anonymous())
    hits = service.search("fiche de poste DSIN", k=5, mode=SearchMode.SPARSE).hits
    sealed = next(hit for hit in hits if hit.display_path == "agents/<PERSONNE>/fiche de poste.txt")
    assert is_sealed(sealed.source_path)
    assert service.payloads(["doc_id"], SearchFilters(source_path=PATH))  # clear too

    client = documents_client(runtime, docs)
    response = client.get(f"/documents/{sealed.source_path}")
    assert response.status_code == 200, response.text
    assert "rappeler la DSIN" in response.text
    disposition = response.headers["content-disposition"]
    assert "Hnawia" not in disposition and "fiche" in disposition
    assert client.get("/documents/vpn.md").status_code == 200  # clear keys as before
    forged = sealed.source_path[:-4] + "AAAA"
    assert client.get(f"/documents/{forged}").status_code == 404
    store.close()
