"""The design space: per unit kind (GELU, Softmax, LayerNorm on the NN-LUT core), the choices
the RTL offers, and how a choice becomes the unit's configuration.

Choices (every one an elaboration parameter of the unit):
- entries: table segments, 8 to 64;
- width: the unit's input and output data width (in_width = out_width); the fractional bits
  follow the end-to-end evaluation's rule (models.e2e.method_base.Widths) and calibration
  moves them per kind, which changes no hardware;
- table: "programmable" (write port, table in flops with reset) or "no_reset" (write port,
  flops without reset). A hardwired table cannot hold per-site tables, which the calibrated
  end-to-end flow loads into every unit, so it is not in this space;
- search: "parallel" comparators or "binary" (a pipelined binary segment search).

Held at one value: slope and intercept widths (16/20, the calibrated tables' formats), the
Softmax internal formats (models.softmax.NARROW_INTERNAL, issue 9's choice: the default
internal widths cost 35 minutes of synthesis at 16 lanes and no accuracy the model can see) and
the LayerNorm's table and guard widths (its defaults). `entries` and `width` change what the
unit computes (the fidelity search relaxes them); `table` and `search` change only its cost
(the benches check every option bit-exact against the same model).

A combination the unit refuses (its configuration's checks, the same that stop elaboration)
is not in the space: `valid_choices` filters with them.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from models.softmax import NARROW_INTERNAL
from tb.common.spec import UnitSpec
from tb.registry import UNITS

KINDS = ("gelu", "softmax", "layernorm")
KIND_LABELS = {"gelu": "GELU", "softmax": "Softmax", "layernorm": "LayerNorm"}
DIMENSIONS: dict[str, tuple[Any, ...]] = {
    "entries": (8, 16, 32, 64),
    "width": (12, 14, 16),
    "table": ("programmable", "no_reset"),
    "search": ("parallel", "binary"),
}
# The dimensions that change the unit's function (the fidelity candidates); the rest change
# only its cost.
FUNCTION_DIMS = ("entries", "width")
# Cost samples are synthesized at these lane counts; the area at TARGET_LANES is the shared part
# plus TARGET_LANES lanes (area(L) = a1 + (L - 1) * (a4 - a1) / 3, see flow.explore.evaluator).
SAMPLE_LANES = (1, 4)
TARGET_LANES = 16
DEFAULT_CHOICE = {"entries": 16, "width": 16, "table": "programmable", "search": "parallel"}


@dataclass(frozen=True, order=True)
class Choice:
    """One unit kind's point in the design space."""

    entries: int
    width: int
    table: str
    search: str

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value not in DIMENSIONS[name]:
                raise ValueError(f"{name}={value!r} is not in the design space {DIMENSIONS[name]}")

    @property
    def function_key(self) -> tuple[int, int]:
        """What the unit computes: choices with the same key are bit-identical."""
        return (self.entries, self.width)

    def label(self) -> str:
        return f"E{self.entries} W{self.width} {self.table} {self.search}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT = Choice(**DEFAULT_CHOICE)


def unit_spec(kind: str) -> UnitSpec:
    if kind not in KINDS:
        raise ValueError(f"unknown unit kind {kind!r}; choose from {', '.join(KINDS)}")
    return UNITS[kind]


def formats(kind: str, width: int) -> dict[str, Any]:
    """Data formats at this width: GELU S.(W-4) in and out with the minimax table, Softmax
    S.(W-5) in and unsigned 0.W out, LayerNorm S.(W-8) in and S.(W-6) out. These are the units'
    defaults when the space was sampled (before models.defaults widened them); they are kept so
    the snapshot's records stay valid. The search is calibrated only, and calibration chooses
    the GELU and Softmax input formats from the activations and each LayerNorm site's scales, so
    the build format matters only for the reset contents of the tables."""
    if kind == "gelu":
        return {"in_width": width, "in_frac": width - 4, "out_width": width, "out_frac": width - 4,
                "fit": "minimax"}
    if kind == "softmax":
        return {"in_width": width, "in_frac": width - 5, "out_width": width, "out_frac": width}
    return {"in_width": width, "in_frac": width - 8, "out_width": width, "out_frac": width - 6}


def unit_config(kind: str, choice: Choice, lanes: int) -> Any:
    """The unit configuration of a choice (ValueError if the unit refuses it)."""
    extra = dict(NARROW_INTERNAL) if kind == "softmax" else {}
    return unit_spec(kind).config(lanes=lanes, entries=choice.entries, table=choice.table,
                                  search=choice.search, **formats(kind, choice.width), **extra)


@cache
def valid_choices(kind: str) -> tuple[Choice, ...]:
    """Every choice of this kind that the unit's checks accept, at every sampled lane count."""
    out = []
    for values in itertools.product(*DIMENSIONS.values()):
        choice = Choice(*values)
        try:
            for lanes in (*SAMPLE_LANES, TARGET_LANES):
                unit_config(kind, choice, lanes)
        except ValueError:
            continue
        out.append(choice)
    return tuple(out)


@dataclass(frozen=True)
class Design:
    """One choice per kind: the three units an accelerator would build."""

    gelu: Choice
    softmax: Choice
    layernorm: Choice

    def of(self, kind: str) -> Choice:
        return getattr(self, kind)

    def label(self) -> str:
        return "; ".join(f"{KIND_LABELS[k]} {self.of(k).label()}" for k in KINDS)

    def to_dict(self) -> dict[str, Any]:
        return {k: self.of(k).to_dict() for k in KINDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Design":
        missing = [k for k in KINDS if k not in data]
        if missing:
            raise ValueError(f"design is missing {', '.join(missing)}")
        return cls(**{k: Choice(**data[k]) for k in KINDS})


DEFAULT_DESIGN = Design(DEFAULT, DEFAULT, DEFAULT)
