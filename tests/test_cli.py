"""The `boussole` command line end to end: real model, real Qdrant local mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.factories import write_pdf, write_scanned_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    docs = tmp_path / "docs"
    (docs / "procédures").mkdir(parents=True)
    (docs / "procédures" / "Demander un accès VPN.md").write_text(
        "# Accès VPN\n## Délai\nLe compte VPN est ouvert sous huit jours ouvrés après "
        "validation du formulaire F-ACC-02 par le chef de service.",
        "utf-8",
    )
    write_pdf(
        docs / "charte.pdf",
        [
            "Article 1 - Objet\nUsage des outils numeriques.",
            "Article 2 - Messagerie\nLa messagerie est professionnelle.",
        ],
    )
    return docs


def test_index_reports_partial_and_keeps_good_files(env: Path, tmp_path: Path) -> None:
    write_scanned_pdf(env / "scan.pdf")
    (env / "vide.md").write_text("", "utf-8")
    (env / "table.xlsx").write_bytes(b"PK")
    report_path = tmp_path / "rapport.json"
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(env), "--report", str(report_path)])
    assert result.exit_code == 3, result.output
    assert "scan.pdf" in result.output and "OCR" in result.output
    report = json.loads(report_path.read_text("utf-8"))
    assert report["status"] == "partiel"
    assert report["documents_indexed"] == 2
    assert {s["path"] for s in report["skipped"]} == {"scan.pdf", "vide.md", "table.xlsx"}

    search = runner.invoke(app, ["search", "en combien de temps on a le vpn", "--json", "-k", "2"])
    assert search.exit_code == 0, search.output
    hits = json.loads(search.output)["hits"]
    assert hits[0]["source_path"] == "procédures/Demander un accès VPN.md"
    assert hits[0]["heading"] == "Accès VPN › Délai"


def test_clean_run_exits_zero_and_second_run_skips_unchanged(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(env)]).exit_code == 0
    again = runner.invoke(app, ["index", str(env)])
    assert again.exit_code == 0 and "2 inchangés" in again.output


def test_eval_writes_the_report(env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["index", str(env)])
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "a",
                "question": "la messagerie c'est perso ou pro ?",
                "kind": "procedure",
                "relevant": ["charte.pdf"],
                "answer_contains": [],
            },
            ensure_ascii=False,
        )
        + "\n",
        "utf-8",
    )
    out = tmp_path / "eval.json"
    result = runner.invoke(app, ["eval", "--questions", str(questions), "--report", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text("utf-8"))
    assert report["overall"] == {"recall@5": 1.0, "mrr@10": 1.0, "recall@1": 1.0, "n": 1}
    assert report["per_question"][0]["ranked_paths"][0] == "charte.pdf"


def test_unknown_folder_is_a_clear_error(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    monkeypatch.setattr("sys.argv", ["boussole", "index", str(env / "absent")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert "Dossier introuvable" in capsys.readouterr().err


def test_pii_check_previews_the_redaction(env: Path) -> None:
    note = env / "note agent.md"
    note.write_text(
        "# Suivi de M. Jean Dupont\nJoindre M. Dupont au +687 27 12 34 ou jean.dupont@gmail.com.",
        "utf-8",
    )
    result = CliRunner().invoke(app, ["pii", "check", str(note)])
    assert result.exit_code == 0, result.output
    assert "Jean Dupont" not in result.output and "27 12 34" not in result.output
    assert "M. <PERSONNE>" in result.output and "<TELEPHONE>" in result.output
    assert "<EMAIL>" in result.output


def test_a_guard_that_cannot_start_indexes_nothing(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from assistant.cli import main

    monkeypatch.setenv("BOUSSOLE_PII__SPACY_MODEL", "fr_modele_absent")
    monkeypatch.setattr("sys.argv", ["boussole", "index", str(env)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert "fr_modele_absent" in capsys.readouterr().err
    assert not (tmp_path / "data" / "qdrant" / "collection").exists()


def test_ask_json_names_what_is_missing_and_the_question_type(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(env)]).exit_code == 0
    near_miss = runner.invoke(
        app,
        ["ask", "le vpn pour les agents de Wallis-et-Futuna c'est en combien de temps ?", "--json"],
    )
    assert near_miss.exit_code == 0, near_miss.output
    answer = json.loads(near_miss.output)
    assert answer["abstained"] is True and answer["question_type"] == "duree"
    assert answer["missing_terms"] == ["Wallis-et-Futuna"]
    assert answer["text"].startswith("Je n'ai rien trouvé sur « Wallis-et-Futuna »")
    assert answer["sources"] and answer["citations"] == []
    answered = runner.invoke(app, ["ask", "le vpn c'est en combien de temps ?", "--json"])
    assert answered.exit_code == 0, answered.output
    answer = json.loads(answered.output)
    assert answer["abstained"] is False and answer["missing_terms"] == []
    assert "huit jours ouvrés" in answer["text"]
