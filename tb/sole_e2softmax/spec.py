"""SOLE's E2Softmax unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from tb.common.spec import FRAMED_ROW_TESTS, ROW_FAMILY_TESTS, SOFTMAX_KIND_TESTS, UnitSpec
from tb.sole_e2softmax.target import E2SoftmaxConfig, E2SoftmaxTarget

SPEC = UnitSpec(
    name="sole_e2softmax", op="softmax", method="SOLE",
    config_type=E2SoftmaxConfig, make_target=E2SoftmaxTarget, row_option="row_length",
    tests=("RandomRows", "DividerRows", *SOFTMAX_KIND_TESTS, *ROW_FAMILY_TESTS, *FRAMED_ROW_TESTS),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", "DividerRows", *SOFTMAX_KIND_TESTS, "FullRateRows", "BackpressureRows"),
    plot_test="RandomRows",
    regression=(E2SoftmaxConfig(row_length=128, lanes=4),),
    lint_configs=(E2SoftmaxConfig(row_length=1, lanes=1, code_round="nearest"),
                  E2SoftmaxConfig(row_length=512, lanes=16, mant_bits=8, corr_bits=-1),
                  E2SoftmaxConfig(row_length=24, lanes=3, in_width=8, in_frac=4, corr_bits=0, sum_frac=10)),
    rejections=(({"Lanes": 3}, "must be >= 1 and divide RowLength"),
                ({"OutWidth": 7}, "OutWidth (7) cannot hold the largest output 247"),
                ({"CorrEntries": 6}, "CorrEntries (6) must be 0 or a power of two"),
                ({"OutFrac": 11}, "OutFrac (11) must be in [1, RecipFrac = 10]"),
                ({"MantBits": 10}, "MantBits (10) in [1, RecipFrac - 1]"),
                ({"InFrac": 16}, "input SQ16.16 needs")),
    bound_widths=("sole_e2softmax_unit:SumWidth", "sole_e2softmax_unit:DWidth"),
    note="E2Softmax: 4-bit log2 codes, UQ8.8 out",
)
