"""The personal-data guard: the real Presidio engine with the French spaCy model."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from assistant.search import SearchService
from assistant.settings import SearchSettings
from connectors.base import Section, SourceDocument
from connectors.errors import ConfigurationError
from eval.pii import load_cases, score
from guardrails.pii import PiiConfig, PiiEngineError, PiiRedactor
from guardrails.recognizers import iban_valid, luhn_valid, nir_valid
from indexing.pipeline import RunStatus
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline
from tests.factories import write_docx, write_pdf

CASES = Path(__file__).parent / "data" / "pii_fr.jsonl"
# Written by hand by someone who had not seen the recognizers: a check that they
# generalise beyond the generated set (first measured blind at recall 0.79).
HOLDOUT = Path(__file__).parent / "data" / "pii_fr_holdout.jsonl"

PLANTED = {
    "Wamytan": "Marie-Claire Wamytan",
    "phone": "+687 27 12 34",
    "email": "mc.wamytan@lagoon.nc",
    "iban": "FR76 1793 9587 7503 9438 5563 116",
    "nir": "2 61 10 988 295 87 08",
    "address": "12 rue Jean Jaurès, 98800 Nouméa",
    "siret": "498 516 541 00113",
}


def findings(redactor: PiiRedactor, text: str) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start : f.end]) for f in redactor.find([text])[0]]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # New Caledonia phones: +687, separators, bare digits after a phone word.
        ("Tél. : +687 27 12 34", "TELEPHONE", "+687 27 12 34"),
        ("Appelez le (+687) 78.45.12 avant midi.", "TELEPHONE", "(+687) 78.45.12"),
        ("Mon portable : 781234.", "TELEPHONE", "781234"),
        ("Il est joignable au 85 82 19.", "TELEPHONE", "85 82 19"),
        ("Tél 00 687 45 12 36", "TELEPHONE", "00 687 45 12 36"),
        # French phones.
        ("Portable : 06 12 34 56 78", "TELEPHONE", "06 12 34 56 78"),
        ("Joindre le +33 6 12 34 56 78", "TELEPHONE", "+33 6 12 34 56 78"),
        ("Standard : 01.23.45.67.89", "TELEPHONE", "01.23.45.67.89"),
        # NIR with its key, metropolitan, Corsica and New Caledonia.
        ("NIR : 1 85 05 78 006 084 91", "NIR", "1 85 05 78 006 084 91"),
        ("n° de sécurité sociale 178119882008810", "NIR", "178119882008810"),
        ("numéro SS 2611098829587 08", "NIR", "2611098829587 08"),
        ("NIR 2 94 07 2A 129 008 36", "NIR", "2 94 07 2A 129 008 36"),
        # SIREN, SIRET (Luhn), RIDET, IBAN (mod 97) with and without spaces.
        ("SIREN 498516541 au RCS de Nouméa", "SIREN", "498516541"),
        ("SIRET : 498 516 541 00113", "SIRET", "498 516 541 00113"),
        ("n° RIDET 0 878 249.002", "RIDET", "0 878 249.002"),
        ("RIDET : 1256364.001", "RIDET", "1256364.001"),
        ("IBAN FR76 1793 9587 7503 9438 5563 116", "IBAN", "FR76 1793 9587 7503 9438 5563 116"),
        ("IBAN : NC49 1488 9265 6004 0781 4619 782", "IBAN", "NC49 1488 9265 6004 0781 4619 782"),
        ("virement sur FR7614889811101052418575509", "IBAN", "FR7614889811101052418575509"),
        # Addresses, New Caledonia and metropolitan.
        (
            "Domicile : 12 rue Jean Jaurès, 98800 Nouméa",
            "ADRESSE",
            "12 rue Jean Jaurès, 98800 Nouméa",
        ),
        ("Écrire à BP 1234, 98845 Nouméa Cedex", "ADRESSE", "BP 1234, 98845 Nouméa Cedex"),
        (
            "Il habite lotissement Les Cigales, lot 45, 98835 Dumbéa.",
            "ADRESSE",
            "lotissement Les Cigales, lot 45, 98835 Dumbéa",
        ),
        ("au 8 impasse des Lilas, 69003 Lyon", "ADRESSE", "8 impasse des Lilas, 69003 Lyon"),
        # Dates of birth only when the context says so.
        ("née le 4 juillet 1990 à Nouméa", "DATE_NAISSANCE", "4 juillet 1990"),
        ("Date de naissance : 1985-03-12", "DATE_NAISSANCE", "1985-03-12"),
        ("DDN 12.03.85", "DATE_NAISSANCE", "12.03.85"),
        # Persons, with the civility left in place.
        ("Bonjour Sylvie, merci pour ton retour.", "PERSONNE", "Sylvie"),
        ("Mme Marie-Claire Wamytan a signé.", "PERSONNE", "Marie-Claire Wamytan"),
        ("Agent : DUPONT Jean – service RH", "PERSONNE", "DUPONT Jean"),
        ("Cordialement,\nSarah Lemoine\nChef de projet", "PERSONNE", "Sarah Lemoine"),
        ("Emails : jean.dupont@gmail.com", "EMAIL", "jean.dupont@gmail.com"),
        ("nom;prénom;tél\nGOROMIDO;Léa;27 12 34", "PERSONNE", "GOROMIDO"),
        ("nom;prénom;tél\nGOROMIDO;Léa;27 12 34", "TELEPHONE", "27 12 34"),
    ],
)
def test_personal_data_is_found(redactor: PiiRedactor, text: str, entity: str, value: str) -> None:
    assert (entity, value) in findings(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "La Province Sud et la DINUM signent la convention ; la CNIL est informée.",
        "Écrivez à dpo@province-sud.nc ou à formation@province-sud.nc.",
        "Le président de l'assemblée de la Province Sud signe l'arrêté n° 2023-1234/GNC.",
        "Le dossier n° 271234 est complet ; montant : 150 000 F CFP.",
        "La décision du 12 mars 2021 s'applique à Nouméa, Dumbéa et Païta.",
        "Article 33 - Notification à l'autorité de contrôle d'une violation de données.",
        "Mise en place de la Convention au cours de la réunion du comité.",
        "SIRET 498 516 541 00114 (clé fausse) et NIR 1 85 05 78 006 084 92 (clé fausse).",
        "Fiche pratique : Cliquez sur Valider puis Télécharger le récépissé.",
        # Capitals that once sent the address pattern into exponential backtracking.
        "PLUi numérisé sur la commune de PLUI PORTES DU BERRY ENTRE LOIRE ET VAL D'AUBOIS.",
    ],
)
def test_what_is_not_personal_is_left_alone(redactor: PiiRedactor, text: str) -> None:
    assert findings(redactor, text) == []


def test_checksums() -> None:
    assert luhn_valid("498516541") and not luhn_valid("498516542")
    assert nir_valid("1 85 05 78 006 084 91") and not nir_valid("1 85 05 78 006 084 92")
    assert nir_valid("2 94 07 2A 129 008 36")  # Corsica: 2A counts as 19
    assert not nir_valid("2 94 07 2A 129 008 37")
    assert iban_valid("FR76 1793 9587 7503 9438 5563 116")
    assert not iban_valid("FR76 1793 9587 7503 9438 5563 117")


def test_placeholders_keep_the_text_readable(redactor: PiiRedactor) -> None:
    texts, counts = redactor.redact_texts(
        ["M. Jean Dupont, tél. +687 27 12 34, demeurant 12 rue Jean Jaurès, 98800 Nouméa."]
    )
    assert texts == ["M. <PERSONNE>, tél. <TELEPHONE>, demeurant <ADRESSE>."]
    assert counts == {"PERSONNE": 1, "TELEPHONE": 1, "ADRESSE": 1}


def spans(redactor: PiiRedactor, texts: list[str]) -> list[list[tuple[str, int, int]]]:
    return [[(f.entity, f.start, f.end) for f in found] for found in redactor.find(texts)]


def test_hand_written_holdout_stays_above_its_floor(redactor: PiiRedactor) -> None:
    report = score(load_cases(HOLDOUT), lambda texts: spans(redactor, list(texts)))
    assert report["entities"] >= 250
    assert report["overall"]["recall"] >= 0.93, report["misses"]
    assert report["overall"]["precision"] >= 0.9, report["false_alarms"]


def test_labelled_set_meets_the_bars(redactor: PiiRedactor) -> None:
    """>= 150 labelled entities: recall >= 0.95 overall and per type, precision >= 0.85."""
    cases = load_cases(CASES)
    report = score(
        cases,
        lambda texts: [
            [(f.entity, f.start, f.end) for f in found] for found in redactor.find(texts)
        ],
    )
    assert report["entities"] >= 150
    assert report["overall"]["recall"] >= 0.95, report["misses"]
    assert report["overall"]["precision"] >= 0.85, report["false_alarms"]
    for kind, values in report["by_type"].items():
        if values["n"]:
            assert values["recall"] >= 0.95, (kind, values)


def test_the_email_recognizer_never_goes_online(
    redactor: PiiRedactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert findings(redactor, "Écrire à lea.goromido@lagoon.nc") == [
        ("EMAIL", "lea.goromido@lagoon.nc")
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (PiiConfig(spacy_model="fr_modele_absent"), "fr_modele_absent"),
        (PiiConfig(entities=("PERSONNE", "PLAQUE")), "PLAQUE"),
        (PiiConfig(allow_list=("(non fermée",)), "pii.allow_list"),
    ],
)
def test_an_engine_that_cannot_start_is_a_clear_error(config: PiiConfig, message: str) -> None:
    with pytest.raises(PiiEngineError) as error:
        PiiRedactor(config)
    assert message in error.value.message
    assert "Aucun document n'a été indexé" in error.value.message or "pii." in error.value.message


def test_settings_refuse_an_unknown_entity(tmp_path: Path) -> None:
    from assistant.settings import load_settings

    with pytest.raises(ConfigurationError, match=r"pii\.entities"):
        load_settings(tmp_path / "absent.yaml", pii={"entities": ["PERSONNE", "PLAQUE"]})


def test_no_planted_value_reaches_the_index(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dossier.md").write_text(
        f"# Dossier de Mme {PLANTED['Wamytan']}\n"
        f"## Contact : {PLANTED['email']}\n"
        f"Mme {PLANTED['Wamytan']} (tél. {PLANTED['phone']}) demeure {PLANTED['address']}.\n"
        f"IBAN : {PLANTED['iban']} ; n° de sécurité sociale {PLANTED['nir']}.",
        "utf-8",
    )
    write_docx(
        docs / "fiche.docx",
        [("h1", "Fiche de M. Jean Dupont"), ("p", f"Entreprise SIRET {PLANTED['siret']}.")],
    )
    write_pdf(docs / "courrier.pdf", [f"Courrier a Mme Wamytan, tel. {PLANTED['phone']}."])
    report = index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    assert report.status == RunStatus.SUCCESS and report.documents_indexed == 3

    points, _ = store.client.scroll(store.collection, limit=1000, with_payload=True)
    stored = json.dumps([point.payload for point in points], ensure_ascii=False)
    for value in [*PLANTED.values(), "Jean Dupont", "Wamytan"]:
        assert value not in stored, value
    for placeholder in ("<PERSONNE>", "<TELEPHONE>", "<EMAIL>", "<IBAN>", "<NIR>", "<ADRESSE>"):
        assert placeholder in stored, placeholder
    # The run report counts what was replaced, per document, and never holds a value.
    assert report.pii["dossier.md"]["TELEPHONE"] == 1
    assert report.pii_totals["PERSONNE"] >= 3
    dumped = json.dumps(report.to_json(), ensure_ascii=False)
    assert not any(value in dumped for value in PLANTED.values())

    hits = SearchService(
        embedder=fake_embedder,  # type: ignore[arg-type]
        sparse=bm25,
        store=store,
        settings=SearchSettings(),
    ).search("dossier contact téléphone", k=3)
    assert hits.hits and all("Wamytan" not in hit.text for hit in hits.hits)


class BrokenRedactor:
    """Fails on a document's text; its path (no name in it here) is shown as it is."""

    fingerprint = "broken"

    def redact_document(self, document: SourceDocument) -> None:
        raise RuntimeError("moteur arrêté")

    def redact_path(self, path: str) -> str:
        return path


def test_a_document_the_guard_cannot_read_is_not_indexed(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# Note\nM. Jean Dupont, tél. 27 12 34.", "utf-8")
    pipeline = make_pipeline(fake_embedder, bm25, store)
    pipeline.redactor = BrokenRedactor()  # type: ignore[assignment]
    report = index_folder(pipeline, docs)
    assert report.status == RunStatus.PARTIAL
    assert report.skipped[0].path == "note.md"
    assert "données personnelles" in report.skipped[0].reason
    assert store.document_versions() == {}


def test_redact_document_covers_title_headings_and_text(redactor: PiiRedactor) -> None:
    from datetime import UTC, datetime

    document = SourceDocument(
        doc_id="a.md",
        source_path="a.md",
        kind="procedure",
        title="Dossier de M. Jean Dupont",
        sections=(
            Section("Joindre M. Dupont au 06 12 34 56 78.", heading="Contact : Jean Dupont"),
        ),
        content_hash="x",
        modified=datetime.now(UTC),
        file_type="md",
    )
    redacted = redactor.redact_document(document).document
    assert "Dupont" not in redacted.title + (redacted.sections[0].heading or "")
    assert "06 12 34 56 78" not in redacted.sections[0].text


@pytest.mark.parametrize(
    "text",
    [
        "| C7 | Metadata Date | 0% |",
        "Téléchargement (Shapefile)",
        "Flux WMS et GeoJSON du Dataset communal",
    ],
)
def test_technical_words_are_not_names(redactor: PiiRedactor, text: str) -> None:
    assert redactor.redact_texts([text])[0] == [text]


def test_a_name_beside_technical_words_is_still_a_name(redactor: PiiRedactor) -> None:
    redacted = redactor.redact_texts(["Shapefile transmis par Jean-Michel Wamytan."])[0][0]
    assert "Wamytan" not in redacted and "Shapefile" in redacted
