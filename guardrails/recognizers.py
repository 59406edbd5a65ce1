"""French and New Caledonian personal-data recognizers that Presidio does not ship.

Each recognizer is a regular expression plus, where the format has one, a checksum
(NIR key, Luhn, IBAN mod 97) and, where the digits alone are ambiguous (a bare
six-digit number, a nine-digit SIREN), context words that must appear shortly before
the match. The context check reads the raw text, so it needs no lemmatizer: the
spaCy pipeline keeps only its NER component, which is what makes the stage fast.

Entity names are the French labels used in placeholders (``<TELEPHONE>``...), so the
same word names an entity in settings, reports, placeholders and the test set.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from guardrails.policy import (
    ACRONYMS,
    ADDRESS,
    BIRTH_DATE,
    EMAIL,
    FIRST_NAMES,
    IBAN,
    NIR,
    PERSON,
    PHONE,
    RIDET,
    SIREN,
    SIRET,
    STRUCTURE_WORDS,
    fold,
)

# Latin letters with the diacritics of French, Vietnamese and Polynesian names
# (Latin-1, Latin Extended-A and Latin Extended Additional).
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽƠƯẠ-ỸḀ-Ẕ"
_LOWER = "a-zß-öø-ÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįıĵķĺļľŀłńņňŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżžơưạ-ỹḁ-ẕ"
_WORD = rf"[{_UPPER}][{_UPPER}{_LOWER}'’\-]*"
# One word of a name: "Wamytan", "Marie-Claire", "N'Guyen", "DUPONT", "Nguyễn" (no camelCase).
NAME_WORD = re.compile(
    rf"[{_UPPER}](?:[{_LOWER}]+|[{_UPPER}]+)(?:['’\-][{_UPPER}{_LOWER}][{_UPPER}{_LOWER}]*)*"
)


def _words(text: str) -> str:
    return " ".join(re.escape(word) for word in text.split())


def _context_pattern(words: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(_words(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One way an entity is written.

    ``group`` names the part of the match that is the personal datum (a date of
    birth without "née le", a name without "M."). ``needs_context`` rules only count
    when one of the recognizer's context words appears within ``window`` characters
    before the match (or on the same line after a label such as "Tél. :").
    """

    pattern: re.Pattern[str]
    score: float
    group: str | int = 0
    needs_context: bool = False
    accept: Callable[[str], bool] | None = None
    split: re.Pattern[str] | None = None


class RuleRecognizer(EntityRecognizer):
    """A Presidio recognizer made of :class:`Rule`s, a validator and context words.

    A rule with ``split`` finds a list ("Bonjour Bruno, Yvette et Sri") and reports each
    item as its own finding.
    """

    def __init__(
        self,
        entity: str,
        rules: Sequence[Rule],
        *,
        context: Sequence[str] = (),
        validate: Callable[[str], bool] | None = None,
        context_boost: float = 0.3,
        window: int = 48,
    ) -> None:
        self.rules = tuple(rules)
        self.validate = validate
        self.context_boost = context_boost
        self.window = window
        self.context_re = _context_pattern(context) if context else None
        super().__init__(
            supported_entities=[entity],
            name=f"{entity.title()}Recognizer",
            supported_language="fr",
        )

    def load(self) -> None:
        """Nothing to load: the rules are compiled in the constructor."""

    def has_context(self, text: str, start: int) -> bool:
        """Whether a context word precedes ``start`` closely enough."""
        if self.context_re is None:
            return False
        before = text[max(0, start - self.window) : start]
        return self.context_re.search(before) is not None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Find every rule match, validated and scored with its context."""
        entity = self.supported_entities[0]
        if entities and entity not in entities:
            return []
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        for rule in self.rules:
            for match in _matches(rule.pattern, text):
                start, end = match.span(rule.group)
                if start < 0 or (start, end) in seen:
                    continue
                value = text[start:end]
                if self.validate is not None and not self.validate(value):
                    continue
                if rule.accept is not None and not rule.accept(value):
                    match.reject()
                    continue
                context = self.has_context(text, match.start())
                if rule.needs_context and not context:
                    continue
                score = min(1.0, rule.score + (self.context_boost if context else 0.0))
                seen.add((start, end))
                for part_start, part_end in _parts(value, rule.split):
                    results.append(
                        RecognizerResult(entity, start + part_start, start + part_end, score)
                    )
        return results


class _Match:
    """A regex match that can be rejected, so the search resumes inside it."""

    def __init__(self, match: Any) -> None:
        self.match = match
        self.rejected = False

    def span(self, group: str | int) -> tuple[int, int]:
        start, end = self.match.span(group)
        return int(start), int(end)

    def start(self) -> int:
        return int(self.match.start())

    def reject(self) -> None:
        self.rejected = True


class PatternTimeout(RuntimeError):
    """A pattern ran too long on a text: the text is not analysed, so not indexed."""


_SEARCH_TIMEOUT_S = 2.0


@functools.cache
def _timed(pattern: re.Pattern[str]) -> Any:
    """The same pattern under the ``regex`` engine, which can stop a runaway search."""
    return regex.compile(pattern.pattern, pattern.flags)


def _matches(pattern: re.Pattern[str], text: str) -> Iterator[_Match]:
    """Like ``finditer``, but a rejected match can be searched again from inside.

    "EURL DUPONT Jean" is refused for its acronym; the search then starts again one
    character later and finds "DUPONT Jean".
    """
    position = 0
    timed = _timed(pattern)
    while position <= len(text):
        try:
            found = timed.search(text, position, timeout=_SEARCH_TIMEOUT_S)
        except TimeoutError as error:
            raise PatternTimeout(
                f"motif trop long à évaluer sur un texte de {len(text)} caractères"
            ) from error
        if found is None:
            return
        match = _Match(found)
        yield match
        position = found.start() + 1 if match.rejected else max(found.end(), found.start() + 1)


def _parts(value: str, split: re.Pattern[str] | None) -> list[tuple[int, int]]:
    if split is None:
        return [(0, len(value))]
    parts, position = [], 0
    for separator in split.finditer(value):
        if separator.start() > position:
            parts.append((position, separator.start()))
        position = separator.end()
    if position < len(value):
        parts.append((position, len(value)))
    return parts


# --- checksums ------------------------------------------------------------------------


def _digits(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value)


def luhn_valid(number: str) -> bool:
    """Luhn check, as used by SIREN and SIRET."""
    digits = [int(char) for char in number if char.isdigit()]
    if not digits:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siren_valid(value: str) -> bool:
    """Nine digits passing Luhn."""
    digits = _digits(value)
    return len(digits) == 9 and digits.isdigit() and luhn_valid(digits)


def siret_valid(value: str) -> bool:
    """Fourteen digits passing Luhn (La Poste's establishments use a digit sum instead)."""
    digits = _digits(value)
    if len(digits) != 14 or not digits.isdigit():
        return False
    if digits.startswith("356000000"):
        return sum(int(char) for char in digits) % 5 == 0
    return luhn_valid(digits)


def nir_valid(value: str) -> bool:
    """French social security number: 13 characters and a key of 97 - (number mod 97).

    Corsica's departments 2A and 2B count as 19 and 18 in the key. Overseas (97x) and
    New Caledonia (98x) numbers have a three-digit department and fit the same rule.
    """
    chars = _digits(value).upper()
    if len(chars) != 15:
        return False
    body, key = chars[:13], chars[13:]
    if not key.isdigit() or body[0] not in "12378":
        return False
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    month = int(body[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    return 97 - int(body) % 97 == int(key)


def iban_valid(value: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers."""
    chars = _digits(value).upper()
    if not 15 <= len(chars) <= 34 or not chars[:2].isalpha() or not chars[2:4].isdigit():
        return False
    rearranged = chars[4:] + chars[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


# --- recognizers ---------------------------------------------------------------------

_SEP = r"[ .\-]?"
# A number ends where no digit follows, even after a separator ("27 12 34." ends a
# sentence; "27 12 34 56" is something else).
_NO_MORE_DIGITS = r"(?![\w]|[.,/\-]\d|[ ]\d)"
_NC_PAIRS = r"[2-57-9]\d([ .\-])\d{2}\1\d{2}"  # "27 12 34", "27.12.34", "27-12-34"
_NO_DIGITS_BEFORE = r"(?<![\w+])(?<!\d[.,/\- ])"
_PHONE_CONTEXT = (
    "tél",
    "tel",
    "téléphone",
    "telephone",
    "portable",
    "mobile",
    "fixe",
    "fax",
    "standard",
    "ligne directe",
    "joindre",
    "joignable",
    "appeler",
    "appelez",
    "contacter",
    "numéro",
    "gsm",
    "cellulaire",
    "rappeler",
    "rappelez",
    "interlocut",
    "contact",
    "joint au",
    "num",
    "numero",
    "whatsapp",
    "sms",
)


def phone_recognizer() -> RuleRecognizer:
    """New Caledonia (six digits, +687) and French (ten digits, +33) phone numbers."""
    nc_body = rf"[2-57-9]\d{_SEP}\d{{2}}{_SEP}\d{{2}}"
    fr_body = rf"[1-9](?:{_SEP}\d{{2}}){{4}}"
    return RuleRecognizer(
        PHONE,
        [
            Rule(re.compile(rf"(?<![\w+])(?:\+|00[ ]?)687[ .]?\)?[ .]?{nc_body}(?!\d)"), 0.85),
            Rule(re.compile(rf"\((?:\+|00)687\)[ .]?{nc_body}(?!\d)"), 0.85),
            Rule(
                re.compile(rf"(?<![\w+])(?:\+|00[ ]?)33[ .]?(?:\(0\)[ .]?)?{fr_body}(?!\d)"),
                0.85,
            ),
            Rule(re.compile(rf"{_NO_DIGITS_BEFORE}0{fr_body}{_NO_MORE_DIGITS}"), 0.6),
            # Separated pairs ("27 12 34", "27.12.34") are how people write a phone
            # number; bare digits ("271234") look like many other numbers and count
            # only after a phone word.
            Rule(re.compile(rf"{_NO_DIGITS_BEFORE}{_NC_PAIRS}{_NO_MORE_DIGITS}"), 0.55),
            Rule(
                re.compile(rf"{_NO_DIGITS_BEFORE}[2-57-9]\d{{5}}{_NO_MORE_DIGITS}"),
                0.45,
                needs_context=True,
            ),
        ],
        context=_PHONE_CONTEXT,
        window=40,
    )


def nir_recognizer() -> RuleRecognizer:
    """NIR (numéro de sécurité sociale), validated by its key."""
    return RuleRecognizer(
        NIR,
        [Rule(re.compile(r"(?<![\w])[12378](?:[ .]?[0-9ABab]){14}(?![\w])"), 0.8)],
        context=("sécurité sociale", "securite sociale", "nir", "insee", "numéro ss", "n° ss"),
        validate=nir_valid,
        context_boost=0.15,
    )


_NINE = r"\d{3}[ .]?\d{3}[ .]?\d{3}"


def siren_recognizer() -> RuleRecognizer:
    """SIREN: nine digits passing Luhn, after a company word (random numbers pass 1 in 10)."""
    return RuleRecognizer(
        SIREN,
        [
            Rule(
                re.compile(r"(?<![\w.,])\d{3}[ .]?\d{3}[ .]?\d{3}(?![\w]|[ .]?\d)"),
                0.4,
                needs_context=True,
            )
        ],
        context=("siren", "rcs", "immatricul", "entreprise", "société", "societe", "n° sir"),
        validate=siren_valid,
        window=40,
    )


def siret_recognizer() -> RuleRecognizer:
    """SIRET: fourteen digits passing Luhn."""
    return RuleRecognizer(
        SIRET,
        [Rule(re.compile(r"(?<![\w.,])\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{5}(?![\w]|[ .]?\d)"), 0.6)],
        context=("siret", "établissement", "etablissement", "entreprise", "société"),
        validate=siret_valid,
    )


def ridet_recognizer() -> RuleRecognizer:
    """RIDET (New Caledonia's business register): RID of 6-7 digits, "." and a 3-digit rank."""
    rid = r"\d(?:[ ]?\d){5,6}"
    return RuleRecognizer(
        RIDET,
        [
            Rule(re.compile(rf"(?<![\w.,])(?:{rid})\.\d{{3}}(?![\w.,]?\d)"), 0.55),
            Rule(
                re.compile(rf"(?i:ridet)\s*(?:n[°o]\s*)?:?\s*(?P<id>{rid}(?:\.\d{{3}})?)(?![\d.])"),
                0.85,
                group="id",
            ),
        ],
        context=("ridet", "rid", "entreprise", "établissement", "patente", "société"),
    )


def iban_recognizer() -> RuleRecognizer:
    """IBAN of any country (FR, NC...), with or without groups of four, mod-97 checked."""
    return RuleRecognizer(
        IBAN,
        [Rule(re.compile(r"(?<![\w])[A-Z]{2}[ ]?\d{2}(?:[ ]?[A-Z0-9]){11,30}(?![A-Z0-9])"), 0.9)],
        context=("iban", "rib", "bancaire", "compte"),
        validate=iban_valid,
        context_boost=0.1,
    )


_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    "|novembre|décembre|decembre"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|(?:1er|\d{{1,2}})\s+(?:{_MONTHS})\s+\d{{4}})"
)


def birth_date_recognizer() -> RuleRecognizer:
    """A date only when the words around it say it is a date of birth."""
    label = (
        rf"(?:(?<![\w])n[ée](?:\(e\)|e)?s?(?:[ ]+[{_UPPER}][\w'’\-]+)?,?[ ]+(?:le)?"
        r"|date[ _]+(?:et[ _]+lieu[ _]+)?(?:de[ _]+)?naissance|ddn|naissance|birth[ _]?date)"
        r"[ ]*[:=]?[ ]*(?:le[ ]+)?"
    )
    return RuleRecognizer(
        BIRTH_DATE,
        [Rule(re.compile(rf"(?i:{label})(?P<date>{_DATE})(?!\d)"), 0.85, group="date")],
    )


CIVILITY = (
    r"(?:M\.|MM\.|Mme|Mmes|Mlle|Monsieur|Madame|Mademoiselle|Dr\.?|Docteur|Me|Maître|Pr\.?"
    r"|m\.|mme)"
)
# Small words inside a surname ("Jean de La Fontaine", "van der Berg").
NAME_PARTICLES = frozenset(["de", "du", "des", "la", "le", "van", "von", "da", "dos", "di"])
# The same titles as words (upper case, no dot): never a name, nor a surname to learn.
CIVILITY_WORDS = frozenset(
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
        "MAITRE",
        "MAÎTRE",
        "PR",
    ]
)
_CAP = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_CAPS = rf"[{_UPPER}][{_UPPER}'’]{{2,}}(?:-[{_UPPER}]{{2,}})?"
_CAPS_NAME = rf"(?:(?:LE|LA|DE|DU|DA|DOS|VAN|VON)[ ])?{_CAPS}"
_NAME = rf"{_WORD}(?:[ ]+(?:de |du |d'|le |la |van |von )?{_WORD}){{0,3}}"
# "DUPONT Jean", "Jean DUPONT".
_SURNAME_FIRST = rf"{_CAPS_NAME}(?:[ ]{_CAPS_NAME})?[ ]{_CAP}(?:[ ]{_CAP})?"
_FIRST_SURNAME = rf"{_CAP}(?:[ ]{_CAP})?[ ]{_CAPS_NAME}(?:[ ]{_CAPS_NAME})?"
_PERSON_NAME = rf"(?:{_SURNAME_FIRST}|{_FIRST_SURNAME}|{_CAP}(?:[ ]{_CAP}){{0,2}}|{_CAPS_NAME})"
_NAME_LIST = rf"{_PERSON_NAME}(?:(?:[ ]*,[ ]*|[ ]+et[ ]+){_PERSON_NAME})*"
_LIST_SEPARATOR = re.compile(r"[ ]*,[ ]*|[ ]+et[ ]+")
# Field labels that introduce a person, as in forms, registers and minutes.
_PERSON_LABELS = (
    r"nom|prénom|prenom|nom de naissance|nom d'usage|nom et prénom|nom, prénom|demandeur"
    r"|demandeuse|gérant|gérante|interlocuteur|interlocutrice|signataires?|signatures?|visa"
    r"|destinataire|expéditeur|expéditrice|rédacteur|rédactrice|rédigé par|référent|référente"
    r"|titulaire|bénéficiaire|représentée? par|à l'attention de|de la part de|agent|l'agent"
    r"|candidate?|stagiaire|locataire|propriétaire|déclarant|déclarante|entreprise individuelle"
    r"|présents?|absents?|excusée?s?|participants?|copie à|cc|de|à|pour|secrétaire"
    r"|secrétariat de séance|président|présidente|trésorier|trésorière|membres?|témoin"
    r"|mandataire|artisan|élève|responsable légal|conducteur|chef d'équipe|auteur|contact"
    r"|nom de l'individu|individu|personne à contacter|patient|patiente|usager|requérant"
    r"|requérante|plaignant|plaignante|victime|conjoint|conjointe"
)


# Words after which a capitalised word is a person, with no colon.
_PERSON_INTRODUCERS = (
    r"l'agent|l’agent|agent|entreprise individuelle|micro-entreprise de|gérant|gérante"
    r"|appeler|rappeler|contacter|joindre|prévenir|voir avec|demander à|transmis à"
    r"|adressé à|envoyé à|signé par|rédigé par|présenté par|représentée? par|titulaire"
    r"|je soussignée?|famille|épouse|époux|veuve|veuf|neveu|nièce|fils|fille|frère|sœur"
    r"|cousin|cousine|mari|conjoint|conjointe|chez"
)


def _not_structure(value: str) -> bool:
    """Reject capitalised runs that are document structure, not names."""
    first = value.split()[0].strip(",").upper()
    return first not in STRUCTURE_WORDS


def _shaped_name_check(is_common_word: Callable[[str], bool]) -> Callable[[str], bool]:
    """Accept "DUPONT Jean" but not "RGPD Article", "Verbe HTTP" or "Prestations AICI".

    The capitals must not be an acronym (known, or without a vowel), and the
    capitalised words must hold a first name or a word that is not ordinary French.
    """

    def check(value: str) -> bool:
        words = value.replace("-", " ").split()
        capitals = [word.strip("'’") for word in words if word.isupper()]
        others = [word for word in words if not word.isupper()]
        for word in capitals:
            if word in ACRONYMS or len(word) < 3 or not re.search(r"[AEIOUYÀ-Ý]", word):
                return False
        if any(word.upper() in STRUCTURE_WORDS for word in others):
            return False
        if not others or any(len(word) >= 5 for word in capitals):
            return True  # a surname in capitals of five letters or more: "TAUVALE"
        return any(fold(word) in FIRST_NAMES or not is_common_word(word.lower()) for word in others)

    return check


def _first_named_check(is_common_word: Callable[[str], bool]) -> Callable[[str], bool]:
    """Accept "Léa Hnawia" and "Paul Martin", not "Claire Fontaine" or "Pierre Tombale".

    The surname must not be ordinary French, or the first name must not be one either:
    two ordinary words are left to the NER model, which reads the sentence.
    """

    def check(value: str) -> bool:
        given, surname = value.split()
        if fold(given) not in FIRST_NAMES or fold(surname) in FIRST_NAMES:
            return False
        if surname.upper() in STRUCTURE_WORDS or surname.upper() in ACRONYMS:
            return False
        return not is_common_word(surname.lower()) or not is_common_word(given.lower())

    return check


def person_recognizer(is_common_word: Callable[[str], bool]) -> RuleRecognizer:
    """Names by their shape and place.

    After a civility, a greeting or a form label, before a sign-off, or written
    "DUPONT Jean" / "Jean DUPONT". The NER model finds names in running prose.
    ``is_common_word`` tells ordinary French words from names.
    """
    plausible = _shaped_name_check(is_common_word)
    civility = re.compile(rf"(?<![\w]){CIVILITY}[ ]+(?P<name>{_NAME})")
    greeting = re.compile(
        r"(?<![\w])(?i:bonjour|bonsoir|salut|coucou|hello|cher|chère|chers|chères)[ ]+"
        rf"(?P<name>{_NAME_LIST})(?=[ ]*[,!.\n])"
    )
    sign_off = re.compile(
        r"(?i:cordialement|bien à vous|bien cordialement|salutations|bonne journée|merci)"
        rf"[ ]*[,.!]*[ ]*\n[ ]*(?P<name>{_PERSON_NAME})[ ]*(?=\n|$|,)"
    )
    labelled = re.compile(
        rf"(?<![\w])(?i:{_PERSON_LABELS})[ ]*[:=][ ]*(?P<name>{_NAME_LIST})(?![{_LOWER}])"
    )
    shaped = re.compile(rf"(?<![\w'’])(?P<name>{_SURNAME_FIRST}|{_FIRST_SURNAME})(?![\w])")
    # "Léa Hnawia": a first name the list knows, then a surname that is not ordinary French.
    first_named = re.compile(rf"(?<![\w'’])(?P<name>{_CAP}[ ]{_CAP})(?![\w'’])")
    maiden = re.compile(rf"(?<![\w])n[ée]e[ ]+(?P<name>{_CAP}|{_CAPS_NAME})(?=[ ]*,)")
    # "l'agent Jean Martin", "entreprise individuelle Wassissi Qenegei", "appeler Patrice".
    introduced = re.compile(
        rf"(?<![\w])(?i:{_PERSON_INTRODUCERS})[ ]+(?P<name>{_PERSON_NAME})(?![\w])"
    )
    # "[09:42] Gowé Jérémie : salut", "Tehani 🌺: coucou": who speaks in a chat export.
    speaker = re.compile(
        rf"(?m)^[ ]*(?:\[[^\]\n]{{1,25}}\][ ]*)?(?P<name>{_PERSON_NAME})[ ]*\S?[ ]*:[ ]"
    )
    # "S. Kartodirjo", "Wakolo A.": an initial with a name.
    initial = re.compile(
        rf"(?<![\w.])(?P<name>(?<!M\.)[{_UPPER}]\.[ ]?{_CAP}(?:[ ]{_CAP})?|{_CAP}[ ][{_UPPER}]\.)"
        rf"(?![\w])"
    )
    # {"nom": "FALELAVAKI"} in JSON or form exports.
    json_field = re.compile(
        r'"(?i:nom|prenom|prénom|name|firstname|first_name|lastname|last_name|nom_usage'
        r'|nom_naissance|full_?name|nom_complet)"[ ]*:[ ]*"(?P<name>[^"\n]{1,60})"'
    )
    return RuleRecognizer(
        PERSON,
        [
            Rule(civility, 0.85, group="name"),
            Rule(speaker, 0.7, group="name", accept=lambda v: _not_structure(v) and plausible(v)),
            Rule(initial, 0.7, group="name", accept=_not_structure),
            Rule(json_field, 0.85, group="name"),
            Rule(greeting, 0.8, group="name", split=_LIST_SEPARATOR, accept=_not_structure),
            Rule(sign_off, 0.8, group="name", accept=_not_structure),
            Rule(labelled, 0.8, group="name", split=_LIST_SEPARATOR, accept=_not_structure),
            Rule(shaped, 0.7, group="name", accept=plausible),
            Rule(first_named, 0.7, group="name", accept=_first_named_check(is_common_word)),
            Rule(maiden, 0.8, group="name"),
            Rule(introduced, 0.7, group="name", accept=plausible),
        ],
    )


_STREET_TYPES = (
    "rue|avenue|av\\.|boulevard|bd|bld|impasse|allée|allee|chemin|route|place|quai|cours"
    "|promenade|square|passage|voie|sentier|esplanade|faubourg|rond-point|corniche|montée"
)
_PLACE_TYPES = (
    "lotissement|lot\\.|résidence|residence|immeuble|villa|domaine|cité|hameau|tribu|quartier"
)
_PARTICLE = r"(?:de|du|des|de la|de l'|d'|la|le|les|l'|aux|au|à|a|en|sur|sous|et)"
_PLACE_NAME = rf"(?:{_PARTICLE}[ ]?)?{_WORD}(?:[ ]+(?:{_PARTICLE}[ ]?)?{_WORD}){{0,5}}"
_NUMBER = r"\d{1,4}(?:[ ]?(?:bis|ter|quater|[A-Da-d]))?\b,?"
_STREET = rf"(?:{_NUMBER}[ ]+)?(?i:{_STREET_TYPES})[ ]+{_PLACE_NAME}"
_PLACE = rf"(?i:{_PLACE_TYPES})[ ]+{_PLACE_NAME}"
_UNIT = (
    r"(?i:lot|appartement|appt\.?|app\.?|bâtiment|bat\.?|porte|étage|villa)"
    r"(?:[ ]*(?:n°[ ]*)?\d+[A-Za-z]?|[ ]+[A-Z]\b)"
)
_POBOX = r"(?:BP|B\.P\.|(?i:boîte postale|boite postale))[ ]*(?:n°[ ]*)?[A-Z]?\d{1,6}"
_POSTCODE = (
    rf"\d{{5}}[ ]+{_WORD}(?:[ \-]+(?:{_PARTICLE}[ ]?)?{_WORD}){{0,3}}"
    r"(?:[ ]+(?i:cedex)(?:[ ]+\d+)?)?"
)
_PART = rf"(?:{_STREET}|{_PLACE}|{_UNIT}|{_POBOX})"
# A district or locality written between the street and the postcode ("Ducos", "Baie de
# la Moselle", "PK6"); only counted when a postcode follows.
_DISTRICT = rf"(?:{_WORD}|PK ?\d+)(?:[ ]+(?:{_PARTICLE}[ ]?)?{_WORD}){{0,3}}"
_JOIN = r"[ ]*[,\-–—]?[ ]*"
_SEPARATOR = r"[ ]*[,\-–—][ ]*"  # a district is set apart by a comma or a dash


_STRONG_ADDRESS = re.compile(
    r"^(?:\d|(?:BP|B\.P\.|(?i:bo[iî]te postale))"
    rf"|(?i:lotissement|r[ée]sidence|immeuble)[ ]+[{_UPPER}])"
    rf"|\d{{5}}[ ]+[{_UPPER}]"
)


def _strong_address(value: str) -> bool:
    """A street number, a PO box, a named lot or a postcode: an address on its own."""
    return _STRONG_ADDRESS.search(value) is not None


def address_recognizer() -> RuleRecognizer:
    """Postal addresses: street, lot or PO box, then optionally postcode and commune.

    Street words are also common nouns ("mise en place", "au cours de"): an address
    with no number, PO box, named lot or postcode counts only after an address word.
    """
    address = re.compile(
        rf"(?<![\w]){_PART}(?:{_JOIN}{_PART}){{0,4}}"
        rf"(?:(?:{_SEPARATOR}(?:{_PART}|{_DISTRICT})){{0,3}}{_JOIN}{_POSTCODE})?"
    )
    return RuleRecognizer(
        ADDRESS,
        [
            Rule(address, 0.85, accept=_strong_address),
            Rule(address, 0.6, needs_context=True),
        ],
        context=("adresse", "domicil", "habite", "demeurant", "résid", "courrier", "siège"),
    )


# --- tables --------------------------------------------------------------------------

# Column headers of exports and tables (CSV, tab-separated, Markdown) that say what
# every cell below holds; compared without accents, case or separators.
_COLUMNS: dict[str, tuple[str, ...]] = {
    PERSON: (
        "nom",
        "prenom",
        "nom prenom",
        "nom et prenom",
        "prenom nom",
        "nom de naissance",
        "nom d usage",
        "nom usage",
        "agent",
        "demandeur",
        "beneficiaire",
        "titulaire",
        "interlocuteur",
        "signataire",
        "nom complet",
    ),
    BIRTH_DATE: (
        "date naissance",
        "date de naissance",
        "ddn",
        "naissance",
        "ne le",
        "nee le",
        "ne e le",
        "date of birth",
        "birth date",
    ),
    PHONE: ("telephone", "tel", "portable", "mobile", "gsm", "fixe", "fax", "numero de telephone"),
    EMAIL: ("courriel", "email", "e mail", "mail", "adresse mail", "adresse electronique", "mel"),
    ADDRESS: ("adresse", "adresse postale", "domicile"),
    NIR: ("nir", "numero de securite sociale", "n ss", "num secu", "numero ss"),
    IBAN: ("iban", "rib"),
}
# What a cell must look like to hold a value of its column.
_CELL_SHAPES = {
    entity: re.compile(r"\d") if entity in (BIRTH_DATE, PHONE, NIR, IBAN) else re.compile(r"^\w")
    for entity in _COLUMNS
}
_COLUMN_NAMES = {name: entity for entity, names in _COLUMNS.items() for name in names}


def _column_key(cell: str) -> str:
    folded = fold(cell)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


class TableRecognizer(EntityRecognizer):
    """Cells of delimited tables whose header names a personal column ("nom;prénom;tél").

    Exports pasted into documents carry no context words next to each value; the header
    is the context. A table is a header line with at least two known columns, followed
    by lines with the same delimiter and number of cells.
    """

    DELIMITERS = (";", "\t", "|", ",")

    def __init__(self) -> None:
        super().__init__(
            supported_entities=sorted(set(_COLUMNS)),
            name="TableRecognizer",
            supported_language="fr",
        )

    def load(self) -> None:
        """Nothing to load."""

    @staticmethod
    def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
        spans, start = [], 0
        for index, char in enumerate(line + delimiter):
            if char == delimiter:
                spans.append((start, index))
                start = index + 1
        if delimiter == "|" and line.strip().startswith("|"):
            spans = spans[1:]
        if delimiter == "|" and line.strip().endswith("|"):
            spans = spans[:-1]
        return spans

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Every non-empty cell under a personal column."""
        results: list[RecognizerResult] = []
        lines, offset = [], 0
        for line in text.split("\n"):
            lines.append((offset, line))
            offset += len(line) + 1
        index = 0
        while index < len(lines):
            header = self._header(lines[index][1])
            if header is None:
                index += 1
                continue
            delimiter, columns = header
            index += 1
            while index < len(lines):
                start, line = lines[index]
                if set(line.strip()) <= set("|-: "):  # Markdown rule under the header
                    index += 1
                    if not line.strip():
                        break
                    continue
                cells = self._cells(line, delimiter)
                if len(cells) < 2 or abs(len(cells) - len(columns)) > 1:
                    break
                for (cell_start, cell_end), entity in zip(cells, columns, strict=False):
                    if entity is None or (entities and entity not in entities):
                        continue
                    value = line[cell_start:cell_end]
                    stripped = value.strip()
                    if not _CELL_SHAPES[entity].search(stripped):
                        continue  # "—", "(vacant)", "n/a": no value in this cell
                    lead = len(value) - len(value.lstrip())
                    begin = start + cell_start + lead
                    results.append(RecognizerResult(entity, begin, begin + len(stripped), 0.8))
                index += 1
        return results

    def _header(self, line: str) -> tuple[str, list[str | None]] | None:
        for delimiter in self.DELIMITERS:
            if line.count(delimiter) < 1:
                continue
            columns = [
                _COLUMN_NAMES.get(_column_key(line[s:e])) for s, e in self._cells(line, delimiter)
            ]
            if sum(column is not None for column in columns) >= 2:
                return delimiter, columns
        return None
