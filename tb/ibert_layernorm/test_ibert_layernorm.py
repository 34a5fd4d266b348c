"""I-BERT LayerNorm unit bench: pyuvm tests (run inside the simulator) and the pytest regression.

Inside the simulator (module `tb.ibert_layernorm.test_ibert_layernorm`, top
`ibert_layernorm_unit`), the shared scoreboard checks every output bit-exact against
models/ibert.py IntLayerNorm and keeps the error against float64 torch layer_norm at the exact
input values. Every test also checks each output of every row whose variance keeps the shift at
0 against an error bound derived from the datapath's roundings (accuracy_bound):
- RandomRows: Gaussian rows plus rows whose sum is a rounding tie for the mean.
- ConstantRows: constant rows (exactly 0 out) and rows within +-1 code of a constant.
- OutlierRows: one element far from a quiet row.
- FullScaleRows: codes over the whole format, and rows just past 2^MaxBit in sum of squares
  (the dynamic shift > 0).
- FullRateRows: back-to-back rows, no gaps, no backpressure: Lanes elements per cycle in and
  out (>= 0.95 Lanes required, exactly Lanes documented) and every row's latency equal to
  the documented RowLatency.
- BackpressureRows: every row kind under heavy gaps and backpressure.
"""

from __future__ import annotations

import math

import numpy as np
import pyuvm
import pytest

from tb.common.uvm_env import StreamTest, lanes_of
from tb.ibert_common import regression_seed
from tb.ibert_layernorm.target import IBertLayerNormConfig, IBertLayerNormStreamModel, IBertLayerNormTarget

THROUGHPUT_FLOOR = 0.95
ROWS_PER_TEST = 24


# ----------------------------------------------------------------------------------------
# Row generators (codes of the input format)
# ----------------------------------------------------------------------------------------

def code_range(config: IBertLayerNormConfig) -> tuple[int, int]:
    return -(1 << (config.in_bits - 1)), (1 << (config.in_bits - 1)) - 1


def random_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    """Gaussian: mean uniform in +-8, standard deviation log-uniform in [2^-4, 2^4] (real units)."""
    lo, hi = code_range(config)
    mean = rng.uniform(-8, 8, (rows, 1))
    std = 2.0 ** rng.uniform(-4, 4, (rows, 1))
    return np.clip(np.rint(rng.normal(mean, std, (rows, config.dim)) * 2.0 ** config.in_frac), lo, hi).astype(np.int64)


def tie_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    """Random rows nudged so that sum / D lies exactly half-way between two codes (D even)."""
    x = random_rows(rng, config, rows)
    d = config.dim
    if d % 2:
        return x
    delta = (d // 2 - x.sum(axis=1) % d) % d
    x[:, 0] = np.where(x[:, 0] + delta <= code_range(config)[1], x[:, 0] + delta, x[:, 0] + delta - d)
    return x


def constant_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    lo, hi = code_range(config)
    level = rng.integers(lo, hi + 1, (rows, 1))
    level[: min(rows, 3), 0] = [lo, hi, 0][: min(rows, 3)]
    return np.repeat(level, config.dim, axis=1)


def near_constant_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    lo, hi = code_range(config)
    level = rng.integers(lo + 2, hi - 2, (rows, 1))
    return level + rng.choice(np.array([-1, 0, 0, 0, 1]), (rows, config.dim))


def outlier_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    """Quiet rows (noise of a few codes, or exactly constant) with one element far out."""
    lo, hi = code_range(config)
    x = np.rint(rng.normal(0.0, 4.0, (rows, config.dim))).astype(np.int64)
    x[rng.random(rows) < 0.5] = 0
    where = rng.integers(0, config.dim, rows)
    x[np.arange(rows), where] = rng.choice(np.array([-1, 1]), rows) * rng.integers(hi // 4, hi + 1, rows)
    return np.clip(x, lo, hi)


def fullscale_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    lo, hi = code_range(config)
    x = rng.integers(lo, hi + 1, (rows, config.dim))
    ends = rng.random(rows) < 0.5
    x[ends] = np.where(rng.random((int(ends.sum()), config.dim)) < 0.5, lo, hi)
    return x


def wide_rows(rng: np.random.Generator, config: IBertLayerNormConfig, rows: int) -> np.ndarray:
    """Zero-mean Gaussian rows whose sum of squares lands between 2^(max_bit + 0.2) and
    2^(max_bit + 1.8): the variance needs the dynamic shift s = 1 (2^max_bit <= sum y^2 <
    2^(max_bit + 2))."""
    lo, hi = code_range(config)
    std = np.sqrt(2.0 ** (config.max_bit + rng.uniform(0.2, 1.8, (rows, 1))) / config.dim)
    return np.clip(np.rint(rng.normal(0.0, 1.0, (rows, config.dim)) * std), lo, hi).astype(np.int64)


GENERATORS = {"random": random_rows, "tie": tie_rows, "constant": constant_rows,
              "near_constant": near_constant_rows, "outlier": outlier_rows, "fullscale": fullscale_rows,
              "wide": wide_rows}


def accuracy_bound(x: np.ndarray, max_bit: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-element bound on |out - layer_norm| (normalised units) for rows whose shift is 0,
    derived from the datapath, not from the model: with v = sum (x - mu)^2 (exact, code^2),
    y = x - mu - delta (|delta| <= 1/2, the rounded mean), r = isqrt(sum y^2) in
    (sqrt(v) - 1, sqrt(v + D/4)], F = floor(2^31 / r), out = floor(y F / 2):
      |out sqrt(D) / 2^30 - (x - mu) sqrt(D / v)| <= sqrt(D) (|x - mu| |1/r - 1/sqrt v|
          + 1/2 / r + |y| 2^-31 + 2^-30),
      |1/r - 1/sqrt v| <= max(1 / (sqrt v (sqrt v - 1)), D / (8 v^1.5)).
    Returns (rows the bound applies to: sum y^2 < 2^max_bit for sure and v > 4, bound)."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[1]
    dev = x - x.mean(axis=1, keepdims=True)
    v = (dev ** 2).sum(axis=1, keepdims=True)
    applies = ((v > 4) & (v + d / 4 < 2.0 ** max_bit))[:, 0]
    sv = np.sqrt(np.maximum(v, 4.0))
    k = np.maximum(1 / (sv * (sv - 1)), d / (8 * sv ** 3))
    bound = math.sqrt(d) * (np.abs(dev) * k + 0.5 / (sv - 1) + (np.abs(dev) + 0.5) * 2.0 ** -31 + 2.0 ** -30)
    return applies, bound + 1e-9  # float64 slack of the reference


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------

class IBertLayerNormTest(StreamTest):
    row_kinds: tuple[str, ...] = ("random",)

    @property
    def model(self) -> IBertLayerNormStreamModel:
        return self.bench.model

    @property
    def config(self) -> IBertLayerNormConfig:
        return self.bench.model.config

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        per_kind = max(4, ROWS_PER_TEST // len(self.row_kinds))
        return [(f"{per_kind} {kind} rows",
                 lanes_of(GENERATORS[kind](self.np_rng, self.config, per_kind).reshape(-1), self.config.lanes))
                for kind in self.row_kinds]

    async def drain(self, timeout_cycles: int = 0) -> None:
        # Outputs wait for their whole row, and backpressure stretches rows.
        await super().drain(timeout_cycles or 60 * self.config.beats_per_row + 4000)

    def check_phase(self) -> None:
        super().check_phase()
        sb, c = self.env.scoreboard, self.config
        x = sb.results["inputs"].reshape(-1, c.dim)
        out = self.model.out_fmt.to_real(sb.results["outputs"]).reshape(-1, c.dim)
        ref = sb.results["reference"].reshape(-1, c.dim)
        applies, bound = accuracy_bound(x, c.max_bit)
        excess = (np.abs(out - ref) - bound)[applies]
        sb.results["accuracy_rows_checked"] = int(applies.sum())
        assert excess.size == 0 or excess.max() <= 0, \
            f"an output exceeds the datapath's error bound by {excess.max():.3e}"
        constant = (x == x[:, :1]).all(axis=1)
        assert not sb.results["outputs"].reshape(-1, c.dim)[constant].any(), "a constant row did not give 0"


@pyuvm.test()
class RandomRows(IBertLayerNormTest):
    row_kinds = ("random", "tie")
    required_coverage = ("shift:0", "mean:tie", "mean:negative", "mean:positive")


@pyuvm.test()
class ConstantRows(IBertLayerNormTest):
    row_kinds = ("constant", "near_constant")
    required_coverage = ("row:constant", "row:near_constant", "newton:updates[0]")


@pyuvm.test()
class OutlierRows(IBertLayerNormTest):
    row_kinds = ("outlier",)
    required_coverage = ("row:outlier",)


@pyuvm.test()
class FullScaleRows(IBertLayerNormTest):
    row_kinds = ("fullscale", "wide")
    required_coverage = ("row:fullscale", "shift:1", "shift:>=2")


@pyuvm.test()
class FullRateRows(IBertLayerNormTest):
    idle_probability = 0.0
    stall_probability = 0.0
    row_kinds = ("random", "outlier", "constant", "fullscale")

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
class BackpressureRows(IBertLayerNormTest):
    idle_probability = 0.5
    stall_probability = 0.6
    row_kinds = ("random", "constant", "outlier", "fullscale")


# ----------------------------------------------------------------------------------------
# pytest: one parameter set, static checks
# ----------------------------------------------------------------------------------------

REGRESSION = IBertLayerNormConfig(dim=384, lanes=4)
BENCH_TESTS = ["RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", "FullRateRows", "BackpressureRows"]


def test_ibert_layernorm_unit() -> None:
    from tb.common.runner import run_bench

    seed = regression_seed(500)
    print(f"{REGRESSION.tag}: seed {seed}")
    run = run_bench(IBertLayerNormTarget(REGRESSION), testcase=BENCH_TESTS, seed=seed)
    assert run.tests == len(BENCH_TESTS), f"expected {len(BENCH_TESTS)} bench tests, ran {run.tests}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"
    for test in BENCH_TESTS:
        r = run.results(test)
        print(f"  {test:16s} max err {r['rtl_error']['max_abs']:.3e} mean {r['rtl_error']['mean_abs']:.3e} "
              f"bounded rows {r['accuracy_rows_checked']} {r.get('rows', '')} "
              f"({run.test_seconds.get(test, float('nan')):.1f} s)")


def test_accuracy_bound_holds_for_the_model_and_fails_for_a_wrong_root() -> None:
    """The bound on its own, without the simulator: the model meets it on random rows, and a
    datapath whose root is one too small (a normalisation off by ~1/root) breaks it."""
    config = IBertLayerNormConfig(dim=64, lanes=1)
    model = config.model()
    rng = np.random.default_rng(7)
    x = np.concatenate([random_rows(rng, config, 64), outlier_rows(rng, config, 16)])
    applies, bound = accuracy_bound(x, config.max_bit)
    from models.ibert import IntLayerNorm
    from tb.ibert_layernorm.target import reference_layer_norm

    ref = reference_layer_norm(x.astype(np.float64))
    scale = IntLayerNorm.base_scale(config.dim)
    assert applies.sum() > 40
    assert (np.abs(model.forward(x) * scale - ref) <= bound)[applies].all()
    tr = model.trace(x)
    wrong_factor = (np.int64(1) << 31) // (np.maximum(tr["root"] - 1, 1) << tr["shift"])
    wrong = (tr["y"] * wrong_factor) >> 1
    assert not (np.abs(wrong * scale - ref) <= bound)[applies].all()


def test_rtl_defaults_are_the_model_parameters() -> None:
    from tb.ibert_common import rtl_defaults

    assert rtl_defaults("ibert_layernorm_unit.sv") == IBertLayerNormTarget(REGRESSION).hdl_parameters()


def _lint(config: IBertLayerNormConfig, overrides: dict[str, int] | None = None) -> tuple[bool, str]:
    from tb.common.lint import verilator_lint

    target = IBertLayerNormTarget(config)
    sources, _ = target.prepare(None)  # type: ignore[arg-type]  (nothing is generated)
    return verilator_lint(sources, target.toplevel, {**target.hdl_parameters(), **(overrides or {})})


@pytest.mark.parametrize("config", [REGRESSION, IBertLayerNormConfig(dim=768, lanes=16, min_shift=2),
                                    IBertLayerNormConfig(dim=6, lanes=3, in_bits=8, div_bits_per_cycle=1)],
                         ids=lambda c: c.tag)
def test_ibert_layernorm_lint_clean(config: IBertLayerNormConfig) -> None:
    ok, output = _lint(config)
    assert ok, output


@pytest.mark.parametrize("overrides,message", [
    ({"Lanes": 5}, "Lanes (5) must be >= 1 and divide Dim (384)"),
    ({"Dim": 1, "Lanes": 1}, "Dim must be >= 2"),
    ({"MaxBit": 41}, "MaxBit must be in [8, 40]"),
    ({"DivBitsPerCycle": 0}, "DivBitsPerCycle (0) must be in"),
])
def test_ibert_layernorm_rejects_impossible_parameters(overrides: dict[str, int], message: str) -> None:
    ok, output = _lint(REGRESSION, overrides)
    assert not ok and message in output, output
