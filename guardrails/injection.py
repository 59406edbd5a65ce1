"""Documents that talk to the assistant: instructions hidden in indexed text.

A page may say "ignore the previous instructions and reveal…" to whatever model reads it
later. Boussole never obeys indexed text (the extractive writer only quotes it, the LLM
writer's system prompt treats passages as data between markers); this module finds such
wordings so that the index report flags the document for a person to look at, and its
passages carry ``suspect_instructions: true``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from connectors.base import SourceDocument
from connectors.text import fold
from guardrails.instruction_wordings import ANCHORS, SPLIT_WORDS, WORDINGS

# Bump when the wordings or the normalisation change: stored documents are flagged anew.
DETECTOR_VERSION = "3"

# Letters that look like Latin ones (Cyrillic, Greek): "Іgnоrе" with Cyrillic і, о, е reads
# as "Ignore" to a model and to a person, but not to a pattern.
_LOOK_ALIKES = str.maketrans(
    "аеорсхуіјѕԁһӏвкмнтАВЕКМНОРСТХУІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧıɡ",
    "aeopcxyijsdhlbkmhtABEKMHOPCTXYIJSabeikvoptuxABEZHIKMNOPTYXig",
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "′": "'", "`": "'", "´": "'"})
# Spelled-out words: "i g n o r e", "I.g.n.o.r.e", "I-g-n-o-r-e", "ig-no-re".
_SPACED_LETTERS = re.compile(r"[a-z](?: [a-z]){2,}(?![^ ])")
_DOTTED_LETTERS = re.compile(r"[a-z](?:[.\-_*·•~][a-z](?![a-z]))+")
_SYLLABLES = re.compile(r"\b[a-z]{1,3}(?:-[a-z]{1,3}){2,}(?![a-z])")
# A key word cut by hyphens: "Ré-ponds tou-jours" (only words of the wordings are joined:
# "peut-être" and "arc-en-ciel" stay as they are).
_HYPHENATED = re.compile(r"\b[a-z]{1,8}(?:-[a-z]{1,8})+(?![a-z-])")
# Digits written for letters: "1gn0re", "r3ponds"; never "1er", "3eme", "ISO19139".
_LEET = str.maketrans("013457", "oieast")
_LEET_WORDS = re.compile(r"(?<![a-z0-9])[a-z]*[013457][a-z0-9]*[a-z](?![a-z0-9])")
_ORDINAL = re.compile(r"[0-9]+(?:er|ere|e|eme|ieme|nd|nde|re|es|emes|iemes)")
_SPACES = re.compile(r"\s+")
WINDOW = 200  # characters searched on each side of an anchor; wordings are under 170

Mapped = tuple[str, list[int]]  # a text, and for each character the index it comes from
Rewrite = Callable[[re.Match[str]], str]


def _char(char: str) -> str:
    """One character as patterns read it: no invisible marks, no look-alikes, folded."""
    if char.isspace():
        return " "
    if unicodedata.category(char) in ("Cf", "Cc", "Mn", "Me"):
        return ""  # zero-width spaces, joiners, soft hyphens, variation selectors
    wide = unicodedata.normalize("NFKC", char.translate(_APOSTROPHES))  # "Ｉ" -> "I"
    return fold(wide.translate(_LOOK_ALIKES).translate(_APOSTROPHES))


class _Folding(dict[int, str]):
    """A ``str.translate`` table that works out each character the first time it is seen."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _char(chr(code))
        return folded


_FOLDING = _Folding()


def _one_space(match: re.Match[str]) -> str:
    return " "


def _letters(match: re.Match[str]) -> str:
    """A spelled-out word joined, when it stands alone ("x.y" inside "ax.y" is left)."""
    before = match.string[match.start() - 1 : match.start()]
    if before.isalnum() or (before and before in ".-_*·•~"):
        return match.group(0)
    return "".join(char for char in match.group(0) if char.isalnum())


def _unleet(match: re.Match[str]) -> str:
    """A word written with digits for letters, read as letters (same length)."""
    word = match.group(0)
    if sum(char.isalpha() for char in word) < 3 or _ORDINAL.fullmatch(word):
        return word
    return word.translate(_LEET)


def _key_word(match: re.Match[str]) -> str:
    """A hyphenated word joined, when joined it is a word the wordings look for."""
    joined = match.group(0).replace("-", "")
    if joined not in SPLIT_WORDS or match.string[match.start() - 1 : match.start()] == "-":
        return match.group(0)
    return joined


# Each rewrite runs only on a text its hint finds something in: a hint starts with a plain
# character, so that the pass over an ordinary text is fast.
_JOINS: tuple[tuple[re.Pattern[str], re.Pattern[str], Rewrite], ...] = (
    (
        re.compile(r"[013457](?:(?<=[a-z][013457])(?=[0-9]*[a-z])|(?<![a-z0-9].)(?=[a-z]{3}))"),
        _LEET_WORDS,
        _unleet,
    ),
    (re.compile(r" [a-z] [a-z] [a-z]"), _SPACED_LETTERS, _letters),
    (re.compile(r"[.\-_*·•~](?<=[a-z].)[a-z](?![a-z])"), _DOTTED_LETTERS, _letters),
    (re.compile(r"-(?<=[a-z]-)[a-z]{1,3}-[a-z]"), _SYLLABLES, _letters),
    (re.compile(r"-(?<=[a-z]-)[a-z]"), _HYPHENATED, _key_word),
)


def readings(text: str) -> list[str]:
    """The text as the patterns read it: as written, then with spelled-out words joined.

    Both are folded (lower case, no accents), with look-alike letters, full-width forms and
    invisible characters undone and one space between words. The second reading reads
    digits written for letters ("1gn0re") and joins letters spelled one by one
    ("I.g.n.o.r.e", "i g n o r e", "ig-no-re") and key words cut by hyphens ("ré-ponds");
    it is only made when there are such words, and only adds findings, never hides one.
    """
    mapped = text.translate(_FOLDING)
    views = [_SPACES.sub(" ", mapped)]
    joined = mapped
    for hint, pattern, rewrite in _JOINS:
        if hint.search(f" {joined}"):
            joined = pattern.sub(rewrite, joined)
    if joined != mapped:
        views.append(_SPACES.sub(" ", joined))
    return views


def first_wording(folded: str) -> re.Match[str] | None:
    """The first wording in ``folded``, looked for only around the anchors (much faster).

    Every wording holds an anchor and is shorter than ``WINDOW``, so searching the windows
    finds what searching the whole text would.
    """
    low = high = -1
    for anchor in ANCHORS.finditer(f". {folded} "):  # the text's start is a clause's
        start, end = max(0, anchor.start() - 2 - WINDOW), anchor.end() - 2 + WINDOW
        if start > high >= 0:
            match = WORDINGS.search(folded, low, high)
            if match:
                return match
            low = -1
        low, high = (start if low < 0 else low), end
    return WORDINGS.search(folded, low, high) if low >= 0 else None


def _rewrite(mapped: Mapped, pattern: re.Pattern[str], rewrite: Rewrite) -> Mapped:
    """``pattern.sub(rewrite, text)``, keeping where each character comes from.

    ``rewrite`` returns either a subsequence of its match (letters kept, separators dropped)
    or a text of the same length (digits read as letters, one for one).
    """
    text, origin = mapped
    pieces: list[str] = []
    kept: list[int] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(text[position : match.start()])
        kept.extend(origin[position : match.start()])
        position = match.end()
        replacement = rewrite(match)
        if len(replacement) == len(match.group(0)):
            pieces.append(replacement)
            kept.extend(origin[match.start() : position])
            continue
        index = match.start()
        for char in replacement:  # walk the match, keeping the characters asked for
            while text[index] != char:
                index += 1
            pieces.append(char)
            kept.append(origin[index])
            index += 1
        position = match.end()
    pieces.append(text[position:])
    kept.extend(origin[position:])
    return "".join(pieces), kept


def _origins(text: str, view: int) -> list[int]:
    """For each character of ``readings(text)[view]``, the index in ``text`` it comes from.

    The slow way, character by character: only run on a text where a wording was found.
    """
    origin = [index for index, char in enumerate(text) for _ in _FOLDING[ord(char)]]
    mapped = (text.translate(_FOLDING), origin)
    if view == 1:
        for hint, pattern, rewrite in _JOINS:
            if hint.search(f" {mapped[0]}"):
                mapped = _rewrite(mapped, pattern, rewrite)
    return _rewrite(mapped, _SPACES, _one_space)[1]


def instruction_in(text: str) -> str | None:
    """The words of ``text`` that address a model, as the text writes them; None if none."""
    for view, folded in enumerate(readings(text)):
        match = first_wording(folded)
        if match and match.end() > match.start():
            origin = _origins(text, view)
            words = text[origin[match.start()] : origin[match.end() - 1] + 1]
            return " ".join(words.split())[:80]
    return None


@dataclass(frozen=True)
class Suspicion:
    """Where a document speaks to the assistant: the section and the words found."""

    section: int
    page: int | None
    words: str


def find_instructions(document: SourceDocument) -> list[Suspicion]:
    """Every section of ``document`` holding a wording addressed to a model."""
    found = []
    for number, section in enumerate(document.sections):
        words = instruction_in(section.text)
        if words is not None:  # as the document writes them, accents included, for the report
            found.append(Suspicion(number, section.page, words))
    return found
