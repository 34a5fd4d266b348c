"""I-BERT Softmax unit bench: pyuvm tests (run inside the simulator) and the pytest regression.

Inside the simulator (module `tb.ibert_softmax.test_ibert_softmax`, top `ibert_softmax_unit`),
the shared scoreboard checks every output bit-exact against models/ibert.py IntSoftmax and
keeps the error against float64 torch.softmax at the exact input values:
- RandomRows: attention-like logits plus ramp rows that put an element at every power-of-two
  exponent z of the i-exp; random gaps and backpressure; every z covered.
- EqualRows: all-equal rows (p = 1/N up to the integer normalisation), extreme codes included.
- DominantRows: one dominant logit (the others' exps underflow to 0, the output reaches its
  top code) and near-ties.
- ExtremeRows: only the most negative and most positive codes (d clamped at 30 x0).
- FullRateRows: back-to-back rows, no gaps, no backpressure: Lanes elements per cycle in and
  out (>= 0.95 Lanes required, exactly Lanes documented) and the documented row latency.
- BackpressureRows: heavy gaps and backpressure over random and extreme rows.
Every test also bounds the error against softmax by the i-exp polynomial's (see error_bound).
"""

from __future__ import annotations

import math

import numpy as np
import pyuvm
import pytest

from tb.common.uvm_env import StreamTest, lanes_of
from tb.ibert_common import regression_seed
from tb.ibert_softmax.target import IBertSoftmaxConfig, IBertSoftmaxStreamModel, IBertSoftmaxTarget

THROUGHPUT_FLOOR = 0.95
BEATS_PER_TEST = 768


def iexp_relative_error() -> float:
    """Max relative error of I-BERT's float exp polynomial 0.3585 (r + 1.353)^2 + 0.344 on
    (-ln2, 0] (Eq. 13; constants restated from the paper, not taken from the model)."""
    r = np.linspace(-math.log(2.0), 0.0, 200001)
    return float(np.abs((0.3585 * (r + 1.353) ** 2 + 0.344) / np.exp(r) - 1.0).max())


# ----------------------------------------------------------------------------------------
# Row generators (real logits quantized to the input format, or codes directly)
# ----------------------------------------------------------------------------------------

def quantize(config: IBertSoftmaxConfig, x: np.ndarray) -> np.ndarray:
    from models.fixedpoint import FixedFormat

    fmt = FixedFormat(config.in_bits, config.in_frac)
    return fmt.quantize(np.clip(x, fmt.min_value, fmt.max_value))


def attention_rows(rng: np.random.Generator, config: IBertSoftmaxConfig, rows: int) -> np.ndarray:
    spread = rng.choice([0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0], size=(rows, 1))
    offset = rng.uniform(-8.0, 8.0, size=(rows, 1))
    return quantize(config, offset + spread * rng.standard_normal((rows, config.row_length)))


def ramp_rows(rng: np.random.Generator, config: IBertSoftmaxConfig, rows: int) -> np.ndarray:
    """Rows whose elements fall below the row maximum by 0 .. 32 ln2, so together they reach
    every exponent z = floor(d / x0) of the range reduction (and the clamp at 30)."""
    n = config.row_length
    top = rng.uniform(-2.0, 2.0, (rows, 1))
    depth = rng.uniform(0.0, 32 * math.log(2.0), (rows, n))
    depth[:, 0] = 0.0
    return quantize(config, top - depth)


def equal_rows(rng: np.random.Generator, config: IBertSoftmaxConfig, rows: int) -> np.ndarray:
    lo, hi = -(1 << (config.in_bits - 1)), (1 << (config.in_bits - 1)) - 1
    values = np.concatenate([[lo, hi, 0, -1], rng.integers(lo, hi + 1, max(0, rows - 4))])
    return np.repeat(values[:rows, None], config.row_length, axis=1)


def dominant_rows(rng: np.random.Generator, config: IBertSoftmaxConfig, rows: int) -> np.ndarray:
    """One logit far above the rest (gap 12..20: the others' i-exps are 0 or a few codes), and a
    quarter of the rows with a second logit within 1.0 of the top."""
    n = config.row_length
    top = rng.uniform(2.0, 15.0, rows)
    x = top[:, None] - rng.uniform(12.0, 20.0, (rows, 1)) - rng.uniform(0.0, 8.0, (rows, n))
    where = rng.integers(0, n, rows)
    x[np.arange(rows), where] = top
    if n > 1:
        near = rng.random(rows) < 0.25
        second = (where + 1 + rng.integers(0, n - 1, rows)) % n
        x[near, second[near]] = top[near] - rng.uniform(0.0, 1.0, int(near.sum()))
    return quantize(config, x)


def extreme_rows(rng: np.random.Generator, config: IBertSoftmaxConfig, rows: int) -> np.ndarray:
    lo, hi = -(1 << (config.in_bits - 1)), (1 << (config.in_bits - 1)) - 1
    x = rng.choice(np.array([lo, lo + 1, hi - 1, hi]), size=(rows, config.row_length))
    x[0] = lo
    if rows > 1:
        x[1] = hi
    if rows > 2:
        x[2] = lo
        x[2, rng.integers(0, config.row_length)] = hi
    return x


def rows_to_beats(rows: np.ndarray, lanes: int) -> np.ndarray:
    return lanes_of(rows.reshape(-1), lanes)


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------

class IBertSoftmaxTest(StreamTest):
    """Base: row helpers and the error bound against float64 softmax."""

    @property
    def model(self) -> IBertSoftmaxStreamModel:
        return self.bench.model

    @property
    def config(self) -> IBertSoftmaxConfig:
        return self.bench.model.config

    def n_rows(self, scale: float = 1.0) -> int:
        return max(4, int(scale * BEATS_PER_TEST) // self.config.beats_per_row)

    def beats(self, rows: np.ndarray) -> np.ndarray:
        return rows_to_beats(rows, self.config.lanes)

    @property
    def error_bound(self) -> float:
        """With every exp off by a relative delta_j, |delta_j| <= eps, p_i moves by
        p_i (delta_i - dbar) / (1 + dbar), dbar = sum_j p_j delta_j, at most
        p_i (1 - p_i) 2 eps / (1 - eps) <= eps / (2 (1 - eps)); each 16-bit exp also rounds by
        half a code, which moves the sum by at most N/2 codes of a sum >= T (the maximum's
        code); and the factor's and the output's floors cost at most 2 output LSBs."""
        m = self.model.model
        top = int(m.exp(np.zeros(1, dtype=np.int64))[0])
        eps = iexp_relative_error()
        return eps / (2 * (1 - eps)) + self.config.row_length / 2 / top + 2 * 2.0 ** -self.config.out_bits

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        error = sb.results.get("rtl_error")
        assert error is not None, "no outputs were checked"
        sb.results["error_bound"] = self.error_bound
        assert error["max_abs"] <= self.error_bound, \
            f"max |p - softmax| = {error['max_abs']:.3e} exceeds {self.error_bound:.3e}: {error}"


@pyuvm.test()
class RandomRows(IBertSoftmaxTest):
    required_coverage = ("row:spread", "row:underflow", "row:clamped", "exp:z[")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rng, cfg = self.np_rng, self.config
        return [("attention-like rows", self.beats(attention_rows(rng, cfg, self.n_rows()))),
                ("ramp rows", self.beats(ramp_rows(rng, cfg, 4)))]


@pyuvm.test()
class EqualRows(IBertSoftmaxTest):
    required_coverage = ("row:all_equal", "row:has_min_code", "row:has_max_code")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [("all-equal rows", self.beats(equal_rows(self.np_rng, self.config, self.n_rows(0.5))))]

    def check_phase(self) -> None:
        super().check_phase()
        # All exps equal T: factor = floor(2^32 / (N T)), every output the same code.
        outputs = self.env.scoreboard.results["outputs"].reshape(-1, self.config.row_length)
        assert (outputs == outputs[:, :1]).all(), "an all-equal row produced unequal outputs"


@pyuvm.test()
class DominantRows(IBertSoftmaxTest):
    required_coverage = ("row:dominant", "row:underflow", "row:top_code")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [("dominant rows", self.beats(dominant_rows(self.np_rng, self.config, self.n_rows(0.5))))]


@pyuvm.test()
class ExtremeRows(IBertSoftmaxTest):
    required_coverage = ("row:has_min_code", "row:has_max_code", "row:clamped", "row:underflow")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [("extreme codes", self.beats(extreme_rows(self.np_rng, self.config, self.n_rows(0.5))))]


@pyuvm.test()
class FullRateRows(IBertSoftmaxTest):
    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [("back-to-back rows", self.beats(attention_rows(self.np_rng, self.config, self.n_rows())))]

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        lanes, beats = self.config.lanes, self.config.beats_per_row
        in_cycles, out_cycles = np.asarray(sb.inputs.cycles), np.asarray(sb.outputs.cycles)
        in_rate = len(in_cycles) * lanes / (in_cycles[-1] - in_cycles[0] + 1)
        out_rate = len(out_cycles) * lanes / (out_cycles[-1] - out_cycles[0] + 1)
        rows = len(in_cycles) // beats
        latency = out_cycles[np.arange(rows) * beats] - in_cycles[np.arange(1, rows + 1) * beats - 1]
        expected = self.config.row_latency()
        sb.results["rows"] = {"rows": rows, "in_elements_per_cycle": in_rate, "out_elements_per_cycle": out_rate,
                              "row_latency_min": int(latency.min()), "row_latency_max": int(latency.max()),
                              "row_latency_documented": expected}
        self.logger.info(f"back-to-back rows: {sb.results['rows']}")
        for name, rate in (("input", in_rate), ("output", out_rate)):
            assert rate >= THROUGHPUT_FLOOR * lanes, \
                f"{name} throughput {rate:.3f} elements/cycle is below {THROUGHPUT_FLOOR} x {lanes}"
            assert rate == lanes, f"{name} has bubbles: {rate:.4f} elements/cycle, documented {lanes}"
        assert latency.min() == latency.max() == expected, \
            f"row latency {latency.tolist()[:8]}... differs from the documented {expected} cycles"


@pyuvm.test()
class BackpressureRows(IBertSoftmaxTest):
    idle_probability = 0.5
    stall_probability = 0.6
    required_coverage = ("row:has_min_code", "row:has_max_code")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rng, cfg = self.np_rng, self.config
        return [("random", self.beats(attention_rows(rng, cfg, self.n_rows(0.5)))),
                ("extreme", self.beats(extreme_rows(rng, cfg, self.n_rows(0.25))))]


# ----------------------------------------------------------------------------------------
# pytest: one parameter set, static checks
# ----------------------------------------------------------------------------------------

REGRESSION = IBertSoftmaxConfig(row_length=128, lanes=4)
BENCH_TESTS = ["RandomRows", "EqualRows", "DominantRows", "ExtremeRows", "FullRateRows", "BackpressureRows"]


def test_ibert_softmax_unit() -> None:
    from tb.common.runner import run_bench

    seed = regression_seed(400)
    print(f"{REGRESSION.tag}: seed {seed}")
    run = run_bench(IBertSoftmaxTarget(REGRESSION), testcase=BENCH_TESTS, seed=seed)
    assert run.tests == len(BENCH_TESTS), f"expected {len(BENCH_TESTS)} bench tests, ran {run.tests}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"
    for test in BENCH_TESTS:
        r = run.results(test)
        print(f"  {test:16s} max err {r['rtl_error']['max_abs']:.3e} mean {r['rtl_error']['mean_abs']:.3e} "
              f"(bound {r['error_bound']:.3e}) {r.get('rows', '')} ({run.test_seconds.get(test, float('nan')):.1f} s)")


def test_stream_model_cuts_rows() -> None:
    """The bench's model outside the simulator: beats regrouped into rows, reference rows summing
    to 1, a stream that stops inside a row refused."""
    from tb.ibert_softmax.target import softmax_stream_model

    config = IBertSoftmaxConfig(row_length=8, lanes=2)
    model = softmax_stream_model({"ibert_softmax": config.to_dict()})
    rows = attention_rows(np.random.default_rng(5), config, 3)
    beats = rows_to_beats(rows, config.lanes)
    assert np.array_equal(model.predict(beats), model.model.forward(rows).reshape(12, 2))
    assert np.allclose(model.reference(beats).reshape(3, 8).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="not a whole number of rows"):
        model.predict(beats[:-1])


def test_rtl_defaults_are_the_model_constants() -> None:
    from tb.ibert_common import param_int, rtl_defaults

    expected = {k: param_int(v) for k, v in IBertSoftmaxTarget(REGRESSION).hdl_parameters().items()}
    assert rtl_defaults("ibert_softmax_unit.sv") == expected


def _lint(config: IBertSoftmaxConfig, overrides: dict[str, int | str] | None = None) -> tuple[bool, str]:
    from tb.common.lint import verilator_lint

    target = IBertSoftmaxTarget(config)
    sources, _ = target.prepare(None)  # type: ignore[arg-type]  (nothing is generated)
    return verilator_lint(sources, target.toplevel, {**target.hdl_parameters(), **(overrides or {})})


@pytest.mark.parametrize("config", [REGRESSION, IBertSoftmaxConfig(row_length=1, lanes=1, out_bits=32),
                                    IBertSoftmaxConfig(row_length=512, lanes=16, in_frac=10, div_bits_per_cycle=1)],
                         ids=lambda c: c.tag)
def test_ibert_softmax_lint_clean(config: IBertSoftmaxConfig) -> None:
    ok, output = _lint(config)
    assert ok, output


@pytest.mark.parametrize("overrides,message", [
    ({"RowLength": 130}, "must be a multiple of Lanes"),
    ({"Lanes": 0}, "Lanes must be >= 1"),
    # p(0) = 2770^2 + 715708 = 2^23, and 2^23 / 2^9: the maximum's exp would be 2^14.
    ({"CInt": "64'd715708", "Mult": "64'd1", "ReqShift": 9}, "must be >= 2 and not a power of two"),
    ({"OutBits": 33}, "OutBits (33) must be in [1, MaxBit = 32]"),
    ({"BInt": "64'd1000"}, "need 1 <= X0Mag <= BInt"),
])
def test_ibert_softmax_rejects_impossible_parameters(overrides: dict[str, int | str], message: str) -> None:
    ok, output = _lint(REGRESSION, overrides)
    assert not ok and message in output, output
