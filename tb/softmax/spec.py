"""The NN-LUT Softmax unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from models.softmax import ACCURACY_TARGET, DIRECT_EXP_LO, DIRECT_IN_FRAC, NARROW_INTERNAL, SoftmaxConfig
from tb.common.spec import FRAMED_ROW_TESTS, ROW_FAMILY_TESTS, SOFTMAX_KIND_TESTS, UnitSpec
from tb.softmax.target import SoftmaxTarget


def fitted_tables(config: SoftmaxConfig) -> list[tuple[str, int, float, float]]:
    exp = ("exp2_neg", config.entries, 0.0, 1.0) if config.exp_mode == "range_reduced" else \
        ("exp", config.entries, DIRECT_EXP_LO, 0.0)
    return [exp, ("recip", config.entries, 1.0, 2.0)]


SPEC = UnitSpec(
    name="softmax", op="softmax", method="NN-LUT",
    config_type=SoftmaxConfig, make_target=SoftmaxTarget, row_option="row_length",
    tests=("RandomRows", *SOFTMAX_KIND_TESTS, *ROW_FAMILY_TESTS, *FRAMED_ROW_TESTS, "TableWrite", "TablesAtBound", "TableWriteMidRow"),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", *SOFTMAX_KIND_TESTS, "FullRateRows", "BackpressureRows"),
    plot_test="RandomRows",
    regression=(SoftmaxConfig(row_length=128, lanes=4),
                # 10 output bits: p = 1 rounds up to 2^10 here and exercises the saturation;
                # the sum stage registered at one lane (the explore samples' "sum_stage").
                SoftmaxConfig(row_length=1, lanes=1, out_width=10, sum_stage_lanes=0),
                # The narrow internal formats of the cost sweep's candidate (NARROW_INTERNAL).
                SoftmaxConfig(row_length=512, lanes=16, table="no_reset", search="binary", **NARROW_INTERNAL),
                SoftmaxConfig(row_length=128, lanes=4, exp_mode="direct", table="hardwired",
                              in_frac=DIRECT_IN_FRAC),
                # The serial 1/x core: one row per slope_width + 1 cycles, short rows throttled.
                SoftmaxConfig(row_length=64, lanes=2, recip="serial")),
    rejections=(({"RowLength": 130}, "must be a multiple of Lanes"),
                ({"RowLength": 0}, "RowLength must be >= 1"),
                ({"Lanes": 0}, "Lanes must be >= 1"),
                ({"Entries": 32}, "regenerate the tables"),
                ({"OutFrac": 17}, "OutFrac (17) must be in [1, OutWidth = 16]"),
                ({"ExpFrac": 12}, "ExpFrac (12) must be >= recip_table_pkg::InFrac")),
    # Issue 3 compares the range-reduced exp with the paper's direct wide-range table, which
    # covers [-16, 0] only: SQ16.11 in.
    variants=({"exp_mode": "direct", "in_frac": DIRECT_IN_FRAC},),
    tables=fitted_tables,
    error_target=lambda c: (ACCURACY_TARGET, f"target ±{ACCURACY_TARGET:g}"),
    bound_widths=("softmax_unit:ExpWidth", "softmax_unit:SumWidth", "softmax_norm:ProdWidth"),
    note="range-reduced exp (2^-f table), 1/x table; UQ0.16 out",
)
