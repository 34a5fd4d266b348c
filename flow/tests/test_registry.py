"""Every registered unit is consistent with its bench: the tests it names exist there, its
rate test is one of them, and it configures, targets and validates."""

from __future__ import annotations

import importlib

import pytest

from tb.registry import UNITS


def bench_tests(module_name: str) -> set[str]:
    """The names @pyuvm.test registered in a bench module (it adds `__<Name>` attributes)."""
    module = importlib.import_module(module_name)
    return {name[2:] for name in vars(module) if name.startswith("__") and not name.endswith("__")}


@pytest.mark.parametrize("name", list(UNITS))
def test_spec_matches_its_bench(name: str) -> None:
    spec = UNITS[name]
    target = spec.target()
    registered = bench_tests(target.test_module)
    missing = [t for t in spec.tests if t not in registered]
    assert not missing, f"{name} names tests its bench lacks: {missing}"
    assert "StreamFile" in registered, f"{name}'s bench has no StreamFile test, so rtl_eval cannot run it"
    # StreamFile runs only with rtl_eval's input file; any other test the spec leaves out would
    # never run in the regression.
    unrun = sorted(registered - set(spec.tests) - {"StreamFile"})
    assert not unrun, f"{name}'s bench has tests its spec does not run: {unrun}"
    assert spec.rate_test in spec.tests and set(spec.accuracy_tests) <= set(spec.tests)
    assert spec.plot_test in spec.tests
    assert all(spec.target(c).tag != target.tag or c == spec.config() for c in spec.regression)
