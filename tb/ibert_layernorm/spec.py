"""I-BERT's integer-only LayerNorm unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from tb.common.spec import ROW_FAMILY_TESTS, UnitSpec
from tb.ibert_layernorm.target import IBertLayerNormConfig, IBertLayerNormTarget

SPEC = UnitSpec(
    name="ibert_layernorm", op="layernorm", method="I-BERT",
    config_type=IBertLayerNormConfig, make_target=IBertLayerNormTarget, row_option="dim",
    tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", *ROW_FAMILY_TESTS),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows"),
    plot_test="OutlierRows",
    regression=(IBertLayerNormConfig(dim=384, lanes=4),),
    lint_configs=(IBertLayerNormConfig(dim=768, lanes=16, min_shift=2),
                  IBertLayerNormConfig(dim=6, lanes=3, in_width=8, div_bits_per_cycle=1)),
    rejections=(({"Lanes": 5}, "Lanes (5) must be >= 1 and divide Dim (384)"),
                ({"Dim": 1, "Lanes": 1}, "Dim must be >= 2"),
                ({"MaxBit": 41}, "MaxBit must be in [8, 40]"),
                ({"DivBitsPerCycle": 0}, "DivBitsPerCycle (0) must be in")),
    rtl_defaults=IBertLayerNormConfig(dim=384, lanes=4),
    # y^2 is declared 2 InWidth + 1 bits and stays below 2^(2 InWidth) (|y| < 2^InWidth (1 - 1/D)),
    # so it is not a bound; y itself reaches InWidth + 1 bits on rows of one extreme element.
    bound_widths=("ibert_layernorm_unit:SumWidth", "ibert_ln_var:YWidth"),
    note="integer Newton sqrt, 32-bit output code",
)
