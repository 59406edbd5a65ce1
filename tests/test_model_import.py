"""`boussole models import`: a copied model folder is checked, tried and recorded, or refused.

The import is tried on the real bundled model's folder (a larger model or a cross-encoder
would need weights that are not available offline). The reranking step is plumbing: it is
tested with a fake scorer, and no gain in quality is claimed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest
from onnx import TensorProto, helper
from typer.testing import CliRunner

from assistant import factory
from assistant.cli import app
from assistant.search import Hit, SearchService, rerank_hits
from assistant.settings import SearchMode, SearchSettings, load_settings
from connectors.errors import ModelError
from indexing.embedding import DenseEmbedder
from indexing.model_import import (
    REGISTRY_FILE,
    ImportedModel,
    ModelKind,
    import_model,
    imported_models,
    resolve_imported,
)
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline

# --------------------------------------------------------------------------- model folders


def clone(source: Path, target: Path) -> Path:
    """The folder's files hard-linked where the file system allows, else copied."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        try:
            os.link(entry, target / entry.name)
        except OSError:
            shutil.copyfile(entry, target / entry.name)
    return target


def replace_file(path: Path, data: bytes) -> None:
    """Give ``path`` new content without touching the file it is hard-linked to."""
    path.unlink()
    path.write_bytes(data)


@pytest.fixture(scope="module")
def model_copy(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model's files, copied at most once for this module."""
    return clone(model_dir, tmp_path_factory.mktemp("copy") / "e5-copie")


class Recorded(NamedTuple):
    models_dir: Path
    model: ImportedModel


@pytest.fixture(scope="module")
def imported(model_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """The copy imported once, under the name ``e5-local``, into a models folder of its own."""
    models_dir = tmp_path_factory.mktemp("data") / "models"
    model = import_model(model_copy, models_dir, kind=ModelKind.EMBEDDING, name="e5-local")
    return Recorded(models_dir, model)


def registry_of(imported: Recorded, tmp_path: Path) -> Path:
    """A models folder for one test, holding a copy of the module's registry."""
    models_dir = tmp_path / "data" / "models"
    models_dir.mkdir(parents=True)
    shutil.copyfile(imported.models_dir / REGISTRY_FILE, models_dir / REGISTRY_FILE)
    return models_dir


# --------------------------------------------------------------------------- a good import


@pytest.mark.slow
def test_bundled_folder_is_recorded_and_settings_naming_it_embed(
    imported: Recorded, model_copy: Path, tmp_path: Path, real_embedder: DenseEmbedder
) -> None:
    models_dir, model = imported
    onnx_bytes = (model_copy / "model.onnx").read_bytes()
    assert model.kind == ModelKind.EMBEDDING
    assert model.dim == 384
    assert model.path == model_copy.resolve()
    assert model.size_bytes == len(onnx_bytes)
    assert model.sha256 == hashlib.sha256(onnx_bytes).hexdigest()
    entry = json.loads((models_dir / REGISTRY_FILE).read_text("utf-8"))["models"]["e5-local"]
    assert entry["dim"] == 384 and entry["sha256"] == model.sha256
    assert entry["path"] == str(model_copy.resolve())

    settings = load_settings(
        tmp_path / "absent.yaml",
        data_dir=models_dir.parent,
        embedding={"model": "e5-local"},
    )
    embedder = factory.load_embedder(settings)
    # The index records a name tied to the files, not to where they lie.
    assert embedder.name == f"e5-local@{model.sha256[:12]}"
    assert embedder.dim == 384
    assert embedder.query_prefix == "query: "  # an e5 name: the prefixes follow
    question = "Combien de jours de congés avant le départ ?"
    assert embedder.embed_query(question) == pytest.approx(
        real_embedder.embed_query(question), abs=1e-6
    )


@pytest.mark.slow
def test_a_second_import_keeps_the_first_entry(
    imported: Recorded, model_copy: Path, tmp_path: Path
) -> None:
    models_dir = registry_of(imported, tmp_path)
    import_model(model_copy, models_dir, name="e5-bis")
    again = import_model(model_copy, models_dir, name="e5-bis")  # re-import: replaced
    models = imported_models(models_dir)
    assert sorted(models) == ["e5-bis", "e5-local"]
    assert models["e5-bis"] == again
    assert resolve_imported(models_dir, "e5-bis", ModelKind.EMBEDDING) == model_copy.resolve()
    assert not list(models_dir.glob(".imported-*"))  # no temporary file left behind


# --------------------------------------------------------------------------- refusals


def _missing_tokenizer(folder: Path, tmp: Path) -> Path:
    (folder / "tokenizer.json").unlink()
    return folder


def _config_links_outside(folder: Path, tmp: Path) -> Path:
    outside = tmp / "ailleurs.json"
    outside.write_text(json.dumps({"hidden_size": 384}), "utf-8")
    (folder / "config.json").unlink()
    (folder / "config.json").symlink_to(outside)
    return folder


def _folder_is_a_link(folder: Path, tmp: Path) -> Path:
    link = tmp / "lien-vers-modele"
    link.symlink_to(folder, target_is_directory=True)
    return link


def _bad_config(folder: Path, tmp: Path) -> Path:
    replace_file(folder / "config.json", b'{"hidden_size": 384,')
    return folder


def _no_dimension(folder: Path, tmp: Path) -> Path:
    replace_file(folder / "config.json", json.dumps({"hidden_size": "384"}).encode())
    return folder


def _garbage_onnx(folder: Path, tmp: Path) -> Path:
    replace_file(folder / "model.onnx", os.urandom(4096))
    return folder


def _tokenizer_is_a_fifo(folder: Path, tmp: Path) -> Path:
    (folder / "tokenizer.json").unlink()
    os.mkfifo(folder / "tokenizer.json")
    return folder


def _external_data_outside(folder: Path, tmp: Path) -> Path:
    """A graph whose weights are read from a file beside the folder, not inside it."""
    weights = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[1])
    weights.data_location = TensorProto.EXTERNAL
    entry = weights.external_data.add()
    entry.key, entry.value = "location", "../secret.bin"
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "W"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
        initializer=[weights],
    )
    (tmp / "secret.bin").write_bytes(b"\0" * 4)
    replace_file(folder / "model.onnx", helper.make_model(graph).SerializeToString())
    return folder


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_missing_tokenizer, "ne contient pas tokenizer.json"),
        (_config_links_outside, "config.json est un lien symbolique"),
        (_folder_is_a_link, "lien-vers-modele est un lien symbolique"),
        (_bad_config, "config.json n'est pas du JSON valide"),
        (_no_dimension, "le champ hidden_size"),
        (_garbage_onnx, "model.onnx n'est pas un modèle ONNX lisible"),
        (_tokenizer_is_a_fifo, "tokenizer.json n'est pas un fichier ordinaire"),
        (_external_data_outside, "nom de fichier refusé « ../secret.bin »"),
    ],
)
def test_a_hostile_or_broken_folder_is_refused_and_nothing_recorded(
    spoil: Callable[[Path, Path], Path],
    message: str,
    imported: Recorded,
    model_copy: Path,
    tmp_path: Path,
) -> None:
    models_dir = registry_of(imported, tmp_path)
    before = (models_dir / REGISTRY_FILE).read_bytes()
    folder = spoil(clone(model_copy, tmp_path / "modele"), tmp_path)
    with pytest.raises(ModelError) as caught:
        import_model(folder, models_dir, name="abime")
    assert message in caught.value.message
    assert (models_dir / REGISTRY_FILE).read_bytes() == before
    assert (model_copy / "config.json").exists()  # the shared copy was not touched


@pytest.mark.slow
def test_config_announcing_another_dimension_is_refused(
    imported: Recorded, model_copy: Path, tmp_path: Path
) -> None:
    models_dir = registry_of(imported, tmp_path)
    before = (models_dir / REGISTRY_FILE).read_bytes()
    folder = clone(model_copy, tmp_path / "e5-dim-fausse")
    config = json.loads((folder / "config.json").read_text("utf-8")) | {"hidden_size": 512}
    replace_file(folder / "config.json", json.dumps(config).encode())
    with pytest.raises(ModelError, match=r"annonce hidden_size = 512.*384 dimensions"):
        import_model(folder, models_dir)
    assert (models_dir / REGISTRY_FILE).read_bytes() == before


def test_weights_over_the_size_cap_are_refused(model_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="au-delà de la limite de 1000000"):
        import_model(model_copy, tmp_path / "models", max_model_bytes=1_000_000)
    assert not (tmp_path / "models" / REGISTRY_FILE).exists()


@pytest.mark.parametrize("name", ["../dehors", "a/b", ".cache", "-x", "é", "x" * 65, ""])
def test_unsafe_names_are_refused(name: str, model_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="Nom de modèle"):
        import_model(model_copy, tmp_path / "models", name=name)


def test_the_bundled_name_is_reserved(model_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="nom du modèle intégré"):
        import_model(model_copy, tmp_path / "models", name="multilingual-e5-small")


def test_an_embedding_model_is_not_a_reranker(model_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"n'est pas un cross-encoder.*--kind embedding"):
        import_model(model_copy, tmp_path / "models", kind=ModelKind.RERANKER)
    assert not (tmp_path / "models" / REGISTRY_FILE).exists()


def test_a_corrupt_registry_names_its_file(tmp_path: Path) -> None:
    (tmp_path / REGISTRY_FILE).write_text('{"version": 1, "models": {"x": {"kind": 3}}}')
    with pytest.raises(ModelError, match=r"imported\.json : l'entrée « x » est illisible"):
        imported_models(tmp_path)


# --------------------------------------------------------------------------- reranking


class ReversingReranker:
    """Scores each passage by its position: the reranked head comes out reversed."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
        self.calls.append((query, list(texts)))
        return [float(position) for position in range(len(texts))]


def hit(rank: int, path: str, score: float) -> Hit:
    return Hit.from_payload(rank, score, {"source_path": path, "title": path, "text": path})


def test_rerank_hits_reorders_the_head_and_keeps_the_tail() -> None:
    hits = [hit(rank, f"{rank}.md", 1.0 / rank) for rank in range(1, 6)]
    reranker = ReversingReranker()
    reranked = rerank_hits("question", hits, reranker, passages=3, rrf_k=20)
    assert [h.source_path for h in reranked] == ["3.md", "2.md", "1.md", "4.md", "5.md"]
    assert [h.rank for h in reranked] == [1, 2, 3, 4, 5]
    assert [h.score for h in reranked] == [1.0 / (20 + rank) for rank in range(1, 6)]
    assert [len(texts) for _, texts in reranker.calls] == [3]


def test_equal_reranker_scores_keep_the_fused_order() -> None:
    class Flat:
        def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.5] * len(texts)

    hits = [hit(rank, f"{rank}.md", 1.0 / rank) for rank in range(1, 5)]
    reranked = rerank_hits("q", hits, Flat(), passages=10, rrf_k=20)
    assert [h.source_path for h in reranked] == ["1.md", "2.md", "3.md", "4.md"]


def test_search_documents_groups_the_reranked_passages(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in {
        "a.md": "# Congés\nLa demande de congés se fait quinze jours avant le départ.",
        "b.md": "# Congés des agents\nLes congés des agents sont validés le lundi.",
        "c.md": "# Formation\nLes congés de formation se demandent un mois avant.",
        "d.md": "# Télétravail\nLes congés et le télétravail se déclarent en ligne.",
    }.items():
        (docs / name).write_text(text, "utf-8")
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)

    def service(reranker: ReversingReranker | None) -> SearchService:
        return SearchService(
            embedder=fake_embedder,  # type: ignore[arg-type]
            sparse=bm25,
            store=store,
            settings=SearchSettings(rerank_passages=2),
            reranker=reranker,
        )

    fused, _ = service(None).search_documents("congés", depth=4, mode=SearchMode.SPARSE)
    before = [h.source_path for h in fused.hits]
    assert len(before) == 4  # one passage per document
    reranker = ReversingReranker()
    result, groups = service(reranker).search_documents("congés", depth=4, mode=SearchMode.SPARSE)
    expected = [before[1], before[0], *before[2:]]
    assert [h.source_path for h in result.hits] == expected
    assert [group[0].source_path for group in groups] == expected
    (query, texts), *_ = reranker.calls
    assert len(reranker.calls) == 1
    assert query == "congés"
    # The head in its fused order, each passage after its title and heading.
    assert texts == [f"{h.title}\n{h.text}" for h in fused.hits[:2]]


def test_a_reranker_that_cannot_load_stops_the_search_service(
    imported: Recorded, tmp_path: Path, fake_embedder: FakeEmbedder, store: QdrantStore
) -> None:
    models_dir = registry_of(imported, tmp_path)
    for setting, message in [
        ("absent", "search.reranker : « absent » n'est ni un reclasseur importé"),
        ("e5-local", "search.reranker : « e5-local » est un modèle importé de type embedding"),
    ]:
        settings = load_settings(
            tmp_path / "absent.yaml",
            data_dir=models_dir.parent,
            search={"reranker": setting},
        )
        with pytest.raises(ModelError) as caught:
            factory.make_search_service(settings, fake_embedder, store)  # type: ignore[arg-type]
        assert message in caught.value.message


# --------------------------------------------------------------------------- command line


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "models"


@pytest.mark.slow
def test_cli_imports_then_lists(cli_env: Path, model_copy: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["models", "list"])
    assert empty.exit_code == 0 and "Aucun modèle importé" in empty.output
    result = runner.invoke(app, ["models", "import", str(model_copy), "--name", "e5-cli"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Modèle importé : e5-cli (embedding)" in output
    assert "384 dimensions" in output
    assert "embedding.model: e5-cli" in output and "--rebuild" in output
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0 and "e5-cli" in listed.output and "384" in listed.output
    assert "e5-cli" in imported_models(cli_env)


def test_cli_refusal_names_the_folder(cli_env: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "import", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert isinstance(result.exception, ModelError)
    assert "Dossier de modèle introuvable" in result.exception.message
    assert not (cli_env / REGISTRY_FILE).exists()
