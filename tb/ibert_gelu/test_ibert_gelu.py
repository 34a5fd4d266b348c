"""I-BERT i-GELU unit bench (module `tb.ibert_gelu.test_ibert_gelu`, top `ibert_gelu_unit`).

The shared scoreboard checks every output bit-exact against models/ibert.py IntGelu and keeps
the error against float64 torch GELU at the exact input values. The element-wise family
(tb/common/elementwise.py) supplies the tests:
- ExhaustiveSweep: every input code, random gaps and backpressure; every coverage bin, and
  the error against GELU within the erf polynomial's own error (I-BERT Eq. 10).
- FullRate: no gaps, no backpressure; latency exactly LATENCY and Lanes elements per cycle.
- Backpressure: heavy gaps and backpressure on the erf's edge codes and random codes.
"""

from __future__ import annotations

import math

import numpy as np
import pyuvm

from tb.common import elementwise
from tb.common.elementwise import ElementwiseTest
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests
from tb.ibert_gelu.target import COVERAGE_BINS


def erf_polynomial_error(lo: float = -8.0, hi: float = 8.0, points: int = 400001) -> float:
    """Max |x/2 (1 + L(x/sqrt2)) - GELU(x)| of I-BERT's float polynomial (Eq. 10; a, b, c from
    the paper, restated here, not taken from the model) on a dense grid: the accuracy the
    integer datapath can at best reach."""
    from models.reference import gelu

    x = np.linspace(lo, hi, points)
    z = np.abs(x) / math.sqrt(2.0)
    erf = np.sign(x) * (-0.2888 * (np.minimum(z, 1.769) - 1.769) ** 2 + 1.0)
    return float(np.abs(x / 2.0 * (1.0 + erf) - gelu(x)).max())


class IBertGeluTest(ElementwiseTest):
    def edge_codes(self) -> np.ndarray:
        """The format's edges, and the erf's clip point with its neighbours on both sides."""
        clip = -self.bench.model.model.b_int
        return np.concatenate([super().edge_codes(), clip + np.arange(-2, 3), -clip + np.arange(-2, 3)])


class IBertGeluSweep(IBertGeluTest):
    required_coverage = COVERAGE_BINS

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        # The float form's error (where erf is clipped, GELU is 0 or x to within it) plus the
        # integer datapath's, well under 1e-4 at 16 bits.
        bound = erf_polynomial_error() + 1e-4
        error = sb.results["rtl_error"]
        sb.results["error_bound"] = bound
        assert error["max_abs"] <= bound, f"max |GELU error| {error['max_abs']:.4e} exceeds {bound:.4e}"


register_tests(__name__, IBertGeluSweep, elementwise, {"ExhaustiveSweep": {}})
register_tests(__name__, IBertGeluTest, elementwise, {
    "FullRate": {},
    "Backpressure": {"required_coverage": ("erf:clip_point", "x:min_code", "x:max_code")},
})


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """rtl_eval's data path (see StreamFileTest)."""
