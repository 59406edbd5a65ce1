"""Names the first pass cannot see on their own: lone surnames, and names in file paths.

A surname written alone (« Hnawia devra rappeler la DSIN. ») gives the NER model nothing
to go on; written once with its first name or civility in the same document (« Léa
Hnawia », « M. Hnawia »), it names the same person wherever it recurs there.

File and folder names are short labels, often in lower case and joined by ``_`` or ``-``
(``cv_lea_hnawia``), where neither the model nor the shape rules see a person: a first
name next to a word that is not ordinary French is taken for a name there.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator

from guardrails import policy
from guardrails import recognizers as rec
from guardrails.policy import fold

Span = tuple[int, int]
IsCommonWord = Callable[[str], bool]

_PARTICLES = rec.NAME_PARTICLES | {"d'"}  # "d'" too, where a name is split on spaces
_CIVILITY_BEFORE = re.compile(rf"(?<![\w]){rec.CIVILITY}[ ]+$")
# Letters a surname may be written with or without its accents ("Hnawia", "HNAWIA").
_VARIANTS = {
    "a": "aàâäáãå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "n": "nñ",
    "o": "oôöóòõ",
    "u": "uùûüú",
    "y": "yÿý",
    "'": "'’",
}
_MIN_SURNAME = 3  # "Ly", "Wu" alone would match too much
_LETTERS = re.compile(r"[^\W\d_]+")


def is_first_name(word: str) -> bool:
    """A common first name, compound ones included ("Marie-Claire", "Jean-Baptiste")."""
    folded = fold(word)
    return folded in policy.FIRST_NAMES or all(
        part in policy.FIRST_NAMES for part in folded.split("-") if part
    )


def learn_surnames(text: str, spans: Iterable[Span]) -> set[str]:
    """Surnames of the persons found in ``text`` with a first name or a civility.

    ``spans`` are the person findings (civility already left out of them). A span with
    neither a known first name nor a civility before it teaches nothing: its words could
    be a capitalised heading the first pass let through.
    """
    learnt: set[str] = set()
    for start, end in spans:
        words = [word.strip(",.;:()[]") for word in text[start:end].split()]
        words = [word for word in words if word and word.lower() not in _PARTICLES]
        if not words or not all(rec.NAME_WORD.fullmatch(word) for word in words):
            continue
        titled = _CIVILITY_BEFORE.search(text, max(0, start - 16), start) is not None
        learnt.update(word for word in _surname_words(words, titled=titled) if _usable(word))
    return learnt


def _surname_words(words: list[str], *, titled: bool) -> list[str]:
    """Which words of a person's name are the surname: "Léa HNAWIA", "Hnawia Léa"..."""
    first = [is_first_name(word) for word in words]
    if not titled and not any(first):
        return []
    capitals = [word for word in words if word.isupper() and len(word) > 1]
    if capitals and len(capitals) < len(words):
        return capitals  # "HNAWIA Léa", "Jean DUPONT"
    if len(words) == 1:
        return words if titled else []
    if first[0]:
        rest = [word for word, is_first in zip(words[1:], first[1:], strict=True) if not is_first]
        return rest or words[-1:]  # "Jean Martin": Martin is the surname
    if first[-1]:
        return [word for word, is_first in zip(words, first, strict=True) if not is_first]
    return words[-1:]  # "M. Gowé Wenisso"


def _usable(word: str) -> bool:
    upper = word.upper()
    return (
        len(word) >= _MIN_SURNAME
        and upper not in policy.ACRONYMS
        and upper not in policy.STRUCTURE_WORDS
        and upper.strip(".") not in rec.CIVILITY_WORDS
        and word not in policy.PLACES
    )


def surname_pattern(surnames: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the surnames as whole words, case and accents ignored.

    A hyphen joins words ("Saint-Martin", "Hnawia-Wenisso" is another name): a surname
    inside a hyphenated word does not count.
    """
    alternatives = sorted({_loose(fold(name)) for name in surnames}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(rf"(?<![\w\-])(?:{'|'.join(alternatives)})(?![\w\-])", re.IGNORECASE)


def _loose(folded: str) -> str:
    return "".join(
        f"[{_VARIANTS[char]}]" if char in _VARIANTS else re.escape(char) for char in folded
    )


def lone_surnames(
    text: str, pattern: re.Pattern[str], taken: Iterable[Span], is_common_word: IsCommonWord
) -> list[Span]:
    """Where the learnt surnames stand alone in ``text``, outside what is already found.

    A surname that is also an ordinary word ("Petit", "Boulanger") counts only when
    capitalised: « un petit dossier » keeps its word.
    """
    found = sorted(taken)
    spans: list[Span] = []
    for match in pattern.finditer(text):
        word = match.group()
        if word[:1].islower() and is_common_word(word.lower()):
            continue
        start, end = match.span()
        if any(start < other_end and other_start < end for other_start, other_end in found):
            continue
        spans.append((start, end))
    return spans


def names_in_file_name(part: str, is_common_word: IsCommonWord) -> list[Span]:
    """Person names in one file or folder name: a first name beside a surname.

    ``cv_lea_hnawia``, ``Hnawia-Léa``, ``Contrat Paul Martin``. The word beside the first
    name must not be ordinary French, unless both are capitalised and the first name is
    not one either: ``pierre-tombale``, ``contrat-paul`` and ``rose-des-vents`` stay,
    and « Jean Dupont » is left to the NER model, which sees it as a name. Two first
    names side by side ("Victor Hugo") are not taken for a person.
    """
    words = list(_LETTERS.finditer(part))
    spans: list[Span] = []
    for left, right in itertools.pairwise(words):
        if not _adjacent(part, left, right):
            continue
        pair = (left.group(), right.group())
        first = [is_first_name(word) for word in pair]
        if first[0] == first[1]:
            continue
        name = pair[1] if first[0] else pair[0]
        given = pair[0] if first[0] else pair[1]
        if _pair_is_name(given, name, is_common_word):
            spans.append(_widen(part, words, left.start(), right.end()))
    return _merge(spans)


def surnames_in_file_name(part: str, spans: Iterable[Span]) -> set[str]:
    """The surnames of the names found in a file or folder name, whatever their case."""
    learnt: set[str] = set()
    for start, end in spans:
        words = [match.group() for match in _LETTERS.finditer(part, start, end)]
        if any(is_first_name(word) for word in words):
            learnt.update(w for w in words if not is_first_name(w) and _usable(w))
    return learnt


def _adjacent(part: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """Only separators between two words: "lea_hnawia", "Léa Hnawia", "lea - hnawia"."""
    between = part[left.end() : right.start()]
    return 0 < len(between) <= 3 and not between.strip(" _-.+")


def _pair_is_name(given: str, name: str, is_common_word: IsCommonWord) -> bool:
    if len(name) < 2 or name.upper() in policy.ACRONYMS or fold(name) in _PARTICLES:
        return False
    if name.upper() in policy.STRUCTURE_WORDS or name in policy.PLACES:
        return False
    if not is_common_word(name.lower()):
        return True  # "hnawia", "Wamytan"
    # "Paul Martin": an ordinary word as a surname only beside a capitalised first name
    # that is not one ("Claire Fontaine" is left to the NER model).
    capitalised = all(word[:1].isupper() for word in (given, name))
    return capitalised and not is_common_word(given.lower())


def _widen(part: str, words: list[re.Match[str]], start: int, end: int) -> Span:
    """A name's span with the first names just before it ("jean-pierre_hnawia")."""
    index = next(i for i, word in enumerate(words) if word.start() == start)
    while index > 0 and is_first_name(words[index - 1].group()):
        if not _adjacent(part, words[index - 1], words[index]):
            break
        index -= 1
    return words[index].start(), end


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def path_parts(path: str) -> Iterator[tuple[int, int]]:
    """Where each folder name and the file's stem lie in a POSIX path (extension left out).

    The extension stays as it is ("fiche.pdf"); a name starting with a dot is all stem.
    """
    position = 0
    pieces = path.split("/")
    for index, piece in enumerate(pieces):
        end = position + len(piece)
        if index == len(pieces) - 1:
            dot = piece.rfind(".")
            if dot > 0 and dot >= len(piece) - 6 and piece[dot + 1 :].isalnum():
                end = position + dot
        if piece:
            yield position, end
        position += len(piece) + 1
