"""Fit the document ranker on the tuning halves of question files.

For each answerable tuning question, the first ``keep`` documents of the fused order give
one row of features each (``assistant.ranking.FEATURES``, named by the caller), labelled
by whether the document is one the question lists as relevant. A gradient-boosted tree
model (scikit-learn's ``HistGradientBoostingClassifier``: shallow trees, few of them, for a
few hundred questions) learns which documents to move up; its trees are written out as
plain arrays so that ranking needs no scikit-learn. The settings below were chosen by
5-fold cross-validation on the tuning halves only (see the issue 17 note).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

DEPTH = 2
ITERATIONS = 80
LEARNING_RATE = 0.05
L2 = 1.0


def fit_ranker(
    samples: Sequence[tuple[NDArray[np.float64], NDArray[np.bool_]]],
    features: Sequence[str],
    *,
    keep: int,
    seed: int = 0,
) -> dict[str, Any]:
    """The model file's content from (feature rows, relevance labels) of each question."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    useful = [(rows, labels) for rows, labels in samples if labels.any() and not labels.all()]
    if not useful:
        raise ValueError(
            "aucune question de la moitié « tune » n'a son document parmi les premiers "
            "résultats et d'autres à côté : rien pour apprendre"
        )
    rows = np.vstack([r for r, _ in useful])
    labels = np.concatenate([lab for _, lab in useful])
    model = HistGradientBoostingClassifier(
        max_depth=DEPTH,
        max_iter=ITERATIONS,
        learning_rate=LEARNING_RATE,
        l2_regularization=L2,
        early_stopping=False,
        random_state=seed,
    ).fit(rows, labels)
    return {
        "features": list(features),
        "keep": keep,
        "baseline": float(np.ravel(model._baseline_prediction)[0]),
        "trees": [_tree(predictors[0]) for predictors in model._predictors],
        "fitted_on": {"questions": len(useful), "documents": len(labels)},
    }


def _tree(predictor: Any) -> dict[str, list[Any]]:
    """A scikit-learn tree predictor's nodes as the parallel arrays ranking.Tree reads."""
    nodes = predictor.nodes
    return {
        "feature": [int(x) for x in nodes["feature_idx"]],
        "threshold": [float(x) for x in nodes["num_threshold"]],
        "left": [int(x) for x in nodes["left"]],
        "right": [int(x) for x in nodes["right"]],
        "value": [float(x) for x in nodes["value"]],
        "leaf": [bool(x) for x in nodes["is_leaf"]],
    }
