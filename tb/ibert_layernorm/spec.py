"""I-BERT's integer-only LayerNorm unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from tb.common.spec import ROW_FAMILY_TESTS, UnitSpec
from tb.ibert_layernorm.target import IBertLayerNormConfig, IBertLayerNormTarget

SPEC = UnitSpec(
    name="ibert_layernorm", op="layernorm", method="I-BERT",
    config_type=IBertLayerNormConfig, make_target=IBertLayerNormTarget, row_option="dim",
    tests=("RandomRows", "ConstantRows", "OutlierRows", "NewtonRows", "FullScaleRows", *ROW_FAMILY_TESTS),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows"),
    plot_test="OutlierRows",
    # Rows of 8 beats against RootCycles = 82: the square root is the bottleneck, a second row's
    # statistics wait for it, and rows leave one per RootCycles cycles (the documented rate).
    regression=(IBertLayerNormConfig(dim=384, lanes=4), IBertLayerNormConfig(dim=32, lanes=4)),
    lint_configs=(IBertLayerNormConfig(dim=768, lanes=16, min_shift=2),
                  IBertLayerNormConfig(dim=6, lanes=3, in_width=8, div_bits_per_cycle=1)),
    rejections=(({"Lanes": 5}, "Lanes (5) must be >= 1 and divide Dim (384)"),
                ({"Dim": 1, "Lanes": 1}, "Dim must be in [2, 2^20]"),
                ({"MaxBit": 41}, "MaxBit must be in [8, 40]"),
                ({"DivBitsPerCycle": 0}, "DivBitsPerCycle (0) must be in")),
    rtl_defaults=IBertLayerNormConfig(dim=384, lanes=4),
    # y reaches InWidth + 1 bits on rows of one extreme element, y^2 its 2 InWidth bits there, and
    # a beat's sum of squares its width on a beat of one extreme in a row of the other.
    bound_widths=("ibert_layernorm_unit:SumWidth", "ibert_ln_var:YWidth", "ibert_ln_var:SqWidth",
                  "ibert_ln_var:BeatWidth"),
    note="integer Newton sqrt, 32-bit output code",
)
