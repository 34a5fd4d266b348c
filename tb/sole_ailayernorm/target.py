"""The SOLE AILayerNorm unit (rtl/sole/sole_ailayernorm_unit.sv) as a bench target and its
stream model.

`AILayerNormTarget` implements tb.common.spec.BenchTarget; `AILayerNormStreamModel` is the row
stream model (tb.common.rowbench): rows of `dim` channels predicted with
models.sole.ai_layernorm for the per-channel PTF factors and
gamma/beta the bench programmed, then saturated to the output format (the unit's output is
SQ16.10; the model's folded affine adds the bias without a clamp, so the two differ only where
z + bias leaves the format, and the bench's saturating bins show where that happens).

Output codes stand for z * gamma_c * 2^-out_frac (gamma stays a per-channel output scale), so
the reference is expressed in z units: float64 layer_norm at the exact input values
q * 2^alpha_c * s, with gamma and beta and the unit's own epsilon, divided by gamma.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.fixedpoint import FixedFormat
from models.intops import bit_length
from models.reference import layer_norm
from models.sole import AILayerNorm, ai_layernorm
from tb.common.checks import Coverage
from tb.common.hdl import hdl_long
from tb.common.rowbench import RowStreamModel
from tb.common.sources import BEAT_STAGE, CHANNEL_REGS, LZC, ROW_QUEUE, SEQ_DIVIDER, SEQ_ISQRT, STREAM_PIPE
from tb.common.spec import UnitTarget

FACTOR_BITS = 31             # factor = floor(2^30 / std) <= 2^30
# rtl/sole/sole_ailayernorm_unit.sv: last input beat -> first output beat is StatCycles + 8 edges.
ROW_LATENCY_AFTER_STATS = 8


@dataclass(frozen=True)
class AILayerNormConfig:
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'dim', 'lanes', 'in_width', 'ptf_max', 'compress_bits', 'stat_frac', 'out_width', 'out_frac',
        'steps_per_cycle', 'eps')

    dim: int = 384
    lanes: int = 4
    # The data formats default to the model's (one source: models.sole.AILayerNorm).
    in_width: int = AILayerNorm.in_bits
    ptf_max: int = AILayerNorm.ptf_max
    compress_bits: int = AILayerNorm.compress_bits
    stat_frac: int = AILayerNorm.stat_frac
    out_width: int = AILayerNorm.out_bits
    out_frac: int = AILayerNorm.out_frac
    bias_width: int = 16
    steps_per_cycle: int = 2
    scale: float = 0.02          # per-tensor input scale s (enters through eps only)
    eps: float = 1e-5

    def __post_init__(self) -> None:
        if self.dim < 2 or self.lanes < 1 or self.dim % self.lanes:
            raise ValueError(f"dim ({self.dim}) must be >= 2 and a multiple of lanes ({self.lanes})")
        if self.steps_per_cycle < 1:
            raise ValueError(f"steps_per_cycle must be >= 1, got {self.steps_per_cycle}")
        self.model()

    def model(self) -> AILayerNorm:
        return AILayerNorm(self.in_width, self.ptf_max, self.compress_bits, self.stat_frac, self.out_width,
                           self.out_frac)

    @property
    def eps_int(self) -> int:
        return self.model().eps_int(self.eps, self.scale)

    @property
    def beats_per_row(self) -> int:
        return self.dim // self.lanes

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.in_width, 0)

    @property
    def out_fmt(self) -> FixedFormat:
        return FixedFormat(self.out_width, self.out_frac)

    @property
    def bias_fmt(self) -> FixedFormat:
        return FixedFormat(self.bias_width, self.out_frac)

    @property
    def stat_steps(self) -> tuple[int, int, int]:
        """Each sequential unit's cycles in rtl/sole/sole_ailn_stats.sv: its result bits over the
        steps per cycle (ex2, the root of var, the 31-bit factor)."""
        ex2_bits = 2 * (self.in_width - 1 + self.ptf_max) + 1 + 2 * self.stat_frac
        var_bits = max(ex2_bits, max(1, self.eps_int.bit_length())) + 1
        root_bits = (var_bits + 1) // 2
        s = self.steps_per_cycle
        ex2, root, factor = (math.ceil(b / s) for b in (ex2_bits, root_bits, FACTOR_BITS))
        return ex2, root, factor

    @property
    def stat_cycles(self) -> int:
        """The statistics' latency as sole_ailn_stats documents it: the three units + 3."""
        return sum(self.stat_steps) + 3

    @property
    def row_interval(self) -> int:
        """StatInterval in rtl/sole/sole_ailayernorm_unit.sv: the slowest sequential unit's
        cycles + 1; rows of fewer beats leave one per StatInterval cycles."""
        return max(self.stat_steps) + 1

    @property
    def row_latency(self) -> int:
        return self.stat_cycles + ROW_LATENCY_AFTER_STATS

    @property
    def tag(self) -> str:
        return (f"sole_ailayernorm_d{self.dim}_l{self.lanes}_i{self.in_width}p{self.ptf_max}c{self.compress_bits}"
                f"_f{self.stat_frac}_o{self.out_width}q{self.out_frac}_s{self.steps_per_cycle}_e{self.eps_int}")

    def hdl_parameters(self) -> dict[str, int | str]:
        return {"Dim": self.dim, "Lanes": self.lanes, "InWidth": self.in_width, "PtfMax": self.ptf_max,
                "CompressBits": self.compress_bits, "StatFrac": self.stat_frac,
                "EpsInt": hdl_long(self.eps_int), "StepsPerCycle": self.steps_per_cycle,
                "OutWidth": self.out_width, "OutFrac": self.out_frac, "BiasWidth": self.bias_width}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AILayerNormTarget(UnitTarget, top="sole_ailayernorm_unit",
                        bench="tb.sole_ailayernorm.test_sole_ailayernorm",
                        model="tb.sole_ailayernorm.target:ailayernorm_stream_model",
                        sources=(STREAM_PIPE, LZC, BEAT_STAGE, CHANNEL_REGS, ROW_QUEUE, SEQ_DIVIDER, SEQ_ISQRT,
                                 "sole/sole_ailn_compress.sv", "sole/sole_ailn_stats.sv",
                                 "sole/sole_ailn_norm.sv", "sole/sole_ailayernorm_unit.sv")):
    pass


def bias_codes(config: AILayerNormConfig, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """What the bench writes to the bias port: beta / gamma in output codes, ties to even,
    saturated to the port (the unit's documented programming rule)."""
    codes = np.rint(np.asarray(beta, np.float64) / np.asarray(gamma, np.float64) * 2.0 ** config.out_frac)
    return config.bias_fmt.saturate(codes.astype(np.int64))


class AILayerNormStreamModel(RowStreamModel):
    """The unit's rows for one setting of the per-channel constants."""

    row_attr = "dim"

    def __init__(self, config: AILayerNormConfig, alpha: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                 lanes: int) -> None:
        super().__init__(config, lanes)
        self.alpha = np.asarray(alpha, np.int64)
        self.gamma = np.asarray(gamma, np.float64)
        self.beta = np.asarray(beta, np.float64)
        self.model = config.model()

    def with_params(self, alpha: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> "AILayerNormStreamModel":
        return AILayerNormStreamModel(self.config, alpha, gamma, beta, self.lanes)

    def real_inputs(self, rows: np.ndarray) -> np.ndarray:
        return rows * np.exp2(self.alpha.astype(np.float64)) * self.config.scale

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        c = self.config
        out, _ = ai_layernorm(rows, self.alpha, c.scale, self.gamma, self.beta, eps=c.eps, model=self.model)
        return self.out_fmt.saturate(out)

    def reference_rows(self, rows: np.ndarray) -> np.ndarray:
        return layer_norm(self.real_inputs(rows), self.gamma, self.beta, self.config.eps) / self.gamma

    def coverage_bins(self) -> tuple[str, ...]:
        """Compression shifts and square-table entries used, carries and ties of the
        compression rounding, PTF factors, negative variance estimates (clamped to 0), row
        kinds and output saturation."""
        c = self.config
        e_max = c.in_width - c.compress_bits
        return (*(f"e[{e}]" for e in range(e_max + 1)), *(f"m[{m}]" for m in range(1 << c.compress_bits)),
                *(f"alpha[{a}]" for a in range(c.ptf_max + 1)),
                "compress:carry", "compress:tie", "var:clamped", "row:constant", "row:outlier",
                "out:saturate_low", "out:saturate_high")

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        c = self.config
        tr = self.model.trace(rows, self.alpha, c.eps_int)
        e, m = tr["e"].reshape(-1), tr["m"].reshape(-1)
        for v, hits in enumerate(np.bincount(e, minlength=c.in_width - c.compress_bits + 1)):
            cov.add(f"e[{v}]", int(hits))
        for v, hits in enumerate(np.bincount(m, minlength=1 << c.compress_bits)):
            cov.add(f"m[{v}]", int(hits))
        alphas = np.broadcast_to(self.alpha, rows.shape).reshape(-1)
        for v, hits in enumerate(np.bincount(alphas, minlength=c.ptf_max + 1)):
            cov.add(f"alpha[{v}]", int(hits))
        mag = np.abs(rows.reshape(-1))
        first_shift = np.maximum(bit_length(mag) - c.compress_bits, 0)
        cov.add("compress:carry", int((e > first_shift).sum()))
        dropped = mag & ((1 << first_shift) - 1)
        cov.add("compress:tie", int(((first_shift > 0) & (dropped == (1 << np.maximum(first_shift - 1, 0)))).sum()))
        cov.add("var:clamped", int((tr["ex2"] < tr["mu"] * tr["mu"]).sum()))
        cov.add("row:constant", int((tr["x"] == tr["x"][:, :1]).all(axis=1).sum()))
        # One channel holds a large share of the row's spread.
        x = tr["x"].astype(np.float64)
        dev = (x - x.mean(axis=1, keepdims=True)) ** 2
        cov.add("row:outlier", int((dev.max(axis=1) >= 0.25 * np.maximum(dev.sum(axis=1), 1e-300)).sum()))
        raw, _ = ai_layernorm(rows, self.alpha, c.scale, self.gamma, self.beta, eps=c.eps, model=self.model)
        cov.add("out:saturate_low", int((raw < self.out_fmt.min_code).sum()))
        cov.add("out:saturate_high", int((raw > self.out_fmt.max_code).sum()))


def ailayernorm_stream_model(settings: dict[str, Any]) -> AILayerNormStreamModel:
    """The unit with alpha = 0 and bias = 0 (gamma = 1, beta = 0) on every channel; the benches
    program their constants in after_reset and switch the model with them."""
    config = AILayerNormConfig(**settings["config"])
    return AILayerNormStreamModel(config, np.zeros(config.dim, np.int64), np.ones(config.dim),
                                  np.zeros(config.dim), int(settings["lanes"]))


def ptf_through_model(x: np.ndarray, lanes: int = 4, eps: float = 1e-12,
                      config: AILayerNormConfig | None = None) -> np.ndarray:
    """Real rows (..., dim) through the unit's bit-accurate model as a deployment would use it:
    PTF scale and factors calibrated on x itself (models.sole.ptf_calibrate), codes quantized,
    the stream model of a unit built for that scale and eps, outputs dequantized (gamma = 1,
    beta = 0). For comparisons on real inputs, where the unit's input is not a fixed grid."""
    from models.sole import ptf_calibrate, ptf_quantize

    x = np.asarray(x, dtype=np.float64)
    base = config or AILayerNormConfig(dim=x.shape[-1], lanes=lanes)
    scale, alpha = ptf_calibrate(x, base.in_width, base.ptf_max)
    c = AILayerNormConfig(**{**base.to_dict(), "scale": scale, "eps": eps})
    model = AILayerNormStreamModel(c, alpha, np.ones(c.dim), np.zeros(c.dim), c.lanes)
    codes = ptf_quantize(x, scale, alpha, c.in_width)
    return c.out_fmt.to_real(model.predict(codes.reshape(-1, c.lanes))).reshape(x.shape)
