"""The regression's sampled mutation campaign (the full one is `make mutate`): mutants drawn with a
fixed seed must each be killed by the unit's benches, fail to build, or be proved equivalent."""

from __future__ import annotations

import pytest

from flow.mutate import OPERATORS, make_mutants, run_mutant
from tb.registry import UNITS


def test_mutants_are_drawn_from_logic_only() -> None:
    for name, spec in UNITS.items():
        mutants = make_mutants(spec, 15, seed=1)
        assert len(mutants) == 15, f"{name}: too few mutation sites"
        for m in mutants:
            assert m.original != m.mutated and "$fatal" not in m.original and "gen_check" not in m.original
            assert m.operator in {o[0] for o in OPERATORS}


@pytest.mark.parametrize("unit,index", [("gelu", 10), ("softmax", 3)])
def test_a_sampled_mutant_does_not_survive(unit: str, index: int) -> None:
    mutant = run_mutant(make_mutants(UNITS[unit], 15, seed=1)[index], seed=1)
    assert mutant.outcome in ("killed", "equivalent", "invalid"), \
        f"{unit} mutant {mutant.file}:{mutant.line} {mutant.operator} survived: {mutant.original!r} -> {mutant.mutated!r}"
