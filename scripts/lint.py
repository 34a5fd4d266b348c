#!/usr/bin/env python3
"""`make lint`: verilator --lint-only -Wall on every unit and on the core's parameter sets."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tb.common.lint import lint_all  # noqa: E402


def main() -> None:
    failed = 0
    for result in lint_all():
        print(f"{'clean' if result.ok else 'FAIL '}  {result.name}")
        if not result.ok:
            failed += 1
            print(result.output)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
