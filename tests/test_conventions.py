"""The DPO's register of conventions: loading, dates, filters, expiry report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from connectors.conventions.register import load_register, parse_duration

TODAY = date(2026, 11, 28)
REGISTER = """
conventions:
  - id: C1
    titre: Échange avec la CAFAT sur les affiliations
    fichier: conventions/cafat.pdf
    parties: [CAFAT, Province Sud]
    jeux_de_donnees: [affiliations, cotisations]
    debut: 2024-01-01
    duree: 3 ans
    renouvellement: expresse
  - id: C2
    titre: API Particulier
    fichier: conventions/api.pdf
    parties: [DINUM, Province Sud]
    jeux_de_donnees: [quotient familial]
    debut: 2021-02-01
    fin: 2026-12-31
  - id: C3
    titre: Ancienne convention ISEE
    parties: [ISEE]
    debut: 2019-01-01
    fin: 2022-12-31
  - id: C4
    titre: HubEE, sans échéance
    parties: [DINUM]
    debut: 2023-05-01
    renouvellement: tacite
  - id: C5
    titre: Projet OPT-NC
    parties: [OPT-NC]
    statut: en projet
  - id: C6
    titre: Date fausse
    debut: 2024-13-45
  - titre: Sans identifiant
"""


@pytest.fixture
def register_file(tmp_path: Path) -> Path:
    (tmp_path / "conventions").mkdir()
    (tmp_path / "conventions" / "api.pdf").write_bytes(b"%PDF")
    path = tmp_path / "registre.yaml"
    path.write_text(REGISTER, "utf-8")
    return path


def test_durations() -> None:
    assert parse_duration("3 ans") == 36
    assert parse_duration("36 mois") == 36
    assert parse_duration("1 an et 6 mois") == 18
    assert parse_duration("sans durée") is None


def test_register_dates_statuses_and_problems(register_file: Path) -> None:
    register = load_register(register_file, register_file.parent)
    by_id = {c.id: c for c in register.conventions}
    assert set(by_id) == {"C1", "C2", "C3", "C4", "C5", "C6"}
    assert by_id["C1"].effective_end == date(2026, 12, 31)  # start + 3 years - 1 day
    assert by_id["C3"].status_on(TODAY) == "expirée"
    assert by_id["C4"].effective_end is None and by_id["C4"].status_on(TODAY) == "en vigueur"
    assert by_id["C5"].status_on(TODAY) == "en projet"
    reasons = " | ".join(f"{p.where} : {p.reason}" for p in register.problems)
    assert "fichier introuvable : conventions/cafat.pdf" in reasons
    assert "« debut » : date invalide « 2024-13-45 »" in reasons
    assert "convention n° 7 : champ « id » manquant" in reasons


def test_filters(register_file: Path) -> None:
    register = load_register(register_file)
    ids = lambda **kw: [c.id for c in register.select(today=TODAY, **kw)]  # noqa: E731
    assert ids(expiring_within=90) == ["C1", "C2"]
    assert ids(party="cafat") == ["C1"]
    assert ids(party="dinum") == ["C2", "C4"]
    assert ids(dataset="quotient") == ["C2"]
    assert ids(status="expiree") == ["C3"]


def test_cli_list_and_expiry_report(register_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(
        app,
        ["conventions", "list", "--register", str(register_file), "--party", "DINUM",
         "--today", "2026-11-28", "--json"],
    )  # fmt: skip
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [row["id"] for row in rows] == ["C2", "C4"]
    assert rows[0]["jours_restants"] == 33 and rows[1]["fin"] is None
    report = tmp_path / "echeances.csv"
    done = runner.invoke(
        app,
        ["conventions", "expiring", "--register", str(register_file), "--within", "3m",
         "--today", "2026-11-28", "--output", str(report)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = report.read_text("utf-8").splitlines()
    assert lines[0].startswith("id;titre;parties") and len(lines) == 3
    assert "CAFAT ; Province Sud" in lines[1]
    json_report = tmp_path / "echeances.json"
    runner.invoke(
        app,
        ["conventions", "expiring", "--register", str(register_file), "--today", "2026-11-28",
         "--output", str(json_report)],
    )  # fmt: skip
    data = json.loads(json_report.read_text("utf-8"))
    assert data["horizon_jours"] == 90 and len(data["conventions"]) == 2


def test_fields_are_read_with_their_page() -> None:
    from connectors.base import Section
    from connectors.conventions.extract import extract_fields

    sections = [
        Section("Convention entre la Province Sud et la CAFAT.", page=1),
        Section(
            "Article 1. La présente convention a pour objet de définir les modalités de "
            "transmission des affiliations. Elle est conclue pour une durée de 3 ans.",
            page=2,
        ),
        Section(
            "Le traitement repose sur l'article 6.1.e du RGPD (mission d'intérêt public). "
            "Les données sont conservées pendant 5 ans après la fin de la convention. "
            "Fait à Nouméa, le 12 mars 2024.",
            page=3,
        ),
    ]
    fields = extract_fields(sections)
    assert (
        fields["finalite"].page == 2 and "transmission des affiliations" in fields["finalite"].value
    )
    assert fields["duree"].value == "3 ans"
    assert fields["base_legale"].page == 3 and "6.1.e du RGPD" in fields["base_legale"].value
    assert fields["duree_conservation"].value.startswith("pendant 5 ans")
    assert fields["signature"].value == "12 mars 2024"
    assert fields["parties"].value == "Province Sud ; CAFAT"


def test_extraction_scoring() -> None:
    from eval.extraction import Expected, Found, same_value, score

    assert same_value("pendant 6 ans à compter de l'arrêt", "pendant 6 ans")
    assert not same_value("mission d'intérêt public", "obligation légale du responsable")
    report = score(
        [Expected("C1", {"finalite": "définir les conditions d'accès"}, {"finalite": 2})],
        {"C1": {"finalite": Found("définir les conditions d'accès à l'API", 2),
                "duree": Found("3 ans", 4)}},
    )  # fmt: skip
    assert report["by_field"]["finalite"]["precision"] == 1.0
    assert report["by_field"]["duree"]["precision"] == 0.0  # the document does not state it


CORPUS_REGISTER = Path(__file__).parent / "data" / "conventions_register.yaml"


def test_corpus_register_loads_and_names_its_missing_files() -> None:
    from tests.conftest import CORPUS

    register = load_register(CORPUS_REGISTER, CORPUS)
    assert len(register.conventions) == 22
    missing = sorted(p.reason for p in register.problems)
    assert missing == [
        "fichier introuvable : conventions/cafat/convention-cafat-2021.pdf",
        "fichier introuvable : conventions/isee/convention-isee-ridet-2022.pdf",
    ]
    statuses = {c.id: c.status_on(TODAY) for c in register.conventions}
    assert statuses["CONV-2022-004"] == "expirée" and statuses["CONV-2019-001"] == "résiliée"
    assert statuses["CONV-2026-004"] == "en projet"
    expiring = [c.id for c in register.select(today=TODAY, expiring_within=90)]
    assert expiring == ["CONV-2023-005", "CONV-2025-001", "CONV-2025-002"]
    assert [c.id for c in register.select(today=TODAY, party="cafat")] == ["CONV-2021-001"]


def test_fields_read_from_the_corpus_agree_with_the_register(tmp_path: Path) -> None:
    """Extraction is young: these floors record where it stands and must not fall."""
    from tests.conftest import CORPUS

    out = tmp_path / "conventions_check.json"
    result = CliRunner().invoke(
        app,
        ["conventions", "check", "--register", str(CORPUS_REGISTER), "--root", str(CORPUS),
         "--report", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text("utf-8"))
    fields = report["by_field"]
    assert fields["parties"]["precision"] >= 0.75
    assert fields["duree_conservation"]["precision"] >= 0.9
    assert fields["finalite"]["extracted"] >= 10


def test_api_lists_conventions_with_filters(
    register_file: Path, tmp_path: Path, model_dir: Path
) -> None:
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.settings import load_settings

    settings = load_settings(
        tmp_path / "absent.yaml",
        data_dir=tmp_path / "data",
        embedding={"model": str(model_dir)},
        conventions={"register_file": str(register_file)},
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/conventions", params={"party": "dinum", "today": "2026-11-28"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [row["id"] for row in body["conventions"]] == ["C2", "C4"]
        assert any("fichier introuvable" in p["reason"] for p in body["problems"])
        expiring = client.get(
            "/conventions", params={"expiring_within": 90, "today": "2026-11-28"}
        ).json()
        assert [row["id"] for row in expiring["conventions"]] == ["C1", "C2"]
        assert client.get("/conventions", params={"expiring_within": 0}).status_code == 422
