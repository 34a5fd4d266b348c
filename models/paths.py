"""Where the project lives and where generated files go (no heavy imports, so commands can
check their arguments before loading torch)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build"
