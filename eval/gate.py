"""Fit the answerability model on the tuning half of a question file.

Each question gives the gate's signals and whether it is answerable; a logistic
regression (scikit-learn, standardised signals, classes weighted equally) learns how to
weigh them, and the threshold is the probability that abstains on most unanswerable
questions while abstaining on at most ``max_false_abstention`` of answerable ones (8 %:
the in-sample threshold leaves room under the 10 % goal on new questions). The
weights are written back on the signals' own scale, so answering needs no scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def fit_gate(
    samples: Sequence[tuple[Mapping[str, float | None], bool]],
    features: Sequence[str],
    *,
    max_false_abstention: float = 0.08,
    regularisation: float = 1.0,
    forced: Sequence[bool] | None = None,
) -> dict[str, Any]:
    """The model file's content: weights, intercept, threshold, defaults, tuning figures.

    ``forced`` marks the questions a rule abstains on whatever the model says: they count
    as abstentions when the threshold is chosen.
    """
    from sklearn.linear_model import LogisticRegression

    answerable = np.array([ok for _, ok in samples], dtype=bool)
    if answerable.all() or not answerable.any():
        raise ValueError("il faut des questions avec et sans réponse pour ajuster le modèle")
    defaults = {
        name: float(np.mean([f[name] for f, _ in samples if f.get(name) is not None] or [0.0]))
        for name in features
    }
    rows = np.array(
        [
            [
                defaults[name] if values.get(name) is None else float(values[name] or 0.0)
                for name in features
            ]
            for values, _ in samples
        ]
    )
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=1000)
    model.fit((rows - mean) / scale, answerable)
    raw = model.coef_[0] / scale
    intercept = float(model.intercept_[0] - np.sum(raw * mean))
    probabilities = 1.0 / (1.0 + np.exp(-(rows @ raw + intercept)))
    if forced is not None:
        probabilities = np.where(np.asarray(forced, dtype=bool), -1.0, probabilities)
    threshold, caught, false = _threshold(probabilities, answerable, max_false_abstention)
    return {
        "weights": {name: round(float(w), 6) for name, w in zip(features, raw, strict=True)},
        "intercept": round(intercept, 6),
        "threshold": round(threshold, 6),
        "defaults": {name: round(value, 6) for name, value in defaults.items()},
        "tuning": {
            "n_answerable": int(answerable.sum()),
            "n_unanswerable": int((~answerable).sum()),
            "abstention": round(caught, 4),
            "false_abstention": round(false, 4),
        },
    }


def _threshold(
    probabilities: np.ndarray[Any, Any], answerable: np.ndarray[Any, Any], limit: float
) -> tuple[float, float, float]:
    """The threshold abstaining most on unanswerable questions within ``limit``.

    Among equal results, the one halfway to the next probability: the margin a new
    question gets on either side.
    """
    values = np.unique(probabilities[probabilities >= 0])
    cuts = np.concatenate(([0.0], (values[:-1] + values[1:]) / 2, [1.0]))
    best = (0.0, 0.0, 0.0)
    for cut in cuts:
        false = float(np.mean(probabilities[answerable] < cut))
        if false > limit:
            break
        caught = float(np.mean(probabilities[~answerable] < cut))
        if caught > best[1]:
            best = (float(cut), caught, false)
    return best
