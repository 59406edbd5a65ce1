"""Import a model a site copied from its mirror: check the folder, try the model, record it.

A larger embedding model (multilingual-e5-large, bge-m3) or a cross-encoder reranker comes
as a folder of ONNX and tokenizer files. Every file in it is hostile until checked: the
folder must be a real directory, each file the loader reads a regular file inside it (no
symbolic link, nothing resolving elsewhere), the ONNX weights under a size cap, the JSON
files parsed with errors that name them. The model is then loaded and tried on French text;
only a model that passes is recorded in ``<models_dir>/imported.json``, written atomically.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from connectors.errors import BoussoleError, ModelError
from indexing.embedding import BUNDLED_MODEL

logger = logging.getLogger(__name__)

REGISTRY_FILE = "imported.json"
MODEL_FILE = "model.onnx"
REQUIRED_FILES = (MODEL_FILE, "tokenizer.json", "tokenizer_config.json", "config.json")
OPTIONAL_FILES = ("special_tokens_map.json",)  # read by fastembed when present
JSON_FILES = ("config.json", "tokenizer_config.json", "special_tokens_map.json")

MAX_MODEL_BYTES = 4 * 1024**3  # model.onnx and its external data together (bge-m3: ~2.3 GB)
MAX_TOKENIZER_BYTES = 200 * 1024**2
MAX_JSON_BYTES = 1024**2
MAX_REGISTRY_BYTES = 1024**2
MAX_FOLDER_ENTRIES = 10_000
MAX_DIM = 65_536

NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")
_SHA256 = re.compile(r"[0-9a-f]{64}")

PROBE_PASSAGES = (
    "La demande de congé annuel se fait quinze jours avant le départ.",
    "La station d'épuration traite les eaux usées de la commune.",
)
PROBE_QUESTION = "Combien de temps avant le départ faut-il demander ses congés ?"


class ModelKind(StrEnum):
    """What an imported model does."""

    EMBEDDING = "embedding"  # turns a text into a vector (embedding.model)
    RERANKER = "reranker"  # scores a (question, passage) pair (search.reranker)


@dataclass(frozen=True)
class ImportedModel:
    """A model folder that passed the checks and the trial, as recorded."""

    name: str
    kind: ModelKind
    path: Path  # the folder, absolute and resolved
    dim: int | None  # vector length (embedding models only)
    size_bytes: int  # of model.onnx
    sha256: str  # of model.onnx
    imported_at: str  # ISO 8601, UTC

    @property
    def index_name(self) -> str:
        """The model name an index records, tied to the files' checksum.

        The same files give the same name wherever they lie; other files re-imported under
        this name make the index refuse them instead of mixing two models' vectors.
        """
        return f"{self.name}@{self.sha256[:12]}"

    def to_json(self) -> dict[str, Any]:
        """The registry entry (the name is its key)."""
        return {
            "kind": self.kind.value,
            "path": str(self.path),
            "dim": self.dim,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "imported_at": self.imported_at,
        }

    @classmethod
    def from_json(cls, name: str, data: object, source: Path) -> ImportedModel:
        """An entry read back; anything unexpected names the registry file."""
        bad = ModelError(
            f"{source} : l'entrée « {name} » est illisible ; réimportez ce modèle "
            "(`boussole models import DOSSIER`)."
        )
        if not isinstance(data, dict) or not NAME_PATTERN.fullmatch(name):
            raise bad
        try:
            kind = ModelKind(data["kind"])
            path, dim, size, sha, at = (
                data["path"],
                data.get("dim"),
                data["size_bytes"],
                data["sha256"],
                data["imported_at"],
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise bad from exc
        valid = (
            isinstance(path, str)
            and Path(path).is_absolute()
            and (dim is None or _positive_int(dim))
            and _positive_int(size)
            and isinstance(sha, str)
            and _SHA256.fullmatch(sha) is not None
            and isinstance(at, str)
        )
        if not valid:
            raise bad
        return cls(name, kind, Path(path), dim, size, sha, at)


@dataclass(frozen=True)
class CheckedFolder:
    """A model folder whose files passed the checks."""

    folder: Path  # resolved
    config: dict[str, Any]
    model_bytes: int  # model.onnx alone
    output_rank: int | None  # of the graph's first output; None when not read or not known
    output_width: int | None  # its last dimension when fixed


def import_model(
    folder: Path,
    models_dir: Path,
    *,
    kind: ModelKind = ModelKind.EMBEDDING,
    name: str | None = None,
    max_model_bytes: int = MAX_MODEL_BYTES,
    threads: int | None = None,
) -> ImportedModel:
    """Check ``folder``, load and try the model, then record it under ``name``.

    Raises ``ModelError`` naming the file or field at fault; nothing is recorded then.
    """
    kind = ModelKind(kind)
    name = model_name(name, folder)
    checked = check_folder(folder, max_model_bytes=max_model_bytes)
    dim: int | None = None
    if kind == ModelKind.EMBEDDING:
        dim = _try_embedding(checked, models_dir, threads)
    else:
        _try_reranker(checked, models_dir, threads)
    model = ImportedModel(
        name=name,
        kind=kind,
        path=checked.folder,
        dim=dim,
        size_bytes=checked.model_bytes,
        sha256=_sha256(checked.folder / MODEL_FILE),
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _record(models_dir, model)
    return model


def model_name(name: str | None, folder: Path) -> str:
    """The explicit name if it is a safe one, else the folder's name made safe."""
    if name is None:
        cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-.")[:64]
        name = cleaned or "modele"
    if not NAME_PATTERN.fullmatch(name):
        raise ModelError(
            f"Nom de modèle « {name} » refusé : 1 à 64 caractères parmi lettres sans accent, "
            "chiffres, « . », « _ » et « - », sans commencer par « . » ou « - »."
        )
    if name == BUNDLED_MODEL:
        raise ModelError(
            f"« {BUNDLED_MODEL} » est le nom du modèle intégré : choisissez-en un autre."
        )
    return name


# --------------------------------------------------------------------------- folder checks


def check_folder(
    folder: Path, *, max_model_bytes: int = MAX_MODEL_BYTES, read_graph: bool = True
) -> CheckedFolder:
    """The folder's files checked; ``read_graph`` also parses the ONNX graph (slower)."""
    root = _real_folder(folder)
    _no_links(root)
    model_bytes = _regular_file(root, MODEL_FILE, max_model_bytes)
    _regular_file(root, "tokenizer.json", MAX_TOKENIZER_BYTES)
    for json_file in JSON_FILES:
        if json_file in REQUIRED_FILES or os.path.lexists(root / json_file):
            _regular_file(root, json_file, MAX_JSON_BYTES)
    config = _read_json(root / "config.json")
    _read_json(root / "tokenizer_config.json")
    if os.path.lexists(root / "special_tokens_map.json"):
        _read_json(root / "special_tokens_map.json")
    rank, width = _graph_output(root, max_model_bytes - model_bytes) if read_graph else (None, None)
    return CheckedFolder(root, config, model_bytes, rank, width)


def _real_folder(folder: Path) -> Path:
    """The folder resolved, once it is known to be a directory and not a link to one."""
    try:
        info = folder.lstat()
    except OSError as exc:
        raise ModelError(f"Dossier de modèle introuvable : {folder} ({exc.strerror}).") from exc
    if stat.S_ISLNK(info.st_mode):
        raise ModelError(f"{folder} est un lien symbolique : donnez le chemin du dossier lui-même.")
    if not stat.S_ISDIR(info.st_mode):
        raise ModelError(f"{folder} n'est pas un dossier de modèle.")
    return folder.resolve()


def _no_links(root: Path) -> None:
    """No symbolic link anywhere at the top of the folder: the loader may read any file."""
    with os.scandir(root) as entries:
        for count, entry in enumerate(entries, start=1):
            if count > MAX_FOLDER_ENTRIES:
                raise ModelError(f"{root} contient plus de {MAX_FOLDER_ENTRIES} entrées.")
            if entry.is_symlink():
                raise ModelError(
                    f"{root / entry.name} est un lien symbolique : copiez le fichier lui-même "
                    "dans le dossier (cp -L)."
                )


def _regular_file(root: Path, name: str, limit: int) -> int:
    """Size of ``root/name``, a regular file inside ``root`` and under ``limit`` bytes."""
    path = root / name
    if Path(name).name != name or name in ("", ".", ".."):
        raise ModelError(f"{root} : nom de fichier refusé « {name} » (hors du dossier).")
    try:
        info = path.lstat()
    except FileNotFoundError as exc:
        raise ModelError(f"Le dossier de modèle {root} ne contient pas {name}.") from exc
    if stat.S_ISLNK(info.st_mode):
        raise ModelError(f"{path} est un lien symbolique : copiez le fichier lui-même (cp -L).")
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"{path} n'est pas un fichier ordinaire.")
    if path.resolve().parent != root:
        raise ModelError(f"{path} se résout hors du dossier du modèle.")
    if info.st_size > limit:
        raise ModelError(f"{path} pèse {info.st_size} octets, au-delà de la limite de {limit}.")
    return info.st_size


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a checked file, or an error naming it."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(f"{path} n'est pas du JSON valide ({exc}).") from exc
    except OSError as exc:
        raise ModelError(f"{path} est illisible ({exc.strerror}).") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path} doit contenir un objet JSON.")
    return data


def _graph_output(root: Path, data_budget: int) -> tuple[int | None, int | None]:
    """Rank and last width of model.onnx's first output, its external data files checked.

    Only the graph is parsed, not the weights it points to.
    """
    import onnx

    path = root / MODEL_FILE
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:
        raise ModelError(
            f"{path} n'est pas un modèle ONNX lisible ({type(exc).__name__}) : copie "
            "incomplète ou mauvais fichier ?"
        ) from exc
    graph = model.graph
    if not graph.node or not graph.input or not graph.output:
        raise ModelError(f"{path} ne contient pas de graphe ONNX (entrées, nœuds, sorties).")
    locations: set[str] = set()
    for tensor in _external_tensors(graph):
        entry = {item.key: item.value for item in tensor.external_data}
        locations.add(entry.get("location", ""))
    used = 0
    for location in sorted(locations):
        used += _regular_file(root, location, max(data_budget - used, 0))
    shape = graph.output[0].type.tensor_type.shape
    if not shape.dim:
        return None, None
    last = shape.dim[-1]
    return len(shape.dim), last.dim_value if last.HasField("dim_value") else None


def _external_tensors(graph: Any) -> Iterator[Any]:
    """Tensors of a graph (subgraphs included) whose data lives in another file."""
    import onnx

    for tensor in graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            yield tensor
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR:
                if attribute.t.data_location == onnx.TensorProto.EXTERNAL:
                    yield attribute.t
            elif attribute.type == onnx.AttributeProto.GRAPH:
                yield from _external_tensors(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    yield from _external_tensors(subgraph)


# --------------------------------------------------------------------------- trials


def _config_dim(checked: CheckedFolder) -> int:
    """The vector length config.json announces (``hidden_size``, else ``dim``)."""
    value = checked.config.get("hidden_size", checked.config.get("dim"))
    if not isinstance(value, int) or not _positive_int(value) or value > MAX_DIM:
        raise ModelError(
            f"{checked.folder / 'config.json'} : le champ hidden_size (dimension des vecteurs) "
            "manque ou n'est pas un entier positif."
        )
    return value


def _try_embedding(checked: CheckedFolder, models_dir: Path, threads: int | None) -> int:
    """Load the folder as ``embedding.model`` would, encode two sentences, check the vectors."""
    from indexing.embedding import DenseEmbedder, DenseModelSpec

    dim = _config_dim(checked)
    spec = DenseModelSpec(model=str(checked.folder), models_dir=models_dir, threads=threads)
    try:
        vectors = DenseEmbedder(spec).embed_passages(PROBE_PASSAGES)
    except BoussoleError:
        raise
    except Exception as exc:
        raise ModelError(
            f"Le modèle {checked.folder} ne se charge pas ou n'encode pas : {exc}"
        ) from exc
    for vector in vectors:
        if len(vector) != dim:
            raise ModelError(
                f"{checked.folder / 'config.json'} annonce hidden_size = {dim}, mais le modèle "
                f"rend des vecteurs de {len(vector)} dimensions : config.json d'un autre modèle ?"
            )
        if not all(math.isfinite(value) for value in vector):
            raise ModelError(f"Le modèle {checked.folder} rend des valeurs non finies.")
        if math.fsum(value * value for value in vector) <= 0:
            raise ModelError(f"Le modèle {checked.folder} rend un vecteur nul.")
    if max(abs(a - b) for a, b in zip(*vectors, strict=True)) < 1e-6:
        raise ModelError(
            f"Le modèle {checked.folder} donne le même vecteur à deux phrases différentes."
        )
    return dim


def _try_reranker(checked: CheckedFolder, models_dir: Path, threads: int | None) -> None:
    """Load the folder as a cross-encoder and score a relevant and an unrelated passage."""
    from indexing.rerank import CrossEncoderReranker

    path = checked.folder / MODEL_FILE
    if checked.output_rank is not None and checked.output_rank != 2:
        raise ModelError(
            f"{path} n'est pas un cross-encoder : sa première sortie a {checked.output_rank} "
            "dimensions, là où un reclasseur rend un score par paire (question, passage). "
            "Un modèle d'embedding s'importe avec --kind embedding."
        )
    if checked.output_width is not None and checked.output_width != 1:
        raise ModelError(
            f"{path} rend {checked.output_width} scores par paire (classifieur à plusieurs "
            "classes ?) : un reclasseur en rend un seul."
        )
    reranker = CrossEncoderReranker(
        checked.folder, threads=threads, cache_dir=models_dir / "fastembed"
    )
    relevant, unrelated = reranker.rerank(PROBE_QUESTION, PROBE_PASSAGES)
    logger.info("Reranker trial: relevant %.3f, unrelated %.3f", relevant, unrelated)


# --------------------------------------------------------------------------- registry


def imported_models(models_dir: Path) -> dict[str, ImportedModel]:
    """The recorded models by name (none when nothing was imported)."""
    path = models_dir / REGISTRY_FILE
    if not os.path.lexists(path):
        return {}
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_REGISTRY_BYTES:
        raise ModelError(f"{path} n'est pas un fichier ordinaire de moins de 1 Mo.")
    data = _read_json(path)
    models = data.get("models")
    if data.get("version") != 1 or not isinstance(models, dict):
        raise ModelError(f"{path} : format inconnu ; réimportez les modèles.")
    return {name: ImportedModel.from_json(name, entry, path) for name, entry in models.items()}


def imported_model(models_dir: Path, name: str, kind: ModelKind) -> ImportedModel | None:
    """The imported model ``name`` of this kind, still as imported; None if there is none.

    The folder is checked again and model.onnx must keep its recorded size (the checksum
    is only taken at import: hashing gigabytes at every start would be slow).
    """
    if not NAME_PATTERN.fullmatch(name):
        return None
    model = imported_models(models_dir).get(name)
    if model is None:
        return None
    if model.kind != kind:
        raise ModelError(
            f"« {name} » est un modèle importé de type {model.kind.value}, pas {kind.value}."
        )
    checked = check_folder(model.path, read_graph=False)
    if checked.model_bytes != model.size_bytes:
        raise ModelError(
            f"{model.path / MODEL_FILE} a changé depuis son import (taille) : réimportez-le "
            f"(`boussole models import {model.path} --name {name}`)."
        )
    return model


def resolve_imported(models_dir: Path, name_or_path: str, kind: ModelKind) -> Path | None:
    """The folder of an imported model of this name, or this folder once checked; else None."""
    model = imported_model(models_dir, name_or_path, kind)
    if model is not None:
        return model.path
    folder = Path(name_or_path).expanduser()
    if folder.is_dir() or folder.is_symlink():
        return check_folder(folder, read_graph=False).folder
    return None


def _record(models_dir: Path, model: ImportedModel) -> None:
    """Add or replace ``model``'s entry; the file is replaced whole, never half written."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with _registry_lock(models_dir):
        models = imported_models(models_dir)
        models[model.name] = model
        data = {
            "version": 1,
            "models": {name: models[name].to_json() for name in sorted(models)},
        }
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename
            "w", encoding="utf-8", dir=models_dir, prefix=".imported-", suffix=".tmp", delete=False
        )
        try:
            with handle:
                json.dump(data, handle, ensure_ascii=False, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, models_dir / REGISTRY_FILE)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise


@contextmanager
def _registry_lock(models_dir: Path) -> Iterator[None]:
    """One import writes the registry at a time (two at once would lose an entry)."""
    with open(models_dir / ".imported.lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
