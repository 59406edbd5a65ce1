"""Composition root for configuration: the one place that reads YAML and environment.

Precedence, highest first: ``BOUSSOLE_*`` environment variables (nested fields with
``__``, e.g. ``BOUSSOLE_SEARCH__DEFAULT_K=8``), the standard ``QDRANT_URL`` /
``QDRANT_API_KEY`` variables, the YAML file (``BOUSSOLE_SETTINGS`` or ``./settings.yaml``),
then the defaults below, which are the embedded, offline set-up.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from connectors.errors import ConfigurationError
from connectors.formats.csv import DEFAULT_MAX_ROWS as DEFAULT_MAX_CSV_ROWS
from connectors.safe_files import DEFAULT_MAX_FILE_BYTES
from guardrails.policy import ALL_ENTITIES as PII_ENTITIES
from guardrails.policy import DEFAULT_ALLOW_LIST as PII_ALLOW_LIST

DEFAULT_MODEL = "multilingual-e5-small"


class SearchMode(StrEnum):
    """How a query is matched against the index."""

    HYBRID = "hybrid"
    DENSE = "dense"
    SPARSE = "sparse"


class QdrantSettings(BaseModel):
    """Where the index lives: local files by default, a server when ``url`` is set."""

    url: str | None = None
    api_key: SecretStr | None = None
    collection: str = "boussole"
    timeout_s: int = Field(default=30, ge=1)


class EmbeddingSettings(BaseModel):
    """The dense model: the bundled e5 build, a fastembed name, an imported name, a folder."""

    model: str = DEFAULT_MODEL
    query_prefix: str | None = None
    passage_prefix: str | None = None
    batch_size: int = Field(default=32, ge=1, le=512)
    threads: int | None = Field(default=None, ge=1)


class ChunkingSettings(BaseModel):
    """Chunk sizes, in tokens of the embedding model."""

    max_tokens: int = Field(default=320, ge=32, le=8192)
    overlap_tokens: int = Field(default=40, ge=0)
    min_tokens: int = Field(default=24, ge=0)

    @model_validator(mode="after")
    def _overlap_below_max(self) -> ChunkingSettings:
        if self.overlap_tokens >= self.max_tokens // 2:
            raise ValueError("chunking.overlap_tokens doit être inférieur à max_tokens / 2")
        return self


class SearchSettings(BaseModel):
    """Retrieval defaults."""

    default_k: int = Field(default=5, ge=1, le=100)
    max_k: int = Field(default=50, ge=1, le=500)
    mode: SearchMode = SearchMode.HYBRID
    candidates: int = Field(default=60, ge=10, le=1000)
    rrf_k: int = Field(default=20, ge=1)
    dense_weight: float = Field(default=1.0, ge=0)
    sparse_weight: float = Field(default=1.0, ge=0)
    label_weight: float = Field(default=0.2, ge=0)
    doc_evidence: float = Field(default=0.1, ge=0, le=1)
    expand_queries: bool = True
    lexicon: Path | None = None
    # An optional cross-encoder (a name recorded by `boussole models import --kind reranker`,
    # or an ONNX folder) that rescores the first passages before documents are grouped.
    reranker: str | None = None
    rerank_passages: int = Field(default=30, ge=1, le=200)
    # The learned document ranker (assistant/ranker.json, or the file named here): it
    # reorders the first documents of a hybrid search; false = fused order only.
    learned_ranking: bool = True
    ranker_file: Path | None = None

    @model_validator(mode="after")
    def _k_within_max(self) -> SearchSettings:
        if self.default_k > self.max_k:
            raise ValueError("search.default_k doit être inférieur ou égal à search.max_k")
        return self


class AnswerBackend(StrEnum):
    """What writes the answer from the retrieved passages."""

    EXTRACTIVE = "extractive"  # quotes the passages' own sentences: no model, offline
    OPENAI = "openai"  # any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, Albert)


class OpenAISettings(BaseModel):
    """An OpenAI-compatible chat endpoint; the key comes from the environment."""

    base_url: str | None = None  # e.g. http://127.0.0.1:11434/v1
    model: str | None = None
    api_key: SecretStr | None = None  # BOUSSOLE_ANSWER__OPENAI__API_KEY
    temperature: float = Field(default=0.1, ge=0, le=2)
    max_tokens: int = Field(default=600, ge=16, le=8192)
    timeout_s: float = Field(default=60, gt=0)  # the whole reply, not each read


class AnswerSettings(BaseModel):
    """Answers with citations, and when to abstain."""

    backend: AnswerBackend = AnswerBackend.EXTRACTIVE
    passages: int = Field(default=6, ge=1, le=20)  # retrieved passages the answer draws on
    max_sentences: int = Field(default=3, ge=1, le=10)  # extractive: sentences quoted
    # The answerability model (weights and threshold, fitted on the tuning half of the dev
    # set by `boussole eval --fit-gate`); None = the one shipped (assistant/answerability.yaml).
    gate_file: Path | None = None
    openai: OpenAISettings = OpenAISettings()

    @model_validator(mode="after")
    def _endpoint_for_openai(self) -> AnswerSettings:
        if self.backend == AnswerBackend.OPENAI and not (
            self.openai.base_url and self.openai.model
        ):
            raise ValueError(
                "answer.backend = openai demande answer.openai.base_url et answer.openai.model"
            )
        return self


class PiiSettings(BaseModel):
    """The personal-data guard run on every document before it is indexed."""

    spacy_model: str = "fr_core_news_sm"
    entities: list[str] = Field(default_factory=lambda: list(PII_ENTITIES))
    allow_list: list[str] = Field(default_factory=lambda: list(PII_ALLOW_LIST))
    score_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    batch_size: int = Field(default=64, ge=1, le=1024)

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: list[str]) -> list[str]:
        unknown = [entity for entity in value if entity not in PII_ENTITIES]
        if unknown:
            raise ValueError(
                f"type(s) inconnu(s) : {', '.join(unknown)} ; types possibles : "
                f"{', '.join(PII_ENTITIES)}"
            )
        if not value:
            raise ValueError("la liste ne peut pas être vide : le garde ne chercherait rien")
        return value


class FilesSettings(BaseModel):
    """What one file of an indexed folder may cost a run (``boussole index``, reindex)."""

    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1024)  # beyond: skipped
    max_csv_rows: int = Field(default=DEFAULT_MAX_CSV_ROWS, ge=1)  # data rows; beyond: skipped


class ConventionsSettings(BaseModel):
    """The DPO's register of data-exchange conventions."""

    register_file: Path | None = None  # YAML or CSV; None = no register
    root: Path | None = None  # folder its « fichier » paths are relative to
    expiring_days: int = Field(default=90, ge=1, le=3650)
    # Names of the Province itself: party to every agreement, so never a search filter.
    own_names: list[str] = Field(default_factory=lambda: ["Province Sud"])


class SourceType(StrEnum):
    """How a declared source is read."""

    FILES = "files"  # a folder (share, export): every supported file below it
    CSW = "csw"  # a catalogue server (GeoNetwork, GeoCat, pycsw)
    WAREHOUSE = "warehouse"  # a PostgreSQL warehouse's dictionary (DrHouse): tables, columns


class SourceSettings(BaseModel):
    """A source the weekly reindex keeps current."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    type: SourceType
    path: Path | None = None  # files: the folder
    url: str | None = None  # csw: the endpoint; warehouse: postgresql://role@host:port/db
    kind: str | None = None  # files: procedure, catalogue or convention (default: by folder)
    groups: list[str] = Field(default_factory=list)  # access groups of its documents
    page_size: int = Field(default=50, ge=1, le=500)  # csw
    timeout_s: float = Field(default=30, gt=0)  # csw: each request, whole answer included
    # csw: ask only for records modified since the last complete harvest (faster on a large
    # catalogue, but records deleted from it stay until a `--full` run).
    incremental: bool = False
    # warehouse: the environment variable that holds the read-only role's password, the
    # schemas to read (all but the system ones when empty), the YAML data dictionary.
    password_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    schemas: list[str] = Field(default_factory=list)
    dictionary: Path | None = None

    @model_validator(mode="after")
    def _where(self) -> SourceSettings:
        if self.type == SourceType.FILES and self.path is None:
            raise ValueError(f"source « {self.name} » (files) : « path » est requis")
        if self.type in (SourceType.CSW, SourceType.WAREHOUSE) and not self.url:
            raise ValueError(f"source « {self.name} » ({self.type}) : « url » est requis")
        if self.kind is not None and self.kind not in DOCUMENT_KINDS:
            raise ValueError(
                f"source « {self.name} » : kind « {self.kind} » inconnu "
                f"({', '.join(DOCUMENT_KINDS)})"
            )
        return self


class ReindexSettings(BaseModel):
    """The quality guard that ends each reindex."""

    questions: Path | None = None  # a question file (EVAL_FORMAT.md); None = no guard
    max_drop: float = Field(default=0.03, ge=0, le=1)  # Recall@5 or MRR@10 drop = degraded
    # Beside a running server (embedded index): how long the run waits for it to switch.
    switch_timeout_s: float = Field(default=300, gt=0)


class UiSettings(BaseModel):
    """The chat served with the API: documents it opens, who may log in."""

    documents_root: Path | None = None  # the indexed folder, served under /documents
    users_file: Path | None = None  # YAML/JSON users with scrypt hashes: password login


class LogFormat(StrEnum):
    """How ``boussole serve`` writes its log: JSON lines for machines, or text for a person."""

    JSON = "json"
    TEXT = "text"


class ApiSettings(BaseModel):
    """The HTTP server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_query_chars: int = Field(default=2000, ge=10)
    max_request_bytes: int = Field(default=65536, ge=1024)  # bodies over this: 413
    # Web applications (scheme://host[:port]) allowed to call the API from their pages and
    # to frame Boussole; any other origin is refused by the browser (CORS, frame-ancestors).
    allowed_origins: list[str] = Field(default_factory=list)
    # Server log on standard error: one JSON object per line (with the request's id), or text.
    log_format: LogFormat = LogFormat.JSON

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", origin):
                raise ValueError(
                    f"origine « {origin} » invalide : attendu https://hote[:port], sans chemin"
                )
        return value


class AccessRuleSettings(BaseModel):
    """Documents matching every given criterion get ``groups`` (the first rule wins)."""

    path: str | None = None  # glob on the path relative to the indexed root: "conventions/*"
    source: str | None = None  # a declared source's name
    kind: str | None = None
    groups: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _criterion(self) -> AccessRuleSettings:
        if self.path is None and self.source is None and self.kind is None:
            raise ValueError("une règle d'accès doit donner « path », « source » ou « kind »")
        if self.kind is not None and self.kind not in DOCUMENT_KINDS:
            raise ValueError(f"kind « {self.kind} » inconnu ({', '.join(DOCUMENT_KINDS)})")
        return self


class AccessSettings(BaseModel):
    """Who may read which documents: rules, else the source's groups, else the kind's."""

    rules: list[AccessRuleSettings] = Field(default_factory=list)
    default_groups: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "procedure": ["public"],
            "catalogue": ["public"],
            "convention": ["dpo", "juridique"],
            "warehouse": ["public"],
        }
    )
    # Warehouse tables the data dictionary marks « sensible »: these groups, whatever else.
    sensitive_groups: list[str] = Field(default_factory=lambda: ["dpo"], min_length=1)


class Environment(StrEnum):
    """Where Boussole runs: placeholder secrets are refused outside ``dev``."""

    DEV = "dev"
    PRODUCTION = "production"


class SecuritySettings(BaseModel):
    """Identities of API callers and chat users, and limits per caller."""

    environment: Environment = Environment.DEV
    # API keys: YAML ``keys: {name: {hash: "sha256:<hex>", groups: [...]}}``;
    # ``boussole keys add NAME --groups a,b`` writes one and prints the key once.
    api_keys_file: Path | None = None
    # Reverse proxies whose X-Remote-User / X-Remote-Groups and X-Forwarded-For / -Proto /
    # -Host headers are believed (addresses or networks); these headers from anyone else are
    # removed before anything reads them.
    trusted_proxies: list[str] = Field(default_factory=list)
    rate_limit: str = "120/minute"  # per caller (limits' notation: "10/second", "1000/hour")
    # Who may read GET /metrics (usage per API key name): readers of these groups, and any
    # caller on this machine (loopback peer, never a forwarded address) when allowed.
    metrics_groups: list[str] = Field(default_factory=lambda: ["admin"])
    metrics_from_loopback: bool = True

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"« {value} » illisible (exemple : « 120/minute »)") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"adresse ou réseau invalide : « {item} »") from exc
        return value


class AuditQuery(StrEnum):
    """How the audit log keeps a question."""

    CLEAR = "clear"  # the text
    HASH = "hash"  # a keyed hash: the same question gives the same value, unreadable
    NONE = "none"  # nothing


class AuditSettings(BaseModel):
    """The audit log: who asked what, and which documents they got (JSON Lines)."""

    enabled: bool = True
    file: Path | None = None  # default: <data_dir>/audit/audit.jsonl
    query: AuditQuery = AuditQuery.HASH
    rotate_when: str = Field(default="midnight", pattern="^(midnight|h|d|w[0-6])$")
    retention_files: int = Field(default=90, ge=1, le=3650)  # rotated files kept


class Settings(BaseSettings):
    """Root settings; one nested model per concern."""

    model_config = SettingsConfigDict(
        env_prefix="BOUSSOLE_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Path("data")
    kind_by_folder: dict[str, str] = Field(
        default_factory=lambda: {
            "regulations": "procedure",
            "procedures": "procedure",
            "catalogue": "catalogue",
            "conventions": "convention",
        }
    )
    qdrant: QdrantSettings = QdrantSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    search: SearchSettings = SearchSettings()
    pii: PiiSettings = PiiSettings()
    files: FilesSettings = FilesSettings()
    conventions: ConventionsSettings = ConventionsSettings()
    answer: AnswerSettings = AnswerSettings()
    sources: list[SourceSettings] = Field(default_factory=list)
    reindex: ReindexSettings = ReindexSettings()
    ui: UiSettings = UiSettings()
    api: ApiSettings = ApiSettings()
    access: AccessSettings = AccessSettings()
    security: SecuritySettings = SecuritySettings()
    audit: AuditSettings = AuditSettings()

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[SourceSettings]) -> list[SourceSettings]:
        names = [source.name for source in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"noms de sources en double : {', '.join(twice)}")
        return value

    @field_validator("kind_by_folder")
    @classmethod
    def _known_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        for folder, kind in value.items():
            if kind not in DOCUMENT_KINDS:
                raise ValueError(
                    f"kind_by_folder.{folder} : « {kind} » n'est pas un type connu "
                    f"({', '.join(DOCUMENT_KINDS)})"
                )
        return value

    @property
    def qdrant_path(self) -> Path:
        """Folder of the embedded Qdrant index."""
        return self.data_dir / "qdrant"

    @property
    def models_dir(self) -> Path:
        """Folder where prepared models are cached."""
        return self.data_dir / "models"

    @property
    def path_key_file(self) -> Path:
        """The key that seals paths naming a person in the index (``indexing.path_seal``)."""
        return self.data_dir / "state" / "path.key"

    @property
    def audit_file(self) -> Path:
        """Where the audit log is written."""
        return self.audit.file or self.data_dir / "audit" / "audit.jsonl"

    @property
    def reports_dir(self) -> Path:
        """Folder of run reports."""
        return self.data_dir / "reports"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment wins over explicit values (the YAML file), which win over defaults."""
        return (env_settings, init_settings)


DOCUMENT_KINDS = ("procedure", "catalogue", "convention", "warehouse")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"Fichier de configuration illisible : {path} ({exc})") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path} n'est pas du YAML valide : {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path} doit contenir un dictionnaire de réglages.")
    return raw


def _standard_qdrant_env(values: dict[str, Any]) -> dict[str, Any]:
    """Honour the QDRANT_URL / QDRANT_API_KEY variables every Qdrant tool knows."""
    qdrant = dict(values.get("qdrant") or {})
    if os.environ.get("QDRANT_URL"):
        qdrant["url"] = os.environ["QDRANT_URL"]
    if os.environ.get("QDRANT_API_KEY"):
        qdrant["api_key"] = os.environ["QDRANT_API_KEY"]
    if qdrant:
        values["qdrant"] = qdrant
    return values


def _describe(error: ValidationError, origin: str) -> str:
    lines = [f"Réglages invalides ({origin}) :"]
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(racine)"
        lines.append(f"  - {field} : {item['msg']}")
    lines.append("Corrigez settings.yaml ou la variable BOUSSOLE_* correspondante.")
    return "\n".join(lines)


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Build validated settings from the YAML file, the environment and ``overrides``."""
    if path is None:
        env_path = os.environ.get("BOUSSOLE_SETTINGS")
        path = Path(env_path) if env_path else Path("settings.yaml")
        if env_path and not path.exists():
            raise ConfigurationError(f"BOUSSOLE_SETTINGS désigne un fichier absent : {path}")
    values = _read_yaml(path) if path.exists() else {}
    values = _standard_qdrant_env(values)
    values.update(overrides)
    origin = str(path) if path.exists() else "valeurs par défaut"
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, origin)) from exc
