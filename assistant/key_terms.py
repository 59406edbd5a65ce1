"""The words a question cannot do without, and whether passages hold them.

« quelles données de cadastre pour Wallis-et-Futuna ? » is answered by no passage about
the New Caledonian cadastre, however close its cosine: the documents never name
Wallis-et-Futuna. Key terms are what such near misses turn on: names (capitalised runs
inside the sentence, hyphenated names), acronyms, numbers and years, and words the index
has never seen (« teletravail »). A term is covered by a text when it occurs there as a
phrase (accent- and case-insensitive, hyphens as spaces), or for one word by its stem, or
through the lexicon's formal terms (« DPO » -> « délégué à la protection des données »).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from assistant.question_types import framing
from connectors.text import fold


class TermKind(StrEnum):
    """Why a word is a key term."""

    NAME = "nom"
    ACRONYM = "sigle"
    NUMBER = "nombre"
    UNKNOWN = "mot"  # a word the index does not hold anywhere
    RARE = "rare"  # a word only a few chunks of the index hold (« polynesie »)


@dataclass(frozen=True)
class KeyTerm:
    """A key term as the user wrote it."""

    text: str
    kind: TermKind

    @property
    def words(self) -> list[str]:
        """The folded words of the term."""
        return phrase_words(self.text)


_LETTERS = "A-Za-zÀ-ÖØ-öø-ÿœŒæÆ"
_TOKEN = re.compile(
    rf"\d{{1,3}}(?:[  ]\d{{3}})+(?![\d{_LETTERS}])|[0-9{_LETTERS}]+(?:[-'’][0-9{_LETTERS}]+)*"
    r"|[.?!:;«»(),/]"
)
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_NUMBER_GROUP = re.compile(r"\d{1,3}(?:[  ]\d{3})+|\d+(?:[,.]\d+)?")
_CONNECTORS = {"de", "du", "des", "d", "la", "le", "les", "et", "sur", "en", "l"}
# Capitalised words that start a question's clause rather than name something.
_NOT_NAMES = {
    "bonjour", "salut", "merci", "svp", "stp", "madame", "monsieur", "oui", "non", "ok",
    "qu'est-ce", "est-ce", "sommes-nous", "peut-on", "doit-on", "faut-il", "a-t-on",
    "y-a-t-il", "quel", "quelle", "quels", "quelles", "comment", "pourquoi", "combien",
    "quand", "ou", "qui", "que", "quoi", "dans", "pour", "avec", "sans", "est", "c'est",
    "je", "j'ai", "on", "nous", "vous", "il", "elle", "ils", "elles", "mon", "ma", "mes",
    "notre", "nos", "votre", "vos", "le", "la", "les", "un", "une", "des", "du", "au", "aux",
}  # fmt: skip
SENTENCE_END = {".", "?", "!", ":", ";", "«", "»"}
_BREAKS = {"(", ")", ",", "/"}


def phrase_words(text: str) -> list[str]:
    """Folded words of a phrase: hyphens and apostrophes split, digit groups joined."""
    folded = fold(text).replace("’", "'")
    folded = _NUMBER_GROUP.sub(lambda m: re.sub(r"[  ]", "", m.group(0)), folded)
    return re.findall(r"[0-9a-zœæ]+", folded)


def flat(text: str) -> str:
    """A text as phrases are looked up in it: folded words separated by single spaces."""
    return " " + " ".join(phrase_words(text)) + " "


def _tokens(question: str) -> list[tuple[str, bool]]:
    """Words of the question, each with whether it starts a sentence."""
    tokens: list[tuple[str, bool]] = []
    starts = True
    for match in _TOKEN.finditer(question):
        token = match.group(0)
        if token in SENTENCE_END:
            starts = True
            continue
        if token in _BREAKS:  # « Berry (Cher) » is two names, not one
            tokens.append(("", False))
            continue
        token = _ELISION.sub("", token) or token
        tokens.append((token, starts))
        starts = False
    return tokens


def _is_acronym(token: str) -> bool:
    letters = [char for char in token if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


def _is_capitalised(token: str, starts: bool) -> bool:
    return (
        token[:1].isupper()
        and not starts
        and not _is_acronym(token)
        and fold(token).replace("’", "'") not in _NOT_NAMES
    )


def key_terms(
    question: str,
    *,
    stopwords: Iterable[str] = (),
    unknown: Callable[[Sequence[str]], Mapping[str, TermKind]] | None = None,
) -> list[KeyTerm]:
    """The question's key terms, in order, each once.

    ``unknown`` receives the question's other content words (folded, without stopwords
    and the words that only frame the question) and returns those the index holds
    nowhere (``UNKNOWN``) or in a few chunks only (``RARE``): they are key terms too.
    """
    stop = {fold(word) for word in stopwords} | framing(question)
    tokens = _tokens(question)
    terms: list[KeyTerm] = []
    others: list[str] = []
    index = 0
    while index < len(tokens):
        token, starts = tokens[index]
        named = _api_name(tokens, index, stop)
        if named:  # « api ridet », « API Particulier »: a product name, words in order
            terms.append(KeyTerm(" ".join(named), TermKind.NAME))
            index += len(named)
            continue
        if _is_acronym(token):
            terms.append(KeyTerm(token, TermKind.ACRONYM))
        elif any(char.isdigit() for char in token):
            terms.extend(_numbers(tokens, index))
        elif _is_capitalised(token, starts):
            run = [token]
            following = index + 1
            while following < len(tokens):
                word, _ = tokens[following]
                if _is_capitalised(word, False):
                    run.append(word)
                    following += 1
                elif (
                    fold(word) in _CONNECTORS
                    and following + 1 < len(tokens)
                    and _is_capitalised(tokens[following + 1][0], False)
                ):
                    run += [word, tokens[following + 1][0]]
                    following += 2
                else:
                    break
            terms.append(KeyTerm(" ".join(run), TermKind.NAME))
            index = following
            continue
        elif _compound(token):  # « cert-nc »: a name typed in lower case
            terms.append(KeyTerm(token, TermKind.NAME))
        elif len(token) >= 4 and fold(token) not in stop:
            others.append(fold(token))
        index += 1
    if unknown is not None and others:
        words = list(dict.fromkeys(others))
        kinds = unknown(words)
        terms += [KeyTerm(word, kinds[word]) for word in words if word in kinds]
    seen: set[str] = set()
    unique = []
    for term in terms:
        key = " ".join(term.words)
        if key and key not in seen:
            seen.add(key)
            unique.append(term)
    return unique


# Verb-subject inversions and everyday compounds are no names.
_INVERSION = re.compile(r"-(?:t-)?(?:il|elle|ils|elles|on|je|tu|nous|vous|ce|la|le|les|moi|toi)$")
_COMPOUNDS = {
    "c'est-a-dire", "peut-etre", "au-dela", "celle-ci", "celui-ci", "ceux-ci", "vis-a-vis",
    "sous-traitant", "sous-traitants", "sous-traitance", "e-mail", "mot-cle", "mots-cles",
}  # fmt: skip


def _compound(token: str) -> bool:
    folded = fold(token).replace("’", "'")
    return (
        "-" in folded
        and not _INVERSION.search(folded)
        and folded not in _COMPOUNDS
        and folded not in _NOT_NAMES
        and not any(char.isdigit() for char in folded)
    )


def _api_name(tokens: list[tuple[str, bool]], index: int, stop: set[str]) -> list[str]:
    """« api » and the one or two content words naming it (« api statut demandeur »)."""
    if fold(tokens[index][0]) != "api":
        return []
    name = [tokens[index][0]]
    for word, _ in tokens[index + 1 : index + 3]:
        if len(word) < 3 or fold(word) in stop or any(char.isdigit() for char in word):
            break
        name.append(word)
    return name if len(name) > 1 else []


def _numbers(tokens: list[tuple[str, bool]], index: int) -> list[KeyTerm]:
    """A number of three digits or more (a year, an amount), digit groups joined.

    Two digits are as often a département in parentheses (« Naours (80) ») or an article
    as a figure the documents must hold.
    """
    token = tokens[index][0]
    if not re.sub(r"[  ]", "", token).isdigit():  # "2FA", "ISO19139", "v2": a name with digits
        return [KeyTerm(token, TermKind.ACRONYM)] if len(token) >= 3 else []
    if len(re.sub(r"[  ]", "", token)) < 3:
        return []
    return [KeyTerm(token, TermKind.NUMBER)]


def covers(
    text: str,
    stems: set[str],
    term: KeyTerm,
    *,
    stem: Callable[[str], str],
    equivalents: Sequence[str] = (),
) -> bool:
    """True when ``text`` (flattened with ``flat``) holds ``term``.

    ``stems`` are the text's stems; a one-word term is also covered by its stem (« notifier »
    / « notification » share none, « déclaration » / « déclarations » do). An equivalent
    (the lexicon's formal wording) covers the term when all its words are there.
    """
    words = term.words
    if not words:
        return True
    if f" {' '.join(words)} " in text:
        return True
    if len(words) == 1 and term.kind != TermKind.NUMBER and stem(words[0]) in stems:
        return True
    for equivalent in equivalents:
        wanted = [stem(word) for word in phrase_words(equivalent)]
        if any(wanted) and all(word in stems for word in wanted if word):
            return True
    return False
