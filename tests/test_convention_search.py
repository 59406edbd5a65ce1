"""Conventions in the index: register fields in the payload, questions read as filters,
links to catalogue records both ways."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.conventions import read_question
from assistant.links import names_record
from connectors.conventions.document import CARD_HEADING, ConventionEnricher
from connectors.conventions.register import load_register
from connectors.files import FilesConnector
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters
from tests.conftest import FakeEmbedder, make_pipeline

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
DEMO_REGISTER = ROOT / "demo_conventions.yaml"
TODAY = date(2026, 11, 28)
PARTIES = ["CAFAT", "DGFiP", "Province Sud", "ISEE", "OPT-NC", "Agence Bio"]
DATASETS = ["revenu fiscal de référence", "IBAN", "statut d'affiliation RUAMM"]


@pytest.mark.parametrize(
    ("question", "parties", "dataset", "after", "before"),
    [
        ("quelles conventions avec la CAFAT expirent avant mars ?", ("cafat",), None,
         TODAY, date(2027, 2, 28)),
        ("les conventions qui arrivent a echeance dans les 90 jours", (), None,
         TODAY, date(2027, 2, 26)),
        ("qu'est-ce qui expire d'ici fin mars 2027 avec la dgfip", ("dgfip",), None,
         TODAY, date(2027, 3, 31)),
        ("conventions qui se terminent en 2027", (), None, date(2027, 1, 1), date(2027, 12, 31)),
        ("les accords déjà expirés avec l'opt-nc", ("opt-nc",), None, None, date(2026, 11, 27)),
        ("à renouveler avant le 15/01/2027 ?", (), None, TODAY, date(2027, 1, 15)),
        ("conventions échues cette année", (), None, date(2026, 1, 1), date(2026, 11, 27)),
        ("on partage le revenu fiscal de reference avec qui ?", (), "revenu fiscal de reference",
         None, None),
        # A date that is not about an end, a home party, a word inside another: no filter.
        ("la convention signée en mars 2024 avec la Province Sud", (), None, None, None),
        ("mais qui a signé pour l'agence bio ?", (), None, None, None),  # no list asked
        ("sept ans de conservation, c'est légal ?", (), None, None, None),
    ],
)  # fmt: skip
def test_questions_are_read_as_filters(
    question: str,
    parties: tuple[str, ...],
    dataset: str | None,
    after: date | None,
    before: date | None,
) -> None:
    scope = read_question(
        question, parties=PARTIES, datasets=DATASETS, today=TODAY, own_names=["Province Sud"]
    )
    assert scope.parties == parties
    assert scope.dataset == dataset
    assert (scope.ends_after, scope.ends_before) == (after, before)


def test_filters_are_described_in_french() -> None:
    scope = read_question(
        "conventions CAFAT qui expirent avant mars", parties=PARTIES, datasets=(), today=TODAY
    )
    assert scope.describe() == ["partie : CAFAT", "fin entre le 28/11/2026 et le 28/02/2027"]


@pytest.mark.parametrize(
    ("name", "linked"),
    [
        ("ps-dsin-2023-limites-communes", True),
        ("limites administratives des communes de la province sud (2023)", True),
        ("communes de la Province Sud", True),
        ("communes", False),  # one word is too loose
        ("limites des communes", False),  # not a phrase of the title
    ],
)
def test_register_dataset_names_designate_records(name: str, linked: bool) -> None:
    title = "Limites administratives des communes de la Province Sud (2023)"
    assert names_record(name, "ps-dsin-2023-limites-communes", title) is linked


REGISTER = """
conventions:
  - id: C1
    titre: Vérification des affiliations
    fichier: conventions/cafat.md
    parties: [CAFAT, Province Sud]
    jeux_de_donnees: [statut d'affiliation]
    destinataires: ["Jean-Michel Wamytan, instructeur, jm.wamytan@gmail.com"]
    debut: 2024-03-01
    duree: 3 ans
  - id: C2
    titre: Convention perdue
    fichier: conventions/absente.md
    parties: [ISEE]
"""


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "corpus"
    (root / "conventions").mkdir(parents=True)
    (root / "conventions" / "cafat.md").write_text(
        "# Convention CAFAT\n## Objet\nLa présente convention a pour objet de vérifier "
        "l'affiliation des demandeurs d'aides.\n## Conservation\nLes données sont conservées "
        "pendant 5 ans après la clôture du dossier.",
        "utf-8",
    )
    (root / "conventions" / "sans ligne.md").write_text(
        "# Accord OPT-NC\nLa présente convention a pour objet l'échange des adresses de "
        "facturation entre l'OPT-NC et la Province Sud.",
        "utf-8",
    )
    register = tmp_path / "registre.yaml"
    register.write_text(REGISTER, "utf-8")
    return root, register


def test_register_fields_reach_the_payload_redacted_and_gaps_come_from_the_text(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    root, register_file = _corpus(tmp_path)
    register = load_register(register_file, root)
    enricher = ConventionEnricher(register, root, root)
    documents = enricher.documents(FilesConnector(root, kind="convention").scan())
    report = make_pipeline(fake_embedder, bm25, store).run(documents, root=str(root))
    assert report.documents_indexed == 2
    notices = enricher.notices()
    assert any("fichier introuvable : conventions/absente.md" in n for n in notices)
    assert any("sans ligne.md n'a pas de ligne" in n for n in notices)

    rows = store.payloads(
        ["source_path", "heading", "text", "convention", "party_keys", "ends_on"],
        SearchFilters(kinds=("convention",)),
    )
    cafat = [row for row in rows if row["source_path"] == "conventions/cafat.md"]
    card = next(row for row in cafat if row["heading"] == CARD_HEADING)
    assert "Parties : CAFAT, Province Sud." in card["text"]
    fields = cafat[0]["convention"]["champs"]
    assert fields["parties"] == {"valeur": ["CAFAT", "Province Sud"], "source": "registre",
                                 "page": None}  # fmt: skip
    assert fields["finalite"]["source"] == "texte"  # the register is silent: read from the text
    assert "affiliation" in fields["finalite"]["valeur"]
    assert cafat[0]["party_keys"] == ["cafat", "province sud"]
    assert cafat[0]["ends_on"] == "2027-02-28"  # start + 3 years
    # Personal data in a register field never reaches the index.
    recipients = fields["destinataires"]["valeur"]
    assert "Wamytan" not in recipients and "gmail" not in recipients
    assert "<PERSONNE>" in recipients and "<EMAIL>" in recipients
    assert all("Wamytan" not in json.dumps(row, ensure_ascii=False) for row in rows)
    # A convention with no row still gets the fields its text states.
    other = next(row for row in rows if row["source_path"] == "conventions/sans ligne.md")
    assert other["convention"]["id"] is None and "opt-nc" in other["party_keys"]


@pytest.fixture
def demo_env(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo corpus indexed with its register, as `make run` does, by the real model."""
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(ROOT / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    monkeypatch.setenv("BOUSSOLE_CONVENTIONS__REGISTER_FILE", str(DEMO_REGISTER))
    monkeypatch.setenv("BOUSSOLE_CONVENTIONS__ROOT", str(DEMO))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    report = tmp_path / "index.json"
    result = CliRunner().invoke(app, ["index", str(DEMO), "--report", str(report)])
    assert result.exit_code == 0, result.output
    return report


@pytest.mark.slow
def test_demo_conventions_questions_links_and_api(demo_env: Path) -> None:
    index_report = json.loads(demo_env.read_text("utf-8"))
    assert index_report["notices"] == []  # every demo convention has its row, and back
    runner = CliRunner()

    def ask(question: str) -> dict:  # type: ignore[type-arg]
        result = runner.invoke(
            app, ["conventions", "search", question, "--json", "--today", "2026-11-28"]
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.output)  # type: ignore[no-any-return]

    cafat = ask("quelles conventions avec la cafat expirent avant mars ?")
    assert cafat["filtres_appliques"] == [
        "partie : CAFAT",
        "fin entre le 28/11/2026 et le 28/02/2027",
    ]
    assert [card["convention_id"] for card in cafat["cards"]] == ["CONV-DEMO-001"]
    assert cafat["cards"][0]["status"] == "en vigueur"
    assert cafat["cards"][0]["fields"]["base_legale"]["source"] == "registre"

    year_end = ask("qu'est-ce qui arrive à échéance d'ici la fin de l'année ?")
    assert [card["convention_id"] for card in year_end["cards"]] == ["CONV-DEMO-003"]
    record = year_end["cards"][0]["records"][0]
    assert record["record_id"] == "ps-dsin-2024-zones-inondables-dumbea"

    nothing = ask("les conventions avec l'ISEE qui expirent en 2030")
    assert nothing["filtres_relaches"] is True and nothing["cards"]

    datasets = runner.invoke(app, ["datasets", "limites des communes", "--json", "-k", "3"])
    assert datasets.exit_code == 0, datasets.output
    cards = json.loads(datasets.output)
    communes = next(card for card in cards if card["record_id"] == "ps-dsin-2023-limites-communes")
    assert [c["id"] for c in communes["conventions"]] == ["CONV-DEMO-002"]
    assert communes["conventions"][0]["status"] == "en vigueur"

    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.security import add_api_key
    from assistant.settings import load_settings

    keys = demo_env.parent / "keys.yaml"
    dpo = add_api_key(keys, "registre-dpo", ["dpo"])
    with TestClient(create_app(load_settings(security={"api_keys_file": keys}))) as client:
        # Conventions belong to the DPO and legal groups: an anonymous caller sees none.
        hidden = client.get("/conventions", params={"today": "2026-11-28"}).json()
        assert hidden["conventions"] == [] and hidden["problems"] == []
        anonymous = client.get("/datasets", params={"q": "zones inondables dumbea", "k": 1})
        assert anonymous.json()["cards"][0]["conventions"] == []
        client.headers["X-API-Key"] = dpo
        rows = client.get("/conventions", params={"today": "2026-11-28"}).json()["conventions"]
        linked = {row["id"]: [f["record_id"] for f in row["fiches_catalogue"]] for row in rows}
        assert linked == {
            "CONV-DEMO-003": ["ps-dsin-2024-zones-inondables-dumbea"],
            "CONV-DEMO-001": [],
            "CONV-DEMO-002": ["ps-dsin-2023-limites-communes"],
        }
        response = client.get(
            "/conventions/search",
            params={"q": "qui verifie les affiliations ?", "party": "CAFAT", "today": "2026-11-28"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["filtres_appliques"] == ["partie : CAFAT"]
        assert body["cards"][0]["convention_id"] == "CONV-DEMO-001"
        assert body["cards"][0]["passages"][0]["snippet"]
        inondation = client.get("/datasets", params={"q": "zones inondables dumbea", "k": 1})
        assert inondation.json()["cards"][0]["conventions"][0]["id"] == "CONV-DEMO-003"


def test_a_register_edit_reindexes_only_that_convention(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    root, register_file = _corpus(tmp_path)
    pipeline = make_pipeline(fake_embedder, bm25, store)

    def run() -> tuple[int, int]:
        enricher = ConventionEnricher(load_register(register_file, root), root, root)
        documents = enricher.documents(FilesConnector(root, kind="convention").scan())
        report = pipeline.run(documents, root=str(root))
        return report.documents_indexed, report.documents_unchanged

    assert run() == (2, 0)
    assert run() == (0, 2)
    register_file.write_text(REGISTER.replace("duree: 3 ans", "fin: 2026-12-31"), "utf-8")
    assert run() == (1, 1)
    ends = {
        row["source_path"]: row.get("ends_on")
        for row in store.payloads(["source_path", "ends_on"], SearchFilters(kinds=("convention",)))
    }
    assert ends["conventions/cafat.md"] == "2026-12-31"


@pytest.mark.parametrize(
    ("question", "parties"),
    [
        ("si hubee a une fuite de donnees, la dgfip doit nous prevenir sous combien de temps ?",
         ()),
        ("pour teletransmettre a la dgfip en edifact, on peut prendre n'importe quel logiciel ?",
         ()),
        ("avec qui on échange des données de la CAFAT ?", ("cafat",)),
        ("on a des accords avec l'ISEE ?", ("isee",)),
        ("liste des conventions DGFiP", ("dgfip",)),
        ("quels partenaires nous envoient des données fiscales, à part la DGFiP ?", ()),
        ("quelles conventions avec la CAFAT, sauf l'ISEE ?", ("cafat",)),
    ],
)  # fmt: skip
def test_a_party_filters_only_questions_that_list_agreements(
    question: str, parties: tuple[str, ...]
) -> None:
    scope = read_question(question, parties=PARTIES, datasets=DATASETS, today=TODAY)
    assert scope.parties == parties
