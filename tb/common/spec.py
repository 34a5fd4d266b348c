"""What the flows know about a unit: its bench target and its specification.

A `UnitSpec` is declared next to each unit's bench (`tb/<unit>/spec.py`) and collected in
`tb/registry.py`; every flow (make sim, lint, synthesis, the main job, the comparison report,
rtl_eval, the regression) iterates over that registry and nothing else.

A unit's parameters are one frozen dataclass (its configuration); its fields are the unit's
options everywhere (`--row-length`, `ROW_LENGTH=` ...), its defaults the unit's defaults.
"""

from __future__ import annotations

import dataclasses
import os
import random
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from models.configtag import unique_tag

OPS = ("gelu", "silu", "softmax", "layernorm", "rmsnorm")
METHODS = ("NN-LUT", "I-BERT", "SOLE")
# Regression seeds: NNLUT_SEED (default below) plus a per-unit offset; NNLUT_SEED=random draws.
SEED_ENV = "NNLUT_SEED"
DEFAULT_SEED = 20261123


# The bench families' tests (tb/common/rowbench.py, tb/common/elementwise.py), by name.
ELEMENTWISE_TESTS = ("ExhaustiveSweep", "FullRate", "Backpressure")
SOFTMAX_KIND_TESTS = ("EqualRows", "DominantRows", "ExtremeRows")
ROW_FAMILY_TESTS = ("FullRateRows", "RowLatency", "BackpressureRows", "ResetMidRow")
# The row-bench family's tests of rows of varying length, for units with framed streams.
FRAMED_ROW_TESTS = ("VariableRows", "VariableRowsFullRate", "FullQueueRows")


class BenchTarget(Protocol):
    """One buildable configuration of a unit: what the runner, lint and synthesis need."""

    tag: str                # names the build folder; distinct for distinct configurations
    toplevel: str           # HDL top module
    test_module: str        # cocotb test module
    lanes: int

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        """Generate what the build needs into gen_dir; return the sources and the bench's
        settings (the model factory and what it reads)."""
        ...

    def hdl_parameters(self) -> dict[str, int | str]:
        ...


@dataclass(frozen=True)
class UnitTarget:
    """Base of the units' bench targets: a configuration of the unit, built from its RTL sources
    (plus what `generate` writes) and run with its bench module. A subclass states its top, bench,
    model factory and source groups as class arguments:

        class GeluTarget(UnitTarget, top="nnlut_act_unit", bench="tb.gelu.test_gelu",
                         model="tb.common.elementwise:elementwise_model", sources=(NNLUT_CORE, ...)):

    The bench's settings hold the configuration (config.to_dict()) and whatever `generate` adds;
    the HDL parameters are the configuration's hdl_parameters()."""

    config: Any
    toplevel: ClassVar[str] = ""
    test_module: ClassVar[str] = ""
    model_factory: ClassVar[str] = ""
    rtl_sources: ClassVar[tuple[tuple[str, ...] | str, ...]] = ()

    def __init_subclass__(cls, *, top: str, bench: str, model: str,
                          sources: tuple[tuple[str, ...] | str, ...], **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.toplevel, cls.test_module, cls.model_factory, cls.rtl_sources = top, bench, model, sources

    @property
    def tag(self) -> str:
        """Unique per configuration: build folders and cost-cache entries are named by it."""
        return unique_tag(self.config)

    @property
    def lanes(self) -> int:
        return int(self.config.lanes)

    def generate(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        """Files the build needs besides the RTL (generated packages first), and the settings
        the bench's model reads them by. Default: none."""
        return [], {}

    def source_groups(self) -> tuple[tuple[str, ...] | str, ...]:
        """The RTL this configuration builds from (default: the class's); a configuration that
        leaves a module out keeps it out of its cost cache key too."""
        return self.rtl_sources

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        from tb.common.sources import rtl_files

        generated, settings = self.generate(gen_dir)
        return [*generated, *rtl_files(*self.source_groups())], {
            "model_factory": self.model_factory, "config": self.config.to_dict(), **settings}

    def hdl_parameters(self) -> dict[str, int | str]:
        return dict(self.config.hdl_parameters())


@dataclass
class StreamInput:
    """Real data made ready for a unit (rtl_eval): the configuration to build (it may depend on
    the data), the input codes in the data's shape, the stream model that predicts them, and the
    arrays its StreamFile test reads, by environment variable."""

    config: Any
    codes: np.ndarray
    model: Any
    files: dict[str, np.ndarray] = field(default_factory=dict)
    # The data was quantized to the model's input format (values outside it saturate), rather
    # than scaled by a calibration.
    quantized_to_format: bool = True


# (config, data, per-feature parameter arrays by name, config -> stream model) -> StreamInput
InputPreparer = Callable[[Any, np.ndarray, Mapping[str, np.ndarray], Callable[[Any], Any]], StreamInput]


def quantized_input(config: Any, data: np.ndarray, params: Mapping[str, np.ndarray],
                    model_of: Callable[[Any], Any]) -> StreamInput:
    """The default: the data quantized to the unit's input format (nearest, ties to even,
    saturating)."""
    model = model_of(config)
    return StreamInput(config, model.in_fmt.quantize(data), model)


@dataclass(frozen=True)
class UnitSpec:
    """One unit, as every flow sees it.

    rate_test: the bench test that writes results["rate"] (elements per cycle at full rate and
    the documented latency it checked). accuracy_tests: the tests whose errors are the unit's
    accuracy figure. plot_test: the test whose inputs and outputs the error plot shows.
    regression: configurations `make test` builds and runs with `tests`; lint_configs: further
    configurations that must lint clean; rejections: HDL parameter overrides (on the default
    configuration) that must stop elaboration, with the message that must name the problem.
    row_option: the configuration field holding the row length (None: an element-wise unit).
    variants: option sets the main job runs besides the given ones (Softmax's direct exp).
    """

    name: str
    op: str
    method: str
    config_type: type
    make_target: Callable[[Any], BenchTarget]
    tests: tuple[str, ...]
    rate_test: str
    accuracy_tests: tuple[str, ...]
    regression: tuple[Any, ...]
    plot_test: str
    row_option: str | None = None
    lint_configs: tuple[Any, ...] = ()
    rejections: tuple[tuple[Mapping[str, int | str], str], ...] = ()
    fixed_options: Mapping[str, Any] = field(default_factory=dict)
    variants: tuple[Mapping[str, Any], ...] = ()
    # NN-LUT units: the fitted tables the configuration uses, as (function, entries, lo, hi).
    tables: Callable[[Any], list[tuple[str, int, float, float]]] | None = None
    # The accuracy target drawn on the error plot: (bound, label), or None.
    error_target: Callable[[Any], tuple[float, str] | None] | None = None
    # Real inputs -> real outputs through the unit's bit-accurate model (the comparison and
    # rtl_eval --model); None: quantize, run the bench's own stream model, dequantize.
    evaluate: Callable[[BenchTarget, np.ndarray], np.ndarray] | None = None
    # rtl_eval: how real data becomes the unit's input, and the per-feature parameters (by name,
    # e.g. gamma and beta) it takes from files.
    prepare_input: InputPreparer = quantized_input
    input_params: tuple[str, ...] = ()
    # A configuration whose HDL parameters the RTL top's written defaults must equal (baselines
    # whose constants come from their model), checked by the regression.
    rtl_defaults: Any = None
    # The datapath widths the models claim as bounds, as "<file stem>:<localparam>": `make mutate`
    # narrows each by one bit, and the unit's benches must then fail (they reach the bound).
    bound_widths: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPS or self.method not in METHODS:
            raise ValueError(f"unit {self.name}: op {self.op!r} / method {self.method!r} not in {OPS} / {METHODS}")
        names = set(self.options())
        if self.row_option is not None and self.row_option not in names:
            raise ValueError(f"unit {self.name}: row option {self.row_option!r} is not an option")

    @property
    def rows(self) -> bool:
        return self.row_option is not None

    def options(self) -> dict[str, Any]:
        """The unit's user options and their defaults (the configuration's fields)."""
        return {f.name: f.default for f in dataclasses.fields(self.config_type)
                if f.name not in self.fixed_options}

    def config(self, **options: Any) -> Any:
        """The configuration with the given options; an option the unit does not have is an
        error that names the unit's options (never silently ignored)."""
        unknown = sorted(set(options) - set(self.options()))
        if unknown:
            raise ValueError(f"{', '.join('--' + u.replace('_', '-') for u in unknown)} "
                             f"{'does' if len(unknown) == 1 else 'do'} not apply to {self.name}; its options: "
                             f"{', '.join('--' + o.replace('_', '-') for o in self.options())}")
        return self.config_type(**self.fixed_options, **options)

    def target(self, config: Any = None) -> BenchTarget:
        return self.make_target(self.config() if config is None else config)

    def row_length(self, config: Any) -> int | None:
        return None if self.row_option is None else int(getattr(config, self.row_option))

    def regression_seed(self, index: int) -> int:
        """Fixed seeds by default so failures reproduce; NNLUT_SEED=random draws new ones, and
        NNLUT_SEED=<n> moves every unit's seeds together. Each unit's offset comes from its name,
        so no two units share a seed."""
        base = os.environ.get(SEED_ENV, str(DEFAULT_SEED))
        if base == "random":
            return random.SystemRandom().randrange(1 << 31)
        try:
            start = int(base)
        except ValueError:
            raise ValueError(f"{SEED_ENV}={base!r}: give an integer or 'random'") from None
        return start + 1000 * (zlib.crc32(self.name.encode()) % 1000) + index


__all__ = ["ELEMENTWISE_TESTS", "SOFTMAX_KIND_TESTS", "ROW_FAMILY_TESTS", "BenchTarget", "UnitTarget",
           "UnitSpec", "StreamInput", "InputPreparer", "quantized_input", "OPS", "METHODS", "SEED_ENV",
           "DEFAULT_SEED"]
