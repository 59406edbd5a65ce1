"""Harvest ISO records from a CSW catalogue (GeoNetwork, GeoCat, pycsw).

Pages through GetRecords in the ISO 19139 output schema; an incremental harvest asks only
for records modified since the last one. OWSLib encodes the filter; the request itself
is sent with ``requests`` because OWSLib's POST path (0.35) ignores its timeout and the
HTTP status, and a harvester must not hang on a slow server nor read an error page as
records. Each attempt has a total deadline, connect to last byte (``timeout_s``): a server
that drips its answer a byte at a time is cut off like one that says nothing. A page that
fails (timeout, HTTP error,
exception report) is reported and skipped, the next page is still asked for; a server
that cannot be reached at all is a :class:`SourceError`, and nothing already indexed from
it is touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

from connectors.base import SkippedDocument, SourceDocument
from connectors.catalogue.document import record_document
from connectors.catalogue.iso import parse_iso
from connectors.deadline import DeadlineExceeded, pieces_within
from connectors.errors import SourceError

logger = logging.getLogger(__name__)

GMD = "http://www.isotc211.org/2005/gmd"
CSW_NS = "http://www.opengis.net/cat/csw/2.0.2"


@dataclass(frozen=True)
class CswSource:
    """A CSW endpoint and how patiently to talk to it."""

    url: str
    name: str = ""  # the prefix of its records' source paths; the host when empty
    timeout_s: float = 30.0  # per attempt, whole answer included
    retries: int = 2
    page_size: int = 50

    @property
    def label(self) -> str:
        """What harvested records' paths start with: ``geocat/<identifier>``."""
        return self.name or urlparse(self.url).netloc or "csw"


@dataclass
class HarvestResult:
    """What a harvest saw, beyond the documents it yielded."""

    matched: int = 0
    pages: int = 0
    failed_pages: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every page was read: only then may the next harvest start from now."""
        return not self.failed_pages


class CswHarvester:
    """Yields one document per ISO record of a CSW source."""

    def __init__(self, source: CswSource) -> None:
        self.source = source
        self.result = HarvestResult()

    def harvest(self, since: date | None = None) -> Iterator[SourceDocument | SkippedDocument]:
        """Every record, or those modified since ``since``.

        The filter starts a day earlier, to be safe: servers compare dates as text and
        mix dates with datetimes; records seen again are unchanged and cost nothing.
        """
        floor = (since - timedelta(days=1)).isoformat() if since else None
        self.result = HarvestResult()
        position, page = 1, 0
        while True:
            page += 1
            where = f"{self.source.url}, page {page} (fiches à partir de la n° {position})"
            try:
                response, (matched, returned, next_record) = self._page(floor, position)
            except SourceError as error:
                if page == 1:
                    raise
                self.result.failed_pages.append(where)
                yield SkippedDocument(where, error.message)
                position += self.source.page_size
                if position > self.result.matched:
                    return
                continue
            self.result.pages += 1
            self.result.matched = matched
            if returned:
                yield from self._documents(response, where)
            if not returned or not next_record or next_record > matched:
                return
            position = next_record

    def _page(self, floor: str | None, position: int) -> tuple[bytes, tuple[int, int, int]]:
        """One GetRecords page, retried: its body and (matched, returned, next record)."""
        import requests

        body = get_records_request(floor, position, self.source.page_size)
        last_error: Exception | None = None
        for attempt in range(self.source.retries + 1):
            if attempt:
                time.sleep(min(0.5 * 2**attempt, 5.0))
            try:
                content = self._post(body)
                return content, search_results(content)
            except (requests.RequestException, SourceError, DeadlineExceeded) as error:
                last_error = error
                logger.warning("CSW %s, record %s: %s", self.source.url, position, error)
        if isinstance(last_error, SourceError):
            raise last_error
        raise SourceError(_reason(self.source, last_error))

    def _post(self, body: bytes) -> bytes:
        """One request's whole answer, within ``timeout_s`` from connect to last byte."""
        import requests

        timeout = self.source.timeout_s
        answered: list[requests.Response] = []

        def pieces() -> Iterator[bytes]:
            with requests.post(
                self.source.url,
                data=body,
                headers={"Content-Type": "application/xml", "Accept": "application/xml"},
                timeout=timeout,  # each read; the deadline bounds them all
                stream=True,
            ) as response:
                answered.append(response)
                response.raise_for_status()
                yield b""  # the headers are in: the server did answer
                yield from response.iter_content(chunk_size=64 * 1024)

        def cut() -> None:
            """Shut the late answer's socket: the worker's blocked read ends now."""
            for response in answered:
                connection = response.raw.connection
                if connection is not None and connection.sock is not None:
                    with contextlib.suppress(OSError):
                        connection.sock.shutdown(socket.SHUT_RDWR)

        return b"".join(pieces_within(pieces, timeout, on_expiry=cut))

    def _documents(self, response: bytes, where: str) -> Iterator[SourceDocument | SkippedDocument]:
        parsed = parse_iso(response, where)
        harvested = datetime.now(UTC)
        for record in parsed.records:
            path = f"{self.source.label}/{record.identifier}"
            if not record.record_url:
                record = _with_record_url(record, self.source.url)
            yield record_document(record, source_path=path, doc_id=path, modified=harvested)
        for problem in parsed.problems:
            yield SkippedDocument(problem.where, problem.reason)


def get_records_request(floor: str | None, position: int, page_size: int) -> bytes:
    """A CSW 2.0.2 GetRecords body asking for full ISO 19139 records, from ``position``."""
    from lxml import etree
    from owslib.fes import FilterRequest, PropertyIsGreaterThanOrEqualTo

    root = etree.Element(
        f"{{{CSW_NS}}}GetRecords",
        nsmap={"csw": CSW_NS, "ogc": "http://www.opengis.net/ogc", "gmd": GMD},
        service="CSW",
        version="2.0.2",
        resultType="results",
        startPosition=str(position),
        maxRecords=str(page_size),
        outputSchema=GMD,
        outputFormat="application/xml",
    )
    query = etree.SubElement(root, f"{{{CSW_NS}}}Query", typeNames="gmd:MD_Metadata")
    etree.SubElement(query, f"{{{CSW_NS}}}ElementSetName").text = "full"
    if floor:
        constraint = etree.SubElement(query, f"{{{CSW_NS}}}Constraint", version="1.1.0")
        encoded = FilterRequest().setConstraint(
            PropertyIsGreaterThanOrEqualTo("apiso:Modified", floor)
        )
        constraint.append(etree.fromstring(etree.tostring(encoded)))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def search_results(body: bytes) -> tuple[int, int, int]:
    """(matched, returned, next record) of a GetRecords response.

    An exception report, or a page that is no CSW response, raises :class:`SourceError`.
    """
    from lxml import etree

    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        raise SourceError(f"réponse CSW illisible (XML mal formé : {error})") from error
    if etree.QName(root).localname == "ExceptionReport":
        texts = root.xpath("//*[local-name()='ExceptionText']/text()")
        message = " ".join(" ".join(texts).split()) or "sans message"
        raise SourceError(f"le serveur CSW a répondu par une erreur : {message}")
    results = root.find(f"{{{CSW_NS}}}SearchResults")
    if results is None:
        raise SourceError("réponse CSW sans résultats (csw:SearchResults absent)")

    def number(name: str) -> int:
        try:
            return int(results.get(name) or 0)
        except ValueError:
            return 0

    return number("numberOfRecordsMatched"), number("numberOfRecordsReturned"), number("nextRecord")


def record_url(csw_url: str, identifier: str) -> str:
    """The GetRecordById address of a record: the link back from a dataset card."""
    query = urlencode(
        {
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecordById",
            "id": identifier,
            "outputSchema": GMD,
            "elementSetName": "full",
        }
    )
    return f"{csw_url}{'&' if '?' in csw_url else '?'}{query}"


def _with_record_url(record: Any, csw_url: str) -> Any:
    from dataclasses import replace

    return replace(record, record_url=record_url(csw_url, record.identifier))


def _reason(source: CswSource, error: Exception | None) -> str:
    """A French reason for a CSW request that failed after its retries."""
    import requests

    tries = source.retries + 1
    if isinstance(error, DeadlineExceeded) and error.pieces:
        return (
            f"le serveur CSW {source.url} n'a pas envoyé sa réponse complète en "
            f"{source.timeout_s:g} s ({tries} essais) ; augmentez --timeout (ou timeout_s) "
            "si le catalogue est seulement lent"
        )
    if isinstance(error, requests.Timeout | DeadlineExceeded):
        return (
            f"le serveur CSW {source.url} n'a pas répondu en {source.timeout_s:g} s "
            f"({tries} essais)"
        )
    if isinstance(error, requests.ConnectionError):
        return f"serveur CSW injoignable : {source.url} ({tries} essais)"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return (
            f"le serveur CSW a répondu par une erreur HTTP {error.response.status_code} "
            f"({tries} essais)"
        )
    return f"requête CSW en échec ({type(error).__name__} : {error})"


class HarvestState:
    """When each CSW source was last harvested completely (a small JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise SourceError(
                f"État des moissonnages illisible : {self.path} ({error}) ; supprimez-le pour "
                "repartir d'un moissonnage complet."
            ) from error
        return data if isinstance(data, dict) else {}

    def since(self, source: CswSource) -> date | None:
        """The date of the last complete harvest of this source, if any."""
        entry = self._read().get(source.label)
        if not entry or entry.get("url") != source.url:
            return None
        return datetime.fromisoformat(entry["completed_at"]).date()

    def mark_complete(self, source: CswSource, started_at: datetime) -> None:
        """Record a complete harvest; the next one asks for what changed since it began."""
        data = self._read()
        data[source.label] = {"url": source.url, "completed_at": started_at.isoformat()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
        temporary.replace(self.path)
