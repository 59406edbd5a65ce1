"""The learned document ranker: its trees, its model file, where it acts, how it is fitted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.ranking import (
    FEATURES,
    DocumentRanker,
    Tree,
    TreeModel,
    document_features,
    parse_model,
)
from assistant.search import Hit, SearchService
from assistant.settings import SearchMode, SearchSettings
from connectors.errors import ConfigurationError
from eval.questions import QuestionFileError
from eval.ranker import DEPTH, ITERATIONS, L2, LEARNING_RATE, fit_ranker
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline


def STEMS(text: str) -> list[str]:
    """Lower-case words: enough to test the plumbing; the real stemmer is tested below."""
    return text.lower().split()


def hit(
    path: str,
    rank: int,
    ranks: dict[str, tuple[int, float]],
    kind: str = "procedure",
    text: str = "",
) -> Hit:
    payload = {"source_path": path, "kind": kind, "text": text or path}
    return Hit.from_payload(rank, 1 / (20 + rank), payload, None, ranks)


def one_split(feature: str, threshold: float, low: float, high: float) -> TreeModel:
    """A model of one split: ``high`` when ``feature`` is above ``threshold``."""
    tree = Tree(
        feature=np.array([FEATURES.index(feature), 0, 0]),
        threshold=np.array([threshold, 0.0, 0.0]),
        left=np.array([1, 0, 0]),
        right=np.array([2, 0, 0]),
        value=np.array([0.0, low, high]),
        leaf=np.array([False, True, True]),
    )
    return TreeModel(0.0, (tree,))


def test_exported_trees_score_exactly_like_scikit_learn() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(7)
    samples = []
    for _ in range(60):
        rows = rng.random((20, len(FEATURES)))
        labels = np.zeros(20, dtype=bool)
        labels[int(np.argmax(rows[:, 2] + 0.3 * rng.random(20)))] = True
        samples.append((rows, labels))
    fitted = fit_ranker(samples, FEATURES, keep=20)
    model = parse_model(json.loads(json.dumps(fitted)), "test")
    reference = HistGradientBoostingClassifier(
        max_depth=DEPTH,
        max_iter=ITERATIONS,
        learning_rate=LEARNING_RATE,
        l2_regularization=L2,
        early_stopping=False,
        random_state=0,
    ).fit(np.vstack([r for r, _ in samples]), np.concatenate([lab for _, lab in samples]))
    probe = rng.random((200, len(FEATURES)))
    assert np.allclose(model.score(probe), reference.decision_function(probe), atol=1e-9)
    assert len(model.trees) == ITERATIONS and fitted["fitted_on"]["questions"] == 60


def test_nothing_to_learn_is_a_clear_error() -> None:
    rows = np.zeros((3, len(FEATURES)))
    with pytest.raises(ValueError, match="rien pour apprendre"):
        fit_ranker(
            [(rows, np.zeros(3, dtype=bool)), (rows, np.ones(3, dtype=bool))], FEATURES, keep=20
        )


def test_the_shipped_model_loads_and_uses_every_feature_it_names() -> None:
    ranker = DocumentRanker.load(None, STEMS, missing_rank=120)
    assert ranker.keep == 20 and len(ranker.model.trees) >= 10
    used = {int(f) for tree in ranker.model.trees for f in tree.feature[~tree.leaf]}
    assert used <= set(range(len(FEATURES))) and len(used) >= 3


def good_file() -> dict[str, Any]:
    return {
        "features": list(FEATURES),
        "keep": 20,
        "baseline": 0.0,
        "trees": [
            {
                "feature": [2, 0, 0],
                "threshold": [0.5, 0, 0],
                "left": [1, 0, 0],
                "right": [2, 0, 0],
                "value": [0, -1, 1],
                "leaf": [False, True, True],
            }
        ],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(features=list(FEATURES)[:-1]), "variables"),
        (lambda d: d.update(keep=500), "keep"),
        (lambda d: d.update(keep=True), "keep"),
        (lambda d: d.update(trees=[]), "trees"),
        (lambda d: d["trees"][0].update(left=[0, 0, 0]), "mal formé"),  # a loop on the root
        (lambda d: d["trees"][0].update(right=[9, 0, 0]), "mal formé"),
        (lambda d: d["trees"][0].update(feature=[99, 0, 0]), "mal formé"),
        (lambda d: d["trees"][0].update(value=[0, "x", 1]), "illisible"),
        (lambda d: d["trees"][0].update(value=[0, 1]), "longueurs"),
        (lambda d: d["trees"][0].pop("leaf"), "illisible"),
        (lambda d: d["trees"][0].update(threshold=[float("nan"), 0, 0]), "non finie"),
    ],
)
def test_a_bad_model_file_is_refused_with_its_name(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = good_file()
    change(data)
    path = tmp_path / "classement.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ConfigurationError, match=message) as caught:
        DocumentRanker.load(path, STEMS, missing_rank=120)
    assert str(path) in str(caught.value)


def test_an_unreadable_model_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"search\.ranker_file"):
        DocumentRanker.load(tmp_path / "absent.json", STEMS, missing_rank=120)
    broken = tmp_path / "cassé.json"
    broken.write_text('{"features": [', "utf-8")
    with pytest.raises(ConfigurationError, match=r"cassé\.json"):
        DocumentRanker.load(broken, STEMS, missing_rank=120)


def test_features_read_each_documents_ranks_in_each_list() -> None:
    near = [hit("a.md", 1, {"dense": (1, 0.9), "bm25_label": (3, 2.0)}, text="accès vpn")]
    found = [
        hit("b.md", 2, {"bm25": (1, 8.0)}, kind="catalogue"),
        hit("b.md", 3, {"bm25": (2, 4.0), "dense": (5, 0.7)}, kind="catalogue"),
    ]
    rows = document_features(
        "vpn introuvable", [near, found], [0.05, 0.04], absent=120, stems=STEMS
    )
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    assert list(column["position"]) == [1.0, 0.5]
    assert list(column["cosine"]) == [0.9, 0.7]
    assert column["cosine_gap"][1] == pytest.approx(0.2)
    assert list(column["dense_rank"]) == [1.0, 0.2]
    assert list(column["bm25"]) == [0.0, 1.0]
    assert list(column["bm25_rank"]) == [1 / 120, 1.0]
    assert list(column["label_rank"]) == [1 / 3, 1 / 120]
    assert list(column["passages"]) == [0.1, 0.2]
    assert list(column["catalogue"]) == [0.0, 1.0] and list(column["procedure"]) == [1.0, 0.0]
    # Coverage: the first holds « vpn », one of the question's two words; the second neither.
    assert list(column["coverage_words"]) == [0.5, 0.0]
    assert column["coverage"][0] > 0 and column["coverage"][1] == 0
    assert column["coverage_gap"][0] == 0 and column["coverage_gap"][1] < 0


def test_coverage_weighs_rare_question_words_more_with_the_bm25_stemmer(bm25: FrenchBm25) -> None:
    def document(text: str) -> list[Hit]:
        return [hit(text, 1, {"dense": (1, 0.5)})]

    question = "le monsieur veut la portabilité de ses données"
    rare = document("Le droit à la portabilité des données personnelles.")
    common = document("Monsieur veut voir ses informations.")
    rows = document_features(question, [rare, common], [0.05, 0.04], absent=120, stems=bm25.stems)
    coverage = rows[:, FEATURES.index("coverage")]
    plain = rows[:, FEATURES.index("coverage_words")]
    # Each holds two of the stems, but « portabilité » and « données » are the rare ones;
    # « portabilite » unaccented would match the same stem.
    assert plain[0] == pytest.approx(plain[1])
    assert coverage[0] > coverage[1]


def test_order_moves_documents_within_the_head_only() -> None:
    documents = [
        [hit(f"{n}.md", n, {"dense": (n, 0.9 if n in (3, 5) else 0.2)})] for n in range(1, 6)
    ]
    ranker = DocumentRanker(one_split("cosine", 0.5, 0.0, 1.0), STEMS, keep=4)
    ordered = ranker.order("vpn", documents, [0.05, 0.04, 0.03, 0.02, 0.01])
    # 3.md rises to the top (stable among equals); 5.md is beyond keep and stays last.
    assert [d[0].source_path for d in ordered] == ["3.md", "1.md", "2.md", "4.md", "5.md"]


def test_search_documents_applies_the_ranker_to_hybrid_searches_only(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in {
        "vpn.md": "# VPN\nLe compte VPN est ouvert sous huit jours pour le télétravail.",
        "badge.md": "# Badge\nLe badge du télétravail se demande à l'accueil.",
        "congés.md": "# Congés\nLes congés se posent quinze jours avant le télétravail.",
    }.items():
        (docs / name).write_text(text, "utf-8")
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    plain = SearchService(
        embedder=fake_embedder, sparse=bm25, store=store, settings=SearchSettings()
    )
    # A model that prefers the document the fused order puts last.
    reverse = DocumentRanker(one_split("position", 0.4, 1.0, 0.0), bm25.stems)
    ranked = SearchService(
        embedder=fake_embedder, sparse=bm25, store=store, settings=SearchSettings(), ranker=reverse
    )
    query = "télétravail"
    fused = [g[0].source_path for g in plain.search_documents(query)[1]]
    assert len(fused) == 3
    hybrid = [g[0].source_path for g in ranked.search_documents(query)[1]]
    assert hybrid == [fused[2], fused[0], fused[1]]
    sparse = [g[0].source_path for g in ranked.search_documents(query, mode=SearchMode.SPARSE)[1]]
    assert sparse == [
        g[0].source_path for g in plain.search_documents(query, mode=SearchMode.SPARSE)[1]
    ]


@pytest.mark.slow
def test_eval_fits_a_ranker_from_several_files_that_then_loads(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = {
        "vpn.md": "# Accès VPN\nLe compte VPN est ouvert sous huit jours ouvrés.",
        "badge.md": "# Badge\nLe badge d'accès se demande à l'accueil du bâtiment.",
        "congés.md": "# Congés\nLes congés annuels se posent quinze jours avant.",
        "messagerie.md": "# Messagerie\nLa messagerie est réservée à l'usage professionnel.",
    }
    for name, text in topics.items():
        (docs / name).write_text(text, "utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(docs)]).exit_code == 0
    asked = [
        ("se connecter depuis la maison au réseau", "vpn.md"),
        ("la carte pour rentrer dans le bâtiment", "badge.md"),
        ("poser des vacances", "congés.md"),
        ("écrire des mails perso au boulot", "messagerie.md"),
    ]
    files = []
    for part in (0, 1):
        path = tmp_path / f"q{part}.jsonl"
        path.write_text(
            "".join(
                json.dumps(
                    {
                        "id": f"q{part}{n}",
                        "question": question,
                        "kind": "procedure",
                        "relevant": [relevant],
                        "split": "tune",
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for n, (question, relevant) in enumerate(asked[part * 2 : part * 2 + 2])
            ),
            "utf-8",
        )
        files += ["--questions", str(path)]
    target = tmp_path / "classement.json"
    result = runner.invoke(app, ["eval", *files, "--fit-ranker", str(target)])
    assert result.exit_code == 0, result.output
    fitted = json.loads(target.read_text("utf-8"))
    assert fitted["fitted_on"]["files"] == "q0.jsonl+q1.jsonl"
    assert fitted["fitted_on"]["questions"] >= 1
    ranker = DocumentRanker.load(target, STEMS, missing_rank=120)
    assert len(ranker.model.trees) == ITERATIONS
    monkeypatch.setenv("BOUSSOLE_SEARCH__RANKER_FILE", str(target))
    report = tmp_path / "r.json"
    scored = runner.invoke(app, ["eval", *files, "--report", str(report)])
    assert scored.exit_code == 0, scored.output
    assert json.loads(report.read_text("utf-8"))["n"] == 4

    twice = runner.invoke(app, ["eval", files[0], files[1], files[0], files[1]])
    assert twice.exit_code != 0
    assert isinstance(twice.exception, QuestionFileError)
    assert "déjà présent" in str(twice.exception)
