"""What kind of fact a question asks for, and whether a sentence states one.

« combien de temps pour avoir un accès VPN ? » asks for a duration: of two sentences on
VPN access, the one saying « 8 à 15 jours ouvrés » answers it, the one on the 90-day
deactivation rule does not. The extractive writer prefers sentences holding the asked-for
fact; the evaluation reports answer match per type.

Detection reads the question's wording (accent- and case-insensitive), most specific
first: « combien de temps » is a duration before « combien » is a number.
"""

from __future__ import annotations

import re
from enum import StrEnum

from connectors.text import fold


class QuestionType(StrEnum):
    """The fact a question asks for (values are the API's and reports' words)."""

    DURATION = "duree"
    DATE = "date"
    NUMBER = "nombre"
    WHO = "qui"
    STEPS = "etapes"
    REFERENCE = "reference"
    YES_NO = "oui_non"
    OTHER = "autre"


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


# Question wordings, on the folded question, in the order they are tried.
_ASKS: list[tuple[QuestionType, re.Pattern[str]]] = [
    (
        QuestionType.DURATION,
        _any(
            r"\bcombien de (?:temps|jours?|mois|semaines?|heures?|ans|annees?|minutes?)\b",
            r"\bdelais?\b",
            r"\bduree\b",
            r"\bpendant combien\b",
            r"\bsous quel(?:le)? (?:delai|temps)\b",
            r"\bjusqu'a quand\b",
            r"\bcombien de temps\b",
            r"\bau bout de\b",
            r"\bpreavis\b",
            r"\bdure[a-z]* combien\b",
            r"\bvalable combien\b",
        ),
    ),
    (
        QuestionType.REFERENCE,
        _any(
            r"\bquel(?:le)?s? (?:article|texte|loi|decret|base legale|fondement|reglement)\b",
            r"\bsur quelle base\b",
            r"\ben vertu de quoi\b",
            r"\bbase (?:legale|juridique)\b",
            r"\bfondement (?:legal|juridique)\b",
            r"\bquel(?:le)? (?:est la )?reference\b",
            r"\bquel cadre (?:legal|juridique)\b",
        ),
    ),
    (
        QuestionType.DATE,
        _any(
            r"\bquelle date\b",
            r"\bdepuis quand\b",
            r"\ba partir de quand\b",
            r"\ba quelle date\b",
            r"\bc'est quand\b",
            r"\bquand\s*\?",  # « signé quand ? »
            r"\bquand\s*$",
            r"\bquand (?:est|a|ont|entre|date|a-t-il|a ete|sera|commence|expire|prend)",
            r"\ben quelle annee\b",
            r"\bquelle annee\b",
            r"\bde quand date\b",
            r"\bdate de\b",
            r"\bmis(?:e)? a jour quand\b",
            r"\bderniere mise a jour\b",
        ),
    ),
    (
        QuestionType.NUMBER,
        _any(
            r"\bcombien\b",
            r"\bmontant\b",
            r"\btaux\b",
            r"\bplafond\b",
            r"\bseuil\b",
            r"\bpourcentage\b",
            r"\bquel(?:le)? (?:est le )?(?:nombre|prix|cout|tarif|limite|maximum|minimum)\b",
            r"\bjusqu'a combien\b",
            r"\bquelle (?:echelle|resolution|taille)\b",
            r"\ba quelle echelle\b",
        ),
    ),
    (
        QuestionType.WHO,
        _any(
            r"^qui\b",
            r"\bqui (?:est|doit|peut|fait|s'occupe|gere|produit|contacter|signe|valide|paie|"
            r"decide|delivre|est responsable|a produit|publie|fournit|maintient)\b",
            r"\ba qui\b",
            r"\bquel(?:le)? (?:organisme|service|autorite|administration|structure|"
            r"producteur|interlocuteur|contact|partenaire|direction|entite|personne)\b",
            r"\bc'est qui\b",
            r"\baupres de qui\b",
            r"\bqui (?:sont|contacter)\b",
            r"\bqui\s*\?",
        ),
    ),
    (
        QuestionType.STEPS,
        _any(
            r"\bcomment\b",
            r"\bquelles? (?:sont les )?etapes\b",
            r"\bla (?:demarche|procedure) pour\b",
            r"\bquelle (?:demarche|procedure)\b",
            r"\bque (?:faut-il|dois-je|doit-on) faire\b",
            r"\bqu'est-ce qu'il faut faire\b",
            r"\bje fais comment\b",
            r"\bon fait comment\b",
            r"\bmarche a suivre\b",
            r"\bla marche\b",
        ),
    ),
    (
        QuestionType.YES_NO,
        _any(
            r"^(?:est-ce qu|est ce qu|peut-on|peut on|doit-on|doit on|faut-il|faut il|"
            r"a-t-on|ai-je|puis-je|dois-je|y a-t-il|suis-je|sommes-nous|sont-ils|est-il|"
            r"est-elle|on peut|on doit|on a le droit|j'ai le droit|il faut)\b",
            r"\b(?:est-ce qu|est ce qu)",
            r"\bon (?:a|aurait) le droit\b",
            r"\b(?:obligatoire|oblige|obligee|interdit|autorise)s?\b.*\?",
            r"\bou (?:pas|non)\s*\?",
            r"\bc'est (?:legal|permis|autorise|obligatoire|interdit)\b",
        ),
    ),
]

_MONTHS = "janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
_NUMBER_WORDS = (
    r"\d+(?:[ ,.]\d+)*|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|"
    r"quinze|vingt|trente|quarante|cinquante|soixante|cent|mille|quelques"
)
_UNITS_OF_TIME = r"(?:heures?|h|jours?|semaines?|mois|ans?|annees?|minutes?|trimestres?)"

# What a sentence holds when it answers each type (on the folded sentence).
_STATES: dict[QuestionType, re.Pattern[str]] = {
    QuestionType.DURATION: re.compile(
        rf"\b(?:{_NUMBER_WORDS})(?:[ -]+(?:a|et|ou)[ -]+(?:{_NUMBER_WORDS}))?\s*"
        rf"(?:jours? (?:ouvres?|ouvrables?|calendaires?|francs?)\s*)?{_UNITS_OF_TIME}\b"
    ),
    QuestionType.DATE: re.compile(
        rf"\b\d{{1,2}}(?:er)? (?:{_MONTHS}) \d{{4}}\b|\b(?:{_MONTHS}) \d{{4}}\b"
        r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b(?:19|20)\d{2}\b"
    ),
    QuestionType.NUMBER: re.compile(
        r"\d+(?:[ ,.]\d{3})*(?:[,.]\d+)?\s*(?:%|pour ?cent|eur|euros?|francs?|xpf|f cfp|"
        r"millions?|milliards?|ko|mo|go|m|km|cm|mm|metres?|habitants|agents|salaries|"
        r"personnes|jours?|heures?|requetes|appels)\b|\b1\s*:\s*\d[\d ]*|\b\d+(?:[ ,.]\d+)*\b"
    ),
    QuestionType.WHO: re.compile(
        r"\b(?:autorite|responsable|sous-traitant|delegue|ministere|direction|chef|"
        r"agence|commission|cnil|dinum|etalab|dgfip|province|gouvernement|"
        r"administration|organisme|etablissement|prefet|maire|president|producteur|"
        r"fournisseur|editeur|operateur|contact|point de contact|gestionnaire|"
        r"proprietaire|diffuseur|auteur|distributeur|collectivite|institut|office)\b"
    ),
    QuestionType.STEPS: re.compile(
        r"\b(?:etape|d'abord|ensuite|puis|enfin|premierement|deuxiemement|remplir|"
        r"deposer|soumettre|envoyer|adresser|saisir|creer|cliquer|se connecter|"
        r"demander|renseigner|valider|transmettre|formulaire|demarche)\b"
    ),
    QuestionType.REFERENCE: re.compile(
        r"\barticles? (?:\d+|l\.?\s?\d|r\.?\s?\d|premier)|\bloi n|\bloi du\b|\bdecret\b|"
        r"\bordonnance\b|\breglement \(ue\)|\bdirective\b|\bcode (?:des|de la|du)\b|"
        r"\bparagraphe\b|\bdeliberation\b|\barrete\b|\b\d{2,4}-\d{2,4}\b"
    ),
    QuestionType.YES_NO: re.compile(
        r"\b(?:doit|doivent|peut|peuvent|est tenu|sont tenus|obligatoire|interdit|"
        r"autorise|necessaire|il est (?:possible|impossible|permis)|sauf|a moins que|"
        r"uniquement|seulement|exception|ne (?:peut|doit|sont|est)|n'est pas|ne sont pas)\b"
    ),
}


# The words a document uses for what each type asks (« combien de temps » -> « délai »):
# the extractive writer looks for them as it looks for the question's own words.
CUES: dict[QuestionType, str] = {
    QuestionType.DURATION: "délai durée",
    QuestionType.DATE: "date",
    QuestionType.NUMBER: "montant",
    QuestionType.REFERENCE: "article",
    QuestionType.STEPS: "étape",
}


def _folded(text: str) -> str:
    return " ".join(fold(text).replace("’", "'").split())


def detect(question: str) -> QuestionType:
    """The kind of fact ``question`` asks for (``OTHER`` when no wording says)."""
    folded = _folded(question)
    for kind, pattern in _ASKS:
        if pattern.search(folded):
            return kind
    return QuestionType.OTHER


# Verbs and nouns of asking, in any question whatever its type (« où trouver… »).
_ASKING = {
    "trouver", "trouve", "chercher", "cherche", "obtenir", "avoir", "faire", "savoir",
    "connaitre", "voudrais", "veux", "souhaite", "souhaiterais", "besoin", "aimerais",
    "existe", "dire", "donner", "info", "infos", "information", "informations",
    "renseignement", "renseignements", "aide", "question", "truc", "trucs", "chose",
    "choses", "svp", "stp", "merci", "bonjour",
}  # fmt: skip


def framing(question: str) -> set[str]:
    """The folded words that only say what is asked (« combien de temps », « quel article »).

    They are no key term of the question, whether the index holds them or not.
    """
    folded = _folded(question)
    words = set(_ASKING)
    for _, pattern in _ASKS:
        for match in pattern.finditer(folded):
            words.update(re.findall(r"[a-z0-9]+", match.group(0)))
    return words


def states(sentence: str, kind: QuestionType) -> bool:
    """True when ``sentence`` holds the kind of fact ``kind`` asks for."""
    pattern = _STATES.get(kind)
    return bool(pattern and pattern.search(_folded(sentence)))
