"""Lint and elaboration checks of the RTL (no simulation): clean under -Wall, and every
impossible parameter combination stops elaboration with a message that names it."""

from __future__ import annotations

import pytest

from models.units import UnitConfig
from tb.common.lint import lint_all, unit_lint_sources, verilator_lint
from tb.common.runner import core_sources


def test_lint_clean() -> None:
    dirty = [r for r in lint_all() if not r.ok]
    assert not dirty, "\n\n".join(f"{r.name}:\n{r.output}" for r in dirty)


@pytest.mark.parametrize("params,message", [
    ({"Entries": 1}, "Entries must be >= 2"),
    ({"Lanes": 0}, "Lanes must be >= 1"),
    ({"InterceptFrac": 40}, "InterceptFrac"),
    ({"OutFrac": 30, "SlopeFrac": 2}, "OutFrac"),
    ({"InterceptWidth": 60}, "AccWidth must be <= 64"),
])
def test_core_rejects_impossible_parameters(params: dict[str, int], message: str) -> None:
    ok, output = verilator_lint(core_sources(), "nnlut_core", params)
    assert not ok and message in output, output


def test_unit_rejects_parameters_that_differ_from_its_table() -> None:
    sources = unit_lint_sources(UnitConfig())
    ok, output = verilator_lint(sources, "gelu_unit", {"Entries": 32})
    assert not ok and "regenerate the table" in output, output
