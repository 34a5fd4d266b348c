"""The end-to-end results of the design search (a design's calibrated fidelity, a baseline's, the
search's fidelity model at a design), cached by what decides them, so that `make explore`
reproduces its front from cached data.

A result's key holds everything it depends on: what was evaluated (the design's functions, or
the baseline method and widths), a digest of the sentences and token limit (the corpora), and a
digest of the sources that compute it (SOURCES: the bit-accurate models and the calibration,
this package's fidelity code, the pinned requirements). A key that matches was computed by the
same code on the same data, so its result is the result; any change to those sources gives
other keys, and the results are computed again.

The run's results are written to docs/explore/fidelity_samples.json next to the cost snapshot; a
clean clone seeds its cache from it (rows whose key no longer matches the sources are never
read). The report says how many results were read and how many computed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from models.paths import BUILD_DIR, REPO_ROOT

CACHE_DIR = BUILD_DIR / "explore" / "fidelity"
SNAPSHOT = REPO_ROOT / "docs" / "explore" / "fidelity_samples.json"
SNAPSHOT_VERSION = 1
SOURCES = ("models", "flow/explore/fidelity.py", "flow/explore/space.py", "requirements.txt")


@cache
def sources_digest() -> str:
    """One digest of every source file a result depends on (tests excluded)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        root = REPO_ROOT / name
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*.py") if "tests" not in p.relative_to(root).parts and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def corpus_digest(*corpora: Sequence[str], max_tokens: int) -> str:
    digest = hashlib.sha256(f"max_tokens={max_tokens}".encode())
    for sentences in corpora:
        digest.update(b"\x1e" + "\x1f".join(sentences).encode())
    return digest.hexdigest()[:32]


def _file(key: dict[str, Any]) -> Path:
    return CACHE_DIR / f"{hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]}.json"


def read(key: dict[str, Any]) -> dict[str, float] | None:
    """The cached result of this key, or None (a file that does not parse is ignored: it is
    computed again and rewritten)."""
    try:
        data = json.loads(_file(key).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("value"), dict):
        return None
    return {str(k): float(v) for k, v in data["value"].items()}


def store(key: dict[str, Any], value: dict[str, float]) -> None:
    """Written under a unique name and moved into place, so that readers never see half a file."""
    path = _file(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump({"key": key, "value": value}, out, sort_keys=True)
    os.replace(tmp, path)


def write_snapshot(entries: Iterable[tuple[dict[str, Any], dict[str, float]]], path: Path | None = None,
                   command: str = "") -> None:
    path = SNAPSHOT if path is None else path   # read at call time (tests point SNAPSHOT elsewhere)
    rows = sorted(({"key": k, "value": v} for k, v in entries), key=lambda r: json.dumps(r["key"], sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": SNAPSHOT_VERSION, "generated_by": command, "results": rows},
                               indent=0, sort_keys=True) + "\n")


def seed_from_snapshot(path: Path | None = None) -> tuple[int, int]:
    """Put the snapshot's results into the cache; (rows of the current sources, all rows). A
    malformed snapshot is an error that names it, never half-read."""
    path = SNAPSHOT if path is None else path
    if not path.exists():
        return 0, 0
    try:
        data = json.loads(path.read_text())
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {SNAPSHOT_VERSION}")
        rows = [(dict(r["key"]), {str(k): float(v) for k, v in r["value"].items()}) for r in data["results"]]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"fidelity snapshot {path} is malformed ({err}); delete it, and `make explore` "
                         "computes the results again and rewrites it") from None
    current = [(k, v) for k, v in rows if k.get("sources") == sources_digest()]
    for key, value in current:
        if read(key) != value:
            store(key, value)
    return len(current), len(rows)


__all__ = ["CACHE_DIR", "SNAPSHOT", "SOURCES", "corpus_digest", "read", "seed_from_snapshot", "sources_digest",
           "store", "write_snapshot"]
