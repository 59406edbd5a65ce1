"""Catalogue records end to end: files and a real CSW server (pycsw) into the index,
then dataset search by description, with the real model and real Qdrant local mode."""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import factory
from assistant.api import create_app
from assistant.datasets import DatasetSearch
from assistant.settings import Settings, load_settings
from connectors.base import SkippedDocument, SourceDocument
from connectors.catalogue.csw import CswHarvester, CswSource, HarvestState
from connectors.errors import SourceError
from connectors.files import FilesConnector
from indexing.pipeline import IndexReport, RunStatus
from tests.conftest import CORPUS, pii_redactor
from tests.pycsw.fixture import pycsw_server

CATALOGUE = CORPUS / "catalogue"
IGNF = CATALOGUE / "iso19139_IGNF_validator"

pytestmark = pytest.mark.slow


def test_every_record_of_every_file_is_its_own_document() -> None:
    items = list(FilesConnector(CATALOGUE).scan())
    documents = [item for item in items if isinstance(item, SourceDocument)]
    skipped = {item.source_path: item.reason for item in items if isinstance(item, SkippedDocument)}
    records = [doc for doc in documents if doc.metadata.get("record_id")]
    assert len(records) == 89  # and the DITTT README, a plain text file
    assert len({doc.doc_id for doc in documents}) == len(documents)
    assert all(doc.kind == "catalogue" for doc in records)
    # A CSW GetRecords response holds several records: one document each, one source path.
    page = [
        d for d in documents if d.source_path == "iso19139_udata_csw/geonetwork-iso19139-page-1.xml"
    ]
    assert len(page) == 2 and page[0].doc_id != page[1].doc_id
    assert all(d.doc_id.startswith(d.source_path + "#") for d in page)
    # Bad records and files are named with a reason.
    assert (
        "fiche sans identifiant"
        in skipped["iso19139_IGNF_validator/fr-130010622-SUP-A9-42.xml, fiche n° 1"]
    )
    assert "extension non prise en charge" not in " ".join(skipped.values())
    assert any(d.source_path == "nc/publishers.csv" for d in documents)  # CSV lists are read


def test_record_text_and_card_fields() -> None:
    [doc] = [
        d
        for d in FilesConnector(CATALOGUE).read(CATALOGUE / "iso19139_cnig" / "IGNF_BDTOPOr_3.xml")
        if isinstance(d, SourceDocument)
    ]
    headings = [section.heading for section in doc.sections]
    assert headings[0] == "Résumé" and "Distributions" in headings and "Étendue" in headings
    assert doc.metadata["record_id"] and doc.metadata["organisations"]
    assert doc.metadata["bbox"] is not None and doc.metadata["west"] < doc.metadata["east"]
    assert any(link["url"].startswith("http") for link in doc.metadata["links"])


def settings_for(tmp_path: Path, model_dir: Path) -> Settings:
    return load_settings(
        tmp_path / "absent.yaml", data_dir=tmp_path / "data", embedding={"model": str(model_dir)}
    )


def index(
    settings: Settings, documents: Iterator[SourceDocument | SkippedDocument], root: str
) -> IndexReport:
    store = factory.open_store(settings)
    try:
        pipeline = factory.make_pipeline(
            settings, factory.load_embedder(settings), store, pii_redactor()
        )
        return pipeline.run(documents, root=root)
    finally:
        store.close()


def find(settings: Settings, description: str, **filters: object) -> list[str]:
    store = factory.open_store(settings)
    try:
        service = factory.make_search_service(settings, factory.load_embedder(settings), store)
        cards = DatasetSearch(service).search(description, k=5, **filters)  # type: ignore[arg-type]
    finally:
        store.close()
    return [card.title for card in cards]


@pytest.fixture(scope="module")
def catalogue_index(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    """The files of three catalogue folders, indexed once for the search tests."""
    root = tmp_path_factory.mktemp("catalogue")
    for folder in ("iso19139_cnig", "iso19139_udata_csw", "dcat_ckan_json", "geonetwork_es_json"):
        shutil.copytree(CATALOGUE / folder, root / "catalogue" / folder)
    settings = settings_for(root, model_dir)
    report = index(settings, FilesConnector(root).scan(), str(root))
    assert report.documents_indexed >= 20
    return settings


def test_records_are_found_by_a_described_need(catalogue_index: Settings) -> None:
    titles = find(catalogue_index, "les cours d'eau et leur état écologique")
    assert any("eau" in title.lower() for title in titles[:3]), titles
    titles = find(catalogue_index, "les routes et les bâtiments de tout le territoire en 3D")
    assert any("BD TOPO" in title for title in titles[:3]), titles


def test_dataset_filters(catalogue_index: Settings) -> None:
    everything = find(catalogue_index, "données")
    assert everything
    # The Cartigny (Somme) record is found, but not when the extent is Marseille's.
    plu = "plan local d'urbanisme de Cartigny"
    assert any("Cartigny" in t for t in find(catalogue_index, plu))
    assert not any("Cartigny" in t for t in find(catalogue_index, plu, bbox=(5.2, 43.2, 5.5, 43.4)))
    assert find(catalogue_index, "données", updated_after=date(2100, 1, 1)) == []
    themed = find(catalogue_index, "données", theme="usage des sols")
    assert themed and all(t in everything or t for t in themed)


def test_contacts_do_not_reach_the_index(catalogue_index: Settings) -> None:
    store = factory.open_store(catalogue_index)
    try:
        points, _ = store.client.scroll(store.collection, limit=5000, with_payload=True)
    finally:
        store.close()
    stored = json.dumps([p.payload for p in points], ensure_ascii=False)
    # Named people in the contacts of a DCAT record of the corpus (checked by hand).
    source = CATALOGUE / "dcat_ckan_json" / "datara--f40c3860-7236-4b30-a141-23b8ae33f7b2.rdf.xml"
    raw = source.read_text("utf-8")
    for value in ("jm.genis@cbn-alpin.fr", "Benoit.Renaux@cbnmc.fr"):
        assert value in raw
        assert value not in stored, value
    assert "<EMAIL>" in stored


def test_api_returns_dataset_cards(catalogue_index: Settings) -> None:
    with TestClient(create_app(catalogue_index)) as client:
        response = client.get("/datasets", params={"q": "limites des parcelles agricoles", "k": 3})
        assert response.status_code == 200, response.text
        cards = response.json()["cards"]
        assert 1 <= len(cards) <= 3
        card = cards[0]
        assert card["title"] and card["source_path"].startswith("catalogue/")
        assert {"organisations", "themes", "bbox", "links", "updated"} <= card.keys()
        bad = client.get("/datasets", params={"q": "eau", "bbox": "nord,sud"})
        assert bad.status_code == 400 and "Emprise" in bad.json()["message"]


# --- CSW harvesting from a real pycsw server ----------------------------------------


def test_harvest_then_incremental_harvest(tmp_path: Path, model_dir: Path) -> None:
    settings = settings_for(tmp_path, model_dir)
    with pycsw_server(IGNF, tmp_path) as csw:
        source = CswSource(csw.url, name="geocat", page_size=4)
        harvester = CswHarvester(source)
        report = index(settings, harvester.harvest(), csw.url)
        assert report.status == RunStatus.SUCCESS
        assert report.documents_indexed == harvester.result.matched == 15
        assert harvester.result.pages == 4
        titles = find(settings, "le plan local d'urbanisme de Naveil")
        assert any("Naveil" in title for title in titles[:2]), titles

        # Edit one record (new title, new date stamp) and harvest what changed since.
        edited = tmp_path / "edited"
        edited.mkdir()
        original = IGNF / "fr-210800405-08042-plu20140213.xml"
        text = original.read_text("utf-8")
        stamp = re.search(r"<gmd:dateStamp>\s*<gco:Date(?:Time)?>([^<]+)<", text)
        assert stamp is not None
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        text = text.replace(stamp.group(1), tomorrow, 1)
        text = re.sub(r"(<gmd:title>\s*<gco:CharacterString>)", r"\1Révisé : ", text, count=1)
        (edited / original.name).write_text(text, "utf-8")
        csw.load(edited)
        again = index(settings, harvester.harvest(since=date.today()), csw.url)
        assert again.documents_seen == 1 and again.documents_indexed == 1
        assert any(t.startswith("Révisé") for t in find(settings, "plan local d'urbanisme révisé"))


class _FlakyProxy(BaseHTTPRequestHandler):
    """Forwards to pycsw, but fails the page that starts at record 5."""

    upstream = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if b'startPosition="5"' in body:
            self.send_error(500, "panne")
            return
        request = urllib.request.Request(
            self.upstream, data=body, headers={"Content-Type": "application/xml"}
        )
        with urllib.request.urlopen(request, timeout=10) as upstream:
            payload = upstream.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def test_a_page_failing_mid_harvest_is_reported_and_the_rest_goes_on(
    tmp_path: Path, model_dir: Path
) -> None:
    settings = settings_for(tmp_path, model_dir)
    with pycsw_server(IGNF, tmp_path) as csw:
        _FlakyProxy.upstream = csw.url
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{proxy.server_address[1]}/csw"
            source = CswSource(url, name="flaky", page_size=4, retries=1, timeout_s=10)
            harvester = CswHarvester(source)
            report = index(settings, harvester.harvest(), url)
        finally:
            proxy.shutdown()
    assert report.status == RunStatus.PARTIAL
    assert report.documents_indexed == 11  # 15 records, the page of 4 from n° 5 failed
    assert len(report.skipped) == 1 and "page 2" in report.skipped[0].path
    assert "erreur HTTP 500" in report.skipped[0].reason
    assert not harvester.result.complete
    state = HarvestState(tmp_path / "state.json")
    assert state.since(source) is None  # an incomplete harvest is redone from scratch


class _Slow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        import time

        time.sleep(3)
        self.send_error(503)

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_that_is_down_or_slow_is_a_clear_error() -> None:
    down = CswHarvester(CswSource("http://127.0.0.1:9/csw", timeout_s=2, retries=1))
    with pytest.raises(SourceError, match="injoignable"):
        list(down.harvest())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        slow = CswHarvester(
            CswSource(f"http://127.0.0.1:{server.server_address[1]}/csw", timeout_s=1, retries=0)
        )
        with pytest.raises(SourceError, match="n'a pas répondu en 1 s"):
            list(slow.harvest())
    finally:
        server.shutdown()


class _Refusing(BaseHTTPRequestHandler):
    """A CSW that answers every request with an OWS exception report."""

    def do_POST(self) -> None:
        body = (
            b'<?xml version="1.0"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows"'
            b' version="1.2.0"><ows:Exception exceptionCode="NoApplicableCode">'
            b"<ows:ExceptionText>Base de donnees indisponible</ows:ExceptionText>"
            b"</ows:Exception></ows:ExceptionReport>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_exception_report_is_a_clear_error() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/csw"
        with pytest.raises(SourceError, match="Base de donnees indisponible"):
            list(CswHarvester(CswSource(url, retries=0)).harvest())
    finally:
        server.shutdown()


def test_cli_harvest_is_incremental_and_cli_datasets_prints_cards(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    runner = CliRunner()
    with pycsw_server(CATALOGUE / "iso19139_plume", tmp_path) as csw:
        first = runner.invoke(app, ["harvest", csw.url, "--name", "geocat"])
        assert first.exit_code == 0, first.output
        assert "6 indexés" in first.output and "(complet)" in first.output
        second = runner.invoke(app, ["harvest", csw.url, "--name", "geocat"])
        assert second.exit_code == 0, second.output
        assert "fiches modifiées depuis le" in second.output
    state = json.loads((tmp_path / "data" / "state" / "harvests.json").read_text("utf-8"))
    assert state["geocat"]["url"] == csw.url
    found = runner.invoke(app, ["datasets", "le sentier piéton qui longe la côte", "-k", "2"])
    assert found.exit_code == 0, found.output
    assert "littoral" in found.output.lower() and "GetRecordById" in found.output
