"""I-BERT i-GELU unit bench: pyuvm tests (run inside the simulator) and the pytest regression.

Inside the simulator (module `tb.ibert_gelu.test_ibert_gelu`, top `ibert_gelu_unit`), the
shared scoreboard checks every output bit-exact against models/ibert.py IntGelu and keeps the
error against float64 torch GELU at the exact input values:
- ExhaustiveSweep: every input code, random gaps and backpressure; every coverage bin, and
  the error against GELU within the erf polynomial's own error (I-BERT Eq. 10).
- FullRate: no gaps, no backpressure; latency exactly LATENCY and Lanes elements per cycle.
- Backpressure: heavy gaps and backpressure on the erf's edge codes and random codes.

Under pytest: the one regression parameter set (Lanes 16), lint and elaboration checks, and the
RTL's parameter defaults against the model's constants.
"""

from __future__ import annotations

import math

import numpy as np
import pyuvm
import pytest

from tb.common.uvm_env import StreamTest, lanes_of
from tb.ibert_common import regression_seed
from tb.ibert_gelu.target import COVERAGE_BINS, IBertGeluConfig, IBertGeluTarget


def erf_polynomial_error(lo: float = -8.0, hi: float = 8.0, points: int = 400001) -> float:
    """Max |x/2 (1 + L(x/sqrt2)) - GELU(x)| of I-BERT's float polynomial (Eq. 10; a, b, c from
    the paper, restated here, not taken from the model) on a dense grid: the accuracy the
    integer datapath can at best reach."""
    from models.reference import gelu

    x = np.linspace(lo, hi, points)
    z = np.abs(x) / math.sqrt(2.0)
    erf = np.sign(x) * (-0.2888 * (np.minimum(z, 1.769) - 1.769) ** 2 + 1.0)
    return float(np.abs(x / 2.0 * (1.0 + erf) - gelu(x)).max())


def edge_codes(test: StreamTest) -> np.ndarray:
    """The erf's clip point and its neighbours on both sides, zero, and the format's ends."""
    model = test.bench.model
    fmt, clip = model.in_fmt, -model.model.b_int
    around = np.concatenate([clip + np.arange(-2, 3), -clip + np.arange(-2, 3)])
    codes = np.concatenate([[fmt.min_code, fmt.min_code + 1, -1, 0, 1, fmt.max_code - 1, fmt.max_code], around])
    return np.clip(codes, fmt.min_code, fmt.max_code)


@pyuvm.test()
class ExhaustiveSweep(StreamTest):
    required_coverage = COVERAGE_BINS

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        return [("all codes", lanes_of(model.in_fmt.all_codes(), model.lanes, pad_code=0))]

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        inputs = sb.results["inputs"].reshape(-1)
        fmt = self.bench.model.in_fmt
        assert np.array_equal(np.unique(inputs), fmt.all_codes()), "the sweep did not reach every input code"
        # Error where the polynomial was designed ([-8, 8], the whole SQ16.12 range here): the
        # integer datapath at 16 bits adds well under 1e-4 to the float form's error.
        bound = erf_polynomial_error() + 1e-4
        error = sb.results["rtl_error"]
        sb.results["error_bound"] = bound
        assert error["max_abs"] <= bound, f"max |GELU error| {error['max_abs']:.4e} exceeds {bound:.4e}"


@pyuvm.test()
class FullRate(StreamTest):
    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        fmt = model.in_fmt
        codes = self.np_rng.integers(fmt.min_code, fmt.max_code + 1, 512 * model.lanes)
        return [("random, full rate", lanes_of(codes, model.lanes))]

    def check_phase(self) -> None:
        super().check_phase()
        timing = self.env.scoreboard.results["timing"]
        expected = self.bench.model.latency
        assert timing["latency_min"] == timing["latency_max"] == expected, \
            f"latency without backpressure must be exactly {expected} cycles, measured {timing}"
        assert timing["elements_per_cycle"] == self.bench.config.lanes, \
            f"full rate must sustain {self.bench.config.lanes} elements/cycle, measured {timing}"


@pyuvm.test()
class Backpressure(StreamTest):
    idle_probability = 0.5
    stall_probability = 0.6
    required_coverage = ("erf:clip_point", "x:min_code", "x:max_code")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        fmt = model.in_fmt
        rand = self.np_rng.integers(fmt.min_code, fmt.max_code + 1, 512 * model.lanes)
        return [("edges", lanes_of(edge_codes(self), model.lanes)), ("random", lanes_of(rand, model.lanes))]


# ----------------------------------------------------------------------------------------
# pytest: one parameter set (the exhaustive 2^16 sweep at Lanes 16), static checks
# ----------------------------------------------------------------------------------------

REGRESSION = IBertGeluConfig(lanes=16)
BENCH_TESTS = ["ExhaustiveSweep", "FullRate", "Backpressure"]


def test_ibert_gelu_unit() -> None:
    from tb.common.runner import run_bench

    seed = regression_seed(300)
    print(f"{REGRESSION.tag}: seed {seed}")
    run = run_bench(IBertGeluTarget(REGRESSION), testcase=BENCH_TESTS, seed=seed)
    assert run.tests == len(BENCH_TESTS), f"expected {len(BENCH_TESTS)} bench tests, ran {run.tests}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"
    for test in BENCH_TESTS:
        r = run.results(test)
        print(f"  {test:16s} max err {r['rtl_error']['max_abs']:.4e} mean {r['rtl_error']['mean_abs']:.4e} "
              f"timing {r['timing']} ({run.test_seconds.get(test, float('nan')):.1f} s)")


def test_rtl_defaults_are_the_model_constants() -> None:
    """The defaults written in the RTL are the model's constants at SQ16.12 (the bench passes
    them explicitly, so only a stand-alone use of the RTL depends on this)."""
    from tb.ibert_common import param_int, rtl_defaults

    expected = {k: param_int(v) for k, v in IBertGeluTarget(IBertGeluConfig(lanes=16)).hdl_parameters().items()}
    assert rtl_defaults("ibert_gelu_unit.sv") == expected


def _lint(overrides: dict[str, int | str] | None = None) -> tuple[bool, str]:
    from tb.common.lint import verilator_lint

    target = IBertGeluTarget(IBertGeluConfig(lanes=4))
    sources, _ = target.prepare(None)  # type: ignore[arg-type]  (nothing is generated)
    return verilator_lint(sources, target.toplevel, {**target.hdl_parameters(), **(overrides or {})})


def test_ibert_gelu_lint_clean() -> None:
    ok, output = _lint()
    assert ok, output


@pytest.mark.parametrize("overrides,message", [
    ({"OutWidth": 43}, "OutWidth (43) is below the 44 bits"),
    ({"Lanes": 0}, "Lanes must be >= 1"),
    ({"BMag": 0}, "BMag (-b_int) must be in"),
])
def test_ibert_gelu_rejects_impossible_parameters(overrides: dict[str, int], message: str) -> None:
    ok, output = _lint(overrides)
    assert not ok and message in output, output
