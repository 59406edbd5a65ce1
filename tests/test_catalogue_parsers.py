"""Catalogue parsers on the real harvested corpus, read in place, and on broken input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from connectors.catalogue.ckan import parse_ckan
from connectors.catalogue.dcat import parse_dcat
from connectors.catalogue.formats import parse_catalogue
from connectors.catalogue.geonetwork import parse_geonetwork
from connectors.catalogue.iso import iso_record_elements, parse_iso, parse_iso_element
from connectors.catalogue.record import CatalogueRecord, ParsedCatalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "catalogue"
NOT_CATALOGUES = "nc"

# Measured on the corpus: one ISO file has an empty gmd:fileIdentifier, every other
# file gives all its records.
EXPECTED_RECORDS = {
    "dcat_ckan_json": 13,
    "geonetwork_es_json": 2,
    "iso19139_IGNF_validator": 15,
    "iso19139_cnig": 3,
    "iso19139_ecospheres": 7,
    "iso19139_geonetwork-ui_dump": 25,
    "iso19139_geonetwork-ui_fixtures": 11,
    "iso19139_plume": 6,
    "iso19139_udata_csw": 7,
}

needs_corpus = pytest.mark.skipif(not CATALOGUE.is_dir(), reason=f"corpus absent: {CATALOGUE}")


def parse_file(relative: str) -> ParsedCatalogue:
    path = CATALOGUE / relative
    return parse_catalogue(path.read_bytes(), path.name)


def only_record(relative: str) -> CatalogueRecord:
    parsed = parse_file(relative)
    assert parsed.problems == []
    assert len(parsed.records) == 1
    return parsed.records[0]


def catalogue_folders() -> list[Path]:
    if not CATALOGUE.is_dir():
        return []
    return sorted(p for p in CATALOGUE.iterdir() if p.is_dir() and p.name != NOT_CATALOGUES)


# --- the whole corpus ------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("folder", catalogue_folders(), ids=lambda p: p.name)
def test_every_file_gives_records_or_a_reason(folder: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert files
    for path in files:
        parsed = parse_catalogue(path.read_bytes(), path.name)
        assert parsed.records or parsed.problems, path.name
        for problem in parsed.problems:
            assert problem.where.startswith(path.name)
            assert problem.reason.strip()
        for record in parsed.records:
            assert record.identifier.strip() and record.title.strip()


@needs_corpus
def test_corpus_totals_are_those_measured() -> None:
    records: dict[str, int] = {}
    problems: list[str] = []
    for folder in catalogue_folders():
        for path in sorted(folder.iterdir()):
            parsed = parse_catalogue(path.read_bytes(), path.name)
            records[folder.name] = records.get(folder.name, 0) + len(parsed.records)
            problems.extend(problem.where for problem in parsed.problems)
    assert records == EXPECTED_RECORDS
    assert sum(records.values()) == 89
    assert problems == ["fr-130010622-SUP-A9-42.xml, fiche n° 1"]


@needs_corpus
def test_files_that_are_no_catalogue_say_so() -> None:
    paths = sorted((CATALOGUE / NOT_CATALOGUES).iterdir())
    assert paths
    for path in paths:
        parsed = parse_catalogue(path.read_bytes(), path.name)
        assert parsed.records == []
        assert [p.reason for p in parsed.problems] == ["format de catalogue non reconnu"]


# --- ISO 19139 -------------------------------------------------------------------------


@needs_corpus
def test_iso19139_record_fields() -> None:
    record = only_record("iso19139_cnig/MasseDEauRiviere_VRAP2022_metadata.xml")
    assert record.standard == "iso19139"
    assert record.identifier == "95dfaccc-529c-47b3-b2cf-cf71c64f5cf1"
    assert record.title == "Masses d'eau cours d'eau - France Entière - Version Rapportage 2022"
    assert record.resource_type == "dataset"
    assert record.language == "fre"
    assert record.bbox == (-61.798, -21.371, 55.855, 51.088)
    assert record.themes == (
        "Zones de gestion, de restriction ou de réglementation et unités de déclaration",
    )
    assert "directive cadre eau" in record.keywords
    assert record.topic_categories == ("inlandWaters",)
    assert record.dates == {"publication": "2021-07-08T13:43:37"}
    assert record.metadata_date == "2022-09-01T10:03:34"
    assert record.contacts[0].organisation == "SANDRE"
    assert record.contacts[0].email == "sandre@sandre.eaufrance.fr"
    assert "OGC:WMS" in {link.protocol for link in record.links}
    assert record.licence is not None and record.licence.startswith("Licence Ouverte 1.0")
    assert record.lineage is not None and record.lineage.startswith("Mise à jour")


@needs_corpus
def test_iso19139_bbox_covers_every_extent_not_only_the_first() -> None:
    # Mainland France first, then the overseas departments: OWSLib alone keeps the first.
    record = only_record("iso19139_cnig/IGNF_BDTOPOr_3.xml")
    assert record.bbox == (-63.16, -21.4, 55.85, 51.1)
    assert record.resource_type == "series"


@needs_corpus
def test_iso19139_keeps_anchor_keywords_mixed_with_text() -> None:
    record = only_record("iso19139_udata_csw/geoplateforme-iso19139-IGNF_RPG.xml")
    assert record.identifier == "IGNF_RPG"
    assert "Land cover" in record.keywords  # a gmx:Anchor among gco:CharacterString
    assert {"Occupation des terres", "Land cover"} <= set(record.themes)
    assert record.temporal_start == "2007-01-01"


@needs_corpus
def test_iso19139_temporal_extent_from_gml_begin_and_end_instants() -> None:
    record = only_record(
        "iso19139_geonetwork-ui_dump/04bcec79-5b25-4b16-b635-73115f7456e4.iso19139.xml"
    )
    assert (record.temporal_start, record.temporal_end) == ("2021-06-15", "2024-03-12")


@needs_corpus
def test_iso19139_projected_coordinates_are_not_a_bbox() -> None:
    # This record puts Lambert 93 metres where WGS 84 degrees belong.
    record = only_record("iso19139_IGNF_validator/fr-000041175-plu20140603.xml")
    assert record.bbox is None


@needs_corpus
def test_iso_record_without_identifier_is_a_problem() -> None:
    parsed = parse_file("iso19139_IGNF_validator/fr-130010622-SUP-A9-42.xml")
    assert parsed.records == []
    assert len(parsed.problems) == 1
    assert "sans identifiant" in parsed.problems[0].reason


@needs_corpus
def test_csw_getrecords_response_gives_each_record() -> None:
    parsed = parse_file("iso19139_udata_csw/geonetwork-iso19139-page-1.xml")
    assert parsed.problems == []
    assert [r.identifier for r in parsed.records] == [
        "fr-120066022-ldd-56fce164-04b2-41ae-be87-9f256f39dd44",
        "fr-120066022-ldd-777b1c6b-36a7-4650-befa-e4be638cd694",
    ]
    assert parsed.records[1].title == "Plan local d'urbanisme de la commune de Flesselles"


@needs_corpus
def test_csw_harvester_reads_response_elements_one_by_one() -> None:
    path = CATALOGUE / "iso19139_udata_csw/geonetwork-iso19139-page-3.xml"
    elements = iso_record_elements(etree.fromstring(path.read_bytes()))
    assert elements is not None and len(elements) == 2
    records = [parse_iso_element(element) for element in elements]
    assert len({record.identifier for record in records}) == 2


@needs_corpus
def test_record_without_identifier_in_a_response_leaves_its_sibling() -> None:
    path = CATALOGUE / "iso19139_udata_csw/geonetwork-iso19139-page-5.xml"
    root = etree.fromstring(path.read_bytes())
    first_identifier = root.find(".//{http://www.isotc211.org/2005/gmd}fileIdentifier")
    first_identifier.getparent().remove(first_identifier)
    parsed = parse_iso(etree.tostring(root), "page-5.xml")
    assert [p.where for p in parsed.problems] == ["page-5.xml, fiche n° 1"]
    assert "fiche sans identifiant" in parsed.problems[0].reason
    assert [r.identifier for r in parsed.records] == [
        "fr-120066022-ldd-1d31b525-5f0e-4fd2-8ab4-cad099333b5c"
    ]


@needs_corpus
def test_gmi_mi_metadata_reads_like_md_metadata() -> None:
    data = (CATALOGUE / "iso19139_IGNF_validator/06.xml").read_bytes()
    assert data.count(b"<gmd:MD_Metadata") == 1
    gmi = data.replace(
        b"<gmd:MD_Metadata", b'<gmi:MI_Metadata xmlns:gmi="http://www.isotc211.org/2005/gmi"'
    ).replace(b"</gmd:MD_Metadata>", b"</gmi:MI_Metadata>")
    parsed = parse_catalogue(gmi, "06-gmi.xml")
    assert [r.identifier for r in parsed.records] == ["fr-000022358-plu20190101"]
    assert parsed.records[0].title == "Plan Local d'Urbanisme de TREGONNEAU"
    assert parsed.records[0].themes == ("Usage des sols",)


# --- ISO 19115-3 -----------------------------------------------------------------------


@needs_corpus
def test_iso19115_3_record_fields() -> None:
    record = only_record("iso19139_geonetwork-ui_fixtures/sextant.iso19115-3.dataset.xml")
    assert record.standard == "iso19115-3"
    assert record.identifier == "74ce72b9-0196-4eca-abfe-8600f69bd5c4"
    assert record.title == "Position des fronts du Courant Circumpolaire Antarctique"
    assert record.bbox == (-180.0, -66.0, 180.0, -35.0)
    # GML 3.2 period and mdb:resourceLineage: both missed by OWSLib's 19115-3 reader.
    assert (record.temporal_start, record.temporal_end) == ("1993-01", "2023-12")
    assert record.lineage is not None and record.lineage.startswith("Sallée")
    assert record.contacts[0].organisation == "CTOH/LEGOS"
    assert "DOI" in {link.protocol for link in record.links}


@needs_corpus
def test_iso19115_3_theme_contact_and_record_date() -> None:
    record = only_record("iso19139_ecospheres/ifremer--251d473f-c4cb-4c4e-b976-6ebbb88ec5be.xml")
    assert record.themes == ("Géologie",)
    assert record.topic_categories == ("oceans",)
    assert record.metadata_date == "2025-09-05T15:47:48.839669Z"  # the revision, not creation
    assert record.licence == "CC-BY (Creative Commons - Attribution)"
    author = record.contacts[0]
    assert (author.organisation, author.individual, author.role, author.email) == (
        "Ifremer",
        "Geo-Ocean (UMR 6538)",
        "author",
        "gmcarto@ifremer.fr",
    )


@needs_corpus
def test_iso19115_3_record_with_embedded_feature_catalogue() -> None:
    record = only_record("iso19139_geonetwork-ui_dump/accroche_velos.iso19115-3.2018.xml")
    assert record.title == "Accroches vélos MEL"
    assert record.licence == "Licence Ouverte v2.0 (Etalab)"
    assert "WWW:DOWNLOAD:text/csv" in {link.protocol for link in record.links}


# --- DCAT ------------------------------------------------------------------------------


@needs_corpus
def test_geodcat_ap_record_fields() -> None:
    record = only_record("dcat_ckan_json/datara--f40c3860-7236-4b30-a141-23b8ae33f7b2.rdf.xml")
    assert record.standard == "dcat"
    assert record.identifier == (
        "https://catalogue.open-datara.fr/geonetwork/srv/f40c3860-7236-4b30-a141-23b8ae33f7b2"
    )
    assert record.title == "Couche relevés de végétations patrimoniales. PRFB. 2020"
    assert "Habitats et biotopes" in record.themes
    assert record.bbox == pytest.approx(
        (2.0629141330719, 44.1153793334961, 7.18588781356812, 46.8040313720703)
    )
    assert record.dates == {"creation": "2020-09-08", "revision": "2021-01-27"}
    assert record.metadata_date is not None and record.metadata_date.startswith("2025-06-23")
    organisations = {contact.organisation for contact in record.contacts}
    assert "Conservatoire Botanique National Alpin" in organisations
    assert record.language == "fre"


@needs_corpus
def test_dcat_prefers_french_and_reads_inspire_codes() -> None:
    record = only_record("dcat_ckan_json/ignf_elf_administrative_unit_1-0-xml.rdf")
    assert record.title == "Unités administratives France métropolitaine (LoD1)"
    assert record.abstract.startswith("Unités d'administration")
    assert "au" in record.themes
    assert record.topic_categories == ("boundaries",)
    assert record.resource_type == "series"
    assert record.bbox == (-5.15, 41.32, 9.57, 51.1)  # from the WKT, not the lat/lon GML


@needs_corpus
def test_dcat_distributions_become_links() -> None:
    record = only_record("dcat_ckan_json/dcat_data_gouv_gestionnaires_rrn.rdf")
    assert record.identifier == "57a84262c751df5b85bb5dd4"
    assert len(record.links) == 14
    assert "text/csv" in {link.protocol for link in record.links}
    assert record.contacts[0].organisation == "Ministère de la Transition écologique"
    assert record.licence == "Licence Ouverte / Open Licence"


@needs_corpus
def test_dcat_us_data_json_gives_each_dataset() -> None:
    parsed = parse_file("dcat_ckan_json/evian.json")
    assert parsed.problems == []
    assert len(parsed.records) == 8
    assert len({record.identifier for record in parsed.records}) == 8
    first_record = parsed.records[0]
    assert first_record.title == "stationnement velos"
    assert (
        first_record.abstract
        == "Emplacement et description des stationnement vélos à Evian-les-Bains"
    )
    assert first_record.bbox == (6.5735, 46.3912, 6.6069, 46.4028)
    assert first_record.contacts[0].organisation == "Ville d'Evian-les-Bains"


def test_turtle_with_two_datasets_and_one_without_title() -> None:
    turtle = b"""
    @prefix dcat: <http://www.w3.org/ns/dcat#> .
    @prefix dct: <http://purl.org/dc/terms/> .
    <http://ex.org/ds/1> a dcat:Dataset ; dct:identifier "ds-1" ;
        dct:title "Cadastre"@en, "Cadastre de la province Sud"@fr ;
        dct:spatial [ dcat:bbox "POLYGON((164 -22.7,167 -22.7,167 -20,164 -20,164 -22.7))" ] ;
        dct:temporal [ dcat:startDate "2020-01-01" ; dcat:endDate "2021-12-31" ] .
    <http://ex.org/ds/2> a dcat:Dataset ; dct:identifier "ds-2" .
    """
    parsed = parse_dcat(turtle, "catalogue.ttl")
    assert [r.title for r in parsed.records] == ["Cadastre de la province Sud"]
    assert parsed.records[0].bbox == (164.0, -22.7, 167.0, -20.0)
    assert parsed.records[0].temporal_end == "2021-12-31"
    assert [(p.where, p.reason) for p in parsed.problems] == [
        ("catalogue.ttl, fiche ds-2", "fiche sans titre")
    ]


def test_json_ld_with_remote_context_is_not_fetched() -> None:
    data = b'{"@context": "https://example.org/context.jsonld", "title": "x"}'
    parsed = parse_dcat(data, "distant.jsonld")
    assert parsed.records == []
    assert "contexte JSON-LD distant" in parsed.problems[0].reason


# --- CKAN / DKAN -----------------------------------------------------------------------


@needs_corpus
def test_dkan_package_fields() -> None:
    record = only_record("dcat_ckan_json/dkan-french-w-license.json")
    assert record.standard == "ckan"
    assert record.identifier == "04be6288-696d-4331-850d-a144871a7e3a"
    assert record.abstract == (
        "Liste et coordonnées des antennes de proximité du conseil régional Hauts-de-France."
    )
    assert record.bbox == (1.18652344, 48.80546301, 4.65820313, 51.16423318)
    assert record.themes == ("Région Hauts-de-France",)
    assert record.dates == {"revision": "2019-10-01"}  # from an HTML-escaped JSON extra
    assert "xlsx" in {link.protocol for link in record.links}
    assert "Région Hauts-de-France" in {contact.organisation for contact in record.contacts}
    assert record.language == "fre"


def test_ckan_package_search_keeps_good_packages_beside_a_bad_one() -> None:
    data = b"""{"help": "package_search", "success": true, "result": {"count": 3, "results": [
      {"id": "a1", "name": "eau", "title": "Qualit\\u00e9 de l'eau", "notes": "Mesures",
       "tags": [{"name": "eau"}], "groups": [{"title": "Environnement"}],
       "organization": {"title": "DAVAR"}, "license_title": "Licence Ouverte",
       "extras": [{"key": "spatial",
                   "value": "{\\"type\\": \\"Point\\", \\"coordinates\\": [166.45, -22.27]}"}],
       "resources": [{"url": "https://ex.nc/eau.csv", "format": "CSV", "name": "Mesures"}]},
      {"name": "", "title": "Sans identifiant"},
      {"id": "c3", "name": "routes", "title": "Routes"}]}}"""
    parsed = parse_catalogue(data, "search.json")
    assert [r.identifier for r in parsed.records] == ["a1", "c3"]
    water = parsed.records[0]
    assert water.bbox == (166.45, -22.27, 166.45, -22.27)
    assert water.contacts[0].organisation == "DAVAR"
    assert water.links[0].protocol == "CSV"
    assert [p.where for p in parsed.problems] == ["search.json, fiche n° 2"]


def test_ckan_package_show_result() -> None:
    data = b'{"success": true, "result": {"id": "p1", "title": "Plages", "resources": []}}'
    parsed = parse_ckan(data, "show.json")
    assert [r.title for r in parsed.records] == ["Plages"]


# --- GeoNetwork index ------------------------------------------------------------------


@needs_corpus
def test_geonetwork_index_fields() -> None:
    record = only_record("geonetwork_es_json/eaufrance-service-eaux-usees.json")
    assert record.standard == "geonetwork"
    assert record.identifier == "be052079-f1f6-4f6f-a722-cbf11deb40eb"
    assert record.resource_type == "service"
    assert record.themes == ("Services d'utilité publique et services publics",)
    assert record.dates == {"creation": "2019-12-02T01:00:00.000Z"}
    assert record.temporal_start == "2019-12-02T01:00:00.000Z"
    assert record.contacts[0].organisation == "Sandre"
    assert [link.protocol for link in record.links] == ["OGC:WFS"]


@needs_corpus
def test_geonetwork_abstract_loses_its_html() -> None:
    record = only_record("geonetwork_es_json/alea-de-debordement.json")
    assert record.title == "Aléa de débordement de cours d'eau de la Lys"
    assert "<" not in record.abstract and "Lien vers les métadonnées" in record.abstract
    assert record.licence == "Licence Ouverte (Etalab)"
    assert record.resource_type == "dataset"


def test_geonetwork_bare_documents_and_geometry() -> None:
    data = b"""[{"metadataIdentifier": "nc-1", "resourceTitleObject": {"default": "Lagons",
       "langfre": "Lagons de Nouvelle-Cal\\u00e9donie"},
       "geom": [{"type": "Polygon", "coordinates": [[[163.5, -22.9], [168.2, -22.9],
       [168.2, -19.5], [163.5, -19.5], [163.5, -22.9]]]}]},
      {"metadataIdentifier": "nc-2"}]"""
    parsed = parse_geonetwork(data, "index.json")
    assert [r.title for r in parsed.records] == ["Lagons de Nouvelle-Calédonie"]
    assert parsed.records[0].bbox == (163.5, -22.9, 168.2, -19.5)
    assert [(p.where, p.reason) for p in parsed.problems] == [
        ("index.json, fiche nc-2", "fiche sans titre")
    ]


# --- broken input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"<gmd:MD_Metadata xmlns:gmd='http://www.isotc211.org/2005/gmd'>\n<a>\n</gmd:MD_Metadata>",
            "XML mal formé (ligne 3)",
        ),
        (b'{"result": {"results": [\n  {"id": "x",, }]}}', "JSON mal formé (ligne 2, colonne 14)"),
        (b"", "fichier vide"),
        (b"id;titre\n1;Cadastre\n", "format de catalogue non reconnu"),
        (b"<!DOCTYPE html><html><body>Erreur 404</body></html>", "format de catalogue non reconnu"),
        (b"[1, 2, 3]", "format de catalogue non reconnu"),
    ],
)
def test_broken_files_give_one_problem_and_no_exception(data: bytes, expected: str) -> None:
    parsed = parse_catalogue(data, "casse.dat")
    assert parsed.records == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].where == "casse.dat"
    assert parsed.problems[0].reason.startswith(expected)


@pytest.mark.parametrize("parse", [parse_iso, parse_dcat, parse_ckan, parse_geonetwork])
def test_each_parser_reports_malformed_content(
    parse: Callable[[bytes, str], ParsedCatalogue],
) -> None:
    for data in (b"<a><b></a>", b'{"a": [1, 2}'):
        parsed = parse(data, "casse")
        assert parsed.records == []
        assert parsed.problems and "mal formé" in parsed.problems[0].reason
