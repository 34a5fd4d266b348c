"""NN-LUT SiLU unit bench (module `tb.silu.test_silu`, top `nnlut_act_unit` with the SiLU table):
the activation benches of tb/gelu/test_gelu.py on this unit's table and model.
- ExhaustiveSweep, FullRate, Backpressure: the element-wise family (tb/common/elementwise.py)
  with the breakpoints' edge codes and every reachable segment covered.
- TableWrite: other tables programmed at run time, then SiLU's restored (a hardwired build must
  ignore the writes).
- StreamFile: codes from a file (rtl_eval).
"""

from __future__ import annotations

from tb.common import elementwise
from tb.common.uvm_env import STREAM_FILE_MISSING, register_tests
from tb.gelu import test_gelu

register_tests(__name__, test_gelu.GeluTest, elementwise, {"FullRate": {}, "Backpressure": {}})
register_tests(__name__, test_gelu.GeluSweep, elementwise, {"ExhaustiveSweep": {}})
register_tests(__name__, test_gelu.GeluTest, test_gelu, {"TableWrite": {}})
register_tests(__name__, test_gelu.GeluTest, test_gelu, {"StreamFile": {}}, skip=STREAM_FILE_MISSING)
