"""Learned document ranking: the first documents reordered by a model fitted on questions.

Reciprocal rank fusion weighs the dense and BM25 lists the same way for every question.
Questions written in everyday words ("un monsieur veut qu'on lui sorte tout ce qu'il nous a
fourni dans un fichier") are better served when the ranker can tell, document by document,
how its passages fared in each list: close in meaning but far in words, or found by several
passages at once. A small gradient-boosted tree model reads those signals
(``FEATURES``) for the first ``keep`` documents of the fused order and reorders them.

The model is fitted by ``boussole eval --fit-ranker`` (scikit-learn, a dev dependency) on
the tuning halves of the question files, and shipped as plain trees in
``assistant/ranker.json``: ranking needs only numpy. Only hybrid searches are reordered,
the mode the features come from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from assistant.packaged import load_yaml
from assistant.settings import SearchSettings
from assistant.word_frequency import zipf
from connectors.errors import ConfigurationError

if TYPE_CHECKING:
    from assistant.search import Hit

DENSE, BM25, LABEL = "dense", "bm25", "bm25_label"  # the store's list names
KEEP = 20  # documents of the fused order the model reorders
KINDS = ("procedure", "catalogue", "convention")

FEATURES = (
    "position",  # 1 / rank of the document in the fused order
    "fused",  # its fused score (best passage + evidence of the next ones), x 20
    "cosine",  # best cosine of its passages in the dense list (0: none there)
    "cosine_gap",  # best cosine of the whole pool minus its own (1: none there)
    "dense_rank",  # 1 / best rank of its passages in the dense list
    "cosine_top3",  # mean cosine of its three best passages in the dense list
    "bm25",  # its best BM25 score over the pool's best
    "bm25_rank",  # 1 / best rank of its passages in the BM25 list
    "label_rank",  # 1 / best rank of its passages in the label list
    "passages",  # its passages in the pool / 10
    "dense_passages",  # of which found by the dense list / 10
    "bm25_passages",  # of which found by the BM25 list / 10
    "procedure",  # its kind, one-hot
    "catalogue",
    "convention",
    "coverage",  # share of the question's words its passages hold, rare words weighing more
    "coverage_gap",  # its coverage minus the best of the documents reordered
    "coverage_words",  # share of the question's words its passages hold, all alike
)

# A question word weighs 7 minus its Zipf frequency in French: « réutiliser » (3.0) weighs 4,
# « fichier » (4.6) 2.4, « faire » (6.4) 0.6, a word French never uses 7.
RARE_WORD = 7.0
_WORD = re.compile(r"\w+")

Stemmer = Callable[[str], list[str]]


def question_weights(question: str, stems: Stemmer) -> dict[str, float]:
    """Each stem of the question with the weight of its rarest word."""
    weights: dict[str, float] = {}
    for word in _WORD.findall(question.lower()):
        weight = max(0.0, RARE_WORD - zipf(word))
        for stem in stems(word):
            weights[stem] = max(weights.get(stem, 0.0), weight)
    return weights


@lru_cache(maxsize=2048)
def _passage_stems(text: str, stems: Stemmer) -> frozenset[str]:
    return frozenset(stems(text))


def _coverage(
    documents: Sequence[Sequence[Hit]], weights: dict[str, float], stems: Stemmer
) -> NDArray[np.float64]:
    """Per document: weighted and plain shares of the question's stems its passages hold."""
    total = sum(weights.values()) or 1.0
    rows = []
    for hits in documents:
        held: set[str] = set()
        for hit in hits:
            held |= _passage_stems(f"{hit.text} {hit.title} {hit.heading or ''}", stems)
        found = [stem for stem in weights if stem in held]
        rows.append(
            (sum(weights[stem] for stem in found) / total, len(found) / max(len(weights), 1))
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 2)


def document_features(
    question: str,
    documents: Sequence[Sequence[Hit]],
    scores: Sequence[float],
    *,
    absent: int,
    stems: Stemmer,
) -> NDArray[np.float64]:
    """One row of ``FEATURES`` per document, documents in fused order with their scores.

    A document none of whose passages came from a list gets rank ``absent`` there;
    ``stems`` is the BM25 stemmer, so that words match as the index matches them.
    """
    every = [hit for hits in documents for hit in hits]
    top_cosine = max((hit.ranks[DENSE][1] for hit in every if DENSE in hit.ranks), default=0.0)
    top_bm25 = max((hit.ranks[BM25][1] for hit in every if BM25 in hit.ranks), default=0.0)
    rows = []
    for position, (hits, score) in enumerate(zip(documents, scores, strict=True), start=1):
        cosines = sorted((hit.ranks[DENSE][1] for hit in hits if DENSE in hit.ranks), reverse=True)
        bm25 = [hit.ranks[BM25] for hit in hits if BM25 in hit.ranks]

        def best_rank(name: str, hits: Sequence[Hit] = hits) -> int:
            ranks = [hit.ranks[name][0] for hit in hits if name in hit.ranks]
            return min(ranks, default=absent)

        kind = hits[0].kind
        rows.append(
            [
                1 / position,
                score * 20,
                cosines[0] if cosines else 0.0,
                top_cosine - cosines[0] if cosines else 1.0,
                1 / best_rank(DENSE),
                float(np.mean(cosines[:3])) if cosines else 0.0,
                max(s for _, s in bm25) / top_bm25 if bm25 and top_bm25 > 0 else 0.0,
                1 / best_rank(BM25),
                1 / best_rank(LABEL),
                len(hits) / 10,
                len(cosines) / 10,
                len(bm25) / 10,
                *(float(kind == name) for name in KINDS),
            ]
        )
    coverage = _coverage(documents, question_weights(question, stems), stems)
    best = coverage[:, 0].max(initial=0.0)
    table = np.hstack(
        [
            np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES) - 3),
            coverage[:, :1],
            coverage[:, :1] - best,
            coverage[:, 1:],
        ]
    )
    return table


@dataclass(frozen=True)
class Tree:
    """One regression tree as parallel node arrays (node 0 is the root)."""

    feature: NDArray[np.int64]
    threshold: NDArray[np.float64]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    value: NDArray[np.float64]
    leaf: NDArray[np.bool_]

    def predict(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """The leaf value each row reaches (x <= threshold goes left), all rows at once."""
        node = np.zeros(len(rows), dtype=np.int64)
        at = np.arange(len(rows))
        for _ in range(len(self.leaf)):  # a path is never longer than the tree
            inner = ~self.leaf[node]
            if not inner.any():
                break
            left = rows[at, self.feature[node]] <= self.threshold[node]
            node = np.where(inner, np.where(left, self.left[node], self.right[node]), node)
        return self.value[node]


@dataclass(frozen=True)
class TreeModel:
    """A sum of trees plus a baseline: higher means more likely the document asked for."""

    baseline: float
    trees: tuple[Tree, ...]

    def score(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """One score per row of features."""
        total = np.full(len(rows), self.baseline)
        for tree in self.trees:
            total += tree.predict(rows)
        return total


class DocumentRanker:
    """Reorder the first ``keep`` documents of a hybrid search by the tree model."""

    def __init__(
        self, model: TreeModel, stems: Stemmer, *, keep: int = KEEP, missing_rank: int = 120
    ) -> None:
        self.model = model
        self.stems = stems
        self.keep = keep
        self.missing_rank = missing_rank

    @classmethod
    def load(cls, path: Path | None, stems: Stemmer, *, missing_rank: int) -> DocumentRanker:
        """The model file at ``path``, or the one shipped with Boussole."""
        data, origin = load_yaml(
            path, "ranker.json", setting="search.ranker_file", label="Modèle de classement"
        )
        model = parse_model(data, origin)
        return cls(model, stems, keep=_keep(data, origin), missing_rank=missing_rank)

    def features(
        self, question: str, documents: Sequence[Sequence[Hit]], scores: Sequence[float]
    ) -> NDArray[np.float64]:
        """The rows the model reads, as fitting must compute them too."""
        return document_features(
            question, documents, scores, absent=self.missing_rank, stems=self.stems
        )

    def order(
        self, question: str, documents: list[list[Hit]], scores: Sequence[float]
    ) -> list[list[Hit]]:
        """``documents`` (fused order, with their fused scores) with the head reordered."""
        head = documents[: self.keep]
        if len(head) < 2:
            return documents
        ranked = self.model.score(self.features(question, head, scores[: len(head)]))
        order = sorted(range(len(head)), key=lambda i: -ranked[i])  # stable: ties keep fusion
        return [head[i] for i in order] + documents[self.keep :]


def missing_rank(settings: SearchSettings) -> int:
    """The rank a document gets in a list none of its passages came from: past the end."""
    return 2 * settings.candidates


def _keep(data: Any, origin: str) -> int:
    keep = data.get("keep") if isinstance(data, dict) else None
    if not isinstance(keep, int) or isinstance(keep, bool) or not 2 <= keep <= 100:
        raise ConfigurationError(f"Modèle de classement {origin} : « keep » entre 2 et 100.")
    return keep


def parse_model(data: Any, origin: str) -> TreeModel:
    """Check and decode a model file: the features it was fitted on must be ours, in order."""

    def bad(what: str) -> ConfigurationError:
        return ConfigurationError(f"Modèle de classement {origin} : {what}.")

    if not isinstance(data, dict):
        raise bad("attendu un objet JSON")
    if data.get("features") != list(FEATURES):
        raise bad(
            "ses variables ne sont pas celles de cette version de Boussole "
            "(réajustez-le : boussole eval --fit-ranker)"
        )
    baseline = data.get("baseline")
    trees = data.get("trees")
    if not isinstance(baseline, int | float) or not isinstance(trees, list) or not trees:
        raise bad("« baseline » (nombre) et « trees » (liste non vide) attendus")
    parsed = []
    for number, raw in enumerate(trees, start=1):
        try:
            tree = Tree(
                feature=np.asarray(raw["feature"], dtype=np.int64),
                threshold=np.asarray(raw["threshold"], dtype=np.float64),
                left=np.asarray(raw["left"], dtype=np.int64),
                right=np.asarray(raw["right"], dtype=np.int64),
                value=np.asarray(raw["value"], dtype=np.float64),
                leaf=np.asarray(raw["leaf"], dtype=bool),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"arbre {number} illisible ({exc})") from exc
        _check_tree(tree, number, bad)
        parsed.append(tree)
    return TreeModel(float(baseline), tuple(parsed))


def _check_tree(tree: Tree, number: int, bad: Any) -> None:
    """Every array the same length, children after their parent (no loop), features known."""
    size = len(tree.leaf)
    arrays = (tree.feature, tree.threshold, tree.left, tree.right, tree.value)
    if size == 0 or any(array.shape != (size,) for array in arrays):
        raise bad(f"arbre {number} : tableaux de longueurs différentes")
    inner = np.flatnonzero(~tree.leaf)
    if not np.isfinite(tree.value).all() or not np.isfinite(tree.threshold[inner]).all():
        raise bad(f"arbre {number} : valeur non finie")
    if (
        ((tree.feature[inner] < 0) | (tree.feature[inner] >= len(FEATURES))).any()
        or (tree.left[inner] <= inner).any()
        or (tree.right[inner] <= inner).any()
        or (tree.left[inner] >= size).any()
        or (tree.right[inner] >= size).any()
    ):
        raise bad(f"arbre {number} : nœud mal formé")
