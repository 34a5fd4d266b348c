"""The SOLE E2Softmax unit (rtl/sole/sole_e2softmax_unit.sv) as a bench target and its stream model.

`E2SoftmaxTarget` implements tb.common.spec.BenchTarget; `E2SoftmaxStreamModel` is the row
stream model (tb.common.rowbench): rows predicted by models.sole.E2Softmax, referenced by float64
softmax at the exact input values. The RTL's correction table comes from the same model object
(E2Softmax.corr, chosen offline), so the model is the one source of the divider's constants.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from models.defaults import SOFTMAX_IN_FRAC
from models.fixedpoint import FixedFormat
from models.intops import bit_length, shift_right_half_up
from models.reference import softmax
from models.sole import E2Softmax
from tb.common.checks import Coverage
from tb.common.rowbench import SOFTMAX_ROW_BINS, RowStreamModel, cover_softmax_rows
from tb.common.sources import BEAT_STAGE, LZC, SOFTMAX_ROWS, STREAM_PIPE
from tb.common.spec import UnitTarget

# rtl/sole/sole_e2softmax_unit.sv: last input beat -> first output beat is RowBeats + 7 edges.
ROW_LATENCY_AFTER_LAST_BEAT = 7


@dataclass(frozen=True)
class E2SoftmaxConfig:
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'row_length', 'lanes', 'in_width', 'in_frac', 'code_bits', 'code_round', 'sum_frac',
        'mant_bits', 'corr_bits', 'recip_frac', 'out_frac')

    row_length: int = 128
    lanes: int = 4
    in_width: int = 16
    in_frac: int = SOFTMAX_IN_FRAC   # SQ16.9 as the NN-LUT softmax_unit
    code_bits: int = 4
    code_round: Literal["floor", "nearest"] = "floor"
    sum_frac: int | None = None         # None: 2^code_bits - 1, the exact accumulator
    mant_bits: int = 5
    corr_bits: int = 3                   # -1: no correction table
    recip_frac: int = 10
    out_frac: int = 8

    def __post_init__(self) -> None:
        if self.row_length < 1 or self.lanes < 1 or self.row_length % self.lanes:
            raise ValueError(f"row_length ({self.row_length}) must be a positive multiple of lanes ({self.lanes})")
        self.model()  # the model validates every datapath option

    def model(self) -> E2Softmax:
        return E2Softmax(2.0 ** -self.in_frac, self.in_width, self.code_bits, self.sum_frac, self.mant_bits,
                         self.corr_bits, self.recip_frac, self.out_frac, self.code_round)

    @property
    def beats_per_row(self) -> int:
        return self.row_length // self.lanes

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.in_width, self.in_frac)

    @property
    def largest_output(self) -> int:
        """The largest output code: k = w = 0 (a row whose sum is little more than its maximum's
        term) at the largest reciprocal mantissa; 247 (247/256) at the defaults."""
        recip = self.model()._recip(np.arange(1 << self.mant_bits, dtype=np.int64))
        return int(shift_right_half_up(recip, self.recip_frac - self.out_frac).max())

    @property
    def out_width(self) -> int:
        return max(2, int(bit_length(np.array([self.largest_output]))[0]))

    @property
    def out_fmt(self) -> FixedFormat:
        return FixedFormat(self.out_width, self.out_frac, signed=False)

    @property
    def tag(self) -> str:
        corr = "none" if self.corr_bits < 0 else str(self.corr_bits)
        sum_frac = "" if self.sum_frac is None else f"_s{self.sum_frac}"
        return (f"sole_e2softmax_n{self.row_length}_l{self.lanes}_i{self.in_width}q{self.in_frac}"
                f"_k{self.code_bits}{self.code_round[0]}{sum_frac}_m{self.mant_bits}c{corr}"
                f"_r{self.recip_frac}_o{self.out_frac}")

    def corr_literal(self) -> str:
        """The correction table as a sized Verilog literal, entry j at [j*RecipFrac +: RecipFrac]."""
        corr = self.model().corr if self.corr_bits >= 0 else np.zeros(1, dtype=np.int64)
        if (corr < 0).any() or (corr >= 1 << self.recip_frac).any():
            raise ValueError(f"correction constants {corr.tolist()} do not fit {self.recip_frac} bits")
        value = sum(int(c) << (j * self.recip_frac) for j, c in enumerate(corr))
        return f"{len(corr) * self.recip_frac}'h{value:x}"

    def hdl_parameters(self) -> dict[str, int | str]:
        m = self.model()
        return {"RowLength": self.row_length, "Lanes": self.lanes, "InWidth": self.in_width,
                "InFrac": self.in_frac, "CodeBits": self.code_bits,
                "CodeNearest": int(self.code_round == "nearest"), "SumFrac": m.acc_frac,
                "MantBits": self.mant_bits, "RecipFrac": self.recip_frac,
                "CorrEntries": 0 if self.corr_bits < 0 else 1 << self.corr_bits,
                "CorrTable": self.corr_literal(), "OutFrac": self.out_frac, "OutWidth": self.out_width}

    @property
    def row_latency(self) -> int:
        return self.beats_per_row + ROW_LATENCY_AFTER_LAST_BEAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class E2SoftmaxTarget(UnitTarget, top="sole_e2softmax_unit",
                      bench="tb.sole_e2softmax.test_sole_e2softmax",
                      model="tb.sole_e2softmax.target:e2softmax_stream_model",
                      sources=(STREAM_PIPE, LZC, BEAT_STAGE, SOFTMAX_ROWS, "sole/sole_e2softmax_code.sv",
                               "sole/sole_e2softmax_recip.sv", "sole/sole_e2softmax_out.sv",
                               "sole/sole_e2softmax_unit.sv")):
    pass


class E2SoftmaxStreamModel(RowStreamModel):
    framed = True

    def __init__(self, config: E2SoftmaxConfig) -> None:
        super().__init__(config)
        self.model = config.model()
        # The same datapath with a wider code only to see which codes the real one clamps.
        self._unclamped = E2Softmax(2.0 ** -config.in_frac, config.in_width, 5, None, config.mant_bits,
                                    config.corr_bits, config.recip_frac, config.out_frac, config.code_round)

    @property
    def max_w(self) -> int:
        """w = floor(log2(sum / 2^sum_frac)) <= log2 N (every term is at most the maximum's)."""
        return int(np.floor(np.log2(self.config.row_length)))

    def predict_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.model.forward(rows, mask)

    def reference_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return softmax(self.in_fmt.to_real(rows), mask)

    def coverage_bins(self) -> tuple[str, ...]:
        """Log codes hit, the divider's shift w and correction slice, codes clamped at k_max,
        outputs at both ends, and the two degenerate row kinds."""
        c = self.config
        names = [f"code[{k}]" for k in range(self.model.k_max + 1)]
        names += [f"w[{w}]" for w in range(self.max_w + 1)]
        if c.corr_bits >= 0:
            names += [f"corr_slice[{j}]" for j in range(1 << c.corr_bits)]
        names += ["code:clamped", "out:zero", "out:largest", "row:single_survivor"]
        return (*SOFTMAX_ROW_BINS, *names)

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        c = self.config
        tr = self.model.trace(rows)
        for k, hits in enumerate(np.bincount(tr["k"].reshape(-1), minlength=self.model.k_max + 1)):
            cov.add(f"code[{k}]", int(hits))
        for w, hits in enumerate(np.bincount(tr["w"].reshape(-1), minlength=self.max_w + 1)):
            cov.add(f"w[{w}]", int(hits))
        if c.corr_bits >= 0:
            slices = tr["f"].reshape(-1) >> (c.mant_bits - c.corr_bits)
            for j, hits in enumerate(np.bincount(slices, minlength=1 << c.corr_bits)):
                cov.add(f"corr_slice[{j}]", int(hits))
        raw = self._unclamped.log2_code(tr["d"])
        cov.add("code:clamped", int((raw > self.model.k_max).sum()))
        cov.add("out:zero", int((tr["out"] == 0).sum()))
        cov.add("out:largest", int((tr["out"] == c.largest_output).sum()))
        cover_softmax_rows(cov, rows, self.in_fmt, softmax(self.in_fmt.to_real(rows)))
        # Only the maximum has k = 0 and every other element has the largest code.
        single = ((tr["k"] == 0).sum(axis=1) == 1) & ((tr["k"] == self.model.k_max).sum(axis=1) == rows.shape[1] - 1)
        cov.add("row:single_survivor", int(single.sum()))


def e2softmax_stream_model(settings: dict[str, Any]) -> E2SoftmaxStreamModel:
    return E2SoftmaxStreamModel(E2SoftmaxConfig(**settings["config"]))
