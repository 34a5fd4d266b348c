"""The regression's simulations: every registered unit's bench tests on each of its regression
configurations, each in its own build folder under build/sim/."""

from __future__ import annotations

import pytest

from flow.runner import run_bench
from models.paths import REPO_ROOT
from tb.registry import UNITS

CASES = [(spec, index, config) for spec in UNITS.values() for index, config in enumerate(spec.regression)]


@pytest.mark.parametrize("spec,index,config", CASES, ids=[spec.target(c).tag for spec, _, c in CASES])
def test_unit_bench(spec, index, config) -> None:  # type: ignore[no-untyped-def]
    target = spec.target(config)
    seed = spec.regression_seed(index)
    print(f"{spec.name} {target.tag}: seed {seed} (COCOTB_RANDOM_SEED; NNLUT_SEED moves every unit's seeds)")
    run = run_bench(target, testcase=list(spec.tests), seed=seed)
    for test in spec.tests:
        path = run.results_dir / f"{test}.json"
        if path.exists():
            r = run.results(test)
            err = r.get("rtl_error", {})
            print(f"  {test:18s} max err {err.get('max_abs', float('nan')):.3e} "
                  f"mean {err.get('mean_abs', float('nan')):.3e} {r.get('rate', '')} "
                  f"({run.test_seconds.get(test, float('nan')):.1f} s)")
    assert run.tests == len(spec.tests), f"expected {len(spec.tests)} bench tests, ran {run.tests}; log: {run.build_dir / 'sim.log'}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"
    # ccache shares compiled objects between clones only if the C++ is the same text in each.
    absolute = [p.name for p in run.build_dir.glob("Vtop*.cpp") if str(REPO_ROOT) in p.read_text(errors="replace")]
    assert not absolute, f"generated C++ names the checkout's absolute path: {absolute}"


def test_the_simulator_rewrites_only_the_benches_assertions() -> None:
    """cocotb hands the pattern to pytest's assertion rewriter: the benches' files match it, and
    the libraries they import (rewritten from source in every simulator process) do not."""
    from pathlib import Path

    import numpy
    from _pytest.pathlib import fnmatch_ex

    import tb.common.uvm_env
    from flow.runner import REWRITE_ASSERTION_FILES

    patterns = REWRITE_ASSERTION_FILES.split()
    assert any(fnmatch_ex(p, Path(tb.common.uvm_env.__file__)) for p in patterns)
    assert not any(fnmatch_ex(p, Path(numpy.__file__)) for p in patterns)
