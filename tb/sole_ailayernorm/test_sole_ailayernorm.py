"""SOLE AILayerNorm unit bench (module `tb.sole_ailayernorm.test_sole_ailayernorm`, top
`sole_ailayernorm_unit`).

Every output is checked bit-exact against models.sole.ai_layernorm by the shared scoreboard, and
its error measured against float64 layer_norm at the exact input values. Each test first
programs the per-channel PTF factors (calibrated on Transformer-like data with outlier channels)
through the parameter port (in after_reset, since they have no reset of their own):
- RandomRows: PTF-quantized rows with outlier channels, random gaps and backpressure; every
  compression shift, square-table entry and PTF factor covered; the error must stay within
  the bound of 4-bit squares.
- ExtremeRows: with alpha = 0, full-scale codes, constant rows (exactly 0 out; the variance
  clamped at 0 where the compressed squares undershoot, then eps), zero rows, rounding ties;
  then the same rows with alpha = PtfMax everywhere (the squares and row sums at their bounds).
- ProgrammedParams: random gamma/beta folded into biases at the extremes of the port (both
  output saturations), plus writes to channel indices >= D that must be ignored.
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py); ResetMidRow also checks that a reset keeps the constants.
"""

from __future__ import annotations

import numpy as np
import pytest
import pyuvm

from models.sole import ptf_calibrate, ptf_quantize
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests, write_port
from tb.sole_ailayernorm.target import AILayerNormConfig, AILayerNormStreamModel, bias_codes

ROWS_PER_TEST = 24
# |z - layer_norm| (z units, gamma = 1, beta = 0) on the realistic rows must stay below
# REL_ERROR |layer_norm| + ABS_ERROR. 4-bit squares misjudge one element's square by at most
# about 2 x 2^-4 relative (ties to even keep the errors from piling up one way), so the variance
# is off by at most ~13% and std by ~6.5%, which scales z; mu is exact to 2^-8 of a code.
# Measured ~3% of |z| (0.3-0.5 at |z| ~ 17) and a mean of ~5e-3.
REL_ERROR = 0.07
ABS_ERROR = 0.02
MEAN_ERROR = 0.01


# ----------------------------------------------------------------------------------------
# Data: Transformer-like LayerNorm inputs, PTF calibration, row kinds as codes
# ----------------------------------------------------------------------------------------

# Outlier channels' extra gain, about 1.6x apart: their peaks fall in different octaves of the
# largest one, so calibration gives them every PTF factor from 0 to 3.
OUTLIER_GAINS = np.array([1.6, 2.6, 4.2, 6.8, 11.0, 17.0])


def channel_profile(rng: np.random.Generator, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel gain and offset: most channels O(1), a few outliers with large gain/offset."""
    gain = rng.uniform(0.5, 1.5, dim)
    offset = rng.normal(0.0, 0.3, dim)
    out = rng.choice(dim, min(OUTLIER_GAINS.size, dim), replace=False)
    gain[out] *= OUTLIER_GAINS[: out.size]
    offset[out] += rng.uniform(-1.0, 1.0, out.size) * OUTLIER_GAINS[: out.size]
    return gain, offset


def real_rows(rng: np.random.Generator, profile: tuple[np.ndarray, np.ndarray], rows: int) -> np.ndarray:
    gain, offset = profile
    return rng.standard_normal((rows, gain.size)) * gain * rng.uniform(0.5, 1.5, (rows, 1)) + offset


def extreme_code_rows(rng: np.random.Generator, c: AILayerNormConfig) -> np.ndarray:
    """Constant rows at the format's ends, at zero and at +-116; end codes; codes that tie at
    every compression shift."""
    fmt, d = c.in_fmt, c.dim
    rows = [np.full(d, fmt.min_code), np.full(d, fmt.max_code), np.zeros(d, np.int64),
            # 116 = 14.5 x 8 rounds to 14 x 8: the squares undershoot and ex2 < mu^2.
            np.full(d, 116), np.full(d, -116),
            rng.choice([fmt.min_code, fmt.max_code], d),
            rng.choice([fmt.min_code, 0, fmt.max_code], d),
            # Rounding ties at every shift (odd multiples of 2^(e-1) above 2^compress_bits).
            rng.choice(np.array([17, 34, 36, 68, 72, 76, 100, 120, 124]) * rng.choice([-1, 1], 9), d)]
    return np.clip(np.asarray(rows, dtype=np.int64), fmt.min_code, fmt.max_code)


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------

class AILayerNormTest(RowTest[AILayerNormStreamModel, AILayerNormConfig]):
    """Base: the parameter port, calibrated PTF factors, row kinds and error bounds.

    Row kinds: "realistic" (Transformer-like rows, PTF-quantized), "uniform" (codes over the
    whole format), "extreme" (extreme_code_rows, in turn)."""

    row_kinds = ("realistic",)
    check_error_bound = True

    def build_phase(self) -> None:
        super().build_phase()
        c = self.config
        # Calibrate the PTF factors once per test on data of the same profile.
        self.profile = channel_profile(self.np_rng, c.dim)
        scale, alpha = ptf_calibrate(real_rows(self.np_rng, self.profile, 64), c.in_width, c.ptf_max)
        # Every factor in use, whatever the draw: a factor the calibration left out goes to one
        # ordinary channel (coarser steps there, still a valid PTF setting).
        ordinary = self.np_rng.permutation(np.flatnonzero(alpha == 0))
        for k, missing in enumerate(set(range(c.ptf_max + 1)) - set(alpha.tolist())):
            alpha[ordinary[k]] = missing
        self.calibrated_scale = scale
        self.alpha = alpha

    def n_rows(self, scale: float = 1.0) -> int:
        return max(2, int(scale * ROWS_PER_TEST))

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        c = self.config
        if kind == "realistic":
            # The unit's scale is fixed by the configuration (it only enters through eps); data
            # are rescaled so that the calibration's scale lands on it.
            x = real_rows(self.np_rng, self.profile, rows) * (c.scale / self.calibrated_scale)
            return ptf_quantize(x, c.scale, self.alpha, c.in_width)
        if kind == "uniform":
            return self.np_rng.integers(c.in_fmt.min_code, c.in_fmt.max_code + 1, (rows, c.dim))
        if kind == "extreme":
            extreme = extreme_code_rows(self.np_rng, c)
            return extreme[np.arange(rows) % len(extreme)]
        raise ValueError(f"unknown row kind {kind!r}")

    async def write_params(self, alpha: np.ndarray, bias: np.ndarray,
                           extra: list[tuple[int, int, int]] = ()) -> None:
        writes = [*((i, a, b) for i, (a, b) in enumerate(zip(alpha, bias))), *extra]
        await write_port(self.bench.dut, "param_we_i",
                         [{"param_idx_i": i, "alpha_i": a, "bias_i": b} for i, a, b in writes])

    async def program(self, gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
                      extra: list[tuple[int, int, int]] = ()) -> None:
        """Write alpha and the folded bias, and predict from then on with the same setting."""
        c = self.config
        gamma = np.ones(c.dim) if gamma is None else gamma
        beta = np.zeros(c.dim) if beta is None else beta
        self.env.coverage.sample(self.env.scoreboard.models[-1])
        await self.write_params(self.alpha, bias_codes(c, gamma, beta), extra)
        self.env.scoreboard.switch_model(self.model.with_params(self.alpha, gamma, beta))

    async def after_reset(self) -> None:
        await self.program()

    def check_phase(self) -> None:
        super().check_phase()
        error = self.env.scoreboard.results.get("rtl_error")
        assert error is not None, "no outputs were checked"
        if self.check_error_bound:
            sb = self.env.scoreboard.results
            y = self.config.out_fmt.to_real(sb["outputs"])
            excess = np.abs(y - sb["reference"]) - REL_ERROR * np.abs(sb["reference"])
            assert excess.max() <= ABS_ERROR and error["mean_abs"] <= MEAN_ERROR, \
                (f"error against float64 layer_norm beyond {REL_ERROR} |z| + {ABS_ERROR} (by "
                 f"{excess.max():.3e}) or mean {MEAN_ERROR}: {error}")


@pyuvm.test()
class RandomRows(AILayerNormTest):
    """Realistic rows, and two rows of codes drawn uniformly over the whole format (every
    compression shift, up to the carry into 2^(in_width-1))."""

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [self.row_block("realistic", self.n_rows()), self.row_block("uniform", 2)]

    def required_bins(self) -> tuple[str, ...]:
        return ("e[", "m[", "alpha[", "compress:carry", "compress:tie", "row:outlier")


@pyuvm.test()
class ExtremeRows(AILayerNormTest):
    """With alpha = 0 everywhere, so that rows of one code are constant rows of x; then the same
    rows with the largest alpha everywhere, which take the squares and row sums to their bounds."""

    check_error_bound = False  # full-scale and constant rows are about the datapath, not accuracy
    required_coverage = ("var:clamped", "row:constant", "compress:carry", "compress:tie")

    async def stimulus(self) -> None:
        c = self.config
        self.alpha = np.zeros(c.dim, np.int64)
        await self.program()
        extreme = extreme_code_rows(self.np_rng, c)
        await self.run_blocks([self.row_block("extreme", len(extreme)), self.row_block("realistic", 2)])
        # Then the largest factor on every channel: x = q 2^PtfMax at the format's ends, so the
        # squares and the row sums reach their declared widths (a row of the most negative code
        # sums to -D 2^(InWidth - 1 + PtfMax), beyond one bit less of S1Width).
        self.alpha = np.full(c.dim, c.ptf_max, np.int64)
        await self.program()
        lowest = -(c.dim << (c.in_width - 1 + c.ptf_max))
        s1_width = c.in_width + c.ptf_max + max(1, (c.dim - 1).bit_length())
        assert lowest < -(1 << (s1_width - 2)), "the S1 bound is not reached"
        await self.run_blocks([self.row_block("extreme", len(extreme))])

    def check_phase(self) -> None:
        super().check_phase()
        # Constant rows (the first five of extreme_code_rows) normalise to exactly 0.
        out = self.env.scoreboard.results["outputs"].reshape(-1, self.config.dim)
        assert not out[[0, 1, 2, 3, 4]].any(), "constant rows must give exactly 0"


@pyuvm.test()
class ProgrammedParams(AILayerNormTest):
    check_error_bound = False  # saturated outputs are far from the unclamped reference
    required_coverage = ("out:saturate_low", "out:saturate_high")

    async def stimulus(self) -> None:
        c, rng = self.config, self.np_rng
        limit = c.bias_fmt.max_value
        idx_limit = 1 << max(1, (c.dim - 1).bit_length())
        for _ in range(2):
            gamma = rng.uniform(0.25, 2.0, c.dim) * rng.choice([-1.0, 1.0], c.dim)
            beta = rng.uniform(-4.0, 4.0, c.dim) * np.abs(gamma)
            # beta / gamma at both ends of the bias range on a few channels (half of them exactly
            # at the end, which saturates whatever a large epsilon leaves of the normalised x).
            ends = rng.permutation(c.dim)[:8]
            beta[ends] = gamma[ends] * np.array([1, -1] * 4) * np.r_[np.full(4, limit), rng.uniform(0.9 * limit, limit, 4)]
            # Writes to indices >= D (where the index width allows any) must change nothing.
            ignored = [(i, c.ptf_max, (1 << (c.bias_width - 1)) - 1) for i in range(c.dim, min(idx_limit, c.dim + 8))]
            await self.program(gamma, beta, ignored)
            await self.run_blocks([self.row_block("realistic", self.n_rows(0.5))])


register_tests(__name__, AILayerNormTest, rowbench, {
    "FullRateRows": {"row_kinds": ("realistic", "realistic")},
    "RowLatency": {"row_kinds": ("realistic", "uniform", "extreme", "realistic")},
    # Extreme rows are about the datapath, not accuracy.
    "BackpressureRows": {"row_kinds": ("realistic", "extreme"), "check_error_bound": False},
})


@pyuvm.test()
class ResetMidRow(rowbench.ResetMidRow, AILayerNormTest):
    async def after_reset(self) -> None:
        """The constants are a memory without reset: after the first programming, a row goes
        through each later reset with the constants as they were, before they are written again."""
        if hasattr(self, "reset_seen"):
            await self.run_blocks([self.row_block("realistic", 1)])
        self.reset_seen = True
        await super().after_reset()


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest, AILayerNormTest):
    """rtl_eval's data path: whole rows of PTF codes from a file, with the per-channel alpha the
    file's data was quantized with ($NNLUT_ALPHA_CODES; see StreamFileTest)."""

    check_error_bound = False

    async def after_reset(self) -> None:
        import os

        path = os.environ.get("NNLUT_ALPHA_CODES")
        self.alpha = np.load(path) if path else np.zeros(self.config.dim, np.int64)
        await self.program()


# ----------------------------------------------------------------------------------------
# The stream model outside the simulator (pytest)
# ----------------------------------------------------------------------------------------

def test_stream_model_outside_the_simulator() -> None:
    """Beats regrouped into rows of D channels, partial rows refused, the programmed biases,
    and the real-input path close to float64 layer_norm."""
    from models.reference import layer_norm
    from models.sole import AILayerNorm
    from tb.sole_ailayernorm.target import ptf_through_model

    config = AILayerNormConfig(dim=16, lanes=4)
    rng = np.random.default_rng(7)
    alpha = rng.integers(0, config.ptf_max + 1, config.dim)
    model = AILayerNormStreamModel(config, alpha, np.ones(config.dim), np.zeros(config.dim), config.lanes)
    rows = rng.integers(-128, 128, (3, config.dim))
    stream = rows.reshape(-1, config.lanes)
    direct = AILayerNorm().forward(rows, alpha, config.eps_int)
    assert np.array_equal(model.predict(stream), direct.reshape(stream.shape))
    with pytest.raises(ValueError, match="whole number of rows"):
        model.predict(stream[:-1])
    # beta / gamma = 0.5 -> 512 codes; ties go to even; the port saturates.
    biases = bias_codes(config, np.array([2.0, 1.0, 1.0, 0.001]), np.array([1.0, 2.5 / 1024, 3.5 / 1024, 1.0]))
    assert biases.tolist() == [512, 2, 4, 32767]
    x = rng.normal(0.0, 1.0, (4, 384)) * rng.uniform(0.5, 2.0, 384)
    ref = layer_norm(x)
    assert np.abs(ptf_through_model(x) - ref).max() < 0.1
