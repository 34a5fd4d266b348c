"""The LayerNorm unit as a bench target (tb.common.runner.BenchTarget) and its stream model.

The stream model maps the (beats, lanes) codes the scoreboard collects to rows of D
features (a row is D/lanes consecutive beats), predicts them with models.layernorm and
takes its reference from float64 torch layer_norm at the exact input values and the
gamma/beta the bench programmed (at their exact quantized values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.layernorm import LayerNormConfig, LayerNormModel, layer_norm_reference
from models.nnlut import IntTable
from models.units import prepare_table
from tb.common.checks import Coverage
from tb.common.runner import RTL_DIR, core_sources

TOPLEVEL = "layernorm_unit"


def layernorm_sources(package: Path) -> list[Path]:
    return [package, *core_sources(), *sorted(RTL_DIR.glob("layernorm_*.sv"))]


@dataclass(frozen=True)
class LayerNormTarget:
    config: LayerNormConfig = field(default_factory=LayerNormConfig)

    @property
    def tag(self) -> str:
        return self.config.tag

    @property
    def toplevel(self) -> str:
        return TOPLEVEL

    @property
    def test_module(self) -> str:
        return "tb.layernorm.test_layernorm"

    @property
    def lanes(self) -> int:
        return self.config.lanes

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        prepared = prepare_table(self.config.table_config, gen_dir)
        return layernorm_sources(prepared.package_path), {
            "model_factory": "tb.layernorm.target:layernorm_stream_model",
            "layernorm": self.config.to_dict(), "table_json": str(prepared.json_path)}

    def hdl_parameters(self) -> dict[str, int | str]:
        """EpsTerm goes as a sized literal: Verilator reads a bare -G number as 32 bits and
        silently truncates larger values."""
        c = self.config
        return {"Dim": c.dim, "Lanes": c.lanes, "InWidth": c.in_width, "OutWidth": c.out_width,
                "OutFrac": c.out_frac, "GammaWidth": c.gamma_width, "GammaFrac": c.gamma_frac,
                "BetaWidth": c.beta_width, "BetaFrac": c.beta_frac, "VarFrac": c.var_frac,
                "EpsTerm": f"64'd{c.eps_term(c.dim)}", "RsqrtRange": c.rsqrt_range, "RGuard": c.r_guard,
                "YGuard": c.y_guard, "Entries": c.entries}


@dataclass
class LayerNormStreamModel:
    """tb.common.uvm_env.StreamModel for the LayerNorm unit with one gamma/beta setting."""

    model: LayerNormModel
    gamma_codes: np.ndarray
    beta_codes: np.ndarray
    lanes: int
    latency: int | None = None  # beats wait for their whole row: no fixed beat latency

    @property
    def config(self) -> LayerNormConfig:
        return self.model.config

    @property
    def in_fmt(self) -> FixedFormat:
        return self.config.in_fmt

    @property
    def out_fmt(self) -> FixedFormat:
        return self.config.out_fmt

    def rows(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        dim = self.config.dim
        if codes.size % dim:
            raise ValueError(f"{codes.shape[0]} beats of {self.lanes} lanes are not whole rows of {dim}")
        return codes.reshape(-1, dim)

    def with_params(self, gamma_codes: np.ndarray, beta_codes: np.ndarray) -> "LayerNormStreamModel":
        return LayerNormStreamModel(self.model, np.asarray(gamma_codes, dtype=np.int64),
                                    np.asarray(beta_codes, dtype=np.int64), self.lanes)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return codes.astype(np.int64)
        return self.model.evaluate(self.rows(codes), self.gamma_codes, self.beta_codes).reshape(codes.shape)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return np.zeros(codes.shape)
        c = self.config
        ref = layer_norm_reference(c.in_fmt.to_real(self.rows(codes)), c.gamma_fmt.to_real(self.gamma_codes),
                                   c.beta_fmt.to_real(self.beta_codes), c.eps)
        return ref.reshape(codes.shape)

    def coverage(self, codes: np.ndarray) -> Coverage:
        """Row kinds as the statistics see them, the exponent parity that picks the 1/sqrt(2)
        path, the normalising shift's direction, and output saturation."""
        cov = Coverage()
        names = ("row:constant", "row:near_constant", "row:outlier", "row:fullscale", "row:other",
                 "term:zero", "term:left_shift", "term:right_shift", "exponent:even", "exponent:odd",
                 "out:saturate_low", "out:saturate_high")
        for name in names:
            cov.declare(name)
        codes = np.asarray(codes)
        if codes.size == 0:
            return cov
        c = self.config
        x = self.rows(codes)
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
        cov.add("term:zero", (t.term == 0).sum())
        cov.add("term:left_shift", ((t.term > 0) & (t.exponent < c.table_in_frac)).sum())
        cov.add("term:right_shift", (t.exponent > c.table_in_frac).sum())
        cov.add("exponent:even", (~constant & (t.k % 2 == 0)).sum())
        cov.add("exponent:odd", (~constant & (t.k % 2 == 1)).sum())
        cov.add("out:saturate_low", (t.out_raw < c.out_fmt.min_code).sum())
        cov.add("out:saturate_high", (t.out_raw > c.out_fmt.max_code).sum())
        return cov


def layernorm_stream_model(settings: dict[str, Any]) -> LayerNormStreamModel:
    """Factory named in the bench settings: the model with gamma = 1 and beta = 0 (reset)."""
    config = LayerNormConfig(**settings["layernorm"])
    model = LayerNormModel(config, IntTable.load(Path(settings["table_json"])))
    gamma = np.full(config.dim, 1 << config.gamma_frac, dtype=np.int64)
    return LayerNormStreamModel(model, gamma, np.zeros(config.dim, dtype=np.int64), int(settings["lanes"]))
