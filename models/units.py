"""Unit configurations: the one source of truth for a unit's parameters, file names and tables.

A `UnitConfig` names everything a build needs: the function, ENTRIES, LANES and widths.
`prepare_table` fits (cached), quantizes and writes the JSON table plus the SV package that
the RTL reads; the bench loads the same JSON to build its model.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from copy import deepcopy
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.fileio import write_atomically
from models.defaults import FITS, table_fit, table_int_bits
from models.fixedpoint import FixedFormat
from models.nnlut import CoreParams, IntTable, arch_parameters, arch_tag, check_arch, core_latency, quantize_table
from models.paths import BUILD_DIR, REPO_ROOT
from models.reference import function_spec
from models.svgen import write_package

FIT_CACHE_DIR = BUILD_DIR / "fits"
FIT_SEED = 0


@dataclass(frozen=True)
class UnitConfig:
    """Parameters of one table unit build. Fractional bits default per function."""
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'function', 'entries', 'in_width', 'in_frac', 'out_width', 'out_frac', 'slope_width',
        'intercept_width', 'fit', 'lanes', 'table', 'search')


    function: str = "gelu"
    entries: int = 16
    lanes: int = 4
    in_width: int = 16
    in_frac: int | None = None
    out_width: int = 16
    out_frac: int | None = None
    slope_width: int = 16
    intercept_width: int = 20
    table: str = "programmable"   # programmable | no_reset | hardwired (models.nnlut.check_arch)
    search: str = "parallel"      # parallel | binary
    fit: str | None = None        # minimax | l2; default per function (models.defaults)

    def __post_init__(self) -> None:
        function_spec(self.function)  # rejects unknown names
        check_arch(self.table, self.search)
        if self.fit is None:
            object.__setattr__(self, "fit", table_fit(self.function))
        if self.fit not in FITS:
            raise ValueError(f"fit must be one of {', '.join(FITS)}, got {self.fit!r}")
        if self.lanes < 1:
            raise ValueError(f"LANES must be >= 1, got {self.lanes}")
        if self.entries < 2:
            raise ValueError(f"ENTRIES must be >= 2, got {self.entries}")
        # Default formats: the function's integer bits (models.defaults; GELU 6: [-32, 32)) in
        # and out.
        if self.in_frac is None:
            object.__setattr__(self, "in_frac", self.in_width - table_int_bits(self.function))
        if self.out_frac is None:
            object.__setattr__(self, "out_frac", self.out_width - table_int_bits(self.function))
        for name, width, frac in (("IN", self.in_width, self.in_frac), ("OUT", self.out_width, self.out_frac)):
            if width < 2:
                raise ValueError(f"{name}_WIDTH must be >= 2, got {width}")
            if frac is None or not 0 <= frac <= width - 1:
                raise ValueError(f"{name}_FRAC must be in [0, {name}_WIDTH - 1 = {width - 1}], got {frac}")

    @property
    def in_fmt(self) -> FixedFormat:
        assert self.in_frac is not None
        return FixedFormat(self.in_width, self.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        assert self.out_frac is not None
        return FixedFormat(self.out_width, self.out_frac)

    @property
    def core_params(self) -> CoreParams:
        return CoreParams(self.in_fmt, self.out_fmt, self.slope_width, self.intercept_width,
                          self.entries)

    @property
    def fit_range(self) -> tuple[float, float]:
        """The function's range, narrowed to what the input format can represent."""
        spec = function_spec(self.function)
        lo = max(spec.lo, self.in_fmt.min_value)
        hi = min(spec.hi, self.in_fmt.max_value + self.in_fmt.lsb)
        if lo >= hi:
            raise ValueError(f"input format {self.in_fmt.describe()} does not overlap "
                             f"{self.function}'s range [{spec.lo:g}, {spec.hi:g}]")
        return lo, hi

    @property
    def table_tag(self) -> str:
        """Names a table: everything but LANES and the core's microarchitecture, which do not
        change the contents."""
        return (f"{self.function}_e{self.entries}_i{self.in_width}q{self.in_frac}"
                f"_o{self.out_width}q{self.out_frac}_s{self.slope_width}_t{self.intercept_width}"
                f"{'_l2' if self.fit == 'l2' else ''}")

    @property
    def tag(self) -> str:
        return f"{self.table_tag}_l{self.lanes}{arch_tag(self.table, self.search)}"

    @property
    def latency(self) -> int:
        return core_latency(self.entries, self.search)

    @property
    def package_name(self) -> str:
        return f"{self.function}_table_pkg"

    def hdl_parameters(self) -> dict[str, int]:
        """The unit wrapper's own parameters; the formats and the table come from its package."""
        return {"Lanes": self.lanes, **arch_parameters(self.table, self.search)}

    def with_(self, **changes: Any) -> "UnitConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields; `fit` only when it is not "minimax", so that a minimax table's dictionary
        (which names cost-cache entries and the explore snapshot's records) is what it was
        before the fit option existed."""
        data = asdict(self)
        if data["fit"] == "minimax":
            del data["fit"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UnitConfig":
        """The inverse of to_dict: a dictionary without `fit` is a minimax table's."""
        return cls(**{"fit": "minimax", **data})


@dataclass(frozen=True)
class PreparedTable:
    config: UnitConfig
    table: IntTable
    json_path: Path
    package_path: Path
    fit: dict[str, Any]


def fitter_fingerprint() -> str:
    """Changes whenever the fitting code does, so a cached fit is never stale."""
    digest = hashlib.sha1()
    for name in ("fitter.py", "minimax.py", "reference.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:10]


def fit_cached(function: str, entries: int, lo: float, hi: float) -> dict[str, Any]:
    """Fit (or reuse) a float table; the cache key is everything the fit depends on."""
    from models.fitter import FloatTable, fit_function  # torch import only when fitting

    FIT_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = FIT_CACHE_DIR / f"{function}_e{entries}_{lo:g}_{hi:g}_seed{FIT_SEED}_{fitter_fingerprint()}.json"
    if path.exists():
        data = json.loads(path.read_text())
        FloatTable.from_dict(data["table"])  # validates the cached file
        return data
    result = fit_function(function, entries=entries, lo=lo, hi=hi, seed=FIT_SEED)
    data = {
        "function": function, "entries": entries, "lo": lo, "hi": hi, "seed": FIT_SEED,
        "table": result.table.to_dict(),
        "network_error": result.network_error, "error": result.error,
        "optimal_error": result.optimal_error, "ratio": result.ratio,
        "fit_seconds": result.fit_seconds,
    }
    write_atomically(path, json.dumps(data, indent=1))  # parallel workers may fit the same table
    return data


# quantized_table's results in this process, by table (table_tag: not the lanes or the core's
# microarchitecture) and float fit: the cost cache's keys quantize the same tables again for every
# lane count and every record of a configuration.
_QUANTIZED: dict[str, tuple[IntTable, dict[str, Any]]] = {}


def quantized_table(config: UnitConfig) -> tuple[IntTable, dict[str, Any]]:
    """The configuration's integer table, quantized from its (cached) float fit, and the fit.

    fit "l2": the minimax table is the start (and fixes the slope and intercept fractional
    bits); models.l2fit then refits it for the least squared error over every input code of
    the format, each weighted alike, and the fit record gains the result's errors.

    Remembered per process by the configuration and its float fit; each call returns copies."""
    lo, hi = config.fit_range
    fit = fit_cached(config.function, config.entries, lo, hi)
    key = json.dumps({"table": config.table_tag, "fit": fit}, sort_keys=True)
    if key not in _QUANTIZED:
        _QUANTIZED[key] = _quantize(config, fit)
    table, fit = _QUANTIZED[key]
    return deepcopy(table), deepcopy(fit)


def _quantize(config: UnitConfig, fit: dict[str, Any]) -> tuple[IntTable, dict[str, Any]]:
    from models.fitter import FloatTable

    lo, hi = config.fit_range
    fn = function_spec(config.function).fn
    ftable = FloatTable.from_dict(fit["table"])
    table = quantize_table(ftable.breakpoints, ftable.slopes, ftable.intercepts, fn, lo, hi, config.core_params)
    if config.fit == "l2":
        from models.l2fit import quantize_weighted, weighted_l2_table

        fmt = config.in_fmt
        codes = np.arange(fmt.min_code, fmt.max_code + 1, dtype=np.int64)
        x = fmt.to_real(codes)
        target = fn(x)
        weights = np.ones_like(x)
        refit = weighted_l2_table(x, weights, target, ftable)
        # The refit's slopes or intercepts can exceed the minimax table's fractional bits by a
        # little: give up one bit of each (at most two) before calling it impossible.
        for spare in range(3):
            try:
                base = table if spare == 0 else quantize_table(
                    ftable.breakpoints, ftable.slopes, ftable.intercepts, fn, lo, hi, config.core_params,
                    slope_frac=table.slope_frac - spare, intercept_frac=table.intercept_frac - spare)
                table = quantize_weighted(refit, codes, weights, target, base)
                break
            except ValueError:
                if spare == 2:
                    raise
        err = np.abs(config.out_fmt.to_real(table.evaluate(codes)) - target)
        fit = {**fit, "objective": "l2", "l2_range": [float(x[0]), float(x[-1])],
               "l2_max_error": float(err.max()), "l2_rms_error": float(np.sqrt(np.mean(err * err)))}
    return table, fit


def prepare_table(config: UnitConfig, out_dir: Path | None = None, package_name: str | None = None) -> PreparedTable:
    """Fit, quantize, and write `<table_tag>.json` and the SV package into out_dir. The package is
    named after the function (`gelu_table_pkg`) unless the unit reads it under another name (the
    Softmax unit's `exp_table_pkg` holds whichever exp table its mode uses)."""
    out_dir = out_dir or BUILD_DIR / "tables" / config.table_tag
    out_dir.mkdir(parents=True, exist_ok=True)
    lo, hi = config.fit_range
    table, fit = quantized_table(config)
    json_path = out_dir / f"{config.table_tag}.json"
    package_name = package_name or config.package_name
    package_path = out_dir / f"{package_name}.sv"
    table.save(json_path, extra={"config": config.to_dict(), "fit_range": [lo, hi],
                                 "fit": {k: v for k, v in fit.items() if k != "table"}})
    provenance = "python -m flow.gen_table " + " ".join(
        shlex.quote(a) for a in config_to_args(config))
    write_package(package_path, package_name, table, provenance)
    return PreparedTable(config, table, json_path, package_path, fit)


def config_to_args(config: UnitConfig) -> list[str]:
    return [config.function, "--entries", str(config.entries), "--in-width", str(config.in_width),
            "--in-frac", str(config.in_frac), "--out-width", str(config.out_width),
            "--out-frac", str(config.out_frac), "--slope-width", str(config.slope_width),
            "--intercept-width", str(config.intercept_width), "--fit", str(config.fit)]


# The budget `narrowest_widths` keeps: the table's max error may grow by this factor over its
# error at the configured (default) widths.
WIDTH_BUDGET = 1.10


def table_error(config: UnitConfig) -> float:
    """Max |table(x) - f(x)| over every input code of the fit range, through the integer datapath."""
    table, _ = quantized_table(config)
    fmt, (lo, hi) = config.core_params.in_fmt, config.fit_range
    codes = fmt.codes_in(lo, hi)
    exact = function_spec(config.function).fn(fmt.to_real(codes))
    return float(np.abs(config.core_params.out_fmt.to_real(table.evaluate(codes)) - exact).max())


def narrowest_widths(configs: list[UnitConfig], budget: float = WIDTH_BUDGET,
                     smallest: int = 4) -> tuple[int, int]:
    """The narrowest slope and intercept widths (slope first: it sizes the multiplier) with which
    every table in `configs` (one unit's tables share the widths) stays within `budget` times its
    error at its configured widths. Widths never grow beyond the configured ones."""
    limits = [budget * table_error(c) for c in configs]
    base = configs[0]

    def fits(slope_width: int, intercept_width: int) -> bool:
        for config, limit in zip(configs, limits):
            try:
                if table_error(config.with_(slope_width=slope_width, intercept_width=intercept_width)) > limit:
                    return False
            except ValueError:  # the widths cannot hold the table at all
                return False
        return True

    for slope_width in range(smallest, base.slope_width + 1):
        if not fits(slope_width, base.intercept_width):
            continue
        for intercept_width in range(smallest, base.intercept_width + 1):
            if fits(slope_width, intercept_width):
                return slope_width, intercept_width
    return base.slope_width, base.intercept_width
