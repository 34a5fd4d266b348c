"""Bench target and stream model of the I-BERT Softmax unit (rtl/ibert/ibert_softmax_unit.sv).

`IBertSoftmaxTarget` implements tb.common.spec.BenchTarget: no generated files, only the
constants of models/ibert.py IntSoftmax at the configured input scale, passed as HDL
parameters. `IBertSoftmaxStreamModel` is the row stream model (tb.common.rowbench): rows
predicted with IntSoftmax.forward, referenced by float64 softmax at the exact input values.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.defaults import SOFTMAX_IN_FRAC
from models.fixedpoint import FixedFormat
from models.ibert import IntSoftmax
from models.reference import softmax
from tb.common.checks import Coverage
from tb.common.hdl import hdl_long
from tb.common.rowbench import SOFTMAX_ROW_BINS, RowStreamModel, cover_softmax_rows
from tb.common.sources import BEAT_STAGE, ROW_SUM, SEQ_DIVIDER, SOFTMAX_ROWS, STREAM_PIPE
from tb.common.spec import UnitTarget

ROW_BINS = (*SOFTMAX_ROW_BINS, "row:clamped", "row:underflow", "row:top_code")


@dataclass(frozen=True)
class IBertSoftmaxConfig:
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'row_length', 'in_width', 'in_frac', 'out_width', 'div_bits_per_cycle', 'lanes')

    row_length: int = 128
    lanes: int = 4
    in_width: int = 16
    in_frac: int = SOFTMAX_IN_FRAC   # SQ16.9 as the NN-LUT softmax_unit
    out_width: int = 16      # UQ16.16 as the NN-LUT softmax_unit (the paper's INT8 would be 8)
    div_bits_per_cycle: int = 2

    @property
    def scale(self) -> float:
        return 2.0 ** -self.in_frac

    @property
    def beats_per_row(self) -> int:
        return self.row_length // self.lanes

    @property
    def tag(self) -> str:
        return (f"ibert_softmax_n{self.row_length}_i{self.in_width}q{self.in_frac}_o{self.out_width}"
                f"_d{self.div_bits_per_cycle}_l{self.lanes}")

    def model(self) -> IntSoftmax:
        return IntSoftmax(self.scale, self.in_width, self.out_width)

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.in_width, self.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        return FixedFormat(self.out_width, self.out_width, signed=False)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def hdl_parameters(self) -> dict[str, int | str]:
        m = self.model()
        return {"RowLength": self.row_length, "Lanes": self.lanes, "InWidth": self.in_width,
                "X0Mag": hdl_long(-m.x0_int), "MaxQ": m.max_q, "BInt": hdl_long(m.b_int),
                "CInt": hdl_long(m.c_int), "Mult": hdl_long(m.mult), "ReqShift": m.mult_shift - m.exp_shift,
                "ExpBits": m.exp_bits, "MaxBit": m.max_bit, "OutBits": m.out_bits,
                "DivBitsPerCycle": self.div_bits_per_cycle}

    @property
    def div_steps(self) -> int:
        """The divider's cycles per row, ceil(FactorWidth / DivBitsPerCycle). FactorWidth: every
        row contains the maximum's exp, the model's top code T, so sum >= T > 2^floor(log2 T)
        and the factor floor(2^max_bit / sum) has at most max_bit - floor(log2 T) bits."""
        m = self.model()
        top = int(m.exp(np.zeros(1, dtype=np.int64))[0])
        factor_width = m.max_bit - (top.bit_length() - 1)
        return math.ceil(factor_width / self.div_bits_per_cycle)

    @property
    def row_interval(self) -> int:
        """Fewest cycles between two rows' factors: the divider's DivSteps + 1."""
        return self.div_steps + 1

    @property
    def row_latency(self) -> int:
        """Documented in rtl/ibert/ibert_softmax_unit.sv: RowBeats + DivSteps + 10."""
        return self.beats_per_row + self.div_steps + 10


class IBertSoftmaxTarget(UnitTarget, top="ibert_softmax_unit",
                         bench="tb.ibert_softmax.test_ibert_softmax",
                         model="tb.ibert_softmax.target:softmax_stream_model",
                         sources=(STREAM_PIPE, BEAT_STAGE, SOFTMAX_ROWS, SEQ_DIVIDER, ROW_SUM, "ibert/ibert_exp_lane.sv",
                                  "ibert/ibert_softmax_unit.sv")):
    pass


class IBertSoftmaxStreamModel(RowStreamModel):
    framed = True

    def __init__(self, config: IBertSoftmaxConfig) -> None:
        super().__init__(config)
        self.model = config.model()

    def predict_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.model.forward(rows, mask)

    def reference_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return softmax(self.in_fmt.to_real(rows), mask)

    def coverage_bins(self) -> tuple[str, ...]:
        """Row kinds, the i-exp's clamp and underflow, the largest output code, and every
        power-of-two exponent z of the i-exp's range reduction."""
        return (*ROW_BINS, *(f"exp:z[{z}]" for z in range(self.model.max_q + 1)))

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        m = self.model
        tr = m.trace(rows)
        cover_softmax_rows(cov, rows, self.in_fmt, softmax(self.in_fmt.to_real(rows)))
        raw_d = rows - rows.max(axis=1, keepdims=True)
        cov.add("row:clamped", (raw_d < m.max_q * m.x0_int).any(axis=1).sum())
        cov.add("row:underflow", (tr["e16"] == 0).any(axis=1).sum())
        cov.add("row:top_code", (tr["out"] == self.out_fmt.max_code).any(axis=1).sum())
        counts = np.bincount(tr["z"].reshape(-1), minlength=m.max_q + 1)
        for z in range(m.max_q + 1):
            cov.add(f"exp:z[{z}]", int(counts[z]))


def softmax_stream_model(settings: dict[str, Any]) -> IBertSoftmaxStreamModel:
    return IBertSoftmaxStreamModel(IBertSoftmaxConfig(**settings["config"]))
