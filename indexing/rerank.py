"""Cross-encoder reranking: a model that reads the question and a passage together.

A cross-encoder scores each (question, passage) pair jointly, which usually orders the first
passages better than two independent vectors can, at the cost of one model call per pair.
It is optional: a site copies an ONNX cross-encoder folder (``boussole models import DIR
--kind reranker``) and names it in ``search.reranker``. Nothing downloads here.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from connectors.errors import ModelError

LOCAL_RERANKER = "boussole/local-cross-encoder"
"""The one fastembed description every local folder loads through (its path is given apart)."""

MODEL_FILE = "model.onnx"

_REGISTER_LOCK = threading.Lock()


class Reranker(Protocol):
    """Scores passages against a question: higher is more relevant."""

    def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
        """One finite score per text, in the order given."""
        ...


class CrossEncoderReranker:
    """A fastembed ``TextCrossEncoder`` read from a local ONNX folder, loaded once."""

    def __init__(
        self,
        folder: Path,
        *,
        threads: int | None = None,
        batch_size: int = 16,
        cache_dir: Path | None = None,
    ) -> None:
        self.folder = folder
        self.batch_size = batch_size
        self._model = _load_cross_encoder(folder, threads, cache_dir)

    def rerank(self, query: str, texts: Sequence[str]) -> list[float]:
        """Scores of ``texts`` for ``query``; a model that gives no scalar score is refused."""
        if not texts:
            return []
        try:
            raw = list(self._model.rerank(query, list(texts), batch_size=self.batch_size))
            scores = [float(score) for score in raw]
        except (TypeError, ValueError) as exc:
            raise ModelError(
                f"Le reclasseur {self.folder} ne rend pas un score par paire (question, "
                f"passage) : ce n'est pas un cross-encoder ({exc})."
            ) from exc
        except Exception as exc:
            raise ModelError(f"Le reclasseur {self.folder} a échoué : {exc}") from exc
        if len(scores) != len(texts) or not all(math.isfinite(score) for score in scores):
            raise ModelError(
                f"Le reclasseur {self.folder} a rendu {len(scores)} score(s) pour "
                f"{len(texts)} passage(s), ou des scores non finis."
            )
        return scores


def _load_cross_encoder(folder: Path, threads: int | None, cache_dir: Path | None) -> Any:
    """The folder's model through fastembed's custom-model path, with no download."""
    try:
        from fastembed.common.model_description import ModelSource
        from fastembed.rerank.cross_encoder import TextCrossEncoder
    except ImportError as exc:  # pragma: no cover - fastembed is a core dependency
        raise ModelError("fastembed n'est pas installé : lancez `make install`.") from exc
    with _REGISTER_LOCK:
        known = {item["model"].lower() for item in TextCrossEncoder.list_supported_models()}
        if LOCAL_RERANKER.lower() not in known:
            TextCrossEncoder.add_custom_model(
                model=LOCAL_RERANKER,
                sources=ModelSource(hf="local/unused"),
                model_file=MODEL_FILE,
            )
    try:
        return TextCrossEncoder(
            LOCAL_RERANKER,
            cache_dir=str(cache_dir) if cache_dir else None,
            threads=threads,
            specific_model_path=str(folder),
        )
    except Exception as exc:
        raise ModelError(f"Le reclasseur {folder} ne se charge pas : {exc}") from exc


def load_reranker(
    setting: str, models_dir: Path, *, threads: int | None = None
) -> CrossEncoderReranker:
    """The reranker ``search.reranker`` names (an imported name or a folder), tried once.

    Every failure names the setting, so that a server stops at start with the fix in view.
    """
    from indexing.model_import import ModelKind, resolve_imported

    try:
        folder = resolve_imported(models_dir, setting, ModelKind.RERANKER)
        if folder is None:
            raise ModelError(
                f"« {setting} » n'est ni un reclasseur importé (`boussole models list`) ni un "
                "dossier de modèle ; importez-le : `boussole models import DOSSIER --kind "
                "reranker`."
            )
        reranker = CrossEncoderReranker(folder, threads=threads, cache_dir=models_dir / "fastembed")
        reranker.rerank("essai", ["passage d'essai"])
    except ModelError as exc:
        raise ModelError(f"search.reranker : {exc.message}") from exc
    return reranker
