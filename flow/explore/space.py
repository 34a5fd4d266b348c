"""The design space: per unit kind (GELU, Softmax, LayerNorm on the NN-LUT core), the choices
the RTL offers, and how a choice becomes the unit's configuration.

Choices (every one an elaboration parameter of the unit):
- entries: table segments, 8 to 64 (for Softmax both its tables, exp and 1/x; for LayerNorm its
  1/sqrt table);
- width: the unit's input data width; the fractional bits follow the end-to-end evaluation's
  rule (models.e2e.method_base.Widths) and calibration moves them per kind, which changes no
  hardware;
- out_width: the unit's output data width, with as many integer bits as at out_width = width
  (formats);
- coeffs: the table's slope and intercept widths, "s12t16", "s14t18" or "s16t20" (the fitter
  places the binary point of each table from its largest value, models.nnlut);
- internal: the internal formats behind the inner tables. Softmax "standard" is
  models.softmax.NARROW_INTERNAL (rows up to 512), "reduced" is SHORT_ROW_INTERNAL (rows up to
  128: the space's units are built for 128, MiniLM's rows are at most 64 tokens); LayerNorm
  "standard" is its defaults, "reduced" a 12-bit 1/sqrt table input and 2 guard bits after the
  normalisation instead of 4 (REDUCED_LAYERNORM). GELU has none: "standard" only;
- table: "programmable" (write port, table in flops with reset) or "no_reset" (write port,
  flops without reset). A hardwired table cannot hold per-site tables, which the calibrated
  end-to-end flow loads into every unit, so it is not in this space;
- search: "parallel" comparators or "binary" (a pipelined binary segment search);
- pipeline: the pipelining options the RTL offers besides the search's stages. "base" is each
  unit's fixed pipeline; Softmax also has "sum_stage", its lane exps and their sum registered
  before the row accumulator (softmax_unit SumStageLanes below the lane count: two cycles more
  of row latency, a shorter path through the adder tree at many lanes). The NN-LUT core's three
  stages and LayerNorm's pipeline have no option, so GELU and LayerNorm take "base" only. The
  default units register the sum above 4 lanes, so the default Softmax at TARGET_LANES is
  "sum_stage" (DEFAULT_DESIGN).

Not in the space: Softmax's serial 1/x core (one result every few cycles: at 16 lanes it cannot
keep up with rows of 128, so it fails the throughput every unit is held to), and the lane count,
which the search holds at TARGET_LANES (the cost is sampled at 1 and 4 lanes and modelled
linearly in lanes, see flow.explore.evaluator).

`entries`, `width`, `out_width`, `coeffs` and `internal` change what the unit computes (the fidelity search
relaxes them); `table`, `search` and `pipeline` change only its cost (the benches check every option
bit-exact against the same model).

A combination the unit refuses (its configuration's checks, the same that stop elaboration)
is not in the space: `valid_choices` filters with them.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from models.softmax import NARROW_INTERNAL, SHORT_ROW_INTERNAL, SUM_STAGE_LANES
from tb.common.spec import UnitSpec
from tb.registry import UNITS

KINDS = ("gelu", "softmax", "layernorm")
KIND_LABELS = {"gelu": "GELU", "softmax": "Softmax", "layernorm": "LayerNorm"}
DIMENSIONS: dict[str, tuple[Any, ...]] = {
    "entries": (8, 16, 32, 64),
    "width": (12, 14, 16),
    "out_width": (12, 14, 16),
    "coeffs": ("s12t16", "s14t18", "s16t20"),
    "internal": ("standard", "reduced"),
    "table": ("programmable", "no_reset"),
    "search": ("parallel", "binary"),
    "pipeline": ("base", "sum_stage"),
}
# The dimensions that change the unit's function (the fidelity candidates); the rest change
# only its cost.
FUNCTION_DIMS = ("entries", "width", "out_width", "coeffs", "internal")
COST_DIMS = tuple(d for d in DIMENSIONS if d not in FUNCTION_DIMS)
COEFF_WIDTHS = {"s12t16": (12, 16), "s14t18": (14, 18), "s16t20": (16, 20)}
REDUCED_LAYERNORM = {"table_in_width": 12, "y_guard": 2}
# Each kind's internal formats by choice; a kind without a choice is absent (only "standard").
INTERNAL = {"softmax": {"standard": dict(NARROW_INTERNAL), "reduced": dict(SHORT_ROW_INTERNAL)},
            "layernorm": {"standard": {}, "reduced": dict(REDUCED_LAYERNORM)}}
# Cost samples are synthesized at these lane counts; the area at TARGET_LANES is the shared part
# plus TARGET_LANES lanes (area(L) = a1 + (L - 1) * (a4 - a1) / 3, see flow.explore.evaluator).
SAMPLE_LANES = (1, 4)
TARGET_LANES = 16
DEFAULT_CHOICE = {"entries": 16, "width": 16, "out_width": 16, "coeffs": "s16t20", "internal": "standard",
                  "table": "programmable", "search": "parallel", "pipeline": "base"}


# The configuration option behind the "sum_stage" pipeline (models.softmax.SoftmaxConfig).
SUM_STAGE_OPTION = "sum_stage_lanes"
# The pipelining choices of each kind beyond "base": those whose unit has the option.
PIPELINES = {k: ("sum_stage",) for k in KINDS if SUM_STAGE_OPTION in UNITS[k].options()}


@dataclass(frozen=True, order=True)
class Choice:
    """One unit kind's point in the design space."""

    entries: int
    width: int
    out_width: int
    coeffs: str
    internal: str
    table: str
    search: str
    pipeline: str

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value not in DIMENSIONS[name]:
                raise ValueError(f"{name}={value!r} is not in the design space {DIMENSIONS[name]}")

    @property
    def function_key(self) -> tuple[Any, ...]:
        """What the unit computes (the FUNCTION_DIMS values): choices with the same key are
        bit-identical."""
        return tuple(getattr(self, d) for d in FUNCTION_DIMS)

    @classmethod
    def of_function(cls, function: tuple[Any, ...]) -> "Choice":
        """The choice that computes `function` with the default cost choices."""
        return cls(**dict(zip(FUNCTION_DIMS, function)), **{d: DEFAULT_CHOICE[d] for d in COST_DIMS})

    def replace(self, **changes: Any) -> "Choice":
        return Choice(**{**asdict(self), **changes})

    def label(self) -> str:
        # W16 when the output is as wide as the input, W16>12 for 16 bits in and 12 out.
        widths = f"W{self.width}" + (f">{self.out_width}" if self.out_width != self.width else "")
        pipeline = "" if self.pipeline == "base" else f" {self.pipeline}"
        return f"E{self.entries} {widths} {self.coeffs} {self.internal} {self.table} {self.search}{pipeline}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT = Choice(**DEFAULT_CHOICE)


def unit_spec(kind: str) -> UnitSpec:
    if kind not in KINDS:
        raise ValueError(f"unknown unit kind {kind!r}; choose from {', '.join(KINDS)}")
    return UNITS[kind]


def formats(kind: str, width: int, out_width: int) -> dict[str, Any]:
    """Data formats at these widths (W in, O out): GELU S.(W-4) in and S.(O-4) out with the
    minimax table, Softmax S.(W-5) in and unsigned 0.O out, LayerNorm S.(W-8) in and S.(O-6) out.
    At O = W these are the units' defaults when the space was sampled (before models.defaults
    widened them); they are kept so the snapshot's records stay valid. The search is calibrated only, and calibration chooses
    the GELU and Softmax input formats from the activations and each LayerNorm site's scales, so
    the build format matters only for the reset contents of the tables."""
    if kind == "gelu":
        return {"in_width": width, "in_frac": width - 4, "out_width": out_width, "out_frac": out_width - 4,
                "fit": "minimax"}
    if kind == "softmax":
        return {"in_width": width, "in_frac": width - 5, "out_width": out_width, "out_frac": out_width}
    return {"in_width": width, "in_frac": width - 8, "out_width": out_width, "out_frac": out_width - 6}


def sum_stage_lanes(registered: bool, lanes: int) -> int:
    """Softmax's SumStageLanes that registers the sum stage at this lane count or not: the
    models' default SUM_STAGE_LANES where it already does what is asked (so a configuration
    measured at the default keeps its cost-cache key), else lanes - 1 or lanes."""
    if registered == (lanes > SUM_STAGE_LANES):
        return SUM_STAGE_LANES
    return lanes - 1 if registered else lanes


def unit_config(kind: str, choice: Choice, lanes: int) -> Any:
    """The unit configuration of a choice (ValueError if the unit refuses it)."""
    internal = INTERNAL.get(kind, {"standard": {}})
    if choice.internal not in internal:
        raise ValueError(f"{kind} has no internal formats to choose: internal={choice.internal!r} is not "
                         f"one of {', '.join(internal)}")
    # The sum stage is the unit's own option: a unit without it refuses "sum_stage" by its checks.
    pipeline = {}
    if choice.pipeline == "sum_stage" or SUM_STAGE_OPTION in unit_spec(kind).options():
        pipeline[SUM_STAGE_OPTION] = sum_stage_lanes(choice.pipeline == "sum_stage", lanes)
    slope_width, intercept_width = COEFF_WIDTHS[choice.coeffs]
    return unit_spec(kind).config(lanes=lanes, entries=choice.entries, table=choice.table, search=choice.search,
                                  slope_width=slope_width, intercept_width=intercept_width,
                                  **formats(kind, choice.width, choice.out_width), **internal[choice.internal],
                                  **pipeline)


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


@cache
def allowed_values(kind: str, dimension: str) -> frozenset[Any]:
    """The values of one dimension that some valid choice of the kind takes."""
    return frozenset(getattr(c, dimension) for c in valid_choices(kind))


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


# The default units as built at TARGET_LANES: Softmax registers its sum above SUM_STAGE_LANES lanes.
DEFAULT_DESIGN = Design(DEFAULT, DEFAULT.replace(pipeline="sum_stage" if TARGET_LANES > SUM_STAGE_LANES else "base"),
                        DEFAULT)
