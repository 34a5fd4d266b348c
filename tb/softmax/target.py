"""Bench target and stream model of the NN-LUT Softmax unit (rtl/nnlut/softmax_unit.sv).

`SoftmaxTarget` implements tb.common.spec.BenchTarget: it generates the three table packages the
RTL reads (exp2_neg and exp for the two exp modes, recip) and names the model factory below.
`SoftmaxStreamModel` is the row stream model (tb.common.rowbench): rows predicted with
models.softmax.SoftmaxModel, referenced by float64 softmax at the exact input values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.nnlut import IntTable
from models.reference import softmax
from models.softmax import SoftmaxConfig, SoftmaxModel
from models.units import PreparedTable, prepare_table
from tb.common.checks import Coverage
from tb.common.rowbench import SOFTMAX_ROW_BINS, RowStreamModel, cover_softmax_rows
from tb.common.sources import BEAT_STAGE, LZC, NNLUT_CORE, SOFTMAX_ROWS
from tb.common.spec import UnitTarget

# Row kinds beyond the shared Softmax ones.
ROW_BINS = (*SOFTMAX_ROW_BINS, "row:underflow", "row:saturated", "row:q_clamped")


def prepare_packages(config: SoftmaxConfig, gen_dir: Path) -> dict[str, PreparedTable]:
    """Fit (cached) and write the two tables the RTL reads: exp_table_pkg holds the exp table of
    the configured mode (2^-f on [0, 1), or exp on [-16, 0]), recip_table_pkg the 1/x table."""
    return {"exp": prepare_table(config.exp_table_config(), gen_dir, package_name="exp_table_pkg"),
            "recip": prepare_table(config.recip_table_config(), gen_dir)}


class SoftmaxTarget(UnitTarget, top="softmax_unit", bench="tb.softmax.test_softmax",
                    model="tb.softmax.target:softmax_stream_model",
                    sources=(NNLUT_CORE, "nnlut/nnlut_serial_core.sv", LZC, BEAT_STAGE, SOFTMAX_ROWS, "nnlut/softmax_exp.sv",
                             "nnlut/softmax_recip.sv",
                             "nnlut/softmax_norm.sv", "nnlut/softmax_unit.sv")):
    def source_groups(self) -> tuple[tuple[str, ...] | str, ...]:
        # The serial 1/x core only where it is used (softmax_recip's generate branch).
        serial = self.config.recip == "serial"
        return tuple(s for s in self.rtl_sources if serial or s != "nnlut/nnlut_serial_core.sv")

    def generate(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        tables = prepare_packages(self.config, gen_dir)
        return [tables["exp"].package_path, tables["recip"].package_path], {
            "exp_table_json": str(tables["exp"].json_path), "recip_table_json": str(tables["recip"].json_path)}


class SoftmaxStreamModel(RowStreamModel):
    framed = True

    def __init__(self, config: SoftmaxConfig, model: SoftmaxModel) -> None:
        super().__init__(config)
        self.model = model

    def predict_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.model.evaluate(rows, mask)

    def reference_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return softmax(self.in_fmt.to_real(rows), mask)

    def coverage_bins(self) -> tuple[str, ...]:
        return (*ROW_BINS, *(f"exp_segment[{k}]" for k in range(self.config.entries)))

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        cover_softmax_rows(cov, rows, self.in_fmt, softmax(self.in_fmt.to_real(rows)))
        tr = self.model.trace(rows)
        cov.add("row:underflow", int((tr.e == 0).any(axis=1).sum()))
        cov.add("row:saturated", int((tr.raw > self.out_fmt.max_code).any(axis=1).sum()))
        cov.add("row:q_clamped", int((tr.q > self.config.exp_frac + 1).any(axis=1).sum()))
        segments = self.model.exp_table.segment(tr.table_in)
        counts = np.bincount(segments.reshape(-1), minlength=self.config.entries)
        for k in range(self.config.entries):
            cov.add(f"exp_segment[{k}]", int(counts[k]))


def softmax_stream_model(settings: dict[str, Any]) -> SoftmaxStreamModel:
    config = SoftmaxConfig.from_dict(settings["config"])
    model = SoftmaxModel(config, IntTable.load(Path(settings["exp_table_json"])),
                         IntTable.load(Path(settings["recip_table_json"])))
    return SoftmaxStreamModel(config, model)
