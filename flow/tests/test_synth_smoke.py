"""Keeps the synthesis flow from rotting: a small unit through both Yosys stages."""

from __future__ import annotations

import pytest

from flow.synth import parse_stats, synthesize
from tb.gelu.spec import SPEC as GELU


def test_small_gelu_unit_synthesizes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path  # under /tmp on purpose: the flow must not depend on where the clone lives
    small = synthesize(GELU.target(GELU.config(entries=4, lanes=1, in_width=8, out_width=8)), out)
    larger = synthesize(GELU.target(GELU.config(entries=8, lanes=2, in_width=8, out_width=8)), out)
    assert 0 < small.cells < larger.cells and 0 < small.transistors < larger.transistors
    assert small.logic_depth > 5  # a multiplier cannot be shallower than this


def test_missing_statistics_are_reported() -> None:
    with pytest.raises(RuntimeError, match="could not find"):
        parse_stats("no statistics here")
