"""The learned extractor's decision models: plain JSON data, scored by a pure-Python dot product.

A model file is one JSON object:

    {"format": "kpolicy-extractor", "version": 1, "id": "corpus-3f2a...", "created": "...",
     "base": null, "training": {"documents": [...], "examples": {...}}, "metrics": {...},
     "decisions": {"event": {"kind": "binary", "classes": [false, true], "features": [...],
                             "weights": [[...]], "bias": [...]}, "type": {...}, ...},
     "sha256": "<hex digest of the canonical JSON of everything above>"}

Each decision is a linear model over named features: `weights[k][j]` is the weight of
`features[j]` for class k (a binary decision keeps one row, for its positive class). Loading
checks the format, the version and the sha256 before anything is used, and refuses a file that
is missing, truncated, of another version or changed since it was written, in one line naming
the fix; the file is parsed with `json`, so nothing in it can run as code.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from kpolicy.errors import BadInput

FORMAT = "kpolicy-extractor"
VERSION = 1
SHIPPED = "extractor-model.json"  # in kpolicy/data
FIX = "reinstall kpolicy (`pip install --force-reinstall kpolicy`) or use `--extractor rules`"


def content_sha256(doc: dict) -> str:
    """The sha256 over a model's canonical JSON without its own `sha256` key."""
    body = {k: v for k, v in doc.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def seal(doc: dict) -> dict:
    """`doc` with its sha256 set (the id, when not given, derives from it)."""
    doc = {k: v for k, v in doc.items() if k != "sha256"}
    if not doc.get("id"):
        doc["id"] = "model-" + content_sha256(doc)[:12]
    doc["sha256"] = content_sha256(doc)
    return doc


@dataclass
class Decision:
    """One linear decision: classes, feature index, weights per class, biases."""

    name: str
    kind: str  # 'binary' | 'multiclass'
    classes: list
    index: dict[str, int]
    weights: list[list[float]]
    bias: list[float]

    def scores(self, feats: dict[str, float]) -> list[float]:
        out = list(self.bias)
        for f, v in feats.items():
            j = self.index.get(f)
            if j is None:
                continue
            for k, row in enumerate(self.weights):
                out[k] += row[j] * v
        return out

    def probabilities(self, feats: dict[str, float]) -> dict:
        """Class -> probability (logistic for binary, softmax for multiclass)."""
        s = self.scores(feats)
        if self.kind == "binary":
            p = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, s[0]))))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        m = max(s)
        ex = [math.exp(x - m) for x in s]
        z = sum(ex)
        return {c: e / z for c, e in zip(self.classes, ex)}

    def predict(self, feats: dict[str, float], allowed=None):
        probs = self.probabilities(feats)
        if allowed:
            probs = {c: p for c, p in probs.items() if c in allowed} or probs
        best = max(probs, key=probs.get)
        return best, probs[best]

    def explain(self, feats: dict[str, float], cls, top: int = 6) -> list[tuple[str, float]]:
        """The features that pushed towards `cls` most (value x weight), largest first."""
        if self.kind == "binary":
            k, sign = 0, (1.0 if cls == self.classes[1] else -1.0)
        else:
            k, sign = self.classes.index(cls), 1.0
        row = self.weights[k]
        contrib = [(f, sign * row[self.index[f]] * v) for f, v in feats.items() if f in self.index]
        contrib.sort(key=lambda fv: -abs(fv[1]))
        return [(f, round(c, 3)) for f, c in contrib[:top] if c]

    def to_json(self) -> dict:
        feats = sorted(self.index, key=self.index.get)
        return {"kind": self.kind, "classes": self.classes, "features": feats,
                "weights": [[round(w, 5) for w in row] for row in self.weights], "bias": [round(b, 5) for b in self.bias]}


@dataclass
class Model:
    """A loaded, verified model: its id, metadata and decisions."""

    id: str
    doc: dict
    decisions: dict[str, Decision]

    def __getitem__(self, name: str) -> Decision:
        return self.decisions[name]

    def __contains__(self, name: str) -> bool:
        return name in self.decisions


def decision_from_json(name: str, d: dict) -> Decision:
    feats = d["features"]
    weights = d["weights"]
    if d["kind"] not in ("binary", "multiclass") or any(len(row) != len(feats) for row in weights) \
            or len(weights) != (1 if d["kind"] == "binary" else len(d["classes"])) or len(d["bias"]) != len(weights):
        raise ValueError(f"decision {name!r} is malformed")
    return Decision(name, d["kind"], list(d["classes"]), {f: j for j, f in enumerate(feats)},
                    [[float(w) for w in row] for row in weights], [float(b) for b in d["bias"]])


def model_from_doc(doc, where: str, fix: str = FIX) -> Model:
    """Verify a parsed model document and build its decisions; BadInput naming `fix` otherwise."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BadInput(f"{where} is not a kpolicy extractor model; {fix}")
    if doc.get("version") != VERSION:
        raise BadInput(f"{where} is an extractor model of version {doc.get('version')!r}, this kpolicy reads version {VERSION}; {fix}")
    if doc.get("sha256") != content_sha256(doc):
        raise BadInput(f"{where} does not match its sha256 (changed or damaged since it was written); {fix}")
    try:
        decisions = {name: decision_from_json(name, d) for name, d in doc["decisions"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadInput(f"{where} is malformed ({exc}); {fix}") from None
    return Model(str(doc.get("id")), doc, decisions)


def load_model_file(path: Path, fix: str = FIX) -> Model:
    """Read and verify a model file (JSON only; nothing in it is run)."""
    where = f"extractor model {path}"
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{where} is missing; {fix}") from None
    except OSError as exc:
        raise BadInput(f"{where} cannot be read ({exc.strerror}); {fix}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput(f"{where} is truncated or not JSON; {fix}") from None
    return model_from_doc(doc, where, fix)


_SHIPPED_CACHE: dict[str, Model] = {}


def shipped_model_path() -> Path:
    from importlib.resources import files

    return Path(str(files("kpolicy.data").joinpath(SHIPPED)))


def shipped_model() -> Model:
    """The model shipped in the package (loaded once per process, on first use)."""
    path = shipped_model_path()
    key = str(path)
    if key not in _SHIPPED_CACHE:
        _SHIPPED_CACHE[key] = load_model_file(path)
    return _SHIPPED_CACHE[key]
