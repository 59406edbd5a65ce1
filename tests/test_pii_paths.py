"""Names in paths, lone surnames and long texts: what the guard must not let through.

The real French guard (Presidio, spaCy) and real Qdrant local mode; the fake embedder
only carries vectors.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.answering import Citation
from assistant.llm import passages_prompt
from assistant.search import Hit, SearchService
from assistant.settings import SearchMode, SearchSettings
from connectors.base import Section, SourceDocument
from guardrails.pii import WINDOW_CHARS, PiiRedactor, text_windows
from indexing.path_seal import is_sealed, load_or_create_key
from indexing.pipeline import RunStatus
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, StoreConfig
from tests.conftest import CORPUS, FakeEmbedder, index_folder, make_pipeline
from ui.render import citation_markdown, document_url

DEMO = Path(__file__).resolve().parents[1] / "demo_corpus"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("agents/Léa Hnawia/fiche de poste.txt", "agents/<PERSONNE>/fiche de poste.txt"),
        ("dossier Jean Dupont.md", "dossier <PERSONNE>.md"),
        ("rh/CV_Marie_Wamytan.pdf", "rh/CV_<PERSONNE>.pdf"),
        ("rh/cv_lea_hnawia.docx", "rh/cv_<PERSONNE>.docx"),
        ("HNAWIA Léa/notes.md", "<PERSONNE>/notes.md"),
        ("courriers/M. Hnawia.docx", "courriers/M. <PERSONNE>.docx"),
        ("entretien annuel Kévin Barbier 2024.docx", "entretien annuel <PERSONNE> 2024.docx"),
        ("contacts/jean.dupont@gmail.com.txt", "contacts/<EMAIL>.txt"),
        ("appels/rappel 06 12 34 56 78.txt", "appels/rappel <TELEPHONE>.txt"),
    ],
)
def test_names_in_folder_and_file_names_are_replaced(
    redactor: PiiRedactor, path: str, shown: str
) -> None:
    assert redactor.redact_path(path) == shown


@pytest.mark.parametrize(
    "path",
    [
        "procedure-vpn.md",
        "Guide_RGPD_2024.pdf",
        "sécurité/Politique de mots de passe.md",
        "règlement/Charte informatique 2023.pdf",
        "lycee-victor-hugo/pierre-tombale.md",  # two first names; an ordinary word
        "rose-des-vents/plan.md",
        "conventions/Convention DAVAR - zones inondables.md",
        "cgu_api_impot_particulier_production_hors_connexion_fc_decembre2022_v4.0.pdf",
    ],
)
def test_ordinary_paths_are_left_as_they_are(redactor: PiiRedactor, path: str) -> None:
    assert redactor.redact_path(path) == path


def test_no_file_name_of_the_corpora_is_altered(redactor: PiiRedactor) -> None:
    """The demo corpus and the shared corpus hold no personal name in their paths."""
    paths = [
        path.relative_to(root).as_posix()
        for root in (DEMO, CORPUS)
        if root.is_dir()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]
    assert len(paths) > 20
    altered = [(path, shown) for path in paths if (shown := redactor.redact_path(path)) != path]
    assert altered == []


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (
            "Léa Hnawia est arrivée le 3 mars. Hnawia devra rappeler la DSIN.",
            ["Hnawia"],
            ["devra rappeler la DSIN"],
        ),
        ("M. Hnawia a signé. Ensuite, Hnawia devra rappeler la DSIN.", ["Hnawia"], []),
        # Case and accents do not matter; a hyphenated name is another name.
        (
            "Madame Hnawia a signé. Voir hnawia, HNAWÏA et Hnawia-Wenisso.",
            ["Hnawia,", "hnawia", "HNAWÏA"],
            ["Hnawia-Wenisso"],
        ),
        # A surname that is an ordinary word counts only when capitalised.
        (
            "Note de M. Petit : un petit dossier. Petit viendra lundi.",
            ["Petit viendra", "M. Petit"],
            ["un petit dossier"],
        ),
        (
            "Réunion avec Jean Martin. Martin présentera ; le lycée Saint-Martin aussi.",
            ["Martin présentera"],
            ["Saint-Martin"],
        ),
    ],
)
def test_a_surname_seen_with_its_first_name_or_civility_is_replaced_alone(
    redactor: PiiRedactor, text: str, gone: list[str], kept: list[str]
) -> None:
    redacted = redactor.redact_texts([text])[0][0]
    for value in gone:
        assert value not in redacted, redacted
    for value in kept:
        assert value in redacted, redacted


def test_a_lone_surname_without_first_name_or_civility_teaches_nothing(
    redactor: PiiRedactor,
) -> None:
    text = "Le Petit Prince est au programme. Un petit groupe lira Petit Prince."
    assert redactor.redact_texts([text])[0] == [text]


def _document(path: str, *sections: Section, title: str = "Fiche") -> SourceDocument:
    return SourceDocument(
        doc_id=path,
        source_path=path,
        kind="procedure",
        title=title,
        sections=sections,
        content_hash="x",
        modified=datetime.now(UTC),
        file_type=path.rsplit(".", 1)[-1],
    )


def test_surnames_are_learnt_across_a_document_and_from_its_path(redactor: PiiRedactor) -> None:
    document = _document(
        "agents/Léa Hnawia/fiche de poste.txt",
        Section("Hnawia devra rappeler la DSIN.", heading="Suivi Wenisso"),
        Section("Référent : M. Paul Wenisso.", heading="Contacts"),
    )
    redaction = redactor.redact_document(document)
    shown = redaction.document
    everything = " ".join(
        [shown.title] + [f"{s.heading} {s.text}" for s in shown.sections] + [redaction.display_path]
    )
    assert "Hnawia" not in everything and "Wenisso" not in everything
    assert redaction.display_path == "agents/<PERSONNE>/fiche de poste.txt"
    assert redaction.path_counts == {"PERSONNE": 1}
    assert "devra rappeler la DSIN" in shown.sections[0].text


def test_a_title_made_from_a_file_name_is_made_from_the_redacted_name(
    redactor: PiiRedactor,
) -> None:
    document = _document("rh/cv_lea_hnawia.md", Section("Parcours."), title="Cv lea hnawia")
    redaction = redactor.redact_document(document)
    assert redaction.document.title == "Cv <PERSONNE>"


def test_long_texts_are_cut_in_windows_at_word_breaks() -> None:
    text = "mot " * 40_000
    windows = text_windows(0, text, 50_000)
    assert len(windows) == 4
    assert [w.own_start for w in windows[1:]] == [w.own_end for w in windows[:-1]]
    assert windows[0].own_start == 0 and windows[-1].own_end == len(text)
    for window in windows:
        assert window.start <= window.own_start and window.end >= window.own_end
        assert text[window.own_start - 1 : window.own_start] in ("", " ")
        assert window.end - window.start <= 50_000 + 4 * 2_000


def test_an_entity_across_a_window_cut_is_still_replaced(redactor: PiiRedactor) -> None:
    filler = "Le service publie chaque trimestre un bilan des interventions réalisées. "

    def lead(length: int) -> str:
        return (filler * (length // len(filler) + 1))[: length - 1] + " "

    # The cut falls at the last space before WINDOW_CHARS: inside the name, then inside
    # the phone number of the second text.
    name = lead(WINDOW_CHARS - 5 - len("Contacter Léa")) + "Contacter Léa Hnawia demain. "
    phone = lead(WINDOW_CHARS - 3 - len("Tél. : 06 12 34")) + "Tél. : 06 12 34 56 78 le soir. "
    texts = [name + filler * 200, phone + filler * 200]
    for text, value in zip(texts, ("Léa Hnawia", "06 12 34 56 78"), strict=True):
        cut = text_windows(0, text, WINDOW_CHARS)[0].own_end
        start = text.index(value)
        assert start < cut < start + len(value)  # the test is about a cut entity
    redacted, counts = redactor.redact_texts(texts)
    assert "Hnawia" not in redacted[0] and "Contacter <PERSONNE> demain" in redacted[0]
    assert "Tél. : <TELEPHONE> le soir" in redacted[1]
    assert counts == {"PERSONNE": 1, "TELEPHONE": 1}


def test_a_table_longer_than_a_window_keeps_its_header_as_context(
    redactor: PiiRedactor,
) -> None:
    rows = "".join(f"Wenisso{i:04d};Sylvie;Agent d'accueil\n" for i in range(2_000))
    text = "Nom;Prénom;Fonction\n" + rows
    assert len(text) > 1.2 * WINDOW_CHARS
    redacted = redactor.redact_texts([text])[0][0]
    assert "Wenisso" not in redacted and "Sylvie" not in redacted
    assert redacted.count("<PERSONNE>;<PERSONNE>;Agent d'accueil") == 2_000


@pytest.mark.slow  # about 30 s of NER on one core
def test_a_one_megabyte_section_without_headings_is_indexed(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    """Longer than spaCy's max_length (1,000,000): analysed in windows, redacted as usual."""
    sentence = "Le service instruit les demandes de raccordement au réseau électrique. "
    half = sentence * (510_000 // len(sentence))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "journal.txt").write_text(
        half + "Contacter Mme Léa Hnawia au 06 12 34 56 78. " + half + "Fin du journal.",
        "utf-8",
    )
    assert (docs / "journal.txt").stat().st_size > 1_000_000
    pipeline = make_pipeline(fake_embedder, bm25, store, max_tokens=4000)
    report = index_folder(pipeline, docs)
    assert report.status == RunStatus.SUCCESS, report.skipped
    assert report.pii_totals == {"PERSONNE": 1, "TELEPHONE": 1}
    stored = json.dumps(store.payloads(["text"]), ensure_ascii=False)
    assert "Hnawia" not in stored and "06 12 34 56 78" not in stored
    assert "Contacter Mme <PERSONNE> au <TELEPHONE>" in stored and "Fin du journal" in stored


NAMES = ("Hnawia", "Dupont", "Léa", "Jean")


def test_names_in_paths_reach_no_searchable_or_shown_field(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25
) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    (docs / "agents" / "Léa Hnawia").mkdir(parents=True)
    (docs / "agents" / "Léa Hnawia" / "fiche de poste.txt").write_text(
        "Hnawia devra rappeler la DSIN pour ouvrir son accès au VPN.", "utf-8"
    )
    (docs / "dossier Jean Dupont.md").write_text(
        "Demande d'accès au VPN, validée par la DSIN.", "utf-8"
    )
    key = load_or_create_key(data / "state" / "path.key")
    config = StoreConfig(collection="test", path=data / "qdrant", path_key=key)
    store = QdrantStore(config)
    try:
        report = index_folder(make_pipeline(fake_embedder, bm25, store), docs)
        assert report.status == RunStatus.SUCCESS and report.documents_indexed == 2
        report.write(data / "reports")
        assert sorted(report.indexed_ids) == [
            "agents/<PERSONNE>/fiche de poste.txt",
            "dossier <PERSONNE>.md",
        ]
        assert (
            "chemin contenant un nom de personne, affiché comme "
            "« agents/<PERSONNE>/fiche de poste.txt »"
        ) in report.notices

        service = SearchService(
            embedder=fake_embedder,  # type: ignore[arg-type]
            sparse=bm25,
            store=store,
            settings=SearchSettings(),
        )
        for name in ("Hnawia", "Dupont", "Léa Hnawia", "Jean Dupont"):
            assert service.search(name, k=5, mode=SearchMode.SPARSE).hits == [], name
            for hit in service.search(name, k=5).hits:  # dense neighbours, whatever they are
                shown = [hit.display_path, hit.title, hit.heading or "", hit.text]
                assert not any(n in field for field in shown for n in NAMES), shown
        found = service.search("accès VPN DSIN", k=5, mode=SearchMode.SPARSE).hits
        assert {hit.display_path for hit in found} == set(report.indexed_ids)
        assert {hit.title for hit in found} == {"Fiche de poste", "Dossier <PERSONNE>"}

        # The keys are stored sealed; every other payload field is free of the names.
        points, _ = store.client.scroll(store.collection, limit=100, with_payload=True)
        assert len(points) == 2
        for point in points:
            payload = dict(point.payload or {})
            assert is_sealed(payload["source_path"]) and is_sealed(payload["doc_id"])
            dumped = json.dumps(payload, ensure_ascii=False)
            assert not any(name in dumped for name in NAMES), dumped
        # The store opens them again where a key is needed: the file, the bookkeeping.
        hit = next(h for h in found if h.display_path.startswith("agents/"))
        assert store.open_key(hit.source_path) == "agents/Léa Hnawia/fiche de poste.txt"
        assert sorted(store.document_versions()) == [
            "agents/Léa Hnawia/fiche de poste.txt",
            "dossier Jean Dupont.md",
        ]
        again = index_folder(make_pipeline(fake_embedder, bm25, store), docs)
        assert again.documents_unchanged == 2 and again.documents_indexed == 0
        (docs / "dossier Jean Dupont.md").unlink()
        store.delete_documents(["dossier Jean Dupont.md"])  # as a reindex does for a gone file
        assert sorted(store.document_versions()) == ["agents/Léa Hnawia/fiche de poste.txt"]
    finally:
        store.close()

    # Nothing under the data folder holds a name: reports, state, Qdrant's own files.
    written = [path for path in data.rglob("*") if path.is_file()]
    assert any("qdrant" in path.parts for path in written)
    for path in written:
        content = path.read_bytes()
        for name in NAMES:
            for form in {unicodedata.normalize(f, name) for f in ("NFC", "NFD")}:
                assert form.encode() not in content, (path, name)


def test_citations_show_the_display_path_and_link_with_the_key() -> None:
    citation = Citation(
        number=1,
        source_path="agents/Léa Hnawia/fiche de poste.txt",
        display_path="agents/<PERSONNE>/fiche de poste.txt",
        title="Fiche de poste",
        kind="procedure",
        page=None,
        heading=None,
        quote="Rappeler la DSIN.",
        passage="Rappeler la DSIN.",
    )
    panel = citation_markdown(citation, document_url)
    url = document_url(citation.source_path)
    assert url in panel  # the file still opens
    assert "Hnawia" not in panel.replace(url, "")
    assert "`agents/<PERSONNE>/fiche de poste.txt`" in panel
    hit = Hit.from_payload(
        1,
        1.0,
        {
            "source_path": citation.source_path,
            "display_path": citation.display_path,
            "text": "Rappeler la DSIN.",
        },
    )
    assert "Hnawia" not in passages_prompt("Qui rappeler ?", [hit])
