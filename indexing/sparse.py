"""French BM25 sparse vectors (fastembed ``Bm25``), accent-insensitive.

Users type "donnees personnelles" as often as "données personnelles": words are folded
to their unaccented form before Snowball French stemming, on documents and queries
alike. Qdrant applies the IDF (collection ``Modifier.IDF``), so the vectors only carry
term frequencies. Runs offline: stopwords come from spaCy's French list.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from fastembed.common.utils import remove_non_alphanumeric
from py_rust_stemmers import SnowballStemmer

from connectors.errors import ModelError
from connectors.text import fold

# Elided articles and pronouns left alone by the tokenizer after it splits on apostrophes.
_ELISIONS = {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"}


class _FoldingStemmer:
    """Snowball French on the unaccented word."""

    def __init__(self) -> None:
        self._stemmer = SnowballStemmer("french")

    def stem_word(self, word: str) -> str:
        stem: str = self._stemmer.stem_word(fold(word))
        return stem


@dataclass(frozen=True)
class SparseVector:
    """Indices and values of a sparse vector."""

    indices: list[int]
    values: list[float]


def _spacy_french_stop_words() -> set[str]:
    """SpaCy's French list, read from its module file.

    Importing ``spacy.lang.fr.stop_words`` would first import all of spaCy (seconds of
    start-up for every search); the module itself is a plain set literal.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("spaCy n'est pas installé : la liste de mots vides français manque.")
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / "fr" / "stop_words.py"
    namespace: dict[str, object] = {}
    exec(compile(path.read_text("utf-8"), str(path), "exec"), namespace)
    words = namespace.get("STOP_WORDS")
    if not isinstance(words, set):
        raise ModelError(f"{path} ne définit pas STOP_WORDS.")
    return {str(word) for word in words}


def french_stopwords() -> set[str]:
    """SpaCy's French stopwords, with and without accents, plus elisions."""
    words = {word.lower() for word in _spacy_french_stop_words()} | _ELISIONS
    return words | {fold(word) for word in words}


class FrenchBm25:
    """BM25 document and query encoders for French text."""

    def __init__(self) -> None:
        from fastembed import SparseTextEmbedding  # noqa: F401  (import check)
        from fastembed.sparse.bm25 import Bm25

        self._empty_dir = tempfile.TemporaryDirectory(prefix="boussole-bm25-")
        self._model: Any = Bm25(
            "Qdrant/bm25",
            language="french",
            specific_model_path=self._empty_dir.name,
            stemmer=_FoldingStemmer(),
            stopwords=french_stopwords(),
        )

    def embed_documents(self, texts: Sequence[str]) -> list[SparseVector]:
        """Term-frequency vectors of documents."""
        return _convert(self._model.embed(list(texts), batch_size=256))

    def embed_query(self, text: str) -> SparseVector:
        """Binary term vector of a query."""
        return _convert(self._model.query_embed(text))[0]

    # Labels (title, heading, path) also count adjacent word pairs: "API particulier" is a
    # name, and must outrank "API Impôt particulier" for a question about it.
    def embed_labels(self, texts: Sequence[str]) -> list[SparseVector]:
        """Term-frequency vectors of labels, words and word pairs."""
        return [
            _from_dict(self._model._term_frequency(_with_pairs(self.stems(text)))) for text in texts
        ]

    def embed_label_query(self, text: str) -> SparseVector:
        """Binary vector of a query's words and word pairs, for the label field."""
        ids = {self._model.compute_token_id(token) for token in _with_pairs(self.stems(text))}
        return SparseVector(indices=sorted(ids), values=[1.0] * len(ids))

    def term_id(self, stem: str) -> int:
        """The sparse index of one stem, as documents and queries use it."""
        term: int = self._model.compute_token_id(stem)
        return term

    def stems(self, text: str) -> list[str]:
        """Stemmed words without stopwords, as fastembed's BM25 counts them."""
        tokens = self._model.tokenizer.tokenize(remove_non_alphanumeric(text))
        stems: list[str] = self._model._stem(tokens)
        return stems


def _with_pairs(stems: list[str]) -> list[str]:
    return stems + [f"{a} {b}" for a, b in pairwise(stems)]


def _from_dict(weights: dict[int, float]) -> SparseVector:
    indices = sorted(weights)
    return SparseVector(indices=indices, values=[float(weights[i]) for i in indices])


def _convert(embeddings: Iterable[Any]) -> list[SparseVector]:
    return [
        SparseVector(indices=item.indices.tolist(), values=item.values.astype(float).tolist())
        for item in embeddings
    ]
