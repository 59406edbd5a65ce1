"""The one wrapper around Presidio: find personal data in French text and replace it.

Built once per run (loading spaCy takes seconds), then used on every document before
chunking, embedding and storing. Fails closed: if the engine cannot be built, the
constructor raises :class:`PiiEngineError` and the caller indexes nothing; if one
document cannot be analysed, :meth:`PiiRedactor.redact_document` raises and the
caller skips that document.

A document is analysed as a whole: a surname seen once with its first name or civility
is redacted wherever it stands alone in that document (``guardrails.names``), and its
path gets a display form with the names of its folders and file redacted. Long texts
are analysed in overlapping windows, so any length gets the same redaction as a short
text while spaCy's memory stays bounded.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from connectors.base import Section, SourceDocument
from connectors.errors import BoussoleError
from connectors.files import title_from_name
from guardrails import names, policy
from guardrails import recognizers as rec
from guardrails.policy import ALL_ENTITIES, DEFAULT_ALLOW_LIST, PERSON, PLACEHOLDERS, fold

logger = logging.getLogger(__name__)

GUARD_VERSION = "4"  # bump when recognizers change: stored documents are redone
# Characters analysed at once. spaCy refuses texts over its max_length (1,000,000) and its
# memory grows with the text; a longer text is cut into windows of this size, each read
# with WINDOW_CONTEXT characters of context on either side so that an entity across a
# cut is seen whole in one of them.
WINDOW_CHARS = 50_000
WINDOW_CONTEXT = 2_000
_BATCH_CHARS = 200_000  # texts handed to spaCy in one batch, at most (about)
_PART_CACHE = 20_000  # folder and file names remembered with their display form


class PiiEngineError(BoussoleError):
    """The personal-data guard cannot start: nothing may be indexed."""

    code = "garde_donnees_personnelles_indisponible"
    http_status = 500


@dataclass(frozen=True)
class PiiConfig:
    """What the guard looks for and what it must leave alone."""

    spacy_model: str = "fr_core_news_sm"
    entities: tuple[str, ...] = ALL_ENTITIES
    allow_list: tuple[str, ...] = DEFAULT_ALLOW_LIST
    score_threshold: float = 0.5
    batch_size: int = 64
    window_chars: int = WINDOW_CHARS


@dataclass(frozen=True)
class Finding:
    """One personal datum found in a text (its value is never stored or reported)."""

    entity: str
    start: int
    end: int
    score: float
    from_ner: bool = False


@dataclass
class Redaction:
    """A document with its personal data replaced, and counts per entity type.

    ``display_path`` is the document's path with the personal data of its folder and file
    names replaced: what people see and what is searched, ``source_path`` staying the key
    that opens the file. ``path_counts`` says what the path held (empty: shown as it is).
    """

    document: SourceDocument
    counts: Counter[str] = field(default_factory=Counter)
    display_path: str = ""
    path_counts: Counter[str] = field(default_factory=Counter)


class PiiRedactor:
    """Presidio's analyzer and anonymizer, set up for French, built once."""

    def __init__(self, config: PiiConfig) -> None:
        unknown = sorted(set(config.entities) - set(ALL_ENTITIES))
        if unknown:
            raise PiiEngineError(
                f"Réglage pii.entities : type(s) inconnu(s) {', '.join(unknown)} ; "
                f"types possibles : {', '.join(ALL_ENTITIES)}."
            )
        self.config = config
        self.fingerprint = hashlib.sha256(
            json.dumps([GUARD_VERSION, asdict(config)], sort_keys=True).encode()
        ).hexdigest()[:12]
        try:
            self._allow = [re.compile(pattern, re.IGNORECASE) for pattern in config.allow_list]
        except re.error as error:
            raise PiiEngineError(
                f"Réglage pii.allow_list : expression invalide ({error}) ; "
                "corrigez-la, aucun document n'a été indexé."
            ) from error
        if config.window_chars < 1_000:
            raise PiiEngineError(
                f"Réglage pii.window_chars : {config.window_chars} est trop petit ; "
                "donnez au moins 1000 caractères."
            )
        self._table = rec.TableRecognizer()
        self._parts: dict[str, _PathPart] = {}
        try:
            self._common_words = _FrenchWords(config.spacy_model)
            self._analyzer, self._batch, self._anonymizer = _build_engines(
                config, self._common_words
            )
        except PiiEngineError:
            raise
        except Exception as error:  # fail closed on anything the engine raises
            raise PiiEngineError(
                "Le moteur de détection des données personnelles (Presidio, modèle spaCy "
                f"« {config.spacy_model} ») n'a pas pu démarrer : {error}. "
                "Aucun document n'a été indexé ; réinstallez avec `make install`."
            ) from error

    def find(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Personal data in each text, each taken as a document of its own.

        Overlaps resolved, allow-list applied, lone surnames of the persons it names included.
        """
        return [
            self._with_surnames([text], [found])[0]
            for text, found in zip(texts, self._analyze(texts), strict=True)
        ]

    def redact_texts(self, texts: Sequence[str]) -> tuple[list[str], Counter[str]]:
        """Each text with its findings replaced by placeholders, and the counts."""
        return self._apply(texts, self.find(texts))

    def redact_path(self, path: str) -> str:
        """``path`` with the personal data of its folder and file names replaced.

        Separators and the extension stay: ``agents/Léa Hnawia/fiche.txt`` reads
        ``agents/<PERSONNE>/fiche.txt``.
        """
        return self._display(path)[0]

    def redact_document(self, document: SourceDocument) -> Redaction:
        """The document with title, headings, text, metadata and path redacted.

        Its texts are analysed in one batch, then once more for the surnames learnt there
        and in its path, standing alone.
        """
        display, path_findings = self._display(document.source_path)
        path_counts = Counter(finding.entity for _, finding in path_findings)
        texts = [document.title]
        for section in document.sections:
            texts.append(section.text)
            texts.append(section.heading or "")
        metadata_strings = list(_strings(document.metadata))
        texts.extend(metadata_strings)
        learnt = {surname for part, _ in path_findings for surname in part.surnames}
        found = self._with_surnames(texts, self._analyze(texts), learnt)
        redacted, counts = self._apply(texts, found)
        title = redacted[0]
        if display != document.source_path and _named_after_file(document):
            title = title_from_name(Path(PurePosixPath(display).name))
        body = redacted[1 : 1 + 2 * len(document.sections)]
        sections = tuple(
            Section(text=body[2 * i], heading=body[2 * i + 1] or None, page=section.page)
            for i, section in enumerate(document.sections)
        )
        replacements = iter(redacted[1 + 2 * len(document.sections) :])
        metadata = _rebuild(document.metadata, replacements)
        return Redaction(
            replace(document, title=title, sections=sections, metadata=metadata),
            counts + path_counts,
            display_path=display,
            path_counts=path_counts,
        )

    def _apply(
        self, texts: Sequence[str], found: Sequence[list[Finding]]
    ) -> tuple[list[str], Counter[str]]:
        counts: Counter[str] = Counter()
        redacted: list[str] = []
        for text, findings in zip(texts, found, strict=True):
            counts.update(finding.entity for finding in findings)
            redacted.append(self._replace(text, findings))
        return redacted, counts

    def _analyze(self, texts: Sequence[str]) -> list[list[Finding]]:
        """The recognizers and the NER model on each text, long ones in windows."""
        found: list[list[Finding]] = [[] for _ in texts]
        windows = [
            window
            for index, text in enumerate(texts)
            for window in text_windows(index, text, self.config.window_chars)
        ]
        for batch in _batches(windows, max(_BATCH_CHARS, 2 * self.config.window_chars)):
            pieces = [texts[window.index][window.start : window.end] for window in batch]
            results = self._batch.analyze_iterator(
                pieces,
                language="fr",
                batch_size=self.config.batch_size,
                entities=list(self.config.entities),
                score_threshold=self.config.score_threshold,
            )
            for window, piece, result in zip(batch, pieces, results, strict=True):
                for finding in self._keep(piece, result):
                    start = finding.start + window.start
                    if window.owns(start):
                        end = finding.end + window.start
                        found[window.index].append(replace(finding, start=start, end=end))
        for index, text in enumerate(texts):
            if len(text) > self.config.window_chars:
                # A table's header may lie in an earlier window than its rows.
                table = self._table.analyze(text, list(self.config.entities))
                kept = [r for r in table if r.score >= self.config.score_threshold]
                found[index].extend(self._keep(text, kept))
        return [_resolve_overlaps(findings) for findings in found]

    def _with_surnames(
        self,
        texts: Sequence[str],
        found: list[list[Finding]],
        learnt: Iterable[str] = (),
    ) -> list[list[Finding]]:
        """The findings plus the surnames of their persons where they stand alone.

        ``texts`` are one document's; ``learnt`` adds surnames seen elsewhere (its path).
        """
        surnames = set(learnt)
        for text, findings in zip(texts, found, strict=True):
            persons = [(f.start, f.end) for f in findings if f.entity == PERSON]
            surnames |= names.learn_surnames(text, persons)
        pattern = names.surname_pattern(surnames) if PERSON in self.config.entities else None
        if pattern is None:
            return found
        result = []
        for text, findings in zip(texts, found, strict=True):
            taken = [(f.start, f.end) for f in findings]
            lone = [
                Finding(PERSON, start, end, 0.7)
                for start, end in names.lone_surnames(
                    text, pattern, taken, self._common_words.__contains__
                )
                if not self._allowed(text[start:end])
            ]
            result.append(_resolve_overlaps(findings + lone) if lone else findings)
        return result

    def _display(self, path: str) -> tuple[str, list[tuple[_PathPart, Finding]]]:
        """A path's display form, and the findings in its parts."""
        spans = list(names.path_parts(path))
        values = [path[start:end] for start, end in spans]
        self._learn_parts([value for value in values if value not in self._parts])
        pieces, position = [], 0
        findings: list[tuple[_PathPart, Finding]] = []
        for (start, end), value in zip(spans, values, strict=True):
            part = self._parts[value]
            pieces.append(path[position:start] + part.display)
            findings.extend((part, finding) for finding in part.findings)
            position = end
        pieces.append(path[position:])
        return "".join(pieces), findings

    def _learn_parts(self, values: Sequence[str]) -> None:
        """Analyse folder and file names, as written and with their separators as spaces.

        "jean.dupont@gmail.com" is an address as written; "CV_Marie_Wamytan" a name once
        spaced; "cv_lea_hnawia" only to ``names.names_in_file_name``.
        """
        if not values:
            return
        unique = list(dict.fromkeys(values))
        spaced = [_SEPARATORS.sub(" ", value) for value in unique]
        found = self._analyze([*unique, *spaced])
        if len(self._parts) + len(unique) > _PART_CACHE:
            self._parts.clear()
        for index, value in enumerate(unique):
            findings = found[index] + found[len(unique) + index]
            if PERSON in self.config.entities:
                findings += [
                    Finding(PERSON, start, end, 0.7)
                    for start, end in names.names_in_file_name(
                        value, self._common_words.__contains__
                    )
                    if not self._allowed(value[start:end])
                ]
            kept = _resolve_overlaps(findings)
            persons = [(f.start, f.end) for f in kept if f.entity == PERSON]
            self._parts[value] = _PathPart(
                display=self._replace(value, kept),
                findings=tuple(kept),
                surnames=frozenset(
                    names.learn_surnames(spaced[index], persons)
                    | names.surnames_in_file_name(value, persons)
                ),
            )

    def _keep(self, text: str, results: Iterable[Any]) -> list[Finding]:
        findings = []
        for result in results:
            entity, score = result.entity_type, result.score
            metadata = result.recognition_metadata or {}
            from_ner = metadata.get("recognizer_name") == "SpacyRecognizer"
            spans = [(result.start, result.end)]
            if from_ner:
                spans = [
                    core for line in _lines(text, *spans[0]) if (core := _name_core(text, *line))
                ]
            for start, end in spans:
                if entity == PERSON:
                    start = _skip_civility(text, start, end)
                    if from_ner and not self._plausible_name(text[start:end]):
                        continue
                if entity == policy.EMAIL and self._service_mailbox(text[start:end]):
                    continue
                if start < end and not self._allowed(text[start:end]):
                    findings.append(Finding(entity, start, end, score, from_ner))
        return _resolve_overlaps(findings)

    def _plausible_name(self, value: str) -> bool:
        """Whether the NER model's person is likely a name, not a capitalised term.

        The small French model tags headings and sentence-initial words ("Fiche",
        "Conditions Générales d'Utilisation", "L'Utilisateur") as persons. A span is
        kept when its words look like a name (capitalised, letters only, no elided
        article, no acronym) and at least one of them is not an ordinary French word
        (by the model's own lemma tables) or is a common first name.
        """
        words = [word.strip(" ,.;:") for word in value.split()]
        words = [word for word in words if word]
        if not words or all(word.upper().strip(".") in rec.CIVILITY_WORDS for word in words):
            return False
        names = [word for word in words if word.lower() not in rec.NAME_PARTICLES]
        for word in names:
            if not _NAME_WORD.fullmatch(word) or _ELISION.match(word):
                return False
            if word.isupper() and (len(word) <= 4 or word in policy.ACRONYMS):
                return False
        if len(names) == 1 and (names[0] in policy.PLACES or names[0].upper() in policy.ACRONYMS):
            return False
        folded = [fold(word) for word in names]
        if any(word in policy.FIRST_NAMES for word in folded):
            return True
        return any(word.lower() not in self._common_words for word in names)

    def _service_mailbox(self, address: str) -> bool:
        """A mailbox named by common words (formation@, aides.sociales@) is a service's.

        One made of a first name or a word that is not ordinary French (jean.dupont@,
        mwamytan@) is a person's.
        """
        parts = [part for part in re.split(r"[._\-]+", address.split("@", 1)[0].lower()) if part]
        if not parts or any(not part.isalpha() or len(part) <= 2 for part in parts):
            return False  # digits or an initial ("c.fontaine@"): a person's
        return all(
            fold(part) not in policy.FIRST_NAMES and part in self._common_words for part in parts
        )

    def _allowed(self, value: str) -> bool:
        value = value.strip()
        return any(pattern.fullmatch(value) for pattern in self._allow)

    def _replace(self, text: str, findings: list[Finding]) -> str:
        if not findings:
            return text
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        operators = {
            entity: OperatorConfig("replace", {"new_value": PLACEHOLDERS[entity]})
            for entity in {finding.entity for finding in findings}
        }
        results = [
            RecognizerResult(finding.entity, finding.start, finding.end, finding.score)
            for finding in findings
        ]
        result = self._anonymizer.anonymize(
            text=text, analyzer_results=results, operators=operators
        )
        return str(result.text)


_CIVILITY = re.compile(rf"{rec.CIVILITY}[ ]+")
_SEPARATORS = re.compile(r"[_\-.+]")  # replaced one for one: offsets stay the same


@dataclass(frozen=True)
class _PathPart:
    """A folder or file name: how it is shown, what it holds, the surnames it teaches."""

    display: str
    findings: tuple[Finding, ...]
    surnames: frozenset[str]


@dataclass(frozen=True)
class Window:
    """A stretch of a long text analysed at once, and the part of it whose findings count.

    Findings that start in ``[own_start, own_end)`` belong to this window; the context
    around that part lets an entity across the cut be seen whole.
    """

    index: int  # which text
    start: int
    end: int
    own_start: int
    own_end: int

    def owns(self, position: int) -> bool:
        """Whether a finding starting at ``position`` (in the text) is this window's."""
        return self.own_start <= position < self.own_end


def text_windows(index: int, text: str, size: int) -> list[Window]:
    """A text cut into windows of about ``size`` characters, at line or word breaks."""
    if len(text) <= size:
        return [Window(index, 0, len(text), 0, len(text))]
    context = min(WINDOW_CONTEXT, size // 4)
    cuts, position = [0], 0
    while len(text) - position > size:
        position = _break_before(text, position + size, position + size // 2)
        cuts.append(position)
    cuts.append(len(text))
    windows = []
    for own_start, own_end in itertools.pairwise(cuts):
        start = _break_before(text, max(0, own_start - context), max(0, own_start - 2 * context))
        end = _break_after(text, min(len(text), own_end + context), own_end + 2 * context)
        windows.append(Window(index, start, end, own_start, own_end))
    return windows


def _break_before(text: str, position: int, floor: int) -> int:
    """The start of the line, else of the word, at or before ``position`` (not before floor)."""
    for separator in ("\n", " "):
        found = text.rfind(separator, floor, position)
        if found >= 0:
            return found + 1
    return position


def _break_after(text: str, position: int, ceiling: int) -> int:
    """The end of the word at or after ``position`` (not past ``ceiling``)."""
    found = text.find(" ", position, min(len(text), ceiling))
    return found if found >= 0 else min(len(text), position)


def _batches(windows: list[Window], budget: int) -> Iterator[list[Window]]:
    """Windows in groups of at most ``budget`` characters (one long window alone)."""
    batch: list[Window] = []
    size = 0
    for window in windows:
        length = window.end - window.start
        if batch and size + length > budget:
            yield batch
            batch, size = [], 0
        batch.append(window)
        size += length
    if batch:
        yield batch


def _named_after_file(document: SourceDocument) -> bool:
    """Whether the title is the one a connector makes from the file name (no title inside)."""
    name = PurePosixPath(document.source_path).name
    made = title_from_name(Path(name))
    return unicodedata.normalize("NFC", document.title) == unicodedata.normalize("NFC", made)


_NAME_WORD = rec.NAME_WORD
_ELISION = re.compile(r"(?i)(?:l|d|n|s|qu|j|m|c)['’]")


def _strings(value: Any) -> Iterator[str]:
    """Every string inside metadata (dicts and lists), in a stable order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _rebuild(value: Any, replacements: Iterator[str]) -> Any:
    """``value`` with each string taken, in ``_strings`` order, from ``replacements``."""
    if isinstance(value, str):
        return next(replacements)
    if isinstance(value, dict):
        return {key: _rebuild(item, replacements) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_rebuild(item, replacements) for item in value)
    return value


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span cut at line breaks, each piece stripped.

    The NER model's spans spill over lines ("usage interne) / Christophe Jeanson").
    """
    pieces, position = [], start
    for line in text[start:end].split("\n"):
        stripped = line.strip(" \t,;:()–-")
        if stripped:
            offset = position + line.index(stripped)
            pieces.append((offset, offset + len(stripped)))
        position += len(line) + 1
    return pieces


_WORD_SPAN = re.compile(r"\S+")


def _name_core(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The run of name-like words at the start of a NER span.

    The model's spans run on past the name ("Christophe Jeanson – Technicien",
    "Mme Wadrawane / - Pacific Net"): keep the words up to the first that cannot be
    part of a name.
    """
    core_end = None
    for match in _WORD_SPAN.finditer(text, start, end):
        word = match.group().rstrip(",.;:")
        if not (_NAME_WORD.fullmatch(word) or word.lower() in rec.NAME_PARTICLES):
            if core_end is None and word.upper().strip(".") in rec.CIVILITY_WORDS:
                continue
            break
        core_end = match.start() + len(word)
    return (start, core_end) if core_end is not None else None


def _skip_civility(text: str, start: int, end: int) -> int:
    """Start of a name without its "M." or "Madame", so that answers keep the civility."""
    match = _CIVILITY.match(text, start, end)
    return match.end() if match else start


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """One finding per stretch of text.

    Rule-based findings win over the NER model's (whose spans spill over, as in "mail
    jean.dupont@gmail.com"); among equals the longest span wins (a SIRET over the
    SIREN inside it), then the higher score.
    """
    ordered = sorted(
        findings,
        key=lambda f: (f.from_ner, -(f.end - f.start), ALL_ENTITIES.index(f.entity), -f.score),
    )
    kept: list[Finding] = []
    for finding in ordered:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


class _FrenchWords:
    """Every French word form the spaCy model's lemmatizer tables know (~460,000)."""

    def __init__(self, model: str) -> None:
        import spacy
        from spacy.lookups import Lookups

        self._forms: Any = {}
        self._lemmas: set[str] = set()
        self._folded: set[str] = set()
        package = spacy.util.get_package_path(model)
        folders = sorted(package.glob("*/lemmatizer/lookups"))
        if not folders:
            logger.warning("No lemma tables in %s: single-word NER persons are all kept", model)
            return
        lookups = Lookups().from_disk(folders[0])
        if lookups.has_table("lemma_lookup"):
            self._forms = lookups.get_table("lemma_lookup")  # form -> lemma, keyed by hash
            for lemmas in self._forms.values():
                self._lemmas.update(lemmas)
        if lookups.has_table("lemma_index"):
            for lemmas in lookups.get_table("lemma_index").values():
                self._lemmas.update(lemmas)
        if lookups.has_table("lemma_exc"):
            for forms in lookups.get_table("lemma_exc").values():
                self._lemmas.update(forms)
        # Words as people type them without accents ("economie", "securite").
        self._folded = {fold(word) for word in self._lemmas}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return (
            word in self._lemmas
            or word in self._forms
            or word in self._folded
            or word.lower() in policy.TECHNICAL_WORDS
        )


# spaCy components Presidio does not need here: NER has its own token encoder and the
# recognizers check context on raw text, so no tagger, parser or lemmatizer runs.
_UNUSED_PIPES = ("tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")


def _build_engines(config: PiiConfig, common_words: _FrenchWords) -> tuple[Any, Any, Any]:
    """Presidio with spaCy's NER only, our French recognizers, and no network."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        SpacyRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    if not spacy.util.is_package(config.spacy_model):
        raise PiiEngineError(
            f"Le modèle spaCy « {config.spacy_model} » n'est pas installé (réglage "
            "pii.spacy_model) ; installez-le avec `make install`. Aucun document n'a été indexé."
        )

    class LocalSpacyEngine(SpacyNlpEngine):
        """Loads the installed model with NER only and never downloads one."""

        def load(self) -> None:
            nlp = spacy.load(config.spacy_model, exclude=_UNUSED_PIPES)
            if "ner" not in nlp.pipe_names:
                raise PiiEngineError(
                    f"Le modèle spaCy « {config.spacy_model} » n'a pas de composant NER "
                    "(réglage pii.spacy_model) : les noms de personnes ne seraient pas trouvés."
                )
            self.nlp = {"fr": nlp}  # type: ignore[assignment]

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's email recognizer with the bundled public-suffix list only."""

        extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

        def validate_result(self, pattern_text: str) -> bool:
            return bool(self.extractor(pattern_text).suffix)

    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PER": PERSON},
        labels_to_ignore=["LOC", "ORG", "MISC"],
        default_score=0.6,
    )
    nlp_engine = LocalSpacyEngine(
        models=[{"lang_code": "fr", "model_name": config.spacy_model}],
        ner_model_configuration=ner_config,
    )
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["fr"])
    for recognizer in (
        SpacyRecognizer(supported_language="fr", supported_entities=[PERSON]),
        OfflineEmailRecognizer(supported_language="fr", supported_entity=policy.EMAIL),
        CreditCardRecognizer(supported_language="fr", supported_entity=policy.CARD),
        rec.phone_recognizer(),
        rec.nir_recognizer(),
        rec.siren_recognizer(),
        rec.siret_recognizer(),
        rec.ridet_recognizer(),
        rec.iban_recognizer(),
        rec.birth_date_recognizer(),
        rec.person_recognizer(common_words.__contains__),
        rec.TableRecognizer(),
        rec.address_recognizer(),
    ):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["fr"])
    return analyzer, BatchAnalyzerEngine(analyzer_engine=analyzer), AnonymizerEngine()  # type: ignore[no-untyped-call]
