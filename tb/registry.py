"""The one registry of units. Each unit's specification is declared next to its bench
(tb/<unit>/spec.py); every flow (make sim, lint, synthesis, the main job, the comparison report,
rtl_eval, the regression) iterates over UNITS and nothing else."""

from __future__ import annotations

from tb.common.spec import UnitSpec
from tb.gelu.spec import SPEC as GELU
from tb.ibert_gelu.spec import SPEC as IBERT_GELU
from tb.ibert_layernorm.spec import SPEC as IBERT_LAYERNORM
from tb.ibert_softmax.spec import SPEC as IBERT_SOFTMAX
from tb.layernorm.spec import SPEC as LAYERNORM
from tb.rmsnorm.spec import SPEC as RMSNORM
from tb.silu.spec import SPEC as SILU
from tb.softmax.spec import SPEC as SOFTMAX
from tb.sole_ailayernorm.spec import SPEC as SOLE_AILAYERNORM
from tb.sole_e2softmax.spec import SPEC as SOLE_E2SOFTMAX

# Ordered by op, then method: the order of every table.
UNITS: dict[str, UnitSpec] = {s.name: s for s in (
    GELU, IBERT_GELU, SILU,
    SOFTMAX, IBERT_SOFTMAX, SOLE_E2SOFTMAX,
    LAYERNORM, IBERT_LAYERNORM, SOLE_AILAYERNORM,
    RMSNORM,
)}


def unit(name: str) -> UnitSpec:
    try:
        return UNITS[name]
    except KeyError:
        raise ValueError(f"unknown unit {name!r}; units: {', '.join(UNITS)}") from None


__all__ = ["UNITS", "unit"]
