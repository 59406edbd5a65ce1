"""The files connector: formats, metadata, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import SkippedDocument, SourceDocument
from connectors.files import FilesConnector
from tests.factories import write_docx, write_pdf, write_scanned_pdf


def read_all(root: Path, **kwargs: object) -> dict[str, SourceDocument | SkippedDocument]:
    connector = FilesConnector(root, **kwargs)  # type: ignore[arg-type]
    return {item.source_path: item for item in connector.scan()}


def test_markdown_sections_follow_headings_and_front_matter(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(
        "---\ntitle: Guide des congés\n---\n# Congés\nIntro.\n## Demande\nRemplir le "
        "formulaire [CA-1](http://x).\n### Délai\nQuinze jours avant.\n```\n# pas un titre\n```\n",
        encoding="utf-8",
    )
    doc = read_all(tmp_path)["guide.md"]
    assert isinstance(doc, SourceDocument)
    assert doc.title == "Guide des congés"
    headings = [s.heading for s in doc.sections]
    assert headings == ["Congés", "Congés › Demande", "Congés › Demande › Délai"]
    assert "formulaire CA-1." in doc.sections[1].text
    assert "# pas un titre" in doc.sections[2].text


def test_pdf_keeps_page_numbers_and_articles(tmp_path: Path) -> None:
    write_pdf(
        tmp_path / "reglement.pdf",
        [
            "Reglement interieur\nArticle 1 - Objet\nLe present reglement fixe les regles.",
            "Suite de l'article 1 sur la page deux.\nArticle 2 - Horaires\nLes bureaux ouvrent.",
        ],
    )
    doc = read_all(tmp_path)["reglement.pdf"]
    assert isinstance(doc, SourceDocument)
    pairs = [(s.page, s.heading) for s in doc.sections]
    assert (1, "Article 1 - Objet") in pairs
    assert (2, "Article 1 - Objet") in pairs  # the heading carries over the page break
    assert (2, "Article 2 - Horaires") in pairs


def test_pdf_numbered_parts_become_headings(tmp_path: Path) -> None:
    write_pdf(
        tmp_path / "cgu.pdf",
        [
            "Conditions generales\n3. Engagements de la DINUM\nLe Service delivre 20 appels "
            "par seconde.\n1. Le partenaire respecte ces conditions.\n"
            "4.2 Traitement des donnees\nLes donnees sont conservees un an.",
        ],
    )
    doc = read_all(tmp_path)["cgu.pdf"]
    assert isinstance(doc, SourceDocument)
    by_heading = {s.heading: s.text for s in doc.sections}
    assert "20 appels" in by_heading["3. Engagements de la DINUM"]
    # A numbered sentence ending with a full stop is a list item, not a heading.
    assert "1. Le partenaire respecte ces conditions." in by_heading["3. Engagements de la DINUM"]
    assert "conservees un an" in by_heading["4.2 Traitement des donnees"]


def test_docx_and_html_headings(tmp_path: Path) -> None:
    write_docx(
        tmp_path / "note.docx",
        [
            ("h1", "Télétravail"),
            ("h2", "Éligibilité"),
            ("p", "Les agents titulaires peuvent demander."),
        ],
    )
    (tmp_path / "page.html").write_text(
        "<html><head><title>Intranet</title><script>var x=1</script></head><body>"
        "<nav>Accueil | Plan</nav><main><h1>VPN</h1><p>Installer le client.</p>"
        "<h2>Support</h2><ul><li>Appeler l'assistance</li></ul></main>"
        "<footer>© Province</footer></body></html>",
        encoding="utf-8",
    )
    docs = read_all(tmp_path)
    note, page = docs["note.docx"], docs["page.html"]
    assert isinstance(note, SourceDocument) and isinstance(page, SourceDocument)
    assert note.sections[-1].heading == "Télétravail › Éligibilité"
    assert [s.heading for s in page.sections] == ["VPN", "VPN › Support"]
    full = " ".join(s.text for s in page.sections)
    assert "Accueil" not in full and "var x" not in full and "©" not in full


def test_ids_are_relative_paths_with_spaces_and_accents(tmp_path: Path) -> None:
    folder = tmp_path / "procédures internes"
    folder.mkdir()
    (folder / "Déclarer un incident.md").write_text("# Incident\nAppeler le RSSI.", "utf-8")
    doc = read_all(tmp_path)["procédures internes/Déclarer un incident.md"]
    assert isinstance(doc, SourceDocument)
    assert doc.doc_id == "procédures internes/Déclarer un incident.md"
    assert len(doc.content_hash) == 64 and doc.file_type == "md"


def test_kind_comes_from_option_or_folder(tmp_path: Path) -> None:
    (tmp_path / "conventions").mkdir()
    (tmp_path / "conventions" / "c.md").write_text("# Convention\nTexte.", "utf-8")
    (tmp_path / "autre.md").write_text("# Autre\nTexte.", "utf-8")
    mapping = {"conventions": "convention"}
    docs = read_all(tmp_path, kind_by_folder=mapping)
    assert docs["conventions/c.md"].kind == "convention"  # type: ignore[union-attr]
    assert docs["autre.md"].kind == "procedure"  # type: ignore[union-attr]
    forced = read_all(tmp_path, kind="catalogue", kind_by_folder=mapping)
    assert forced["conventions/c.md"].kind == "catalogue"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrompu.pdf", b"%PDF-1.7\n1 0 obj <</Type /Catalog>>\ngarbage", "PDF illisible"),
        ("vide.md", b"", "fichier vide"),
        ("espaces.txt", b"  \n\n ", "fichier vide"),
        ("binaire.md", bytes(range(256)) * 4, "binaire"),
        ("latin1.txt", "Délai de réponse : un mois".encode("latin-1"), "UTF-8"),
        ("donnees.xyz", b"a,b,c", "extension non prise en charge (.xyz)"),
        ("archive.docx", b"PK\x03\x04 not really a zip", "Word illisible"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    item = read_all(tmp_path)[name]
    assert isinstance(item, SkippedDocument)
    assert reason in item.reason


def test_scanned_pdf_is_reported_as_needing_ocr(tmp_path: Path) -> None:
    write_scanned_pdf(tmp_path / "scan.pdf")
    item = read_all(tmp_path)["scan.pdf"]
    assert isinstance(item, SkippedDocument)
    assert "OCR" in item.reason


def test_file_deleted_mid_run_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\nTexte A.", "utf-8")
    (tmp_path / "b.md").write_text("# B\nTexte B.", "utf-8")
    connector = FilesConnector(tmp_path)
    paths = connector.paths()
    (tmp_path / "b.md").unlink()
    items = [item for p in paths for item in connector.read(p)]
    assert isinstance(items[0], SourceDocument)
    assert isinstance(items[1], SkippedDocument) and "disparu" in items[1].reason


def test_real_corpus_scanned_pdf_needs_ocr() -> None:
    from tests.conftest import CORPUS

    scanned = [p for p in (CORPUS / "conventions" / "pcrs").rglob("*.pdf")]
    if not scanned:
        pytest.skip("shared corpus absent")
    connector = FilesConnector(CORPUS)
    reasons = [item for p in scanned for item in connector.read(p)]
    assert any(isinstance(r, SkippedDocument) and "OCR" in r.reason for r in reasons)


def test_pdf_with_one_word_per_text_line_keeps_its_lines() -> None:
    from tests.conftest import CORPUS

    path = CORPUS / "conventions" / "api_gouv_fr" / "CGU API Particulier.pdf"
    if not path.exists():
        pytest.skip("shared corpus absent")
    [doc] = FilesConnector(CORPUS).read(path)
    assert isinstance(doc, SourceDocument)
    lines = [line for s in doc.sections for line in s.text.splitlines() if line.strip()]
    assert sum(len(line.split()) for line in lines) / len(lines) > 4
    assert any("20 appels par" in line for line in lines)


def test_csv_rows_are_read_with_their_column_names(tmp_path: Path) -> None:
    (tmp_path / "organismes.csv").write_text(
        "organisme;sigle;site\nDirection du numérique;DINUM;https://numerique.gouv.fr\n"
        "Agence sanitaire et sociale;DASS;https://dass.gouv.nc\n",
        "utf-8",
    )
    doc = read_all(tmp_path)["organismes.csv"]
    assert isinstance(doc, SourceDocument)
    assert "organisme : Agence sanitaire et sociale ; sigle : DASS" in doc.sections[0].text
    assert doc.sections[0].heading == "Colonnes : organisme, sigle, site — lignes 1 à 2"
