"""The bound tables the benches write (tb/common/tables.py)."""

from __future__ import annotations

import numpy as np
import pytest

from models.softmax import SHORT_ROW_INTERNAL, SoftmaxModel
from tb.common.tables import table_all_negative
from tb.registry import UNITS


@pytest.mark.parametrize("intercept_width", [20, 17])
def test_all_negative_table_is_negative_everywhere(intercept_width):
    config = UNITS["softmax"].config(lanes=1, table="hardwired", slope_width=11, intercept_width=intercept_width,
                                     **SHORT_ROW_INTERNAL)
    for table in (SoftmaxModel.build(config).exp_table, SoftmaxModel.build(config).recip_table):
        negative = table_all_negative(table)
        codes = np.arange(table.params.in_fmt.min_code, table.params.in_fmt.max_code + 1, 97)
        out = negative.evaluate(codes)
        assert np.all(out < 0) and np.all(out == out[0])
        # -1 LSB where the intercept has the output's fraction bits, else the intercept's own -1.
        shift = table.intercept_frac - table.params.out_fmt.frac
        assert out[0] == (-1 if shift >= 0 else -(1 << -shift))
