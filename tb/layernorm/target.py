"""The NN-LUT LayerNorm unit (rtl/nnlut/layernorm_unit.sv) as a bench target
(tb.common.spec.BenchTarget) and its row stream model (tb.common.rowbench): rows of D features
predicted with models.layernorm, referenced by float64 layer_norm at the exact input values and
the gamma/beta the bench programmed (at their exact quantized values), at the unit's epsilon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.layernorm import LayerNormConfig, LayerNormModel
from models.nnlut import IntTable
from models.reference import layer_norm, rms_norm
from models.units import prepare_table
from tb.common.checks import Coverage
from tb.common.rowbench import RowStreamModel
from tb.common.sources import CHANNEL_REGS, LZC, NNLUT_CORE
from tb.common.spec import UnitTarget

LAYERNORM_RTL = ("nnlut/layernorm_row_buffer.sv", "nnlut/layernorm_stats.sv", "nnlut/layernorm_scale.sv",
                 "nnlut/layernorm_lane.sv", "nnlut/layernorm_norm.sv", "nnlut/layernorm_unit.sv")


class LayerNormTarget(UnitTarget, top="layernorm_unit", bench="tb.layernorm.test_layernorm",
                      model="tb.layernorm.target:layernorm_stream_model",
                      sources=(NNLUT_CORE, LZC, CHANNEL_REGS, LAYERNORM_RTL)):
    def generate(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        prepared = prepare_table(self.config.table_config, gen_dir)
        return [prepared.package_path], {"table_json": str(prepared.json_path)}


class LayerNormStreamModel(RowStreamModel):
    """The LayerNorm unit's rows with one gamma/beta setting."""

    row_attr = "dim"

    def __init__(self, model: LayerNormModel, gamma_codes: np.ndarray, beta_codes: np.ndarray,
                 lanes: int) -> None:
        super().__init__(model.config, lanes)
        self.model = model
        self.gamma_codes = np.asarray(gamma_codes, dtype=np.int64)
        self.beta_codes = np.asarray(beta_codes, dtype=np.int64)

    def with_params(self, gamma_codes: np.ndarray, beta_codes: np.ndarray) -> "LayerNormStreamModel":
        """The unit after writing these gamma/beta (a unit without affine ignores the writes)."""
        if not self.config.affine:
            return self
        return LayerNormStreamModel(self.model, gamma_codes, beta_codes, self.lanes)

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.model.evaluate(rows, self.gamma_codes, self.beta_codes)

    def reference_rows(self, rows: np.ndarray) -> np.ndarray:
        c = self.config
        return (rms_norm if c.rms else layer_norm)(c.in_fmt.to_real(rows), c.gamma_fmt.to_real(self.gamma_codes),
                          c.beta_fmt.to_real(self.beta_codes), c.eps)

    @property
    def zero_term_possible(self) -> bool:
        """A row's variance term can be 0 only when eps adds nothing to it (E = 0)."""
        return self.config.eps_term(self.config.dim) == 0

    def coverage_bins(self) -> tuple[str, ...]:
        """Row kinds as the statistics see them, the exponent parity that picks the 1/sqrt(2)
        path, the normalising shift's direction, and output saturation. A zero variance term
        T = V * 2^G + E needs E = 0 (an eps below half a term LSB at this D), so term:zero is a
        bin only at such configurations: elsewhere T >= E > 0 for every row."""
        zero_term = ("term:zero",) if self.zero_term_possible else ()
        return ("row:constant", "row:near_constant", "row:outlier", "row:fullscale", "row:other",
                *zero_term, "term:left_shift", "term:right_shift", "exponent:even", "exponent:odd",
                "out:saturate_low", "out:saturate_high")

    def cover_rows(self, cov: Coverage, x: np.ndarray) -> None:
        c = self.config
        t = self.model.trace(x, self.gamma_codes, self.beta_codes)
        dim = x.shape[1]
        constant = t.var == 0
        # One element carries >= 81% of the row's squared deviation: |y| >= 0.9 sqrt(D-1).
        # (Float: (D-1)*V overflows int64 for wide rows; this is a classification only.)
        num_sq = ((dim * x - t.s1[:, None]).astype(np.float64) ** 2).max(axis=1)
        outlier = ~constant & (num_sq >= 0.81 * (dim - 1) * t.var.astype(np.float64))
        fullscale = ((x == c.in_fmt.min_code) | (x == c.in_fmt.max_code)).any(axis=1)
        # Variance of a few code^2 per element.
        near = ~constant & (t.var <= 4 * dim * dim)
        cov.add("row:constant", constant.sum())
        cov.add("row:near_constant", near.sum())
        cov.add("row:outlier", outlier.sum())
        cov.add("row:fullscale", fullscale.sum())
        cov.add("row:other", (~(constant | near | outlier | fullscale)).sum())
        if self.zero_term_possible:
            cov.add("term:zero", (t.term == 0).sum())
        cov.add("term:left_shift", ((t.term > 0) & (t.exponent < c.table_in_frac)).sum())
        cov.add("term:right_shift", (t.exponent > c.table_in_frac).sum())
        cov.add("exponent:even", (~constant & (t.k % 2 == 0)).sum())
        cov.add("exponent:odd", (~constant & (t.k % 2 == 1)).sum())
        cov.add("out:saturate_low", (t.out_raw < c.out_fmt.min_code).sum())
        cov.add("out:saturate_high", (t.out_raw > c.out_fmt.max_code).sum())


def layernorm_stream_model(settings: dict[str, Any]) -> LayerNormStreamModel:
    """Factory named in the bench settings: the model with gamma = 1 and beta = 0 (what the
    benches write after reset: the constants are a memory without reset)."""
    config = LayerNormConfig(**settings["config"])
    model = LayerNormModel(config, IntTable.load(Path(settings["table_json"])))
    gamma = np.full(config.dim, 1 << config.gamma_frac, dtype=np.int64)
    return LayerNormStreamModel(model, gamma, np.zeros(config.dim, dtype=np.int64), int(settings["lanes"]))
