"""NN-LUT RMSNorm unit bench (module `tb.rmsnorm.test_rmsnorm`, top `layernorm_unit` with Rms = 1):
the LayerNorm benches (tb/layernorm/test_layernorm.py) with the RMSNorm model and reference
(float64 rms_norm), every output bit-exact against models.layernorm with rms=True.
- RandomRows, OutlierRows, FullScaleRows, ConstantRows: one row kind each, gamma 1, beta 0,
  the accuracy target asserted (a constant row normalises to +-1, a zero row to 0).
- TinyRows: codes within +-2 LSB, mostly zero: the smallest variance terms, shifted left by the
  most (a near-constant row, LayerNorm's small-variance case, has a large S2 here).
- ProgrammedParams, TableWrite, FullRateRows, RowLatency, BackpressureRows, ResetMidRow: as for
  LayerNorm.
"""

from __future__ import annotations

import pyuvm

from tb.common import rowbench
from tb.common.uvm_env import STREAM_FILE_MISSING, register_tests
from tb.layernorm import test_layernorm
from tb.layernorm.test_layernorm import WATCHDOG, LayerNormTest

register_tests(__name__, LayerNormTest, test_layernorm,
               # Without the mean, a near-constant row has a large S2: TinyRows makes the left
               # shifts.
               {"RandomRows": {"required_coverage": ("row:other", "term:right_shift", "exponent:even",
                                                     "exponent:odd")},
                "OutlierRows": {}, "FullScaleRows": {}, "ProgrammedParams": {},
                "TableWrite": {}, "TableAtBound": {}, "ParamsWriteMidRow": {}}, **WATCHDOG)
register_tests(__name__, LayerNormTest, rowbench, test_layernorm.ROW_FAMILY, **WATCHDOG)
register_tests(__name__, LayerNormTest, test_layernorm, {"StreamFile": {}}, skip=STREAM_FILE_MISSING)


@pyuvm.test(**WATCHDOG)
class ConstantRows(LayerNormTest):
    """Constant rows: RMSNorm gives sign(c) * 1.0 (within the accuracy target), a zero row 0."""

    row_kinds = ("constant",)
    required_coverage = ("row:constant",)


@pyuvm.test(**WATCHDOG)
class TinyRows(LayerNormTest):
    """Rows of codes within +-2 LSB: variance terms far below the table's input, normalised by
    the largest left shifts the unit makes."""

    row_kinds = ("tiny",)
    required_coverage = ("term:left_shift",)
