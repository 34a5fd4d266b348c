"""NN-LUT RMSNorm unit bench (module `tb.rmsnorm.test_rmsnorm`, top `layernorm_unit` with Rms = 1):
the LayerNorm benches (tb/layernorm/test_layernorm.py) with the RMSNorm model and reference
(float64 rms_norm), every output bit-exact against models.layernorm with rms=True.
- RandomRows, OutlierRows, FullScaleRows, ConstantRows: one row kind each, gamma 1, beta 0,
  the accuracy target asserted (a constant row normalises to +-1, a zero row to 0).
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
               # Without the mean, a near-constant row has a large S2: neither it nor a variance
               # term below the table's input (a left shift) occurs.
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
