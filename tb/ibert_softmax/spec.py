"""I-BERT's integer-only Softmax unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from tb.common.spec import FRAMED_ROW_TESTS, ROW_FAMILY_TESTS, SOFTMAX_KIND_TESTS, UnitSpec
from tb.ibert_softmax.target import IBertSoftmaxConfig, IBertSoftmaxTarget

SPEC = UnitSpec(
    name="ibert_softmax", op="softmax", method="I-BERT",
    config_type=IBertSoftmaxConfig, make_target=IBertSoftmaxTarget, row_option="row_length",
    tests=("RandomRows", *SOFTMAX_KIND_TESTS, *ROW_FAMILY_TESTS, *FRAMED_ROW_TESTS),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", *SOFTMAX_KIND_TESTS, "FullRateRows", "BackpressureRows"),
    plot_test="RandomRows",
    regression=(IBertSoftmaxConfig(row_length=128, lanes=4),),
    lint_configs=(IBertSoftmaxConfig(row_length=1, lanes=1, out_width=32),
                  IBertSoftmaxConfig(row_length=512, lanes=16, in_frac=10, div_bits_per_cycle=1)),
    rejections=(({"RowLength": 130}, "must be a multiple of Lanes"),
                ({"Lanes": 0}, "Lanes must be >= 1"),
                # p(0) = 692^2 + 45424 = 2^19, and 2^19 / 2^9: the maximum's exp would be 2^10.
                ({"CInt": "64'd45424", "Mult": "64'd1", "ReqShift": 9}, "must be >= 2 and not a power of two"),
                ({"OutBits": 33}, "OutBits (33) must be in [1, MaxBit = 32]"),
                ({"BInt": "64'd300"}, "need 1 <= X0Mag <= BInt")),
    rtl_defaults=IBertSoftmaxConfig(row_length=128, lanes=4),
    # The products are declared as wide as their largest values: p * M at every row's maximum,
    # e * factor below 2^MaxBit with its top bit the output's (p >= 1/2).
    bound_widths=("ibert_softmax_unit:SumWidth", "ibert_softmax_unit:ProdWidth", "ibert_exp_lane:PWidth",
                  "ibert_exp_lane:ProdWidth"),
    note="i-exp, floor(2^32/sum), UQ16.16 out",
)
