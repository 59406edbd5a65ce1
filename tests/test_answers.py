"""Answers with citations: sentence choice, abstention, the LLM backend over real HTTP, and
the answer metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answerability import AnswerabilityGate, GateModel
from assistant.answering import ABSTENTION, AnswerService
from assistant.extractive import ExtractiveWriter, sentences
from assistant.llm import SYSTEM_PROMPT, make_writer
from assistant.search import Hit, SearchService
from assistant.settings import AnswerSettings, SearchMode, SearchSettings
from connectors.errors import ModelError
from eval.answers import AnswerOutcome, answer_metrics
from eval.questions import Question
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline
from tests.openai_server import FakeChatServer


def hit(rank: int, path: str, text: str, page: int | None = None) -> Hit:
    return Hit(rank, 1.0 / rank, path, path, "procedure", page, None, text, {}, 0.9)


def test_sentences_rejoin_pdf_lines_and_split_list_items() -> None:
    text = (
        "Le responsable notifie la violation\nà l'autorité de contrôle dans les 72 heures. "
        "Il documente la violation.\n- premier point de la liste\n• second point\n\nFin."
    )
    assert sentences(text) == [
        "Le responsable notifie la violation à l'autorité de contrôle dans les 72 heures.",
        "Il documente la violation.",
        "premier point de la liste",
        "second point",
        "Fin.",
    ]


def test_sentences_span_the_blank_lines_some_pdfs_put_between_lines() -> None:
    text = (
        "6. Résiliation\n\n● Le Partenaire pourra se désengager du Service, en respectant un "
        "préavis\n\nde quinze jours, par lettre recommandée.\n\nLe Service reste ouvert."
    )
    assert sentences(text) == [
        "Résiliation",
        "Le Partenaire pourra se désengager du Service, en respectant un préavis de quinze "
        "jours, par lettre recommandée.",
        "Le Service reste ouvert.",
    ]


def test_answers_draw_on_the_first_documents_a_few_passages_each() -> None:
    first = [hit(rank, "a.pdf", f"passage {rank}") for rank in (1, 3, 4, 5, 6, 7)]
    second = [hit(2, "b.md", "passage 2")]
    answerer = AnswerService(None, None, AnswerSettings(passages=6))  # type: ignore[arg-type]
    kept = answerer.passages([first, second])
    assert [(h.source_path, h.rank) for h in kept] == [
        ("a.pdf", 1), ("a.pdf", 3), ("a.pdf", 4), ("a.pdf", 5), ("b.md", 2)
    ]  # fmt: skip


def test_table_rows_are_read_as_rows() -> None:
    table = "Durées :\n| Accès | Durée |\n|---|---|\n| Temporaire | 6 mois maximum |\nFin."
    assert sentences(table) == ["Durées :", "Accès — Durée", "Temporaire — 6 mois maximum", "Fin."]


def test_extractive_quotes_the_answering_sentences_of_the_best_document(
    bm25: FrenchBm25,
) -> None:
    passages = [
        hit(1, "rgpd/article-33.md",
            "Article 33 Notification\nEn cas de violation de données, le responsable du "
            "traitement notifie la violation à l'autorité de contrôle dans les 72 heures au "
            "plus tard. Le sous-traitant notifie le responsable du traitement dans les "
            "meilleurs délais. La notification décrit la nature de la violation."),
        hit(2, "autre.md",
            "La violation de données est notifiée à l'autorité de contrôle selon la procédure "
            "interne, dans un délai fixé par le service."),
    ]  # fmt: skip
    writer = ExtractiveWriter(bm25, max_sentences=2)
    chosen = writer.select("combien de temps pour notifier une violation de données ?", passages)
    assert chosen and {index for index, _ in chosen} == {0}  # one document cited, the best
    assert "72 heures" in chosen[0][1]
    assert all(not sentence.startswith("Article 33") for _, sentence in chosen)  # no heading
    text = "".join(writer.stream("combien de temps pour notifier une violation ?", passages))
    assert text.splitlines()[0].endswith("[1]")


def test_near_duplicate_sentences_are_quoted_once(bm25: FrenchBm25) -> None:
    clause = "Le partenaire conserve les traces des appels à l'API pendant six ans."
    passages = [hit(1, "cgu.pdf", f"{clause} {clause} Autre phrase sans rapport aucun ici.")]
    chosen = ExtractiveWriter(bm25).select("combien de temps garder les traces ?", passages)
    assert [sentence for _, sentence in chosen] == [clause]


@pytest.fixture
def service(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> SearchService:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "incident.md").write_text(
        "# Déclarer un incident\n## Délai\nTout incident de sécurité est signalé au centre de "
        "services dans l'heure qui suit sa découverte.",
        "utf-8",
    )
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    return SearchService(
        embedder=fake_embedder,  # type: ignore[arg-type]
        sparse=bm25,
        store=store,
        settings=SearchSettings(),
    )


def test_a_gate_that_doubts_abstains_and_lists_the_closest_sources(
    service: SearchService,
) -> None:
    settings = AnswerSettings()
    doubtful = GateModel(weights={"evidence": 1.0}, intercept=-10.0, threshold=0.5)
    gate = AnswerabilityGate(service, doubtful)
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings, gate)
    answer = answerer.answer("sous quel délai signaler un incident de sécurité ?")
    assert answer.abstained and answer.text == ABSTENTION and answer.missing_terms == []
    assert answer.citations == []
    assert [source.source_path for source in answer.sources] == ["incident.md"]
    assert answer.answerability is not None and answer.answerability < 0.5


def test_strong_evidence_answers_with_numbered_citations(service: SearchService) -> None:
    settings = AnswerSettings()
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings)
    answer = answerer.answer("sous quel délai signaler un incident de sécurité ?")
    assert not answer.abstained and answer.question_type == "duree"
    assert "dans l'heure qui suit sa découverte" in answer.text
    citation = answer.citations[0]
    assert (citation.source_path, citation.heading) == (
        "incident.md",
        "Déclarer un incident › Délai",
    )
    assert f"[{citation.number}]" in answer.text


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    server = FakeChatServer().start()
    yield server
    server.stop()


def openai_settings(server: FakeChatServer) -> AnswerSettings:
    return AnswerSettings.model_validate(
        {
            "backend": "openai",
            "openai": {"base_url": server.base_url, "model": "albert-small", "timeout_s": 10},
        }
    )


def test_openai_backend_streams_a_cited_answer_over_http(
    service: SearchService, chat_server: FakeChatServer
) -> None:
    chat_server.enqueue("Un incident se signale ", "dans l'heure qui suit ", "sa découverte [1].")
    settings = openai_settings(chat_server)
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings)
    events = list(answerer.stream("sous quel délai signaler un incident ?", mode=SearchMode.HYBRID))
    pieces = [event.text for event in events if event.kind == "text"]
    assert pieces == ["Un incident se signale ", "dans l'heure qui suit ", "sa découverte [1]."]
    answer = events[-1].answer
    assert answer is not None and not answer.abstained and answer.backend == "openai"
    assert [c.source_path for c in answer.citations] == ["incident.md"]
    request = chat_server.requests[0]
    assert request["stream"] is True and request["model"] == "albert-small"
    assert request["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    user = request["messages"][1]["content"]
    assert "[1] (incident.md — Déclarer un incident › Délai)" in user
    assert user.endswith("Question : sous quel délai signaler un incident ?")


def test_an_uncited_model_answer_is_not_trusted(
    service: SearchService, chat_server: FakeChatServer
) -> None:
    chat_server.enqueue("Sans doute une heure, comme partout.")
    settings = openai_settings(chat_server)
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings)
    answer = answerer.answer("sous quel délai signaler un incident ?")
    assert answer.abstained and answer.text == ABSTENTION and answer.sources


def test_an_unreachable_endpoint_is_named_in_french(service: SearchService) -> None:
    settings = AnswerSettings.model_validate(
        {
            "backend": "openai",
            "openai": {"base_url": "http://127.0.0.1:9/v1", "model": "m", "timeout_s": 2},
        }
    )
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings)
    with pytest.raises(ModelError, match="n'a pas répondu"):
        answerer.answer("sous quel délai signaler un incident ?")


def test_openai_backend_needs_an_endpoint() -> None:
    with pytest.raises(ValueError, match="base_url"):
        AnswerSettings.model_validate({"backend": "openai"})


def question(kind: str, relevant: tuple[str, ...] = (), contains: tuple[str, ...] = ()) -> Question:
    return Question(id=kind, question="?", kind=kind, relevant=relevant, answer_contains=contains)


def test_answer_metrics_follow_eval_format() -> None:
    questions = [
        question("procedure", ("a.md",), ("72 heures",)),
        question("procedure", ("b.md",), ("douze",)),
        question("unanswerable"),
        question("unanswerable"),
    ]
    outcomes = [
        AnswerOutcome("Notifier sous 72 HEURES [1]", False, ("a.md", "c.md"), 0.9, "duree"),
        AnswerOutcome(ABSTENTION, True, (), 0.8),
        AnswerOutcome(ABSTENTION, True, (), 0.7),
        AnswerOutcome("Une réponse inventée [1]", False, ("d.md",), 0.88),
    ]
    metrics = answer_metrics(questions, outcomes)
    assert metrics["abstention"] == 0.5
    assert metrics["false_abstention"] == 0.5
    assert metrics["answer_match"] == 0.5
    assert metrics["citation_precision"] == round(1 / 3, 4)
    assert metrics["by_type"] == {
        "autre": {"answer_match": 0.0, "n": 1},
        "duree": {"answer_match": 1.0, "n": 1},
    }


def test_a_model_saying_the_passages_do_not_answer_is_an_abstention(
    service: SearchService, chat_server: FakeChatServer
) -> None:
    chat_server.enqueue("Les passages fournis ne permettent pas de répondre [1].")
    settings = openai_settings(chat_server)
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings)
    answer = answerer.answer("sous quel délai signaler un incident ?")
    assert answer.abstained and answer.citations == [] and answer.text == ABSTENTION
    assert [source.source_path for source in answer.sources] == ["incident.md"]


def test_no_model_is_called_when_the_documents_lack_a_key_term(
    service: SearchService, chat_server: FakeChatServer
) -> None:
    chat_server.enqueue("Une réponse qui ne doit jamais être demandée [1].")
    settings = openai_settings(chat_server)
    trusting = GateModel(weights={"missing": -20.0}, intercept=10.0, threshold=0.5)
    gate = AnswerabilityGate(service, trusting)
    answerer = AnswerService(service, make_writer(settings, service.sparse), settings, gate)
    answer = answerer.answer("sous quel délai signaler un incident au CERT-NC ?")
    assert answer.abstained and answer.missing_terms == ["CERT-NC"]
    assert answer.text.startswith("Je n'ai rien trouvé sur « CERT-NC »")
    assert chat_server.requests == []
