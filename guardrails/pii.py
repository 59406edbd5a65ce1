"""The one wrapper around Presidio: find personal data in French text and replace it.

Built once per run (loading spaCy takes seconds), then used on every document before
chunking, embedding and storing. Fails closed: if the engine cannot be built, the
constructor raises :class:`PiiEngineError` and the caller indexes nothing; if one
document cannot be analysed, :meth:`PiiRedactor.redact_document` raises and the
caller skips that document.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from connectors.base import Section, SourceDocument
from connectors.errors import BoussoleError
from guardrails import policy
from guardrails import recognizers as rec
from guardrails.policy import ALL_ENTITIES, DEFAULT_ALLOW_LIST, PERSON, PLACEHOLDERS, fold

logger = logging.getLogger(__name__)

GUARD_VERSION = "3"  # bump when recognizers change: stored documents are redone


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
    """A document with its personal data replaced, and counts per entity type."""

    document: SourceDocument
    counts: Counter[str] = field(default_factory=Counter)


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
        """Personal data in each text, overlaps resolved, allow-list applied."""
        batches = self._batch.analyze_iterator(
            list(texts),
            language="fr",
            batch_size=self.config.batch_size,
            entities=list(self.config.entities),
            score_threshold=self.config.score_threshold,
        )
        return [self._keep(text, results) for text, results in zip(texts, batches, strict=True)]

    def redact_texts(self, texts: Sequence[str]) -> tuple[list[str], Counter[str]]:
        """Each text with its findings replaced by placeholders, and the counts."""
        counts: Counter[str] = Counter()
        redacted: list[str] = []
        for text, findings in zip(texts, self.find(texts), strict=True):
            counts.update(finding.entity for finding in findings)
            redacted.append(self._replace(text, findings))
        return redacted, counts

    def redact_document(self, document: SourceDocument) -> Redaction:
        """The document with title, headings, text and metadata redacted, in one batch."""
        texts = [document.title]
        for section in document.sections:
            texts.append(section.text)
            texts.append(section.heading or "")
        metadata_strings = list(_strings(document.metadata))
        texts.extend(metadata_strings)
        redacted, counts = self.redact_texts(texts)
        title = redacted[0]
        body = redacted[1 : 1 + 2 * len(document.sections)]
        sections = tuple(
            Section(text=body[2 * i], heading=body[2 * i + 1] or None, page=section.page)
            for i, section in enumerate(document.sections)
        )
        replacements = iter(redacted[1 + 2 * len(document.sections) :])
        metadata = _rebuild(document.metadata, replacements)
        return Redaction(
            replace(document, title=title, sections=sections, metadata=metadata), counts
        )

    def _keep(self, text: str, results: Iterable[Any]) -> list[Finding]:
        findings = []
        for result in results:
            entity, score = result.entity_type, result.score
            from_ner = result.recognition_metadata.get("recognizer_name") == "SpacyRecognizer"
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
        if not words or all(word.upper().strip(".") in _CIVILITY_WORDS for word in words):
            return False
        names = [word for word in words if word.lower() not in _NAME_PARTICLES]
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
_NAME_PARTICLES = frozenset(["de", "du", "des", "la", "le", "van", "von", "da", "dos", "di"])
_NAME_WORD = rec.NAME_WORD
_ELISION = re.compile(r"(?i)(?:l|d|n|s|qu|j|m|c)['’]")


_CIVILITY_WORDS = frozenset(
    [
        "M",
        "MM",
        "MME",
        "MMES",
        "MLLE",
        "MONSIEUR",
        "MADAME",
        "MADEMOISELLE",
        "MESDAMES",
        "MESSIEURS",
        "DR",
        "DOCTEUR",
        "ME",
        "PR",
    ]
)


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
        if not (_NAME_WORD.fullmatch(word) or word.lower() in _NAME_PARTICLES):
            if core_end is None and word.upper().strip(".") in _CIVILITY_WORDS:
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
