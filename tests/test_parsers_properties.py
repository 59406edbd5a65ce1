"""The connectors' parsers on malformed input: a result or the documented error, never a crash.

Each parser documents how it fails. The catalogue parsers never raise: a file or a record
they cannot read becomes a :class:`RecordProblem` with a French reason. The CSW response
reader raises :class:`SourceError`, the register loader :class:`SourceError`, the text
formats :class:`UnreadableFile`. Anything else (a ``TypeError`` from a value of an odd
shape, an lxml or zlib error from a damaged file, a ``RecursionError``) would stop a run
or surface as an "erreur inattendue" that tells a person nothing.

Inputs are random bytes, valid samples truncated and mutated byte by byte or element by
element, and random trees of the keys each format reads, so that values of every type
land where the parsers look.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import struct
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from fpdf import FPDF
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from connectors.base import SkippedDocument, SourceDocument
from connectors.catalogue.ckan import parse_ckan
from connectors.catalogue.csw import search_results
from connectors.catalogue.dcat import parse_dcat
from connectors.catalogue.document import catalogue_documents
from connectors.catalogue.formats import parse_catalogue
from connectors.catalogue.geonetwork import parse_geonetwork
from connectors.catalogue.iso import parse_iso
from connectors.catalogue.record import ParsedCatalogue
from connectors.conventions.register import Register, convention_row, load_register
from connectors.errors import SourceError
from connectors.files import FilesConnector
from connectors.formats.csv import parse_csv
from connectors.formats.docx import parse_docx
from connectors.formats.html import parse_html
from connectors.formats.pdf import parse_pdf
from connectors.formats.structure import ParsedFile, UnreadableFile
from connectors.formats.text import parse_markdown, parse_text

# Inputs that once crashed a parser are kept as explicit @example cases: they run first,
# every time, whatever the random search finds.
PROPERTY = settings(max_examples=150, deadline=None)
SLOW_PROPERTY = settings(max_examples=60, deadline=None)

# The reason collect_records gives a record that raised something no parser foresaw: it
# keeps the run going, but tells a data steward only a Python exception name.
UNFORESEEN = "fiche illisible ("
# The files connector's reason for a file whose parser raised what it does not document.
UNEXPECTED = "erreur inattendue"
TODAY = date(2026, 11, 28)

# --- valid samples ----------------------------------------------------------------------

ISO_19139 = b"""<?xml version="1.0" encoding="UTF-8"?>
<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd"
    xmlns:gco="http://www.isotc211.org/2005/gco" xmlns:gmx="http://www.isotc211.org/2005/gmx"
    xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink">
  <gmd:fileIdentifier><gco:CharacterString>nc-lagons-1</gco:CharacterString></gmd:fileIdentifier>
  <gmd:language><gmd:LanguageCode codeList="iso639-2" codeListValue="fre">fre</gmd:LanguageCode>
  </gmd:language>
  <gmd:hierarchyLevel><gmd:MD_ScopeCode codeList="x" codeListValue="dataset">dataset
  </gmd:MD_ScopeCode></gmd:hierarchyLevel>
  <gmd:contact><gmd:CI_ResponsibleParty>
    <gmd:organisationName><gco:CharacterString>DIMENC</gco:CharacterString></gmd:organisationName>
    <gmd:contactInfo><gmd:CI_Contact>
      <gmd:phone><gmd:CI_Telephone><gmd:voice><gco:CharacterString>+687 27 00 00
      </gco:CharacterString></gmd:voice></gmd:CI_Telephone></gmd:phone>
      <gmd:address><gmd:CI_Address>
        <gmd:city><gco:CharacterString>Noum\xc3\xa9a</gco:CharacterString></gmd:city>
        <gmd:electronicMailAddress><gco:CharacterString>sig@example.nc</gco:CharacterString>
        </gmd:electronicMailAddress>
      </gmd:CI_Address></gmd:address>
    </gmd:CI_Contact></gmd:contactInfo>
    <gmd:role><gmd:CI_RoleCode codeList="x" codeListValue="pointOfContact"/></gmd:role>
  </gmd:CI_ResponsibleParty></gmd:contact>
  <gmd:dateStamp><gco:DateTime>2024-03-01T10:00:00</gco:DateTime></gmd:dateStamp>
  <gmd:identificationInfo><gmd:MD_DataIdentification>
    <gmd:citation><gmd:CI_Citation>
      <gmd:title><gco:CharacterString>Lagons de Nouvelle-Cal\xc3\xa9donie</gco:CharacterString>
      </gmd:title>
      <gmd:date><gmd:CI_Date><gmd:date><gco:Date>2020-01-15</gco:Date></gmd:date>
        <gmd:dateType><gmd:CI_DateTypeCode codeList="x" codeListValue="publication"/>
        </gmd:dateType></gmd:CI_Date></gmd:date>
    </gmd:CI_Citation></gmd:citation>
    <gmd:abstract><gco:CharacterString>Contours des lagons &lt;b&gt;inscrits&lt;/b&gt;.
    </gco:CharacterString></gmd:abstract>
    <gmd:pointOfContact><gmd:CI_ResponsibleParty>
      <gmd:individualName><gco:CharacterString>Marie Dupont</gco:CharacterString>
      </gmd:individualName>
      <gmd:role><gmd:CI_RoleCode codeList="x" codeListValue="custodian"/></gmd:role>
    </gmd:CI_ResponsibleParty></gmd:pointOfContact>
    <gmd:descriptiveKeywords><gmd:MD_Keywords>
      <gmd:keyword><gco:CharacterString>lagon</gco:CharacterString></gmd:keyword>
      <gmd:keyword><gmx:Anchor xlink:href="http://inspire.ec.europa.eu/theme/sr">R\xc3\xa9gions
      maritimes</gmx:Anchor></gmd:keyword>
      <gmd:thesaurusName><gmd:CI_Citation><gmd:title><gco:CharacterString>GEMET - INSPIRE
      themes, version 1.0</gco:CharacterString></gmd:title></gmd:CI_Citation></gmd:thesaurusName>
    </gmd:MD_Keywords></gmd:descriptiveKeywords>
    <gmd:resourceConstraints><gmd:MD_LegalConstraints>
      <gmd:useLimitation><gco:CharacterString>Licence Ouverte 2.0</gco:CharacterString>
      </gmd:useLimitation>
      <gmd:accessConstraints><gmd:MD_RestrictionCode codeList="x"
        codeListValue="otherRestrictions"/></gmd:accessConstraints>
      <gmd:otherConstraints><gco:CharacterString>Pas de restriction</gco:CharacterString>
      </gmd:otherConstraints>
    </gmd:MD_LegalConstraints></gmd:resourceConstraints>
    <gmd:topicCategory><gmd:MD_TopicCategoryCode>oceans</gmd:MD_TopicCategoryCode>
    </gmd:topicCategory>
    <gmd:extent><gmd:EX_Extent>
      <gmd:geographicElement><gmd:EX_GeographicBoundingBox>
        <gmd:westBoundLongitude><gco:Decimal>163.5</gco:Decimal></gmd:westBoundLongitude>
        <gmd:eastBoundLongitude><gco:Decimal>168.2</gco:Decimal></gmd:eastBoundLongitude>
        <gmd:southBoundLatitude><gco:Decimal>-22.9</gco:Decimal></gmd:southBoundLatitude>
        <gmd:northBoundLatitude><gco:Decimal>-19.5</gco:Decimal></gmd:northBoundLatitude>
      </gmd:EX_GeographicBoundingBox></gmd:geographicElement>
      <gmd:temporalElement><gmd:EX_TemporalExtent><gmd:extent>
        <gml:TimePeriod gml:id="t1"><gml:beginPosition>2019-01-01</gml:beginPosition>
        <gml:endPosition>2023-12-31</gml:endPosition></gml:TimePeriod>
      </gmd:extent></gmd:EX_TemporalExtent></gmd:temporalElement>
    </gmd:EX_Extent></gmd:extent>
  </gmd:MD_DataIdentification></gmd:identificationInfo>
  <gmd:distributionInfo><gmd:MD_Distribution><gmd:transferOptions>
    <gmd:MD_DigitalTransferOptions><gmd:onLine><gmd:CI_OnlineResource>
      <gmd:linkage><gmd:URL>https://carto.example.nc/wms</gmd:URL></gmd:linkage>
      <gmd:protocol><gco:CharacterString>OGC:WMS</gco:CharacterString></gmd:protocol>
      <gmd:name><gco:CharacterString>lagons</gco:CharacterString></gmd:name>
      <gmd:description><gmx:Anchor xlink:href="x">Visualisation</gmx:Anchor></gmd:description>
    </gmd:CI_OnlineResource></gmd:onLine></gmd:MD_DigitalTransferOptions>
  </gmd:transferOptions></gmd:MD_Distribution></gmd:distributionInfo>
  <gmd:dataQualityInfo><gmd:DQ_DataQuality><gmd:lineage><gmd:LI_Lineage><gmd:statement>
    <gco:CharacterString>Num\xc3\xa9ris\xc3\xa9 en 2019.</gco:CharacterString>
  </gmd:statement></gmd:LI_Lineage></gmd:lineage></gmd:DQ_DataQuality></gmd:dataQualityInfo>
</gmd:MD_Metadata>
"""

ISO_19115_3 = b"""<?xml version="1.0" encoding="UTF-8"?>
<mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0"
    xmlns:cit="http://standards.iso.org/iso/19115/-3/cit/2.0"
    xmlns:gcx="http://standards.iso.org/iso/19115/-3/gcx/1.0"
    xmlns:gex="http://standards.iso.org/iso/19115/-3/gex/1.0"
    xmlns:lan="http://standards.iso.org/iso/19115/-3/lan/1.0"
    xmlns:mcc="http://standards.iso.org/iso/19115/-3/mcc/1.0"
    xmlns:mco="http://standards.iso.org/iso/19115/-3/mco/1.0"
    xmlns:mrc="http://standards.iso.org/iso/19115/-3/mrc/2.0"
    xmlns:mrd="http://standards.iso.org/iso/19115/-3/mrd/1.0"
    xmlns:mri="http://standards.iso.org/iso/19115/-3/mri/1.0"
    xmlns:mrl="http://standards.iso.org/iso/19115/-3/mrl/2.0"
    xmlns:gco="http://standards.iso.org/iso/19115/-3/gco/1.0"
    xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink">
  <mdb:metadataIdentifier><mcc:MD_Identifier><mcc:code>
    <gco:CharacterString>nc-recifs-2</gco:CharacterString>
  </mcc:code></mcc:MD_Identifier></mdb:metadataIdentifier>
  <mdb:defaultLocale><lan:PT_Locale><lan:language>
    <lan:LanguageCode codeList="x" codeListValue="fre"/>
  </lan:language></lan:PT_Locale></mdb:defaultLocale>
  <mdb:contact><cit:CI_Responsibility>
    <cit:role><cit:CI_RoleCode codeList="x" codeListValue="pointOfContact"/></cit:role>
    <cit:party><cit:CI_Organisation>
      <cit:name><gco:CharacterString>Province Sud</gco:CharacterString></cit:name>
      <cit:contactInfo><cit:CI_Contact><cit:address><cit:CI_Address>
        <cit:electronicMailAddress><gco:CharacterString>sig@province-sud.nc
        </gco:CharacterString></cit:electronicMailAddress>
      </cit:CI_Address></cit:address></cit:CI_Contact></cit:contactInfo>
    </cit:CI_Organisation></cit:party>
  </cit:CI_Responsibility></mdb:contact>
  <mdb:dateInfo><cit:CI_Date>
    <cit:date><gco:DateTime>2022-02-09T11:31:06Z</gco:DateTime></cit:date>
    <cit:dateType><cit:CI_DateTypeCode codeList="x" codeListValue="revision"/></cit:dateType>
  </cit:CI_Date></mdb:dateInfo>
  <mdb:identificationInfo><mri:MD_DataIdentification>
    <mri:citation><cit:CI_Citation>
      <cit:title><gco:CharacterString>R\xc3\xa9cifs coralliens</gco:CharacterString></cit:title>
      <cit:date><cit:CI_Date><cit:date><gco:Date>2021-05-01</gco:Date></cit:date>
        <cit:dateType><cit:CI_DateTypeCode codeList="x" codeListValue="creation"/>
        </cit:dateType></cit:CI_Date></cit:date>
    </cit:CI_Citation></mri:citation>
    <mri:abstract><gco:CharacterString>Cartographie des r\xc3\xa9cifs.</gco:CharacterString>
    </mri:abstract>
    <mri:topicCategory><mri:MD_TopicCategoryCode>oceans</mri:MD_TopicCategoryCode>
    </mri:topicCategory>
    <mri:extent><gex:EX_Extent>
      <gex:geographicElement><gex:EX_GeographicBoundingBox>
        <gex:westBoundLongitude><gco:Decimal>163.5</gco:Decimal></gex:westBoundLongitude>
        <gex:eastBoundLongitude><gco:Decimal>168.2</gco:Decimal></gex:eastBoundLongitude>
        <gex:southBoundLatitude><gco:Decimal>-22.9</gco:Decimal></gex:southBoundLatitude>
        <gex:northBoundLatitude><gco:Decimal>-19.5</gco:Decimal></gex:northBoundLatitude>
      </gex:EX_GeographicBoundingBox></gex:geographicElement>
      <gex:temporalElement><gex:EX_TemporalExtent><gex:extent>
        <gml:TimePeriod gml:id="t1"><gml:beginPosition>1993-01</gml:beginPosition>
        <gml:endPosition>2023-12</gml:endPosition></gml:TimePeriod>
      </gex:extent></gex:EX_TemporalExtent></gex:temporalElement>
    </gex:EX_Extent></mri:extent>
    <mri:descriptiveKeywords><mri:MD_Keywords>
      <mri:keyword><gco:CharacterString>corail</gco:CharacterString></mri:keyword>
      <mri:thesaurusName><cit:CI_Citation><cit:title><gco:CharacterString>GEMET - INSPIRE
      themes</gco:CharacterString></cit:title></cit:CI_Citation></mri:thesaurusName>
    </mri:MD_Keywords></mri:descriptiveKeywords>
    <mri:resourceConstraints><mco:MD_LegalConstraints>
      <mco:useLimitation><gco:CharacterString>Licence Ouverte (Etalab)</gco:CharacterString>
      </mco:useLimitation>
    </mco:MD_LegalConstraints></mri:resourceConstraints>
  </mri:MD_DataIdentification></mdb:identificationInfo>
  <mdb:contentInfo><mrc:MD_FeatureCatalogue><mrc:featureCatalogue/></mrc:MD_FeatureCatalogue>
  </mdb:contentInfo>
  <mdb:distributionInfo><mrd:MD_Distribution><mrd:transferOptions>
    <mrd:MD_DigitalTransferOptions><mrd:onLine><cit:CI_OnlineResource>
      <cit:linkage><gco:CharacterString>https://carto.example.nc/recifs.zip
      </gco:CharacterString></cit:linkage>
      <cit:protocol><gco:CharacterString>WWW:DOWNLOAD</gco:CharacterString></cit:protocol>
    </cit:CI_OnlineResource></mrd:onLine></mrd:MD_DigitalTransferOptions>
  </mrd:transferOptions></mrd:MD_Distribution></mdb:distributionInfo>
  <mdb:resourceLineage><mrl:LI_Lineage><mrl:statement>
    <gco:CharacterString>Photo-interpr\xc3\xa9tation.</gco:CharacterString>
  </mrl:statement></mrl:LI_Lineage></mdb:resourceLineage>
</mdb:MD_Metadata>
"""


def _csw_response(*records: bytes) -> bytes:
    """A GetRecords response holding the given ISO records."""
    body = b"".join(record.split(b"?>", 1)[1] for record in records)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">'
        b'<csw:SearchStatus timestamp="2024-01-01T00:00:00"/>'
        b'<csw:SearchResults numberOfRecordsMatched="12" numberOfRecordsReturned="2"'
        b' nextRecord="3" recordSchema="http://www.isotc211.org/2005/gmd">'
        + body
        + b"</csw:SearchResults></csw:GetRecordsResponse>"
    )


CSW_RESPONSE = _csw_response(ISO_19139, ISO_19115_3)
CSW_EXCEPTION = (
    b'<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0">'
    b'<ows:Exception exceptionCode="InvalidParameterValue"><ows:ExceptionText>outputSchema'
    b"</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"
)

DCAT_RDF_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/"
    xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:vcard="http://www.w3.org/2006/vcard/ns#"
    xmlns:locn="http://www.w3.org/ns/locn#">
  <dcat:Dataset rdf:about="https://data.example.nc/ds/eau">
    <dct:identifier>eau-1</dct:identifier>
    <dct:title xml:lang="fr">Qualit\xc3\xa9 de l'eau</dct:title>
    <dct:title xml:lang="en">Water quality</dct:title>
    <dct:description>Mesures &lt;p&gt;mensuelles&lt;/p&gt;</dct:description>
    <dcat:keyword>eau</dcat:keyword>
    <dcat:theme rdf:resource="http://inspire.ec.europa.eu/theme/hy"/>
    <dct:modified>2024-02-01</dct:modified>
    <dct:issued>2020-01-01</dct:issued>
    <dct:spatial><dct:Location><dcat:bbox>POLYGON((164 -22.7,167 -22.7,167 -20,164 -20,
      164 -22.7))</dcat:bbox></dct:Location></dct:spatial>
    <dct:temporal><dct:PeriodOfTime><dcat:startDate>2020-01-01</dcat:startDate>
      <dcat:endDate>2021-12-31</dcat:endDate></dct:PeriodOfTime></dct:temporal>
    <dcat:contactPoint><vcard:Organization><vcard:fn>DAVAR</vcard:fn>
      <vcard:hasEmail rdf:resource="mailto:davar@example.nc"/></vcard:Organization>
    </dcat:contactPoint>
    <dct:publisher><foaf:Agent><foaf:name>Province Sud</foaf:name></foaf:Agent></dct:publisher>
    <dct:license rdf:resource="https://www.etalab.gouv.fr/licence-ouverte-open-licence"/>
    <dcat:distribution><dcat:Distribution>
      <dcat:downloadURL rdf:resource="https://data.example.nc/eau.csv"/>
      <dcat:mediaType rdf:resource="https://www.iana.org/assignments/media-types/text/csv"/>
      <dct:title>Mesures</dct:title>
    </dcat:Distribution></dcat:distribution>
  </dcat:Dataset>
</rdf:RDF>
"""

DCAT_TURTLE = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://ex.org/ds/1> a dcat:Dataset ; dct:identifier "ds-1" ;
    dct:title "Cadastre"@en, "Cadastre de la province Sud"@fr ;
    dcat:keyword "cadastre", "parcelles"@fr ;
    dct:spatial [ dcat:bbox "POLYGON((164 -22.7,167 -22.7,167 -20,164 -20,164 -22.7))" ] ;
    dct:temporal [ dcat:startDate "2020-01-01" ; dcat:endDate "2021-12-31" ] ;
    dct:publisher [ a foaf:Organization ; foaf:name "DITTT" ] ;
    dcat:distribution [ dcat:accessURL <https://ex.org/wms> ; dct:format "WMS" ] .
<http://ex.org/ds/2> a dcat:Dataset ; dct:identifier "ds-2" ; dct:title "Routes" .
"""

DCAT_JSON_LD = json.dumps(
    {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
        },
        "@graph": [
            {
                "@id": "https://data.example.nc/ds/plages",
                "@type": "dcat:Dataset",
                "dct:identifier": "plages-1",
                "dct:title": {"@value": "Plages surveillées", "@language": "fr"},
                "dcat:keyword": ["plage", "baignade"],
                "dct:spatial": {"dcat:bbox": "166.3,-22.4,166.6,-22.2"},
            }
        ],
    },
    ensure_ascii=False,
).encode()

DCAT_US = json.dumps(
    {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "dataset": [
            {
                "identifier": "velos-1",
                "title": "Stationnement vélos",
                "description": "Emplacements",
                "keyword": ["vélo"],
                "spatial": "6.5735,46.3912,6.6069,46.4028",
                "temporal": "2020-01-01/2021-01-01",
                "publisher": {"name": "Ville"},
                "contactPoint": {"fn": "SIG", "hasEmail": "mailto:sig@example.org"},
                "distribution": [{"downloadURL": "https://ex.org/v.csv", "mediaType": "text/csv"}],
            }
        ],
    },
    ensure_ascii=False,
).encode()

CKAN_SEARCH = json.dumps(
    {
        "help": "package_search",
        "success": True,
        "result": {
            "count": 1,
            "results": [
                {
                    "id": "a1",
                    "name": "eau",
                    "title": "Qualité de l'eau",
                    "notes": "<p>Mesures</p>",
                    "tags": [{"name": "eau"}, "rivière"],
                    "groups": [{"title": "Environnement"}],
                    "organization": {"title": "DAVAR"},
                    "license_title": "Licence Ouverte",
                    "extras": [
                        {"key": "spatial", "value": '{"type": "Point", "coordinates": [166, -22]}'},
                        {
                            "key": "dataset-reference-date",
                            "value": '[{"type": "revision", "value": "2019-10-01"}]',
                        },
                        {
                            "key": "responsible-party",
                            "value": '[{"name": "DAVAR", "roles": ["owner"]}]',
                        },
                        {"key": "access_constraints", "value": '["Aucune"]'},
                        {"key": "bbox-west-long", "value": "164"},
                    ],
                    "resources": [{"url": "https://ex.nc/eau.csv", "format": "CSV"}],
                }
            ],
        },
    },
    ensure_ascii=False,
).encode()

GEONETWORK_HITS = json.dumps(
    {
        "hits": {
            "total": {"value": 1},
            "hits": [
                {
                    "_id": "gn-1",
                    "_source": {
                        "metadataIdentifier": "gn-1",
                        "resourceTitleObject": {"default": "Lagons", "langfre": "Lagons NC"},
                        "resourceAbstractObject": {"default": "<p>Contours</p>"},
                        "cl_hierarchyLevel": [{"key": "dataset"}],
                        "tag": [{"default": "lagon"}],
                        "allKeywords": {
                            "th_x": {
                                "title": "GEMET INSPIRE themes",
                                "keywords": [{"default": "Mer"}],
                            }
                        },
                        "geom": [{"type": "Point", "coordinates": [166.4, -22.3]}],
                        "resourceTemporalDateRange": [{"gte": "2019-01-01", "lte": "2020-01-01"}],
                        "resourceDate": [{"type": "creation", "date": "2019-01-01"}],
                        "contactForResource": [
                            {"organisationObject": {"default": "DIMENC"}, "email": "a@b.nc"}
                        ],
                        "link": [
                            {"urlObject": {"default": "https://ex.nc/wms"}, "protocol": "OGC:WMS"}
                        ],
                        "licenseObject": [{"default": "Licence Ouverte"}],
                    },
                }
            ],
        }
    },
    ensure_ascii=False,
).encode()

CATALOGUE_SAMPLES = (
    ISO_19139,
    ISO_19115_3,
    CSW_RESPONSE,
    DCAT_RDF_XML,
    DCAT_TURTLE,
    DCAT_JSON_LD,
    DCAT_US,
    CKAN_SEARCH,
    GEONETWORK_HITS,
)
XML_SAMPLES = (ISO_19139, ISO_19115_3, CSW_RESPONSE, CSW_EXCEPTION, DCAT_RDF_XML)
JSON_SAMPLES = (DCAT_JSON_LD, DCAT_US, CKAN_SEARCH, GEONETWORK_HITS)

REGISTER_YAML = """conventions:
  - id: C1
    titre: Échange avec la CAFAT
    fichier: conventions/cafat.pdf
    parties: [CAFAT, Province Sud]
    jeux_de_donnees: [affiliations]
    debut: 2024-01-01
    duree: 3 ans
    renouvellement: expresse
    preuves: {debut: 2, duree: 3}
  - id: C2
    titre: API Particulier
    parties: DINUM; Province Sud
    debut: 2021-02-01
    fin: 2026-12-31
    statut: en vigueur
"""
REGISTER_CSV = (
    "id;titre;parties;debut;fin;duree;renouvellement;statut;fichier\n"
    "C1;Échange CAFAT;CAFAT; Province Sud;2024-01-01;;3 ans;expresse;;conventions/c1.pdf\n"
    "C2;API Particulier;DINUM;2021-02-01;2026-12-31;;tacite;en vigueur;\n"
)
REGISTER_FIELDS = (
    "id",
    "titre",
    "fichier",
    "parties",
    "jeux_de_donnees",
    "finalite",
    "base_legale",
    "categories_de_donnees",
    "destinataires",
    "duree_conservation",
    "signature",
    "debut",
    "fin",
    "duree",
    "renouvellement",
    "statut",
    "preuves",
)

MARKDOWN = """---
title: Procédure d'accès
---
# Demande d'accès

Remplir le **formulaire** [en ligne](https://example.nc).

Délais
------
Un mois.

```
# pas un titre
```
""".encode()
HTML = b"""<!doctype html><html><head><title>Guide</title><script>x()</script></head>
<body><nav>menu</nav><main><h1>Guide SIG</h1><p>Introduction <b>utile</b>.</p>
<h2>Couches</h2><ul><li>Cadastre</li><li>Routes</li></ul>
<table><tr><td>a</td><td>b</td></tr></table></main></body></html>"""
PLAIN_TEXT = (
    "Article 1\nLe présent règlement.\n\nChapitre II Accès\n4. Traitement des données\n".encode()
)
CSV_TABLE = "organisme;sigle\nDirection du numérique;DINUM\nDASS;DASS\n".encode()


@functools.cache
def pdf_samples() -> tuple[bytes, ...]:
    """Two real PDFs with a text layer: one with compressed streams, one without."""
    samples = []
    for compress in (True, False):
        pdf = FPDF()
        pdf.set_compression(compress)
        pdf.set_title("Convention d'échange")
        pdf.set_font("helvetica", size=11)
        for text in ("Article 1\nLe present accord fixe les conditions.", "Article 2\nDuree."):
            pdf.add_page()
            pdf.multi_cell(0, 6, text)
        samples.append(bytes(pdf.output()))
    return tuple(samples)


@functools.cache
def docx_sample() -> bytes:
    """A real Word file: title, headings, a paragraph and a table."""
    document = docx.Document()
    document.core_properties.title = "Procédure"
    document.add_heading("Demande d'accès", level=1)
    document.add_paragraph("Remplir le formulaire.")
    document.add_heading("Délais", level=2)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Délai"
    table.rows[0].cells[1].text = "Un mois"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- how the inputs that once crashed a parser are built -----------------------------------

WORDML = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def replaced(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with its first ``old`` replaced; ``old`` must be there, or the case is void."""
    assert old in data, old
    return data.replace(old, new, 1)


def rezipped(package: bytes, member: str, content: bytes) -> bytes:
    """A zip package (a Word file) with one member's content replaced, properly compressed."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    assert member in members, member
    members[member] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return buffer.getvalue()


def broken_deflate(package: bytes, member: str) -> bytes:
    """A zip package whose member's compressed bytes are overwritten: zlib cannot inflate it."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        offset = source.getinfo(member).header_offset
    name_length, extra_length = struct.unpack_from("<HH", package, offset + 26)
    start = offset + 30 + name_length + extra_length + 10
    return package[:start] + b"\xff" * 20 + package[start + 20 :]


def word_member(member: str) -> bytes:
    """A member of the Word sample, to alter."""
    with zipfile.ZipFile(io.BytesIO(docx_sample())) as source:
        return source.read(member)


# --- strategies -------------------------------------------------------------------------

# Values that parsers turn into numbers, dates, URLs or markup, and the words export tools
# write for "nothing".
TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "null",
        "None",
        "nan",
        "inf",
        "-inf",
        "1e400",
        "-0",
        "²",
        "٣",
        "9" * 5000,
        "2024-13-45",
        "2024-02-30",
        "0001-01-01",
        "9999-12-31",
        "<p>a</p>",
        "<",
        "</",
        "<!--",
        "<![CDATA[",
        "&amp;",
        "{",
        "[",
        '{"type": "Point", "coordinates": [1e400, 2]}',
        '{"coordinates": [[1, 2], ["a", 3]]}',
        "POLYGON((1 2, 3 4))",
        "POLYGON((1 x, 3 4))",
        "SRID=4326;POINT(1 2)",
        "<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(1 2)",
        "1,2,3,4",
        "200,100,-200,-100",
        "mailto:",
        "tel:",
        "http://",
        "https://data.example.nc/ds/1",
        "\x00",
        "\ud7ff\ufffe",
        "a\r\nb",
        "100 ans",
        "99999999 mois",
        "@context",
    ]
)
TEXT = st.one_of(TRICKY_TEXT, st.text(max_size=30))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
# Bytes spliced into a file: the tokens that open or close a syntactic construct.
NASTY_BYTES = st.sampled_from(
    [
        b"\x00",
        b"\xff",
        b"\xc3",
        b"\xef\xbb\xbf",
        b"<",
        b">",
        b"</",
        b"/>",
        b"]]>",
        b"&",
        b"&x;",
        b'"',
        b"'",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b";",
        b"@prefix",
        b"\n",
        b"\r",
        b"nan",
        b"-1e999",
        b"obj",
        b"endobj",
        b"stream",
        b"/Length 999999",
        b"R",
        b"trailer",
    ]
)


@st.composite
def mutated(draw: st.DrawFn, samples: Sequence[bytes] | Callable[[], Sequence[bytes]]) -> bytes:
    """A valid sample, truncated, with bytes flipped, cut, repeated or inserted."""
    pool = samples() if callable(samples) else samples
    data = bytearray(draw(st.sampled_from(list(pool))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(data)))
        operation = draw(st.sampled_from(["truncate", "flip", "cut", "insert", "repeat"]))
        if operation == "truncate":
            del data[position:]
        elif operation == "flip" and position < len(data):
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif operation == "cut":
            del data[position : position + draw(st.integers(min_value=1, max_value=64))]
        elif operation == "insert":
            data[position:position] = draw(st.one_of(NASTY_BYTES, st.binary(max_size=8)))
        elif operation == "repeat":
            data[position:position] = data[position : position + draw(st.integers(1, 64))]
    return bytes(data)


def _elements(root: Any) -> list[Any]:
    return [element for element in root.iter() if isinstance(element.tag, str)]


@st.composite
def mutated_tree(draw: st.DrawFn, samples: Sequence[bytes]) -> bytes:
    """A valid XML sample with elements dropped, moved, renamed, emptied or given odd text.

    The result is well-formed, so the parsers' record-reading code sees it, not only
    the XML parser.
    """
    root = etree.fromstring(draw(st.sampled_from(list(samples))))
    tags = sorted({element.tag for element in _elements(root)})
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        elements = _elements(root)
        element = elements[draw(st.integers(min_value=0, max_value=len(elements) - 1))]
        operation = draw(
            st.sampled_from(["drop", "text", "rename", "empty", "copy", "attribute", "nest"])
        )
        parent = element.getparent()
        if operation == "drop" and parent is not None:
            parent.remove(element)
        elif operation == "text":
            element.text = _xml_safe(draw(TEXT))
        elif operation == "rename":
            element.tag = draw(st.sampled_from(tags))
        elif operation == "empty":
            element[:] = []
            element.text = None
        elif operation == "copy" and parent is not None:
            target = elements[draw(st.integers(min_value=0, max_value=len(elements) - 1))]
            if element not in target.iterancestors() and element is not target:
                target.append(_copy(element))
        elif operation == "attribute":
            name = draw(
                st.sampled_from(
                    [
                        "codeListValue",
                        "{http://www.w3.org/1999/xlink}href",
                        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource",
                        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about",
                        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}datatype",
                        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}nodeID",
                        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}parseType",
                        "{http://www.w3.org/XML/1998/namespace}lang",
                        "numberOfRecordsMatched",
                        "nextRecord",
                    ]
                )
            )
            element.set(name, _xml_safe(draw(TEXT)))
        elif operation == "nest":
            element.append(etree.Element(draw(st.sampled_from(tags))))
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


def _copy(element: Any) -> Any:
    return etree.fromstring(etree.tostring(element))


def _xml_safe(text: str) -> str:
    """Text lxml accepts in a tree: XML 1.0 characters only."""
    return "".join(
        char
        for char in text
        if char in "\t\n\r" or 0x20 <= ord(char) <= 0xD7FF or 0xE000 <= ord(char) <= 0xFFFD
    )


def json_values(keys: Sequence[str]) -> st.SearchStrategy[Any]:
    """JSON of random shape whose object keys are mostly those a parser looks up."""
    key = st.one_of(st.sampled_from(list(keys)), st.text(max_size=8))
    inner = st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(key, children, max_size=4)
        ),
        max_leaves=12,
    )
    leaves = st.one_of(SCALARS, inner.map(json.dumps))  # JSON embedded in a string too
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=5), st.dictionaries(key, children, max_size=6)
        ),
        max_leaves=40,
    )


CKAN_KEYS = (
    *("help", "success", "error", "message", "__type", "result", "results", "count"),
    *("id", "name", "title", "notes", "type", "tags", "display_name", "groups", "organization"),
    *("license_title", "license_id", "license_url", "extras", "key", "value", "resources"),
    *("url", "format", "mimetype", "description", "maintainer", "maintainer_email", "author"),
    *("author_email", "metadata_modified", "temporal_start", "temporal_end", "language"),
    *("spatial", "lineage", "num_resources", "roles", "dataset-reference-date"),
    *("responsible-party", "access_constraints", "bbox-west-long", "bbox-south-lat"),
    *("bbox-east-long", "bbox-north-lat", "resource-type", "metadata-date", "coordinates"),
)
GEONETWORK_KEYS = (
    *("hits", "_source", "_id", "metadataIdentifier", "uuid", "resourceTitleObject"),
    *("resourceAbstractObject", "default", "langfre", "langeng", "cl_hierarchyLevel"),
    *("cl_level", "key", "resourceType", "tag", "th_httpinspireeceuropaeuthemetheme"),
    *("allKeywords", "keywords", "title", "id", "link", "cl_topic", "lineageObject", "geom"),
    *("coordinates", "type", "geometry", "geometries", "features", "gte", "lte"),
    *("resourceTemporalDateRange", "resourceDate", "date", "dateStamp", "changeDate"),
    *("contactForResource", "contact", "organisationObject", "organisation", "individual"),
    *("role", "email", "phone", "address", "urlObject", "url", "protocol", "nameObject"),
    *("name", "descriptionObject", "description", "licenseObject", "mainLanguage"),
    *("resourceLanguage", "MD_LegalConstraintsUseLimitationObject"),
)
DCAT_KEYS = (
    *("@context", "@graph", "@id", "@type", "@value", "@language", "@list", "@set"),
    *("@vocab", "@base", "@reverse", "@index", "@container", "@protected", "@version"),
    *("dataset", "conformsTo", "identifier", "title", "description", "keyword", "theme"),
    *("spatial", "temporal", "issued", "modified", "publisher", "name", "contactPoint", "fn"),
    *("hasEmail", "license", "rights", "language", "landingPage", "distribution"),
    *("downloadURL", "accessURL", "mediaType", "format", "dcat", "dct"),
    *("dcat:Dataset", "dct:title", "dct:identifier", "dcat:bbox", "dct:spatial"),
)
LOCAL_CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"}


def _as_json(document: Any, ascii_only: bool) -> bytes:
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


def _with_keys(extra: dict[str, Any]) -> Callable[[list[Any]], list[Any]]:
    """Objects of a list given the keys that make a parser recognise them."""
    return lambda items: [{**extra, **item} if isinstance(item, dict) else item for item in items]


_PACKAGES = st.lists(json_values(CKAN_KEYS), max_size=3)
_SOURCES = st.lists(json_values(GEONETWORK_KEYS), max_size=3)
_DATASETS = st.lists(json_values(DCAT_KEYS), max_size=3)
# Random JSON, bare or in one of the envelopes a catalogue API wraps its records in.
JSON_CATALOGUES = st.builds(
    _as_json,
    st.one_of(
        json_values((*CKAN_KEYS, *GEONETWORK_KEYS, *DCAT_KEYS)),
        _PACKAGES.map(lambda p: {"success": True, "result": {"results": p}}),
        json_values(CKAN_KEYS).map(lambda p: {"success": True, "result": p}),
        _PACKAGES.map(_with_keys({"resources": []})),
        _SOURCES.map(lambda s: {"hits": {"hits": [{"_source": item} for item in s]}}),
        _SOURCES.map(_with_keys({"metadataIdentifier": "x"})),
        _DATASETS.map(
            lambda d: {"@context": "https://project-open-data.cio.gov/v1.1/schema", "dataset": d}
        ),
        st.builds(
            lambda c, g: {"@context": c, "@graph": g},
            st.one_of(st.just(LOCAL_CONTEXT), json_values(DCAT_KEYS)),
            _DATASETS,
        ),
    ),
    st.booleans(),
)


@st.composite
def deeply_nested_json(draw: st.DrawFn) -> bytes:
    """Lists or objects nested thousands deep, under the keys the parsers recurse into."""
    depth = draw(st.integers(min_value=1, max_value=3000))
    key = draw(st.sampled_from(["hits", "_source", "@context", "coordinates", "geometry", "a"]))
    if draw(st.booleans()):
        return b"[" * depth + b"1" + b"]" * depth
    return f'{{"{key}": '.encode() * depth + b"1" + b"}" * depth


@st.composite
def deeply_nested_turtle(draw: st.DrawFn) -> bytes:
    """Blank nodes or collections nested thousands deep, closed or cut short."""
    depth = draw(st.integers(min_value=1, max_value=3000))
    opening, closing = draw(st.sampled_from([(b"[ <http://ex.org/p> ", b"]"), (b"( ", b")")]))
    body = opening * depth + b'"x"' + (closing * depth + b" ." if draw(st.booleans()) else b"")
    return b"<http://ex.org/s> <http://ex.org/p> " + body


@st.composite
def deeply_nested_yaml(draw: st.DrawFn) -> bytes:
    """Flow lists or mappings nested a thousand deep where the register's rows belong."""
    depth = draw(st.integers(min_value=1, max_value=1200))
    opening, closing = draw(st.sampled_from([(b"[", b"]"), (b"{a: ", b"}")]))
    return b"conventions: " + opening * depth + b"x" + closing * depth


@st.composite
def zip_with_mutated_member(draw: st.DrawFn) -> bytes:
    """The Word sample re-zipped with one member mutated, dropped or replaced."""
    with zipfile.ZipFile(io.BytesIO(docx_sample())) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    name = draw(st.sampled_from(sorted(members)))
    operation = draw(st.sampled_from(["mutate", "tree", "drop", "replace"]))
    if operation == "drop":
        del members[name]
    elif operation == "replace":
        members[name] = draw(st.binary(max_size=64))
    elif operation == "tree" and name.endswith((".xml", ".rels")):
        members[name] = draw(mutated_tree([members[name]]))
    else:
        members[name] = draw(mutated([members[name]]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member, content in members.items():
            target.writestr(member, content)
    return buffer.getvalue()


# --- assertions -------------------------------------------------------------------------


def assert_readable_or_reported(parsed: ParsedCatalogue, name: str) -> None:
    """Records a person can cite, or problems that name the file and say why in French."""
    assert isinstance(parsed, ParsedCatalogue)
    assert parsed.records or parsed.problems
    for problem in parsed.problems:
        assert problem.where.startswith(name), problem
        assert problem.reason.strip(), problem
        assert not problem.reason.startswith(UNFORESEEN), problem
    for record in parsed.records:
        assert record.identifier.strip() and record.title.strip()
    # What the files connector does next with them must not fail either.
    items = catalogue_documents(parsed, source_path=name, modified=datetime(2024, 1, 1, tzinfo=UTC))
    assert len(items) == len(parsed.records) + len(parsed.problems)


def assert_parsed_or_unreadable(parse: Callable[[bytes], ParsedFile], data: bytes) -> None:
    """A text format gives sections, or refuses the file with :class:`UnreadableFile`."""
    try:
        parsed = parse(data)
    except UnreadableFile as error:
        assert str(error).strip()
        return
    assert isinstance(parsed, ParsedFile)
    assert all(section.text.strip() for section in parsed.sections)


# --- the samples are read, so that their mutations start from real documents -------------


@pytest.mark.parametrize(
    "sample",
    CATALOGUE_SAMPLES,
    ids=["iso19139", "iso19115-3", "csw", "rdf-xml", "turtle", "json-ld", "dcat-us", "ckan", "gn"],
)
def test_every_sample_gives_records_and_no_problem(sample: bytes) -> None:
    parsed = parse_catalogue(sample, "echantillon")
    assert parsed.problems == []
    assert parsed.records


def test_text_samples_give_sections() -> None:
    for parse, data in [
        (parse_markdown, MARKDOWN),
        (parse_html, HTML),
        (parse_text, PLAIN_TEXT),
        (parse_csv, CSV_TABLE),
        (parse_docx, docx_sample()),
        *((parse_pdf, pdf) for pdf in pdf_samples()),
    ]:
        assert parse(data).sections, parse.__name__


# --- what the fixes keep for a person ----------------------------------------------------


def test_pdf_with_a_damaged_information_dictionary_keeps_its_pages() -> None:
    parsed = parse_pdf(replaced(pdf_samples()[1], b"/Info 10 0 R", b"/Info [10 0 R]"))
    assert parsed.title is None
    assert [section.heading for section in parsed.sections] == ["Article 1", "Article 2"]


def test_json_ld_importing_a_context_is_refused_not_fetched() -> None:
    data = b'{"@context": [{"@import": "http://127.0.0.1:9/dcat.jsonld"}], "@graph": []}'
    parsed = parse_dcat(data, "import.jsonld")
    assert parsed.records == []
    assert [problem.reason for problem in parsed.problems] == [
        "contexte JSON-LD distant non lu (pas d'accès réseau) : « http://127.0.0.1:9/dcat.jsonld »"
    ]


def test_register_duration_past_year_9999_is_a_problem_on_its_row(tmp_path: Path) -> None:
    path = tmp_path / "registre.yaml"
    path.write_text(
        "conventions:\n  - {id: C1, titre: T, debut: 2024-01-01, duree: 99999 ans}\n", "utf-8"
    )
    register = load_register(path)
    [convention] = register.conventions
    assert convention.duration_months is None and convention.effective_end is None
    assert [problem.reason for problem in register.problems] == [
        "« duree » invalide : 99999 ans après le « debut » dépasse l'an 9999"
    ]


# --- catalogue parsers --------------------------------------------------------------------

CATALOGUE_PARSERS = [parse_catalogue, parse_iso, parse_dcat, parse_ckan, parse_geonetwork]


@PROPERTY
@given(data=st.binary(max_size=300), parse=st.sampled_from(CATALOGUE_PARSERS))
def test_random_bytes_give_a_problem_not_an_exception(
    data: bytes, parse: Callable[[bytes, str], ParsedCatalogue]
) -> None:
    assert_readable_or_reported(parse(data, "fichier.dat"), "fichier.dat")


@PROPERTY
@given(data=mutated(CATALOGUE_SAMPLES), parse=st.sampled_from(CATALOGUE_PARSERS))
def test_damaged_catalogue_files_give_records_or_problems(
    data: bytes, parse: Callable[[bytes, str], ParsedCatalogue]
) -> None:
    assert_readable_or_reported(parse(data, "abime.xml"), "abime.xml")


@PROPERTY
@given(data=mutated_tree((ISO_19139, ISO_19115_3, CSW_RESPONSE, CSW_EXCEPTION)))
def test_iso_records_of_odd_structure_give_records_or_problems(data: bytes) -> None:
    assert_readable_or_reported(parse_iso(data, "fiche.xml"), "fiche.xml")
    assert_readable_or_reported(parse_catalogue(data, "fiche.xml"), "fiche.xml")


@PROPERTY
@given(data=mutated_tree((DCAT_RDF_XML,)))
def test_rdf_xml_of_odd_structure_gives_records_or_problems(data: bytes) -> None:
    assert_readable_or_reported(parse_dcat(data, "catalogue.rdf"), "catalogue.rdf")


@PROPERTY
@given(data=JSON_CATALOGUES, parse=st.sampled_from(CATALOGUE_PARSERS))
# rdflib called .get() on a number: AttributeError.
@example(data=b'{"@context": 5, "@graph": []}', parse=parse_dcat)
# rdflib fetched the @import over the network: URLError (and a request that must not be made).
@example(data=b'{"@context": {"@import": "http://127.0.0.1:9/contexte.jsonld"}}', parse=parse_dcat)
# A context the check read as empty, which rdflib opened as the local files ./null and ./
@example(data=b'[{"@context": "null", "@graph": []}]', parse=parse_catalogue)
@example(data=b'[{"@context": [""]}]', parse=parse_dcat)
@example(data=b'{"@context": [["mailto:"]], "@graph": []}', parse=parse_catalogue)
def test_json_of_any_shape_gives_records_or_problems(
    data: bytes, parse: Callable[[bytes, str], ParsedCatalogue]
) -> None:
    assert_readable_or_reported(parse(data, "api.json"), "api.json")


@PROPERTY
@given(data=deeply_nested_json(), parse=st.sampled_from(CATALOGUE_PARSERS))
# RecursionError in json.loads, then in the walks over the decoded document.
@example(data=b"[" * 5000 + b"]" * 5000, parse=parse_ckan)
@example(data=b"[" * 500 + b"]" * 500, parse=parse_geonetwork)
@example(data=b"[" * 500 + b'{"@context": {}}' + b"]" * 500, parse=parse_dcat)
@example(data=b'{"@graph": ' * 600 + b"1" + b"}" * 600, parse=parse_catalogue)
def test_deeply_nested_json_gives_a_problem(
    data: bytes, parse: Callable[[bytes, str], ParsedCatalogue]
) -> None:
    assert_readable_or_reported(parse(data, "profond.json"), "profond.json")


@PROPERTY
@given(data=st.one_of(mutated((DCAT_TURTLE,)), deeply_nested_turtle()))
# rdflib's Turtle parser on a truncated file: IndexError, AssertionError, RecursionError.
@example(data=b"@prefix")
@example(data=b'<http://ex.org/a> <http://ex.org/b> "x')
@example(data=b"<http://ex.org/a> <http://ex.org/b> (")
@example(data=b"<http://ex.org/a> <http://ex.org/b> " + b"[ <http://ex.org/b> " * 3000)
def test_damaged_turtle_gives_records_or_problems(data: bytes) -> None:
    assert_readable_or_reported(parse_dcat(data, "catalogue.ttl"), "catalogue.ttl")


# --- the CSW response reader --------------------------------------------------------------


@PROPERTY
@given(
    body=st.one_of(
        st.binary(max_size=200),
        mutated((CSW_RESPONSE, CSW_EXCEPTION)),
        mutated_tree((CSW_RESPONSE, CSW_EXCEPTION)),
    )
)
def test_csw_response_gives_counts_or_a_source_error(body: bytes) -> None:
    try:
        counts = search_results(body)
    except SourceError as error:
        assert error.message.startswith(("réponse CSW", "le serveur CSW"))
        return
    assert len(counts) == 3 and all(isinstance(count, int) for count in counts)


# --- the register of conventions ----------------------------------------------------------


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """One folder for every example: hypothesis runs each test many times in one call."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def assert_register_or_source_error(path: Path, root: Path) -> None:
    """A register whose rows are usable, or a :class:`SourceError` that names the file."""
    try:
        register = load_register(path, root=root)
    except SourceError as error:
        assert path.name in error.message
        return
    assert isinstance(register, Register)
    for problem in register.problems:
        assert problem.where.startswith(path.name) and problem.reason.strip()
    for convention in register.conventions:
        assert convention.id and convention.title
        convention_row(convention, TODAY)  # as the CLI, the API and the expiry report do
    register.select(today=TODAY, expiring_within=90, party="sud", status="en vigueur")


REGISTER_VALUES = st.one_of(
    SCALARS,
    st.dates().map(str),
    st.lists(TEXT, max_size=3),
    st.dictionaries(TEXT, st.one_of(TEXT, st.integers()), max_size=3),
)
REGISTER_ROWS = st.lists(
    st.one_of(
        st.dictionaries(st.sampled_from(REGISTER_FIELDS), REGISTER_VALUES, max_size=10),
        st.fixed_dictionaries(
            {"id": TEXT, "titre": TEXT},
            optional={field: REGISTER_VALUES for field in REGISTER_FIELDS[2:]},
        ),
        SCALARS,
    ),
    max_size=4,
)


@st.composite
def yaml_registers(draw: st.DrawFn) -> bytes:
    """A register whose rows hold values of every YAML type where the loader expects others."""
    rows = draw(REGISTER_ROWS)
    document: Any = draw(
        st.sampled_from([{"conventions": rows}, rows, {"autre": rows}, {"conventions": rows[:1]}])
    )
    text = yaml.safe_dump(document, allow_unicode=True)
    return text.encode("utf-8", errors="surrogatepass")


@st.composite
def csv_registers(draw: st.DrawFn) -> bytes:
    """A CSV register with a known header and cells of any text, quotes and line breaks."""
    header = draw(st.lists(st.sampled_from(REGISTER_FIELDS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(TEXT, max_size=10), max_size=4))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([";", ","])))
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


@PROPERTY
@given(
    data=st.one_of(
        yaml_registers(), mutated((REGISTER_YAML.encode(),)), deeply_nested_yaml(), st.binary()
    )
)
@example(data=b"\x80")  # UnicodeDecodeError
@example(data="conventions: [{id: C1, titre: T, preuves: {debut: '²'}}]".encode())  # ValueError
@example(data=b"conventions: [{id: C1, titre: T, preuves: {fin: '" + b"9" * 5000 + b"'}}]")
@example(data=b"conventions: [{id: C1, titre: T, duree: " + b"9" * 5000 + b" mois}]")
@example(data=b"conventions: [{id: C1, titre: T, debut: 2024-01-01, duree: 99999 ans}]")
@example(data=b"conventions: " + b"[" * 1000 + b"]" * 1000)  # RecursionError
def test_yaml_register_gives_rows_and_problems_or_a_source_error(
    workdir: Path, data: bytes
) -> None:
    path = workdir / "registre.yaml"
    path.write_bytes(data)
    assert_register_or_source_error(path, workdir)


@PROPERTY
@given(data=st.one_of(csv_registers(), mutated((REGISTER_CSV.encode(),)), st.binary()))
@example(data=b"id;titre\nC1;\x80\n")  # UnicodeDecodeError
@example(data=b'id;titre\nC1;"' + b"x" * 140_000 + b'"\n')  # csv.Error: field limit
def test_csv_register_gives_rows_and_problems_or_a_source_error(workdir: Path, data: bytes) -> None:
    path = workdir / "registre.csv"
    path.write_bytes(data)
    assert_register_or_source_error(path, workdir)


# --- text, PDF and Word files ---------------------------------------------------------------


@PROPERTY
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda text: text.encode("utf-8", errors="surrogatepass")),
        mutated((MARKDOWN, HTML, PLAIN_TEXT, CSV_TABLE)),
    ),
    parse=st.sampled_from([parse_markdown, parse_html, parse_text, parse_csv]),
)
@example(data=b"\r\x01", parse=parse_csv)  # csv.Error: new-line character in unquoted field
@example(data=b'a;b\nc;"' + b"x" * 140_000 + b'"\n', parse=parse_csv)  # csv.Error: field limit
def test_text_formats_give_sections_or_unreadable_file(
    data: bytes, parse: Callable[[bytes], ParsedFile]
) -> None:
    assert_parsed_or_unreadable(parse, data)


@SLOW_PROPERTY
@given(data=st.one_of(mutated(pdf_samples), st.binary(max_size=200).map(b"%PDF-1.4\n".__add__)))
# pypdf's LimitReachedError is no PdfReadError.
@example(data=replaced(pdf_samples()[1], b"xref\n0 11\n", b"xref\n0 100000\n"))
# NotImplementedError: an unknown stream filter.
@example(data=replaced(pdf_samples()[0], b"/FlateDecode", b"/FlateDecoe"))
# PdfReadError while reading the title, outside the guarded block.
@example(data=replaced(pdf_samples()[1], b"/Info 10 0 R", b"/Info [10 0 R]"))
@example(data=replaced(pdf_samples()[1], b"10 0 obj\n<<", b"10 0 obj\n:<"))
def test_damaged_pdf_gives_pages_or_unreadable_file(data: bytes) -> None:
    assert_parsed_or_unreadable(parse_pdf, data)


@SLOW_PROPERTY
@given(data=st.one_of(mutated(lambda: [docx_sample()]), zip_with_mutated_member()))
# zlib.error: a damaged deflate stream.
@example(data=broken_deflate(docx_sample(), "word/document.xml"))
# lxml XMLSyntaxError: a part that is no XML.
@example(data=rezipped(docx_sample(), "[Content_Types].xml", b""))
# AttributeError, only once the text is walked: parts of the wrong shape.
@example(data=rezipped(docx_sample(), "word/document.xml", b"<w:document " + WORDML + b"/>"))
@example(data=rezipped(docx_sample(), "word/styles.xml", b"<w:styles2 " + WORDML + b"/>"))
@example(data=rezipped(docx_sample(), "docProps/core.xml", b"<a/>"))
# ValueError: int("²"), a style name str.isdigit() accepts.
@example(
    data=rezipped(
        docx_sample(),
        "word/styles.xml",
        replaced(
            word_member("word/styles.xml"),
            b'w:name w:val="heading 1"',
            'w:name w:val="heading ²"'.encode(),
        ),
    )
)
def test_damaged_word_file_gives_sections_or_unreadable_file(data: bytes) -> None:
    assert_parsed_or_unreadable(parse_docx, data)


# --- the files connector, end to end --------------------------------------------------------

SUFFIXES = (".md", ".txt", ".html", ".pdf", ".docx", ".csv", ".xml", ".rdf", ".json", ".ttl")


@SLOW_PROPERTY
@given(
    suffix=st.sampled_from(SUFFIXES),
    data=st.one_of(
        st.binary(min_size=1, max_size=200),
        mutated(lambda: (*CATALOGUE_SAMPLES, MARKDOWN, HTML, *pdf_samples(), docx_sample())),
    ),
)
def test_files_connector_skips_a_bad_file_with_a_reason(
    workdir: Path, suffix: str, data: bytes
) -> None:
    root = workdir / "dossier"
    root.mkdir(exist_ok=True)
    path = root / f"fichier{suffix}"
    path.write_bytes(data)
    items = FilesConnector(root).read(path)
    assert items
    for item in items:
        assert isinstance(item, SourceDocument | SkippedDocument)
        if isinstance(item, SkippedDocument):
            assert item.source_path.startswith(f"fichier{suffix}")
            assert item.reason.strip() and UNEXPECTED not in item.reason, item
