"""I-BERT's i-GELU unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from tb.common.spec import ELEMENTWISE_TESTS, UnitSpec
from tb.ibert_gelu.target import IBertGeluConfig, IBertGeluTarget

SPEC = UnitSpec(
    name="ibert_gelu", op="gelu", method="I-BERT",
    config_type=IBertGeluConfig, make_target=IBertGeluTarget,
    tests=ELEMENTWISE_TESTS,
    rate_test="FullRate", accuracy_tests=("ExhaustiveSweep",), plot_test="ExhaustiveSweep",
    # The exhaustive 2^16 sweep at Lanes 16.
    regression=(IBertGeluConfig(lanes=16),),
    lint_configs=(IBertGeluConfig(lanes=4),),
    rejections=(({"OutWidth": 39}, "OutWidth (39) is below the 40 bits"),
                ({"Lanes": 0}, "Lanes must be >= 1"),
                ({"BMag": 0}, "BMag (-b_int) must be in")),
    # The RTL's written defaults are the model's constants at SQ16.10 (a stand-alone use of the
    # RTL depends on them; the bench passes every parameter explicitly).
    rtl_defaults=IBertGeluConfig(lanes=16),
    bound_widths=("ibert_gelu_unit:PWidth", "ibert_gelu_lane:AbsWidth"),
    note="i-GELU, 40-bit output code",
)
