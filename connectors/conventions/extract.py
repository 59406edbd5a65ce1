"""Fields of a data-exchange convention read from its text, each with the page that states it.

Used where the DPO's register is silent. Conventions and the State's API terms of use (CGU)
word the same things the same way, so each field is read by regular expressions over that
administrative wording:

- ``finalite``: what the exchange or service is for ("permet aux ... de ...", "vise à",
  "a pour finalité"), never the generic "ces CGU ont pour objet de définir les conditions
  d'utilisation du service" that every CGU opens with;
- ``base_legale``: the texts the exchange rests on (RGPD article 6 grounds, "sur le
  fondement de", "en application de", "prévus aux articles", "s'inscrit dans le cadre : ...",
  "conformément à l'article ..."), given as the references themselves;
- ``duree_conservation``: how long the data are kept ("conservées pendant 6 ans",
  "supprimées ... pendant une durée de deux ans", "Durée de conservation : 1 mois");
- ``categories_de_donnees``: the data exchanged or collected (the list after "les catégories
  de données traitées sont les suivantes :", "collecter nom, prénom...");
- ``destinataires``: who receives them ("aux seuls agents dûment habilités", "le destinataire
  de ces données est ...");
- ``securite``: the first security obligation (homologation, chiffrement, mesures de sécurité,
  notification des violations);
- ``parties``: the bodies that operate the service or sign ("mis en œuvre par la DINUM",
  "entre la Province Sud et la CAFAT"), else the known bodies the text names most;
- ``duree`` and ``signature`` of the agreement.

Each field's wordings come in tiers, the most explicit first; within a tier the first
statement in the document wins. A wording that matches but says nothing (a generic object,
a reference-free "cadre légal") is skipped: a field not found is better than a wrong one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.base import Section
from connectors.text import fold

# Bodies that sign data-exchange agreements with the Province Sud (and the State's API
# providers whose terms it subscribes to).
KNOWN_PARTIES = (
    "Province Sud",
    "Gouvernement de la Nouvelle-Calédonie",
    "CAFAT",
    "ISEE",
    "OPT-NC",
    "DINUM",
    "DGFiP",
    "CNAM",
    "Pôle emploi",
    "France Travail",
    "AIFE",
    "ANTS",
    "CNIL",
    "IGN",
    "Agence Bio",
    "INSEE",
    "ministère de l'Éducation nationale",
    "CNOUS",
    "ACOSS",
    "URSSAF",
)


@dataclass(frozen=True)
class ExtractedField:
    """One field found in a convention's text."""

    name: str
    value: str
    page: int | None
    sentence: str


# --- Text preparation -------------------------------------------------------------------

# A dot that does not end a sentence ("art. L. 114-8", "6.1.e", "api.gouv.fr", "T.D.F.C. et")
# is replaced by this one-character leader, so that "[^.;]" stays inside a sentence.
_DOT = "\u2024"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_BULLET_CHARS = "•●◦▪■□►➢➤✓\uf0a7\uf0b7\uf0d8\uf076\uf0fc\uf0e0"
_BULLETS = str.maketrans(dict.fromkeys(_BULLET_CHARS, "•"))
_ABBREVIATIONS = frozenset(
    {"art", "arts", "n", "no", "cf", "ex", "al", "p", "pp", "mme", "mm", "vol", "chap", "min"}
)
_OPENING_PAGES = 6  # purposes and parties are stated at the start of a convention


@dataclass(frozen=True)
class _Text:
    """One section prepared for matching."""

    index: int
    page: int | None
    raw: str  # invisible characters removed, bullets unified, lines kept (lists)
    flat: str  # one line
    masked: str  # ``flat`` with the dots that do not end a sentence replaced by _DOT
    contents: bool  # a table of contents: its entries name fields, they do not state them


def _prepare(sections: Sequence[Section]) -> list[_Text]:
    texts = []
    for index, section in enumerate(sections):
        raw = section.text.translate(_INVISIBLE).translate(_BULLETS)
        flat = _paragraphs(raw)
        contents = len(re.findall(r"(?:[.…]\s?){4,}\s*\d", raw)) >= 2
        texts.append(_Text(index, section.page, raw, flat, _mask(flat), contents))
    return texts


_OPEN_ENDED = re.compile(
    r"\b(?:la|le|les|l['’]|de|du|des|d['’]|à|au|aux|et|ou|en|par|pour|sur|un|une|entre|avec"
    r"|dans|que|qui)$",
    re.I,
)


def _heading(match: re.Match[str]) -> str:
    """A short line before a capital is a heading: it ends there."""
    line = match.group(1)
    return line + ("\n" if _OPEN_ENDED.search(line) or not line.strip() else ".\n")


def _paragraphs(raw: str) -> str:
    """One line; a blank line or a short line before a capital ends a sentence (headings)."""
    flat = ""
    for paragraph in re.split(r"\n\s*\n", raw):
        paragraph = re.sub(
            r"(?m)^([^\n]{3,50}?)(?<![.;:!?,])[ \t]*\n(?=[A-ZÀ-Ý])", _heading, paragraph
        )
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if (
            flat
            and flat[-1] not in ".;:!?,"
            and paragraph[0].isupper()
            and not _OPEN_ENDED.search(flat)
        ):
            flat += "."
        flat = f"{flat} {paragraph}" if flat else paragraph
    # A table of contents' dot leaders and page numbers end its entries.
    return re.sub(r"\s*(?:[.…]\s?){4,}\s*\d*\s*", ". ", flat)


def _mask(text: str) -> str:
    chars = list(text)
    for match in re.finditer(r"\.", text):
        at = match.start()
        rest = text[at + 1 :]
        word = re.search(r"(?<![\w.\u2024])(\w+)$", text[:at])  # not "T.D.F.C."
        ends = (
            (not rest or rest[0].isspace())
            and not re.match(r"\s*[a-zà-ÿ(]", rest)
            and not (word and (len(word.group(1)) == 1 or word.group(1).lower() in _ABBREVIATIONS))
        )
        if not ends:
            chars[at] = _DOT
    return "".join(chars)


def _restore(text: str) -> str:
    return text.replace(_DOT, ".")


def _sentence_bounds(masked: str, start: int, end: int) -> tuple[int, int]:
    left = max(masked.rfind(mark, 0, start) for mark in ".!?") + 1
    right = min((i for i in (masked.find(mark, end) for mark in ".!?") if i >= 0), default=-1)
    return left, (right + 1 if right >= 0 else len(masked))


def _sentence_at(text: _Text, start: int, end: int) -> str:
    left, right = _sentence_bounds(text.masked, start, end)
    return _restore(text.masked[left:right]).strip()[:500]


def _tidy(value: str) -> str:
    """A value as the DPO reads it: no "(ci-après ...)", no URL, no dangling bracket."""
    value = _restore(value)
    value = re.sub(r",?\s*\(\s*ci-?\s*après[^)]*\)", "", value, flags=re.I)
    value = re.sub(r",?\s*ci-?\s*après\s+(?:\w+\s+){0,2}«[^»]*»\s*,?", "", value, flags=re.I)
    value = re.sub(r"\s*\(?\bhttps?://\S+", "", value)
    value = " ".join(value.split()).strip(" ,:;-–•")
    value = re.sub(r"(?<=\b[A-Z]\.[A-Z])$", ".", value)  # "T.D.F.C" cut at its last dot
    if value.count("(") > value.count(")"):
        value = value[: value.rfind("(")].strip(" ,:;-–•")
    if value.count("«") > value.count("»"):
        value = value[: value.rfind("«")].strip(" ,:;-–•")
    return value


def _cut(value: str, stops: re.Pattern[str]) -> str:
    match = stops.search(value)
    return value[: match.start()] if match else value


# --- Rules ----------------------------------------------------------------------------------

Builder = Callable[[_Text, "re.Match[str]"], str | None]


@dataclass(frozen=True)
class _Rule:
    """A wording of a field and how its value is read from a match."""

    pattern: re.Pattern[str]
    build: Builder
    on_raw: bool = False  # lists are read from the text with its lines


def _rule(pattern: str, build: Builder, *, on_raw: bool = False) -> _Rule:
    return _Rule(re.compile(pattern, re.I), build, on_raw)


def _search(
    texts: Sequence[_Text], tiers: Sequence[Sequence[_Rule]], *, opening: bool = False
) -> tuple[str, _Text, re.Match[str], _Rule] | None:
    """The first value of the most explicit tier that yields one, in document order."""
    scope = [
        t
        for t in texts
        if not t.contents and (not opening or t.page is None or t.page <= _OPENING_PAGES)
    ]
    for tier in tiers:
        candidates = []
        for text in scope:
            for rule in tier:
                for match in rule.pattern.finditer(text.raw if rule.on_raw else text.masked):
                    candidates.append((text.index, match.start(), rule, text, match))
        for _, _, rule, text, match in sorted(candidates, key=lambda c: (c[0], c[1])):
            value = rule.build(text, match)
            if value:
                return value, text, match, rule
    return None


def _field(
    name: str, texts: Sequence[_Text], tiers: Sequence[Sequence[_Rule]], *, opening: bool = False
) -> ExtractedField | None:
    found = _search(texts, tiers, opening=opening)
    if found is None:
        return None
    value, text, match, rule = found
    if name == "securite":
        sentence = value
    elif rule.on_raw:
        sentence = " ".join(text.raw[match.start() : match.end() + 400].split())[:500]
    else:
        sentence = _sentence_at(text, match.start(), match.end())
    return ExtractedField(name, value, text.page, sentence)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(fold(word) for word in words.split())


# Words that say nothing about what a value is about.
_STOPWORDS = _wordset(
    "a à au aux avec ce ces cet cette d de des du elle en et il ils l la le les leur leurs ou "
    "par pour qu que qui sa se ses son sont sur un une y est dans tout toute tous toutes "
    "certaines certains ensemble"
)
_GENERIC_DATA = _wordset(
    "données donnée informations information éléments élément caractère personnel "
    "personnelles personnelle usager usagers personne personnes concernée concernées "
    "partenaire partenaires service services échangées traitées"
)


def _says_something(value: str) -> bool:
    words = {fold(w) for w in re.findall(r"\w+", value) if len(w) > 1}
    return bool(words - _STOPWORDS - _GENERIC_DATA)


# --- Purpose (finalité) ------------------------------------------------------------------------

_SERVICE_WORD = re.compile(
    r"\b(?:API|services?|téléservices?|dispositifs?|plateformes?|outils?|traitements?|"
    r"interfaces?|applications?|portails?|conventions?|échanges?|protocoles?|ressources?)\b",
    re.I,
)
# What the generic CGU opener defines: how to use or access the service itself.
_FINITE_VERB = re.compile(r"\b(?:s['’]\w+|est|sont|a|ont|fait|font|vise|permet)\b", re.I)
_GENERIC_OBJECT = re.compile(
    r"\b(?:CGU|conditions\s+générales|(?:conditions|modalités)\s+d['’](?:accès|utilisation)"
    r"|dans\s+quelles\s+conditions|peu(?:ven)?t\s+(?:utiliser|accéder|s['’]inscrire)"
    r"|l['’]utilisation\s+(?:de\s+|du\s+|des\s+)?(?:ladite\s+|cette\s+|la\s+|l['’])?"
    r"(?:API|services?|plateformes?|portail)"
    r"|mise?\s+à\s+disposition\s+(?:de\s+|du\s+)?(?:son|sa|ses|l['’]|la|le|les)?\s*"
    r"(?:API|services?|plateformes?|portail))\b",
    re.I,
)


def _service_subject(text: _Text, match: re.Match[str]) -> bool:
    """The verb's subject is the service, the API, the convention... (or "il"/"elle")."""
    left, _ = _sentence_bounds(text.masked, match.start(), match.end())
    prefix = text.masked[left : match.start()].strip()
    relative = re.search(r"\bqui\s*$", prefix, re.I)
    if relative:
        # "service en ligne créé par la DINUM qui propose", not "s'inscrit dans ce programme qui"
        antecedent = " ".join(prefix[: relative.start()].split()[-8:])
        nouns = list(_SERVICE_WORD.finditer(antecedent))
        return bool(nouns) and not _FINITE_VERB.search(antecedent[nouns[-1].end() :])
    if (
        re.match(r"(?:il|elle)s?(?:\s|$|(?=est|sont|permet|vise))", prefix, re.I)
        and len(prefix) < 12
    ):
        return True
    return bool(_SERVICE_WORD.search(prefix))


_PURPOSE_STOPS = re.compile(r",\s*soit\b|\s+:\s|\s*•", re.I)


def _purpose(
    *, subject: bool = False, generic_check: bool = False, drop_de: bool = True
) -> Builder:
    def build(text: _Text, match: re.Match[str]) -> str | None:
        if subject and not _service_subject(text, match):
            return None
        value = _tidy(_cut(match.group("value"), _PURPOSE_STOPS))
        if drop_de:
            value = re.sub(r"^(?:de\s+|d['’])", "", value, flags=re.I)
        if generic_check and _GENERIC_OBJECT.search(value):
            return None
        if len(value) < 15 or not _says_something(value):
            return None
        return value

    return build


_CLAUSE = r"[^.;:!?]"
_NOT_NEGATED = r"(?<!\bne\s)(?<![nN]['’])"

_PURPOSE_TIERS: tuple[tuple[_Rule, ...], ...] = (
    (  # explicit: "la finalité du traitement est ...", "a pour finalité de ..."
        _rule(
            rf"\bfinalités?\s+(?:du\s+traitement\s+|de\s+l['’]échange\s+|poursuivies?\s+)?"
            rf"(?:est|sont|:)\s*(?P<value>{_CLAUSE}{{10,300}})",
            _purpose(),
        ),
        _rule(
            rf"\b(?:a|ont)\s+pour\s+(?:finalités?|but)\s+(?P<value>{_CLAUSE}{{10,300}})",
            _purpose(),
        ),
    ),
    (  # the object of a convention, unless it is the generic "conditions d'utilisation"
        _rule(
            rf"\b(?:a|ont)\s+pour\s+objet\s+(?P<value>{_CLAUSE}{{10,400}})",
            _purpose(generic_check=True),
        ),
        _rule(
            r"\b(?:la\s+présente\s+convention|le\s+présent\s+(?:protocole|accord))\s+"
            rf"(?P<value>défini[rt]\s+{_CLAUSE}{{10,300}})",
            _purpose(generic_check=True, drop_de=False),
        ),
    ),
    (  # what the service lets whom do: "permet aux entités ... de rechercher ..."
        _rule(
            rf"{_NOT_NEGATED}(?:\b|(?<=\bIl)|(?<=\bElle))(?:permet(?:tent)?|propos(?:e|ent))\s+"
            r"(?:notamment\s+|ainsi\s+|également\s+|aussi\s+)?"
            rf"(?P<value>(?:à|aux?)\s+{_CLAUSE}{{3,200}}?\s(?:de|d['’]|à)\s*{_CLAUSE}{{5,250}}"
            rf"|(?:de\s+|d['’]){_CLAUSE}{{10,250}})",
            _purpose(subject=True),
        ),
        _rule(
            r"(?:\b|(?<=\bIl)|(?<=\bElle))(?:est|sont)\s+destinée?s?\s+"
            rf"(?P<value>(?:à|aux?)\s+{_CLAUSE}{{10,250}})",
            _purpose(subject=True, drop_de=False),
        ),
    ),
    (  # "elle met ainsi à disposition certaines données ... strictement utiles à ..."
        _rule(
            r"\bmet(?:tent)?\s+(?:ainsi\s+)?à\s+(?:la\s+)?disposition\s+"
            r"(?P<value>(?:certaines|des|les|un\s+ensemble\s+de|l['’]ensemble\s+des)\s+"
            rf"(?:données|informations){_CLAUSE}{{10,250}})",
            _purpose(subject=True, drop_de=False),
        ),
    ),
    (  # "vise à ...", "s'inscrit dans l'ambition de ..."
        _rule(
            rf"\bvise(?:nt)?\s+à\s+(?:permettre\s*,?\s*)?(?P<value>{_CLAUSE}{{10,300}})",
            _purpose(subject=True, drop_de=False),
        ),
        _rule(
            r"\b(?:s['’]inscri(?:t|vent)\s+dans\s+(?:l['’](?:ambition|objectif)|le\s+but)|"
            r"a\s+pour\s+(?:ambition|objectif)|dans\s+le\s+but)\s+"
            rf"(?P<value>(?:de\s+|d['’]){_CLAUSE}{{10,300}})",
            _purpose(),
        ),
    ),
    (  # "une interface permettant l'échange de ..."
        _rule(
            r"\b(?:interface|dispositif|outil|service|plateforme|application|téléservice)\s+"
            rf"(?:{_CLAUSE}{{0,40}}?\s)?permettant\s+"
            rf"(?P<value>(?:l['’]|la\s|le\s|les\s|de\s|d['’]|à\s|aux?\s){_CLAUSE}{{10,250}})",
            _purpose(drop_de=False),
        ),
    ),
)


# --- Legal basis (base légale) -----------------------------------------------------------

_MONTH = (
    r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    r"|novembre|décembre|decembre)"
)
_DATE_WORDS = rf"\d{{1,2}}(?:er)?\s+{_MONTH}\s+\d{{4}}"
_TEXT_NUMBER = r"n\s*[°ºoᵒ]\s*[\w/‑–-]*\d[\w/‑–-]*"
_ARTICLE_NUMBER = (
    r"(?:[LRDA][.\u2024]?\s*)?\d+(?:er)?(?:\s*[-‑–]\s*\d+)*(?:[.\u2024]\d+)*(?:[.\u2024][a-f]\b)?"
    r"(?-i:(?:\s+(?:[IVX]{1,4}|bis|ter|quater|quinquies|[A-Z]{1,2})\b)*)"
)
_CODE = (
    r"(?:code|livre)\s+(?:des\s+relations\s+entre\s+(?:le\s+)?public\s+et\s+l['’]\s*administration"
    r"|général\s+des\s+(?:impôts|collectivités\s+territoriales)|des\s+procédures\s+fiscales"
    r"|de\s+la\s+sécurité\s+sociale|de\s+l['’]action\s+sociale\s+et\s+des\s+familles"
    r"|de\s+la\s+santé\s+publique|monétaire\s+et\s+financier|pénal|civil"
    r"|(?:de\s+la|de\s+l['’]|des|du|de)\s*\w+)(?:\s*\((?-i:[A-Z]{2,6})\))?"
)
_LAW = (
    r"(?:(?:loi|ordonnance|décret|arrêté|décision|directive|délibération|règlement)"
    r"(?:\s+(?:organique|européen|général\s+sur\s+la\s+protection\s+des\s+données))*"
    rf"(?:\s*(?:\((?:UE|CE)\)\s*)?(?:{_TEXT_NUMBER}|\d{{4}}/\d+)(?:\s+du\s+{_DATE_WORDS})?"
    rf"|\s+du\s+{_DATE_WORDS})"
    rf"|loi\s*(?-i:[A-Z][a-zé]+)(?:\s+et\s+(?-i:[A-Z][a-zé]+))?(?:\s+du\s+{_DATE_WORDS})?)"
    r"(?:\s+modifiée)?"
    r"(?:,?\s+(?:relati(?:f|ve|fs|ves)\s+(?:à|aux?)|portant|pris\s+pour|créant|autorisant"
    r"|d['’]orientation|pour\s+la|pour\s+l['’])\s*"
    r"(?:(?!\s(?:prévue?s?|articles?|est|sont)\b)[^,;:()«».\u2024]){3,110})?"
)
_CODE_ACRONYM = r"(?-i:CRPA|CGI|LPF|CSS|CGCT|CASF|CSP|RGPD)\b"
_REFERENCE = re.compile(
    rf"(?:articles?\s*{_ARTICLE_NUMBER}(?:\s*(?:,|et|à|ou)\s*{_ARTICLE_NUMBER})*"
    r"(?:\s*et\s*suivants)?"
    rf"(?:\s*(?:du|de\s+la|de\s+l['’]|des|au)\s*(?:annexe\s+\w+\s+(?:au|du)\s+)?"
    rf"(?:{_CODE}|{_LAW}|{_CODE_ACRONYM}))?"
    rf"(?:\s+(?:de\s+l['’]|du\s+|au\s+)annexe\s+\w+\s+(?:au|du)\s+{_CODE})?"
    rf"|{_LAW}|règlement\s+\(UE\)\s*\d{{4}}/\d+)",
    re.I,
)
# Where a law's title stops: at the verb of the sentence that cites it, or at the next text.
_TITLE_END = re.compile(
    r"(?<!public)\s(?:est|sont|peuvent|peut|doit|doivent|permet\w*|prévue?s?|s['’]\w+"
    r"|et\s+(?:le|la|les|l['’]))\b.*$",
    re.I,
)
_NOT_A_BASIS = re.compile(r"\bcode\s+pénal\b|\bsanctions?\b|\bpeines?\b", re.I)
_EXAMPLE = re.compile(r"\((?:par\s+exemple|ex\s*[:.\u2024])[^)]*\)", re.I)
_DATA_PROTECTION = re.compile(
    r"78-17|2016/679|RGPD|informatique\s+et\s+libertés|protection\s+des\s+données", re.I
)


def _references(text: str, *, keep_data_protection: bool) -> list[str]:
    """The legal texts cited, as they are cited; articles without a code or law are left out."""
    found: list[str] = []
    for match in _REFERENCE.finditer(text):
        reference = _tidy(_TITLE_END.sub("", match.group(0)))
        reference = re.sub(r"^(?:les|la|le|l['’])\s*", "", reference, flags=re.I)
        # Words the PDF glued: "article1erde la loiLemaire", "etsuivants".
        reference = re.sub(r"(?<=\d)er(?=d[eu]\b)", "er ", reference)
        reference = re.sub(r"\b(loi|articles?)(?=[A-Z0-9])", r"\1 ", reference)
        reference = re.sub(r"\bet(?=suivants)", "et ", reference)
        if _NOT_A_BASIS.search(reference):
            continue
        if re.match(r"articles?\b", reference, re.I) and not re.search(
            r"\b(?:code|livre|loi|ordonnance|décret|arrêté|décision|règlement|RGPD|CRPA|CGI|LPF"
            r"|CSS|CGCT|CASF|CSP)\b",
            reference,
            re.I,
        ):
            continue
        if not keep_data_protection and _DATA_PROTECTION.search(reference):
            continue
        if len(reference) >= 6 and not any(fold(reference) in fold(f) for f in found):
            found.append(reference)
    return found


def _legal_texts(*, scope: str, keep_data_protection: bool = False) -> Builder:
    """References in the anchor's sentence, or (lists) from the anchor to the section's end."""

    def build(text: _Text, match: re.Match[str]) -> str | None:
        if scope == "list":
            following = text.masked[match.end() : match.end() + 400]
            heading = match.start() < 80
            if not heading and ":" not in following:
                return None
            span = text.masked[match.start() : match.start() + 1500]
        else:
            left, right = _sentence_bounds(text.masked, match.start(), match.end())
            span = text.masked[left:right]
            if _NOT_A_BASIS.search(span[: match.start() - left + 40]):
                return None  # "s'expose aux sanctions prévues à l'article 441-1 du code pénal"
        span = _EXAMPLE.sub("", span)  # an example of a basis is not the basis
        references = _references(span, keep_data_protection=keep_data_protection)
        return " ; ".join(references[:6]) or None

    return build


_GROUNDS = (
    r"(?:le\s+|la\s+|l['’]|une?\s+)?(?:consentement|exécution\s+d['’]une\s+mission|mission\s+"
    r"d['’]intérêt\s+public|obligation\s+légale|exécution\s+d['’]un\s+contrat|intérêts?\s+"
    r"légitimes?|sauvegarde\s+des\s+intérêts\s+vitaux)"
)


def _ground(text: _Text, match: re.Match[str]) -> str | None:
    value = _tidy(match.group("value"))
    return value if len(value) >= 8 else None


def _basis_statement(text: _Text, match: re.Match[str]) -> str | None:
    """A "base légale est ..." statement: the texts it cites, or the RGPD ground it names."""
    value = match.group("value")
    references = _references(value, keep_data_protection=True)
    if references:
        return " ; ".join(references)
    if re.match(_GROUNDS, value.strip(), re.I):
        return _tidy(value)
    return None


_LEGAL_TIERS: tuple[tuple[_Rule, ...], ...] = (
    (  # RGPD article 6 grounds and explicit "base légale"
        _rule(
            r"(?P<value>article\s+6[\w().,\u2024\s-]{0,25}?\s(?:du\s+)?"
            rf"(?:RGPD|règlement\s+(?:général|\(UE\))){_CLAUSE}{{0,160}})",
            _ground,
        ),
        _rule(
            r"\b(?:fondée?s?|basée?s?|reposen?t?)\s+sur\s+"
            rf"(?P<value>{_GROUNDS}{_CLAUSE}{{0,160}})",
            _ground,
        ),
        _rule(
            r"\b(?:base|fondement)\s+(?:légale|juridique)\s*(?:du\s+traitement\s*|de\s+"
            r"l['’]échange\s*)?(?:est|:|repose\s+sur)\s*(?P<value>[^.;!?]{5,250})",
            _basis_statement,
        ),
    ),
    (  # the exchange's own texts: "prévus aux articles", "en application de", lists
        _rule(
            r"\b(?:sur\s+le\s+fondement|en\s+application|en\s+vertu|selon\s+les\s+dispositions"
            r"|pris(?:e|es)?\s+pour\s+l['’]application)\s+d",
            _legal_texts(scope="sentence"),
        ),
        _rule(
            r"\bprévu(?:e|s|es)?\s+(?:aux?|à|par)\s+(?:les\s+|l['’]\s*|la\s+|le\s+)?"
            r"(?:articles?|loi|décret|ordonnance|arrêté|règlement)",
            _legal_texts(scope="sentence"),
        ),
        _rule(
            r"\bfonder\s+(?:sa|leur|la|une)\s+[^.;]{0,80}?\bsur\b", _legal_texts(scope="sentence")
        ),
        _rule(
            r"\bs['’]inscri(?:t|vent)\s+(?:également\s+|notamment\s+)?dans\s+le\s+cadre\s*"
            r"(?=:|des?\b|du\b)|\bcadre\s+(?:légal|législatif|juridique|réglementaire)\b"
            r"|\btextes?\s+(?:applicables|de\s+référence)\b",
            _legal_texts(scope="list", keep_data_protection=True),
        ),
    ),
    (  # "mises en œuvre conformément à l'article L. 112-9 du code ..."
        _rule(
            r"\bconformément\s+(?:à|aux)\s+(?:l['’]\s*|la\s+|le\s+|les\s+)?"
            r"(?=articles?|loi|décret|arrêté|ordonnance|règlement|décision)",
            _legal_texts(scope="sentence"),
        ),
    ),
    (
        _rule(
            r"\bdans\s+le\s+cadre\s+d(?:u|e\s+la|e\s+l['’]|es)\s*"
            r"(?=articles?|loi|décret|arrêté|ordonnance|règlement)",
            _legal_texts(scope="sentence"),
        ),
    ),
)


# --- Retention (durée de conservation) ------------------------------------------------------

_NUMBER_WORD = (
    r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt"
    r"|trente(?:-six)?|quarante|cinquante|soixante|cent)"
)
_SPAN = rf"{_NUMBER_WORD}(?:\s*\(\d+\))?\s+(?:ans?|années?|mois|jours?|semaines?|heures?)\b"
_KEPT = r"(?:conserv\w*|détenue?s?|stockée?s?|gardée?s?|archivée?s?)"
_DELETED = r"(?:supprimée?s?|effacée?s?|détruite?s?|purgée?s?|anonymisée?s?)"
_TERM = (
    r"(?:activité|adhésion|convention|habilitation|contrat|abonnement|inscription|validité"
    r"|relation|mission|instruction|utilisation|présente\s+convention)"
)


def _retention(text: _Text, match: re.Match[str]) -> str | None:
    value = _tidy(match.group("value"))
    return value if len(value) >= 5 else None


_RETENTION_TIERS: tuple[tuple[_Rule, ...], ...] = (
    (  # a stated span: "conservées pendant 6 ans", "supprimées ... pendant deux ans"
        _rule(
            rf"\b{_KEPT}\s{_CLAUSE}{{0,120}}?(?P<value>(?:pendant|durant|pour|sur)\s+"
            rf"(?:une\s+(?:durée|période)\s+(?:maximale\s+|minimale\s+)?(?:de\s+|d['’]))?"
            rf"{_SPAN}{_CLAUSE}{{0,90}})",
            _retention,
        ),
        _rule(
            rf"\b{_KEPT}\s+(?P<value>{_SPAN}\s+(?:à\s+compter|après|suivant){_CLAUSE}{{0,90}})",
            _retention,
        ),
        _rule(
            rf"\b(?P<value>{_DELETED}\s{_CLAUSE}{{0,120}}?(?:pendant|après|au\s+terme\s+d['’]"
            rf"|au-delà\s+d['’])\s+(?:une\s+(?:durée|période)\s+(?:de\s+|d['’]))?{_SPAN}"
            rf"{_CLAUSE}{{0,60}})",
            _retention,
        ),
        _rule(
            r"\bdurées?\s+de\s+conservation\s*(?:des\s+données\s*)?(?::|est\s+de|est\s+fixée\s+à)"
            rf"\s*(?P<value>{_SPAN}{_CLAUSE}{{0,60}})",
            _retention,
        ),
    ),
    (  # a stated term: "pendant la durée d'adhésion", "le temps nécessaire à ..."
        _rule(
            rf"\b{_KEPT}\s{_CLAUSE}{{0,80}}?(?P<value>(?:pendant|durant|pour)\s+(?:toute\s+)?"
            rf"la\s+durée\s+(?:de\s+(?:la|l['’]|leur|son|sa)\s*|d['’]){_TERM}{_CLAUSE}{{0,90}})",
            _retention,
        ),
        _rule(
            rf"\b{_KEPT}\s{_CLAUSE}{{0,80}}?(?P<value>(?:pendant\s+)?(?:le\s+temps|la\s+durée)\s+"
            r"(?:strictement\s+)?(?:nécessaire|prévue?)\s+(?:à|au|aux|pour)\s+"
            rf"{_CLAUSE}{{3,120}})",
            _retention,
        ),
        _rule(
            rf"\bdurées?\s+de\s+conservation{_CLAUSE}{{0,80}}?(?:est|sont)\s+(?:celles?\s+)?"
            rf"(?P<value>(?:fixée?s?|prévue?s?|définie?s?)\s+(?:à|par)\s+{_CLAUSE}{{5,160}})",
            _retention,
        ),
        _rule(
            rf"\b(?P<value>{_DELETED}\s{_CLAUSE}{{0,120}}?(?:à\s+la\s+fin\s+d|au\s+terme\s+d"
            rf"|à\s+l['’]issue\s+d){_CLAUSE}{{3,80}})",
            _retention,
        ),
        _rule(
            rf"\b{_KEPT}\s{_CLAUSE}{{0,60}}?(?P<value>jusqu['’](?:à|au|aux)\s+{_CLAUSE}{{5,120}})",
            _retention,
        ),
    ),
)


# --- Categories of data and recipients ---------------------------------------------------

_DATA_HEAD = (
    r"(?:noms?(?:\(s\))?|prénoms?(?:\(s\))?|adresses?|numéros?|dates?|identifiants?|état[\s-]civil"
    r"|coordonnées|téléphones?|courriels?|e-?mails?|fonctions?|raison\s+sociale)"
)
_CATEGORY_STOPS = re.compile(
    r"\s+(?:afin|pour|strictement|nécessaires?|dans\s+le\s+cadre|entre|via|par\s+le\s+biais"
    r"|conformément|qui|dont|lorsqu\w*|transmise?s?\s+par|détenue?s?|en\s+vue|à\s+la\s+suite"
    r"|émanant|sous\s+réserve|à\s+partir)\b|,\s*soit\b",
    re.I,
)
_LEADING_DETERMINER = re.compile(
    r"^(?:(?:aux|à|les|des|leurs|certaines|ses|la|le|l['’]|un|une|de\s+la|de\s+l['’]|du)\s*)+",
    re.I,
)


def _items(raw: str) -> list[str]:
    """The items of the list that opens ``raw`` (bullets, dashes, or one line per item)."""
    lines = [line.strip() for line in raw.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        return []
    bullet = re.compile(r"^(?:•|-|–|\*|\d+[.)]|[a-z]\))\s*")
    items: list[str] = []
    if bullet.match(lines[0]):
        blank = False
        for line in lines:
            if not line:
                blank = True
                continue
            if bullet.match(line):
                items.append(bullet.sub("", line))
            elif blank or (items and items[-1].rstrip().endswith((".", ":"))):
                break
            elif items:
                items[-1] += " " + line
            blank = False
    else:
        for line in lines:
            if not line or len(line) > 90 or line.endswith(":"):
                break
            items.append(line)
    cleaned = []
    for item in items[:15]:
        item = re.split(r"\s:\s|\s:$", item)[0]
        item = _LEADING_DETERMINER.sub("", _tidy(item)).strip(" ;,.")
        if 2 <= len(item) <= 200 and _says_something(item):
            cleaned.append(item)
    return cleaned


def _listed(text: _Text, match: re.Match[str]) -> str | None:
    items = _items(text.raw[match.end() : match.end() + 2500])
    return " ; ".join(items) or None


def _data_phrase(*, subject: bool = False) -> Builder:
    """The data named after the verb, without what they are for."""

    def build(text: _Text, match: re.Match[str]) -> str | None:
        if subject and not _service_subject(text, match):
            return None
        value = _cut(match.group("value"), _CATEGORY_STOPS)
        value = _LEADING_DETERMINER.sub("", _tidy(value)).strip(" ,")
        return value if len(value) >= 5 and _says_something(value) else None

    return build


def _bracketed_list(text: _Text, match: re.Match[str]) -> str | None:
    head = _LEADING_DETERMINER.sub("", _tidy(match.group("head")))
    items = [i.strip(" .…") for i in _restore(match.group("list")).split(",")]
    items = [i for i in items if i and len(i) <= 80]
    if len(items) < 2:
        return None
    if re.match(r"(?:journaux|traces|logs)\b", head, re.I):
        return f"{head} ({', '.join(items)})"
    return " ; ".join(items)


_CATEGORY_TIERS: tuple[tuple[_Rule, ...], ...] = (
    (  # a stated list: "les catégories de données traitées sont les suivantes : ..."
        _rule(r"\bcatégories\s+de\s+données[^.:;]{0,80}?:", _listed, on_raw=True),
        _rule(
            r"\b(?:liste\s+des\s+)?(?:données|informations)(?:\s+à\s+caractère\s+personnel"
            r"|\s+personnelles|\s+techniques)?(?:\s+(?:collectées|traitées|transmises|échangées"
            r"|concernées|recueillies|utilisées)(?:\s+par\s+[^.:;•]{2,60}?)?)?\s+(?:suivantes"
            r"|sont(?:\s+les\s+suivantes)?|comprennent|est\s+la\s+suivante)\s*:",
            _listed,
            on_raw=True,
        ),
        _rule(r"\b(?:les|des)\s+données\s+nécessaires\b[^.:;•]{0,120}:", _listed, on_raw=True),
        _rule(
            rf"\bcollecte[rz]?\s+(?:les\s+|des\s+)?(?P<value>{_DATA_HEAD}{_CLAUSE}{{3,250}})",
            _data_phrase(),
        ),
    ),
    (  # what the service returns or gives access to
        _rule(
            r"(?P<head>\b(?:journaux|traces|logs|données|informations)\b[^.;:()]{0,80}?)\s*"
            r"\((?P<list>[^()]{5,250},[^()]+,[^()]+)\)",
            _bracketed_list,
        ),
        _rule(
            r"\b(?:restitue[rz]?|fourni(?:t|r)\s+en\s+réponse|obtenir|récupérer|accéder)\s+"
            r"(?:donc\s+|ainsi\s+|notamment\s+|également\s+)?"
            r"(?P<value>(?:à\s+|aux\s+|les\s+|des\s+|leurs\s+|certaines\s+|l['’]\s*)"
            r"(?:\w+\s+){0,2}?(?:données|informations|éléments|coordonnées)\b"
            rf"{_CLAUSE}{{0,250}})",
            _data_phrase(subject=True),
        ),
        _rule(  # "la CAFAT met à disposition le statut d'affiliation (...) et le régime ..."
            r"\b(?:transmet(?:tent)?|fourni(?:t|ssent)|communique(?:nt)?|met(?:tent)?\s+à\s+"
            r"(?:la\s+)?disposition)\s+(?P<value>(?:le|la|les|l['’]|ses|son|sa|leurs?)\s*"
            rf"(?:statuts?|données|informations|coordonnées|{_DATA_HEAD})\b{_CLAUSE}{{0,250}})",
            _data_phrase(),
        ),
        _rule(
            r"\béchange\s+(?:de\s+|des\s+|d['’])"
            rf"(?P<value>(?:données|informations|coordonnées)\b{_CLAUSE}{{0,200}})",
            _data_phrase(),
        ),
    ),
)

_RECIPIENT_STOPS = re.compile(
    r"\s+et\s+(?:à|de|d['’])\s|\s+(?:qui|lorsqu\w*|afin|en\s+cas|sous\s+réserve)\b|,",
    re.I,
)
_MENTIONS_DATA = re.compile(
    r"\b(?:données|informations|transmission|diffusion|communication)", re.I
)


def _recipient(*, data_context: bool = False, subject: bool = False) -> Builder:
    def build(text: _Text, match: re.Match[str]) -> str | None:
        left, right = _sentence_bounds(text.masked, match.start(), match.end())
        if data_context and not _MENTIONS_DATA.search(text.masked[left:right]):
            return None
        if subject:
            raw_value = text.masked[left : match.start()]
            raw_value = re.sub(r"^[\s\d.\u2024)•-]+", "", raw_value)
        else:
            raw_value = _cut(match.group("value"), _RECIPIENT_STOPS)
        value = _LEADING_DETERMINER.sub("", _tidy(raw_value)).strip(" ,")
        if not 2 <= len(value) <= 200 or not _says_something(value):
            return None
        return value

    return build


_RECIPIENT_TIERS: tuple[tuple[_Rule, ...], ...] = (
    (
        _rule(
            r"\b(?:aux|des)\s+seul(?:e)?s\s+(?P<value>(?:agents?|personnels?|services?|personnes\s+"
            rf"habilitées|destinataires){_CLAUSE}{{0,200}})",
            _recipient(data_context=True),
        ),
        _rule(
            r"\b(?:le|la|les)\s+(?:seuls?\s+)?destinataires?\s+(?:de\s+ces\s+données|des\s+données"
            rf"(?:\s+{_CLAUSE}{{0,40}}?)?)?\s*(?:est|sont|:)\s+(?P<value>{_CLAUSE}{{3,200}})",
            _recipient(),
        ),
        _rule(
            r"\s(?:est|sont)\s+(?:les\s+)?(?:seuls?\s+)?destinataires?\s+"
            r"(?:de\s+ces|des|de\s+leurs)\s+données",
            _recipient(subject=True),
        ),
        _rule(
            r"\bpour\s+les\s+besoins\s+(?:strictement\s+)?internes\s+(?:de\s+la\s+|de\s+l['’]|du\s+"
            rf"|des\s+|de\s+)(?P<value>{_CLAUSE}{{2,80}})",
            _recipient(),
        ),
        _rule(
            r"\b(?:est|sont)\s+(?:ouverte?s?|accessibles?)\s+à\s+"
            r"(?P<value>tout(?:es)?\s+(?:les\s+)?publics?|tous\s+publics?)",
            _recipient(),
        ),
    ),
    (
        _rule(  # "Seuls les instructeurs habilités de la DPASS ont accès aux données."
            rf"\bseule?s\s+(?:les\s+)?(?P<value>{_CLAUSE}{{3,120}}?)\s+(?:ont|auront|peuvent\s+"
            r"avoir|peuvent\s+accéder|accèdent)\b",
            _recipient(data_context=True),
        ),
        _rule(
            r"\b(?:mettre|met(?:tent)?|mise?s?)\s+à\s+(?:la\s+)?disposition\s+(?:du|de\s+la|de\s+"
            r"l['’]|des)\s+(?P<value>(?:services?|agents?|administrations?|directions?|organismes?"
            rf"|bureaux?)\b{_CLAUSE}{{0,100}})",
            _recipient(),
        ),
        _rule(
            r"\bà\s+destination\s+(?:de\s+quiconque\s+autre\s+que\s+(?:la\s+|le\s+|l['’]|les\s+)?"
            rf"|de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+)(?P<value>{_CLAUSE}{{2,100}})",
            _recipient(data_context=True),
        ),
    ),
)


# --- Security obligations ---------------------------------------------------------------------

_SECURITY_MEASURE = (
    r"\b(?:homologation|homologuée?s?|chiffr(?:ement|ée?s?|er)\b|violations?\s+de\s+(?:données"
    r"|sécurité)|notifi\w+[^.;]{0,60}\bviolations?)"
)
_SECURITY_GENERAL = (
    r"\b(?:mesures\s+(?:de\s+sécurité|techniques\s+et\s+organisationnelles|de\s+protection"
    r"|appropriées)|sécurité\s+des\s+(?:données|informations|traitements|systèmes)"
    r"|confidentialité\s+des\s+données|intégrité\s+des\s+données)"
)
_OBLIGATION = re.compile(
    r"\b(?:s['’]engagen?t?|doit|doivent|devra|devront|est\s+tenue?|sont\s+tenue?s|veillen?t?"
    r"|met(?:tent)?\s+en\s+(?:œuvre|oeuvre)|garanti(?:t|ssent|r)|assuren?t?|prend|prennent"
    r"|notifie|(?:est|sont)\s+(?:notifiée?s?|chiffrée?s?|sécurisée?s?)|passent\s+par"
    r"|transitent\s+par|oblig\w+|impose)\b",
    re.I,
)


def _obligation(text: _Text, match: re.Match[str]) -> str | None:
    """The sentence that binds a party to the measure (an obligation word close to it)."""
    around = text.masked[max(0, match.start() - 150) : match.end() + 150]
    if not _OBLIGATION.search(around):
        return None
    sentence = _sentence_at(text, match.start(), match.end())
    sentence = re.sub(r"^[\s\d.)•-]+", "", " ".join(sentence.split()))
    if len(sentence) < 30 or not _OBLIGATION.search(sentence):
        return None
    return sentence[:300].rstrip(" ,;") if len(sentence) > 300 else sentence


_SECURITY_TIERS: tuple[tuple[_Rule, ...], ...] = (
    (_rule(_SECURITY_MEASURE, _obligation),),
    (_rule(_SECURITY_GENERAL, _obligation),),
)


# --- Duration and signature of the agreement ---------------------------------------------------

_DURATION = r"\d+\s*(?:ans?|années?|mois|jours?|semaines?)"
_DATE = rf"(?:{_DATE_WORDS}|\d{{1,2}}/\d{{1,2}}/\d{{4}})"


def _plain(text: _Text, match: re.Match[str]) -> str | None:
    return _tidy(match.group("value")) or None


_SIMPLE_TIERS: dict[str, tuple[tuple[_Rule, ...], ...]] = {
    "duree": (
        (
            _rule(
                rf"(?:conclue?s?|valables?|en\s+vigueur)\s+pour\s+une\s+durée\s+(?:de\s+)?"
                rf"(?P<value>{_DURATION}|indéterminée)",
                _plain,
            ),
        ),
    ),
    "signature": (
        (
            _rule(
                rf"(?:fait|signée?s?)\s+(?:à\s+[\w\- ]{{2,40}}\s*,?\s*)?le\s+(?P<value>{_DATE})",
                _plain,
            ),
        ),
    ),
}


# --- Parties -----------------------------------------------------------------------------------

_ORGANISATION = re.compile(
    r"^(?:direction|agence|centre|ministère|caisse|institut|office|commission|autorité"
    r"|établissement|province|gouvernement|conseil|préfecture|haut-commissariat|chambre"
    r"|union|fédération|groupement|commune|mairie|région|département|université|délégation"
    r"|secrétariat|inspection|observatoire|mission|pôle)\b",
    re.I,
)
_ACRONYM = re.compile(r"(?-i:[A-Z][A-Za-z]*[A-Z][A-Za-z]*(?:-[A-Z]+)?)$")
_NOT_BODIES = frozenset(
    {"API", "CGU", "RGPD", "RGS", "URL", "IP", "FS", "FD", "FI", "OSL", "SPI", "SI", "HTTP", "JSON"}
    | {"CRPA", "CGI", "LPF", "CSS", "CGCT", "CASF", "CSP", "RGAA", "ANSSI"}
)
_PARTY_TRIGGERS = re.compile(
    r"\bentre\s+|\bmise?s?\s+en\s+(?:œuvre|oeuvre)(?:\s+et\s+opérée?s?)?\s+par\s+"
    r"|\bopérée?s?\s+par\s+|\bresponsable\s+(?:du\s+traitement|de\s+l['’]API)"
    r"[^.;\u2024]{0,80}?\s(?:est|:)\s+",
    re.I,
)


def _acronyms(texts: Sequence[_Text]) -> dict[str, str]:
    """Long names the document abbreviates: "direction générale ... (DGFiP)" -> "DGFiP"."""
    names: dict[str, str] = {}
    for text in texts:
        for match in re.finditer(
            r"(?:la|le|l['’])\s*([^,;:()«»\u2024.]{5,90}?)\s*\((?:ci-?\s*après\s+dénommée?\s+"
            r"«\s*(?:la\s+|le\s+|l['’])?)?([A-Za-z-]{2,10})\s*»?\)",
            text.masked,
        ):
            if _ACRONYM.match(match.group(2)):
                names.setdefault(fold(" ".join(match.group(1).split()[-8:])), match.group(2))
    return names


_NAMED_ACRONYM = re.compile(
    r"(?P<name>[^;:()«»\u2024.]{2,160}?)\s*\((?:ci-?\s*après\s+dénommée?\s+«\s*(?:la\s+|le\s+"
    r"|l['’])?)?(?P<acronym>[A-Za-z-]{2,10})\s*»?\)",
    re.I,
)


def _body(after: str, acronyms: dict[str, str]) -> tuple[str | None, int]:
    """The body named at the start of ``after`` (as its acronym when the text gives one).

    Returns the body and where its name ends in ``after``.
    """
    article = re.match(r"\s*(?:la|le|les|l['’])?\s*", after, re.I)
    offset = article.end() if article else 0
    rest = after[offset:]
    first = re.match(r"[\w-]+", rest)
    if first and _ACRONYM.match(first.group(0)) and first.group(0) not in _NOT_BODIES:
        return first.group(0), offset + first.end()
    named = _NAMED_ACRONYM.match(rest)
    if (
        named
        and _ACRONYM.match(named.group("acronym"))
        and named.group("acronym") not in _NOT_BODIES
        and _ORGANISATION.match(named.group("name"))
        and not re.search(r"\set\s+(?:la|le|les|l['’])|représenté", named.group("name"), re.I)
    ):
        return named.group("acronym"), offset + named.end()
    plain = re.match(r"[^,;:()«»\u2024.]{2,100}", rest)
    if not plain:
        return None, offset
    name = re.split(r"\s+(?:et|qui|sous|en|pour|dans|a|est|ont|sont)\s", plain.group(0))[0]
    end = offset + len(name)
    name = " ".join(name.split())
    known = {fold(p): p for p in KNOWN_PARTIES}
    if fold(name) in known:
        return known[fold(name)], end
    if not _ORGANISATION.match(name) or len(name.split()) > 10:
        return None, end
    return acronyms.get(fold(name), name), end


def _parties(texts: Sequence[_Text], title: str) -> ExtractedField | None:
    """Bodies named by the first "entre ... et ...", "mis en œuvre par ...", else known ones.

    The document's title comes first: "Convention ... entre la CAFAT et la Province Sud".
    """
    acronyms = _acronyms(texts)
    opening = [t for t in texts if t.page is None or t.page <= _OPENING_PAGES]
    candidates: list[tuple[_Text | None, str]] = [(None, _mask(" ".join(title.split())))]
    candidates += [(t, t.masked) for t in opening if not t.contents]
    for text, content in candidates:
        for match in _PARTY_TRIGGERS.finditer(content):
            after = content[match.end() : match.end() + 300]
            bodies = []
            first, end = _body(after, acronyms)
            if first:
                bodies.append(first)
            if match.group(0).lower().startswith("entre"):
                second = re.match(r"\s*,?\s*(?:et|avec)\s+(?=la\s|le\s|l['’]|les\s)", after[end:])
                if second is None and first:
                    second = re.search(r"\s(?:et|avec)\s+(?=la\s|le\s|l['’]|les\s)", after[end:])
                other = _body(after[end + second.end() :], acronyms)[0] if second else None
                if other and other not in bodies:
                    bodies.append(other)
            if bodies:
                page = text.page if text else (opening[0].page if opening else None)
                sentence = _sentence_at(text, match.start(), match.end()) if text else title
                return ExtractedField("parties", " ; ".join(bodies), page, sentence)
    return _known_parties(texts)


def _known_parties(texts: Sequence[_Text]) -> ExtractedField | None:
    """The known bodies the document names most (at least half as often as the first)."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, tuple[int, int | None]] = {}
    folded = [fold(text.flat) for text in texts]
    for party in KNOWN_PARTIES:
        # As an actor ("la DGFiP", "par l'ACOSS"), not as a qualifier ("code INSEE").
        pattern = re.compile(
            r"(?:^|[.:•]\s+|\b(?:la|le|les|du|des|au|aux|de|par|pour|avec|entre)\s+|\bl['’]\s*)"
            rf"{re.escape(fold(party))}(?![\w@]|\.\w)"
        )
        for text, content in zip(texts, folded, strict=True):
            hits = len(pattern.findall(content))
            if hits:
                counts[party] += hits
                first_seen.setdefault(party, (text.index, text.page))
    if not counts:
        return None
    top = max(counts.values())
    chosen = sorted((p for p, n in counts.items() if n * 2 >= top), key=lambda p: first_seen[p])
    return ExtractedField("parties", " ; ".join(chosen), first_seen[chosen[0]][1], "")


# --- Entry point -------------------------------------------------------------------------------


def extract_fields(sections: Sequence[Section]) -> dict[str, ExtractedField]:
    """Each field's first statement in the document, with its page and sentence."""
    texts = _prepare(sections)
    found: dict[str, ExtractedField] = {}
    tiers: dict[str, tuple[tuple[tuple[_Rule, ...], ...], bool]] = {
        "finalite": (_PURPOSE_TIERS, True),
        "base_legale": (_LEGAL_TIERS, False),
        "duree_conservation": (_RETENTION_TIERS, False),
        "categories_de_donnees": (_CATEGORY_TIERS, False),
        "destinataires": (_RECIPIENT_TIERS, False),
        "securite": (_SECURITY_TIERS, False),
        **{name: (rules, False) for name, rules in _SIMPLE_TIERS.items()},
    }
    for name, (field_tiers, opening) in tiers.items():
        field = _field(name, texts, field_tiers, opening=opening)
        if field is not None:
            found[name] = field
    title = sections[0].heading.split("›")[0] if sections and sections[0].heading else ""
    parties = _parties(texts, title)
    if parties is not None:
        found["parties"] = parties
    return found
