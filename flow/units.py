"""`make units`: the registered units, what they are, and their options with defaults.

    python -m flow.units
"""

from __future__ import annotations

from tb.registry import UNITS


def main() -> None:
    for spec in UNITS.values():
        options = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in spec.options().items())
        print(f"{spec.name:18s} {spec.op:10s} {spec.method:7s} {spec.note}")
        print(f"{'':18s} options: {options}")
        print(f"{'':18s} bench tests: {', '.join(spec.tests)}")


if __name__ == "__main__":
    main()
