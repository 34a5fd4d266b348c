"""Runs a flow command from a script in this folder, whichever Python started the script.

The commands live in the `flow` package, installed into the project's .venv by `make venv`
(or any `make` target). Started by a Python that cannot import it (the system python3, say),
a script re-runs itself with .venv/bin/python, or says how to create it.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV = REPO_ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"


def run(module: str) -> NoReturn:
    if importlib.util.find_spec("flow") is None:
        if not VENV_PYTHON.exists():
            print(f"error: the project's Python environment is missing: run `make venv` in {REPO_ROOT} "
                  f"(it installs the pinned tools into .venv), then run this command again", file=sys.stderr)
            raise SystemExit(2)
        if Path(sys.prefix).resolve() == VENV.resolve():
            print(f"error: .venv exists but does not have the project installed: run `make venv` in "
                  f"{REPO_ROOT}", file=sys.stderr)
            raise SystemExit(2)
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), "-m", module, *sys.argv[1:]])
    sys.argv[0] = module
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    raise SystemExit(0)
