"""Answers people can trust: question types, key terms, the answerability gate, and the
sentences quoted for each kind of question."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answerability import FEATURES, AnswerabilityGate, GateModel
from assistant.answering import AnswerService
from assistant.extractive import ExtractiveWriter
from assistant.key_terms import KeyTerm, TermKind, covers, flat, key_terms
from assistant.llm import make_writer
from assistant.query import QueryExpander
from assistant.question_types import QuestionType, detect, states
from assistant.search import Hit, SearchService
from assistant.settings import AnswerSettings, SearchSettings
from connectors.errors import ConfigurationError
from eval.gate import fit_gate
from indexing.embedding import DenseEmbedder
from indexing.sparse import FrenchBm25, french_stopwords
from indexing.store import QdrantStore
from tests.conftest import index_folder, make_pipeline


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("combien de temps pour avoir un accès VPN ?", QuestionType.DURATION),
        ("on a quel delai pour repondre a un administré ?", QuestionType.DURATION),
        ("depuis quand le rgpd s'applique ?", QuestionType.DATE),
        ("c'est quand la derniere mise a jour de la couche cadastre", QuestionType.DATE),
        ("le protocole pcrs il a ete signé quand ?", QuestionType.DATE),
        ("quand un agent se connecte, on recoit quelles infos ?", QuestionType.OTHER),
        ("c'est combien l'amende max pour une fuite de données ?", QuestionType.NUMBER),
        ("quel est le taux de TGC sur une facture ?", QuestionType.NUMBER),
        ("qui est responsable de la couche des routes ?", QuestionType.WHO),
        ("a qui je m'adresse pour un accès à l'API ?", QuestionType.WHO),
        ("comment publier un jeu de données sur data.gouv.nc ?", QuestionType.STEPS),
        ("sur quelle base legale on peut transmettre ces données ?", QuestionType.REFERENCE),
        ("quel article du rgpd parle de la portabilité ?", QuestionType.REFERENCE),
        ("est-ce qu'on peut garder les CV des candidats ?", QuestionType.YES_NO),
        ("on a le droit de filmer l'accueil ?", QuestionType.YES_NO),
        ("c'est quoi une AIPD", QuestionType.OTHER),
    ],
)
def test_the_question_type_is_read_from_its_wording(question: str, kind: QuestionType) -> None:
    assert detect(question) == kind


@pytest.mark.parametrize(
    ("sentence", "kind", "expected"),
    [
        ("La demande est traitée en 8 à 15 jours ouvrés.", QuestionType.DURATION, True),
        ("Le responsable notifie dans les 72 heures.", QuestionType.DURATION, True),
        ("Le compte est désactivé s'il n'est pas utilisé.", QuestionType.DURATION, False),
        ("Le règlement s'applique à partir du 25 mai 2018.", QuestionType.DATE, True),
        ("Le règlement s'applique à tous.", QuestionType.DATE, False),
        ("L'amende peut atteindre 20 000 000 EUR.", QuestionType.NUMBER, True),
        ("Le traitement est fondé sur l'article 6 du règlement.", QuestionType.REFERENCE, True),
        ("Le traitement est licite.", QuestionType.REFERENCE, False),
        ("La demande est adressée à la CNIL.", QuestionType.WHO, True),
    ],
)
def test_a_sentence_states_the_asked_for_fact(
    sentence: str, kind: QuestionType, expected: bool
) -> None:
    assert states(sentence, kind) is expected


def terms(question: str, unknown: set[str] | None = None) -> list[tuple[str, str]]:
    found = key_terms(
        question,
        stopwords=french_stopwords(),
        unknown=(lambda words: {w: TermKind.UNKNOWN for w in words if w in unknown})
        if unknown
        else None,
    )
    return [(term.text, term.kind.value) for term in found]


def test_key_terms_are_names_acronyms_numbers_and_words_the_index_lacks() -> None:
    assert terms("quelles données cadastrales pour Wallis-et-Futuna en 2031 ?") == [
        ("Wallis-et-Futuna", "nom"),
        ("2031", "nombre"),
    ]
    assert terms("la CNIL de la Polynésie Française publie quoi ?") == [
        ("CNIL", "sigle"),
        ("Polynésie Française", "nom"),
    ]
    assert terms("Qu'est-ce qu'une AIPD ? Sommes-nous concernés ?") == [("AIPD", "sigle")]
    assert terms("Bonjour, Comment on fait ?") == []
    assert terms("combien de jours de teletravail ?", unknown={"teletravail"}) == [
        ("teletravail", "mot")
    ]
    assert terms("une amende de 20 000 000 euros") == [("20 000 000", "nombre")]


def test_a_name_is_covered_as_a_phrase_not_as_scattered_words(bm25: FrenchBm25) -> None:
    stem = lambda word: (bm25.stems(word) or [""])[0]  # noqa: E731
    text = "Le pôle de l'emploi de la Nouvelle-Calédonie publie 20000000 de lignes."
    flattened, stems = flat(text), set(bm25.stems(text))

    def covered(term: str, kind: TermKind, equivalents: tuple[str, ...] = ()) -> bool:
        return covers(flattened, stems, KeyTerm(term, kind), stem=stem, equivalents=equivalents)

    assert not covered("Pôle Emploi", TermKind.NAME)  # each word is there, never together
    assert covered("Nouvelle Calédonie", TermKind.NAME)  # hyphen or space alike
    assert covered("20 000 000", TermKind.NUMBER)  # digit groups alike
    assert not covered("2000", TermKind.NUMBER)  # a number is never matched inside another
    assert covered("ligne", TermKind.UNKNOWN)  # one word: by its stem
    assert not covered("DPO", TermKind.ACRONYM)
    lexicon = QueryExpander.load(None).lexicon
    assert covers(
        flat("le délégué à la protection des données"),
        set(bm25.stems("le délégué à la protection des données")),
        KeyTerm("DPO", TermKind.ACRONYM),
        stem=stem,
        equivalents=(lexicon["dpo"],),
    )


def test_the_model_file_is_checked_and_named(tmp_path: Path) -> None:
    model = GateModel.load()  # the shipped model is valid and knows only known signals
    assert set(model.weights) <= set(FEATURES) and 0 < model.threshold < 1
    broken = tmp_path / "gate.yaml"
    broken.write_text("weights: {cosinus: 2}\nintercept: 0\nthreshold: 0.5\n", "utf-8")
    with pytest.raises(ConfigurationError, match=r"gate\.yaml.*weights"):
        GateModel.load(broken)
    broken.write_text("weights: {missing: -1}\nthreshold: 0.5\n", "utf-8")
    with pytest.raises(ConfigurationError, match="intercept"):
        GateModel.load(broken)
    with pytest.raises(ConfigurationError, match="illisible"):
        GateModel.load(tmp_path / "absent.yaml")
    sure = GateModel(weights={"missing": -4.0}, intercept=2.0, threshold=0.5)
    assert sure.probability({"missing": 0.0}) > 0.5 > sure.probability({"missing": 1.0})


def test_the_gate_is_fitted_to_abstain_within_the_false_abstention_limit() -> None:
    samples = [({"missing": float(m), "evidence": 0.9}, m == 0) for m in [0] * 20 + [1] * 10]
    samples += [({"missing": 1.0, "evidence": 0.95}, True)]  # a named term the lexicon misses
    fitted = fit_gate(samples, ("evidence", "missing"), max_false_abstention=0.1)
    model = GateModel.from_dict(fitted, "test")
    assert fitted["tuning"]["false_abstention"] <= 0.1
    assert fitted["tuning"]["abstention"] == 1.0
    assert model.probability({"missing": 1.0, "evidence": 0.9}) < model.threshold
    assert model.probability({"missing": 0.0, "evidence": 0.9}) >= model.threshold
    forced = fit_gate(
        samples, ("evidence", "missing"), forced=[m == 1 for m in [0] * 20 + [1] * 11]
    )
    assert forced["tuning"]["abstention"] == 1.0  # a rule's abstentions count as such
    assert forced["tuning"]["false_abstention"] == round(1 / 21, 4)
    with pytest.raises(ValueError, match="avec et sans réponse"):
        fit_gate([({"missing": 0.0}, True)], ("missing",))


def hit(rank: int, path: str, text: str) -> Hit:
    return Hit(rank, 1.0 / rank, path, path, "procedure", None, None, text, {}, 0.9)


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("combien de temps pour avoir un accès VPN ?", "8 à 15 jours ouvrés"),
        ("a partir de quand le compte VPN est ouvert ?", "1er mars 2025"),
        ("sur quelle base on coupe un accès VPN ?", "article 12"),
        ("qui valide une demande d'accès VPN ?", "responsable de la sécurité"),
    ],
)
def test_the_sentence_quoted_holds_the_kind_of_fact_asked_for(
    bm25: FrenchBm25, question: str, wanted: str
) -> None:
    passages = [
        hit(1, "vpn.md",
            "L'accès VPN est désactivé après 90 jours sans connexion au service VPN. "
            "Délai de traitement d'une demande : 8 à 15 jours ouvrés. "
            "Le service VPN des agents est ouvert depuis le 1er mars 2025. "
            "Un accès VPN inutilisé est coupé en application de l'article 12 de la charte. "
            "La demande d'accès VPN est validée par le responsable de la sécurité. "
            "Le client VPN est installé sur le poste nomade de l'agent. "
            "L'accès VPN exige une authentification multifacteur."),
    ]  # fmt: skip
    chosen = ExtractiveWriter(bm25, max_sentences=1).select(question, passages)
    assert [wanted in sentence for _, sentence in chosen] == [True]


@pytest.fixture
def gated(
    tmp_path: Path, real_embedder: DenseEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> AnswerService:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cadastre.md").write_text(
        "# Plan cadastral de la Nouvelle-Calédonie\nLe plan cadastral de la "
        "Nouvelle-Calédonie est publié par la DITTT. Les données cadastrales de la "
        "Nouvelle-Calédonie sont mises à jour chaque trimestre et diffusées sous licence "
        "ouverte.",
        "utf-8",
    )
    (docs / "vpn.md").write_text(
        "# Demander un accès VPN\nLa demande d'accès VPN est traitée en 8 à 15 jours "
        "ouvrés par le centre de services. Le compte VPN est désactivé après 90 jours sans "
        "connexion.",
        "utf-8",
    )
    index_folder(make_pipeline(real_embedder, bm25, store), docs)
    expander = QueryExpander.load(None)
    search = SearchService(
        embedder=real_embedder,
        sparse=bm25,
        store=store,
        settings=SearchSettings(),
        expander=expander,
    )
    settings = AnswerSettings()
    gate = AnswerabilityGate(search, GateModel.load(), expander)
    return AnswerService(search, make_writer(settings, bm25, expander), settings, gate)


def test_a_near_miss_abstains_and_names_what_the_documents_lack(gated: AnswerService) -> None:
    answer = gated.answer("ou trouver les données cadastrales de Wallis-et-Futuna ?")
    assert answer.abstained and answer.citations == []
    assert answer.missing_terms == ["Wallis-et-Futuna"]
    assert gated.gate is not None
    verdict = gated.judge("ou trouver les données cadastrales de Wallis-et-Futuna ?")
    assert verdict is not None and verdict.features["absent"] == 1.0  # in no chunk at all
    assert answer.text.startswith("Je n'ai rien trouvé sur « Wallis-et-Futuna »")
    assert [source.source_path for source in answer.sources][:1] == ["cadastre.md"]
    assert "[1]" in answer.text  # the closest source, numbered as the list shows it


def test_the_same_question_with_a_name_the_documents_hold_is_answered(
    gated: AnswerService,
) -> None:
    answer = gated.answer("ou trouver les données cadastrales de la Nouvelle-Calédonie ?")
    assert not answer.abstained and answer.missing_terms == []
    assert answer.cited_paths == ["cadastre.md"]


def test_the_vpn_delay_is_quoted_not_the_deactivation_rule(gated: AnswerService) -> None:
    answer = gated.answer("combien de temps pour avoir un accès VPN ?")
    assert not answer.abstained and answer.question_type == "duree"
    assert "8 à 15 jours ouvrés" in answer.text
    assert "90 jours" not in answer.text


def test_the_document_holding_the_key_terms_is_cited_before_a_better_ranked_one(
    gated: AnswerService,
) -> None:
    assert gated.gate is not None
    vpn = hit(1, "vpn.md", "Le compte VPN est désactivé après 90 jours sans connexion.")
    cadastre = hit(2, "cadastre.md", "Le plan cadastral de la Nouvelle-Calédonie est publié.")
    verdict = gated.gate.judge(
        "qui publie le plan de la Nouvelle-Calédonie ?", [[vpn], [cadastre]], 0.9
    )
    assert verdict.documents[:1] == ["cadastre.md"] and verdict.missing_terms == []
    answer = gated.answer("qui publie le plan cadastral de la Nouvelle-Calédonie ?")
    assert answer.cited_paths == ["cadastre.md"] and "DITTT" in answer.text


def test_a_record_answer_starts_with_its_card(bm25: FrenchBm25) -> None:
    payload = {
        "record_id": "fr-1",
        "doc_id": "fiches.xml#fr-1",
        "organisations": ["DDTM 80", "Mairie de Flesselles", "Autre"],
        "licence": "Licence Ouverte 1.0",
        "updated": "2019-03-25",
    }
    record = Hit(
        1, 1.0, "fiches.xml", "PLU de Flesselles", "catalogue", None, None,
        "Le zonage du plan local d'urbanisme de Flesselles est numérisé.", payload, 0.9,
    )  # fmt: skip
    lines = "".join(ExtractiveWriter(bm25).stream("zonage du PLU de Flesselles", [record]))
    assert lines.splitlines()[0] == (
        "Fiche « PLU de Flesselles » — producteur : DDTM 80, Mairie de Flesselles ; "
        "licence : Licence Ouverte 1.0 ; mise à jour : 2019-03-25 [1]"
    )
