"""The files connector: a folder tree of documents and catalogue files.

A text file (.md .txt .html .pdf .docx) is one document; a catalogue file (ISO 19139 or
19115-3 XML, DCAT RDF/Turtle/JSON-LD, CKAN or GeoNetwork JSON) holds one document per
record, even when it holds many (a CSW response, a DCAT catalogue).

Only regular files whose real path lies inside the root are read (``connectors.safe_files``):
a link leading out, a pipe, a socket or a device is skipped with its reason. Links to
folders are not walked (``os.walk``'s default): one inside the root would read its files
twice, under two names; one leading out is reported as skipped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from connectors.base import SkippedDocument, SourceDocument, UnchangedFile
from connectors.catalogue.document import catalogue_documents
from connectors.catalogue.formats import parse_catalogue
from connectors.errors import SourceError
from connectors.formats.csv import DEFAULT_MAX_ROWS, parse_csv
from connectors.formats.docx import parse_docx
from connectors.formats.html import parse_html
from connectors.formats.pdf import parse_pdf
from connectors.formats.structure import ParsedFile, UnreadableFile
from connectors.formats.text import parse_markdown, parse_text
from connectors.safe_files import (
    DEFAULT_MAX_FILE_BYTES,
    FileTooLarge,
    UnsafeFile,
    check_file,
    leads_inside,
    read_checked,
)

logger = logging.getLogger(__name__)

PARSERS: dict[str, Callable[[bytes], ParsedFile]] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_text,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
    ".docx": parse_docx,
    ".csv": parse_csv,
}
CATALOGUE_SUFFIXES = (".xml", ".rdf", ".json", ".jsonld", ".ttl")
DEFAULT_KIND = "procedure"
INDEXED = "dossier indexé"  # the root, as skip reasons name it
Item = SourceDocument | SkippedDocument


@dataclass(frozen=True)
class _Loaded:
    """A file's bytes, read once."""

    doc_id: str
    data: bytes
    modified: datetime
    file_hash: str


def relative_id(root: Path, path: Path) -> str:
    """The document id: its path relative to the indexed root, POSIX, NFC-normalised."""
    return unicodedata.normalize("NFC", path.relative_to(root).as_posix())


def title_from_name(path: Path) -> str:
    """A title for a document that has none: its file name, as words."""
    stem = path.stem.replace("_", " ").replace("-", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else path.name


class FilesConnector:
    """Reads every supported file below ``root``; one document per file."""

    def __init__(
        self,
        root: Path,
        *,
        kind: str | None = None,
        kind_by_folder: Mapping[str, str] | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_csv_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        self.root = root
        self.kind = kind
        self.kind_by_folder = dict(kind_by_folder or {})
        self.max_file_bytes = max_file_bytes
        self.parsers = PARSERS | {".csv": functools.partial(parse_csv, max_rows=max_csv_rows)}

    def kind_of(self, relative: Path) -> str:
        """The document kind: given, else from the first folder the settings map."""
        if self.kind:
            return self.kind
        for part in (self.root.resolve().name, *relative.parts[:-1]):
            kind = self.kind_by_folder.get(part.lower())
            if kind:
                return kind
        return DEFAULT_KIND

    def paths(self) -> list[Path]:
        """Files below the root in a stable order, hidden files and folders left out.

        A link to a folder is not walked; one that leads out of the root is listed, so
        that ``read`` reports it as skipped.
        """
        if not self.root.is_dir():
            raise SourceError(f"Dossier introuvable ou illisible : {self.root}")
        found: list[Path] = []
        for folder, dirs, files in os.walk(self.root):
            visible = sorted(d for d in dirs if not d.startswith("."))
            dirs[:] = [d for d in visible if not (Path(folder) / d).is_symlink()]
            linked = [Path(folder) / d for d in visible if d not in dirs]
            found.extend(link for link in linked if not leads_inside(link, [self.root]))
            found.extend(Path(folder) / name for name in sorted(files) if not name.startswith("."))
        return found

    def scan(self) -> Iterator[Item]:
        """Yield each document of each file, or the reason it was skipped."""
        for path in self.paths():
            yield from self.read(path)

    def read(self, path: Path) -> list[Item]:
        """Read and parse one file into its documents; never raises for a bad file."""
        loaded = self._load(path)
        return [loaded] if isinstance(loaded, SkippedDocument) else self._parse(path, loaded)

    def scan_changed(self, unchanged: Callable[[str, str], bool]) -> Iterator[Item | UnchangedFile]:
        """Like ``scan``, but files the index already holds are not parsed.

        ``unchanged(path, sha256)`` says so; a weekly run over an unchanged share reads and
        hashes each file, and moves on.
        """
        for path in self.paths():
            loaded = self._load(path)
            if isinstance(loaded, SkippedDocument):
                yield loaded
            elif unchanged(loaded.doc_id, loaded.file_hash):
                yield UnchangedFile(loaded.doc_id)
            else:
                yield from self._parse(path, loaded)

    def _load(self, path: Path) -> _Loaded | SkippedDocument:
        doc_id = relative_id(self.root, path)
        suffix = path.suffix.lower()
        try:
            # Before the extension: a link leading out says so, whatever its name.
            real = check_file(path, [self.root], INDEXED)
            if suffix not in PARSERS and suffix not in CATALOGUE_SUFFIXES:
                formats = " ".join(
                    sorted({ext for ext in (*PARSERS, *CATALOGUE_SUFFIXES) if ext != ".markdown"})
                )
                return SkippedDocument(
                    doc_id,
                    f"extension non prise en charge ({suffix or 'aucune'}) ; formats lus : "
                    f"{formats}",
                )
            read = read_checked(real, [self.root], self.max_file_bytes, INDEXED)
        except FileTooLarge as exc:
            return SkippedDocument(
                doc_id, f"{exc.reason} ; réglage files.max_file_bytes pour relever la limite"
            )
        except UnsafeFile as exc:
            return SkippedDocument(doc_id, exc.reason)
        except FileNotFoundError:
            return SkippedDocument(doc_id, "fichier disparu pendant l'indexation")
        except PermissionError:
            return SkippedDocument(doc_id, "lecture refusée (droits insuffisants)")
        except OSError as exc:
            return SkippedDocument(doc_id, f"lecture impossible ({exc.strerror or exc})")
        if not read.data.strip():
            return SkippedDocument(doc_id, "fichier vide")
        modified = datetime.fromtimestamp(read.mtime, tz=UTC)
        return _Loaded(doc_id, read.data, modified, hashlib.sha256(read.data).hexdigest())

    def _parse(self, path: Path, loaded: _Loaded) -> list[Item]:
        if path.suffix.lower() in CATALOGUE_SUFFIXES:
            items = self._read_catalogue(loaded.doc_id, loaded.data, loaded.modified)
        else:
            items = [self._read_text(path, loaded.doc_id, loaded.data, loaded.modified)]
        # Every document of the file knows its file's hash (for scan_changed's caller).
        return [
            replace(item, metadata={**item.metadata, "file_hash": loaded.file_hash})
            if isinstance(item, SourceDocument)
            else item
            for item in items
        ]

    def _read_catalogue(self, doc_id: str, data: bytes, modified: datetime) -> list[Item]:
        try:
            parsed = parse_catalogue(data, doc_id)
        except Exception as exc:  # a parser bug must not stop the run
            logger.exception("Unexpected catalogue parser failure on %s", doc_id)
            return [SkippedDocument(doc_id, f"erreur inattendue de lecture ({type(exc).__name__})")]
        return catalogue_documents(parsed, source_path=doc_id, modified=modified)

    def _read_text(self, path: Path, doc_id: str, data: bytes, modified: datetime) -> Item:
        parser = self.parsers[path.suffix.lower()]
        try:
            parsed = parser(data)
        except UnreadableFile as exc:
            return SkippedDocument(doc_id, str(exc))
        except Exception as exc:  # a parser bug must not stop the run
            logger.exception("Unexpected parser failure on %s", doc_id)
            return SkippedDocument(doc_id, f"erreur inattendue de lecture ({type(exc).__name__})")
        if not any(section.text.strip() for section in parsed.sections):
            return SkippedDocument(doc_id, "aucun texte exploitable dans le fichier")
        return SourceDocument(
            doc_id=doc_id,
            source_path=doc_id,
            kind=self.kind_of(path.relative_to(self.root)),
            title=parsed.title or title_from_name(path),
            sections=tuple(parsed.sections),
            content_hash=hashlib.sha256(data).hexdigest(),
            modified=modified,
            file_type=path.suffix.lower().lstrip("."),
        )
