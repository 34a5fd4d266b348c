"""Lint and elaboration checks of the RTL (no simulation): every unit clean under -Wall at every
configuration it declares, and every impossible parameter combination stopping elaboration with
a message that names it; the baselines' RTL defaults equal to their models' constants."""

from __future__ import annotations

import pytest

from flow.lint import CORE_PARAMETER_SETS, CORE_REJECTIONS, lint_core, lint_unit, rtl_defaults, unit_lint_configs
from tb.common.hdl import param_int
from tb.registry import UNITS

LINT_CASES = [(spec, config) for spec in UNITS.values() for config in unit_lint_configs(spec)]
REJECTION_CASES = [(spec, overrides, message) for spec in UNITS.values() for overrides, message in spec.rejections]


@pytest.mark.parametrize("spec,config", LINT_CASES, ids=[spec.target(c).tag for spec, c in LINT_CASES])
def test_unit_lint_clean(spec, config) -> None:  # type: ignore[no-untyped-def]
    ok, output = lint_unit(spec, config)
    assert ok, output


@pytest.mark.parametrize("spec,overrides,message", REJECTION_CASES,
                         ids=[f"{s.name}-{'-'.join(f'{k}={v}' for k, v in o.items())}" for s, o, _ in REJECTION_CASES])
def test_unit_rejects_impossible_parameters(spec, overrides, message) -> None:  # type: ignore[no-untyped-def]
    ok, output = lint_unit(spec, spec.config(), dict(overrides))
    assert not ok and message in output, output


@pytest.mark.parametrize("params", CORE_PARAMETER_SETS, ids=[str(p) or "defaults" for p in CORE_PARAMETER_SETS])
def test_core_lint_clean(params: dict[str, int]) -> None:
    ok, output = lint_core(params)
    assert ok, output


@pytest.mark.parametrize("params,message", CORE_REJECTIONS, ids=[str(p) for p, _ in CORE_REJECTIONS])
def test_core_rejects_impossible_parameters(params: dict[str, int], message: str) -> None:
    ok, output = lint_core(params)
    assert not ok and message in output, output


DEFAULT_CASES = [spec for spec in UNITS.values() if spec.rtl_defaults is not None]


@pytest.mark.parametrize("spec", DEFAULT_CASES, ids=[s.name for s in DEFAULT_CASES])
def test_rtl_defaults_are_the_model_constants(spec) -> None:  # type: ignore[no-untyped-def]
    """The defaults written in the RTL top are the model's constants (the bench passes them
    explicitly, so only a stand-alone use of the RTL depends on this)."""
    target = spec.target(spec.rtl_defaults)
    sources, _ = target.prepare(None)
    top = next(s for s in sources if s.stem == target.toplevel)
    expected = {k: param_int(v) for k, v in target.hdl_parameters().items()}
    assert rtl_defaults(top) == expected
