"""Bit-accurate integer model of the NN-LUT core, and the float-to-integer table quantizer.

The datapath contract (identical in rtl/nnlut_core.sv):

    k   = #{ j in 1..E-1 : x >= bp[j] }                      segment index (signed compare)
    P   = SlopeFrac + InFrac                                  product fractional bits
    acc = s[k] * x + (t[k] << (P - InterceptFrac))            exact
    R   = P - OutFrac
    r   = (acc + 2^(R-1)) >> R   if R > 0 else acc            round half towards +inf
    y   = clamp(r, OutMin, OutMax)                            saturate, never wrap

Entry 0's breakpoint is stored but unused: segment 0 extends to -infinity and the last
segment to +infinity, so inputs outside the fitted range extrapolate the end segments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from models.fileio import write_atomically
from models.fixedpoint import FixedFormat

ACC_LIMIT_BITS = 64
# Documented pipeline latency of rtl/nnlut_core.sv (input handshake edge to the earliest
# output handshake edge). A specification the bench measures the RTL against.
CORE_LATENCY = 3
TABLE_KINDS = ("programmable", "no_reset", "hardwired")
SEARCH_KINDS = ("parallel", "binary")


def check_arch(table: str, search: str) -> None:
    """The core's microarchitecture options (rtl/nnlut/nnlut_core.sv): a table programmable with
    reset contents, programmable without reset (written by software after reset), or hardwired;
    segment search by parallel comparators or a pipelined binary search."""
    if table not in TABLE_KINDS:
        raise ValueError(f"table must be one of {', '.join(TABLE_KINDS)}, got {table!r}")
    if search not in SEARCH_KINDS:
        raise ValueError(f"search must be one of {', '.join(SEARCH_KINDS)}, got {search!r}")


def arch_parameters(table: str, search: str) -> dict[str, int]:
    """nnlut_core's parameters for the options."""
    return {"Hardwired": int(table == "hardwired"), "TableReset": int(table != "no_reset"),
            "BinarySearch": int(search == "binary")}


def arch_tag(table: str, search: str) -> str:
    """Names the options in build tags (empty for the defaults, so existing tags stay)."""
    return {"programmable": "", "no_reset": "_nr", "hardwired": "_hw"}[table] + ("_bs" if search == "binary" else "")


def core_latency(entries: int, search: str = "parallel") -> int:
    """Cycles from an input handshake to its output handshake (rtl/nnlut/nnlut_core.sv)."""
    return CORE_LATENCY + ((entries - 1).bit_length() if search == "binary" else 0)


@dataclass(frozen=True)
class CoreParams:
    """Elaboration parameters of nnlut_core that do not depend on the table contents."""

    in_fmt: FixedFormat
    out_fmt: FixedFormat
    slope_width: int = 16
    intercept_width: int = 20
    entries: int = 16

    def __post_init__(self) -> None:
        if self.entries < 2:
            raise ValueError(f"ENTRIES must be >= 2 (a table needs at least two segments), got {self.entries}")
        if not self.in_fmt.signed or not self.out_fmt.signed:
            raise ValueError("the NN-LUT core uses signed input and output formats")
        for name, width in (("slope width", self.slope_width), ("intercept width", self.intercept_width)):
            if not 2 <= width <= 40:
                raise ValueError(f"{name} must be in [2, 40], got {width}")

    @property
    def idx_width(self) -> int:
        return max(1, (self.entries - 1).bit_length())


@dataclass(frozen=True)
class IntTable:
    """A quantized table: integer fields plus the fractional-bit choices that interpret them."""

    params: CoreParams
    slope_frac: int
    intercept_frac: int
    breakpoints: np.ndarray = field(repr=False)
    slopes: np.ndarray = field(repr=False)
    intercepts: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        p = self.params
        e = p.entries
        for name, arr in (("breakpoints", self.breakpoints), ("slopes", self.slopes),
                          ("intercepts", self.intercepts)):
            if np.asarray(arr).shape != (e,):
                raise ValueError(f"table {name}: expected {e} entries, got shape {np.asarray(arr).shape}")
        object.__setattr__(self, "breakpoints", p.in_fmt.check_codes(self.breakpoints, "table breakpoints"))
        object.__setattr__(self, "slopes",
                           FixedFormat(p.slope_width, 0).check_codes(self.slopes, "table slopes"))
        object.__setattr__(self, "intercepts",
                           FixedFormat(p.intercept_width, 0).check_codes(self.intercepts, "table intercepts"))
        if np.any(np.diff(self.breakpoints[1:]) < 0):
            raise ValueError("table breakpoints must be non-decreasing for entries 1..E-1, got "
                             f"{self.breakpoints[1:].tolist()}")
        if self.slope_frac < 0 or self.intercept_frac < 0:
            raise ValueError(f"fractional bits must be >= 0 (slope {self.slope_frac}, "
                             f"intercept {self.intercept_frac})")
        if self.intercept_frac > self.prod_frac:
            raise ValueError(f"intercept fractional bits ({self.intercept_frac}) exceed the product's "
                             f"({self.prod_frac} = slope {self.slope_frac} + input {p.in_fmt.frac})")
        if p.out_fmt.frac > self.prod_frac:
            raise ValueError(f"output fractional bits ({p.out_fmt.frac}) exceed the product's "
                             f"({self.prod_frac}); raise the slope width")
        if self.acc_width > ACC_LIMIT_BITS:
            raise ValueError(f"accumulator needs {self.acc_width} bits, more than {ACC_LIMIT_BITS}")

    @property
    def prod_frac(self) -> int:
        return self.slope_frac + self.params.in_fmt.frac

    @property
    def round_shift(self) -> int:
        return self.prod_frac - self.params.out_fmt.frac

    @property
    def acc_width(self) -> int:
        # Same sizing rule as the RTL (nnlut_core SumWidth): the sum fits the product's width
        # when that is the wider operand (|s*x| <= 2^(prod-2)), else the aligned intercept's
        # plus a carry; +1 for the rounding add.
        p = self.params
        prod = p.slope_width + p.in_fmt.width
        aligned = p.intercept_width + self.prod_frac - self.intercept_frac
        return max(prod, aligned + 1) + 1

    def segment(self, x_codes: np.ndarray) -> np.ndarray:
        # The number of breakpoints 1..E-1 at or below x (they are non-decreasing, checked above),
        # which is what the RTL's comparators and their priority encoder or binary search give.
        return np.searchsorted(self.breakpoints[1:], np.asarray(x_codes, dtype=np.int64), side="right")

    def evaluate(self, x_codes: np.ndarray) -> np.ndarray:
        """Output codes for input codes, bit-for-bit as the RTL computes them."""
        return self.params.out_fmt.saturate(self.evaluate_unsaturated(x_codes))

    def evaluate_unsaturated(self, x_codes: np.ndarray) -> np.ndarray:
        """The rounded result before the output clamp (shows where saturation happens)."""
        x = self.params.in_fmt.check_codes(x_codes, "input")
        out = np.empty(x.shape, dtype=np.int64)
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        chunk = 1 << 16  # bounds the (n, entries) comparison matrix
        for start in range(0, flat_x.size, chunk):
            xs = flat_x[start:start + chunk]
            k = self.segment(xs)
            flat_out[start:start + chunk] = self.mac_unsaturated(xs, self.slopes[k], self.intercepts[k])
        return out

    def mac_unsaturated(self, x: np.ndarray, slope: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        acc = slope * x + (intercept << (self.prod_frac - self.intercept_frac))
        if self.round_shift > 0:
            acc = (acc + (1 << (self.round_shift - 1))) >> self.round_shift
        return acc

    def mac(self, x: np.ndarray, slope: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        return self.params.out_fmt.saturate(self.mac_unsaturated(x, slope, intercept))

    def to_float(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Real-valued breakpoints (entries 1..E-1), slopes and intercepts."""
        return (self.params.in_fmt.to_real(self.breakpoints[1:]),
                self.slopes * 2.0 ** -self.slope_frac,
                self.intercepts * 2.0 ** -self.intercept_frac)

    # Serialisation: one JSON file is the source of truth for both the SV package and the
    # bench's model, so the two can never disagree on the table.
    def to_dict(self) -> dict[str, Any]:
        p = self.params
        return {
            "in_width": p.in_fmt.width, "in_frac": p.in_fmt.frac,
            "out_width": p.out_fmt.width, "out_frac": p.out_fmt.frac,
            "slope_width": p.slope_width, "slope_frac": self.slope_frac,
            "intercept_width": p.intercept_width, "intercept_frac": self.intercept_frac,
            "entries": p.entries,
            "breakpoints": self.breakpoints.tolist(),
            "slopes": self.slopes.tolist(),
            "intercepts": self.intercepts.tolist(),
        }

    @staticmethod
    def from_dict(d: dict[str, Any], source: str = "table") -> "IntTable":
        required = ("in_width", "in_frac", "out_width", "out_frac", "slope_width", "slope_frac",
                    "intercept_width", "intercept_frac", "entries", "breakpoints", "slopes",
                    "intercepts")
        missing = [k for k in required if k not in d]
        if missing:
            raise ValueError(f"{source}: missing field(s) {', '.join(missing)}")
        for k in required[:9]:
            if not isinstance(d[k], int) or isinstance(d[k], bool):
                raise ValueError(f"{source}: field {k!r} must be an integer, got {d[k]!r}")
        for k in required[9:]:
            if not isinstance(d[k], list) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                    for v in d[k]):
                raise ValueError(f"{source}: field {k!r} must be a list of integers")
        try:
            params = CoreParams(FixedFormat(d["in_width"], d["in_frac"]),
                                FixedFormat(d["out_width"], d["out_frac"]),
                                d["slope_width"], d["intercept_width"], d["entries"])
            return IntTable(params, d["slope_frac"], d["intercept_frac"],
                            np.array(d["breakpoints"], dtype=np.int64),
                            np.array(d["slopes"], dtype=np.int64),
                            np.array(d["intercepts"], dtype=np.int64))
        except ValueError as err:
            raise ValueError(f"{source}: {err}") from None

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        data = {"table": self.to_dict(), **(extra or {})}
        write_atomically(path, json.dumps(data, indent=1))

    @staticmethod
    def load(path: Path) -> "IntTable":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ValueError(f"table file {path} does not exist") from None
        except json.JSONDecodeError as err:
            raise ValueError(f"table file {path} is not valid JSON: {err}") from None
        if not isinstance(data, dict) or not isinstance(data.get("table"), dict):
            raise ValueError(f"table file {path}: expected an object with a 'table' field")
        return IntTable.from_dict(data["table"], source=f"table file {path}")


# ----------------------------------------------------------------------------------------
# Quantizer: float table -> IntTable under the given widths.
# ----------------------------------------------------------------------------------------

def _largest_frac(max_abs: float, width: int) -> int:
    """Largest f with max_abs * 2^f (plus a few codes of re-optimisation slack) in range."""
    limit = (1 << (width - 1)) - 4
    if max_abs == 0.0:
        return width
    f = int(np.floor(np.log2(limit / max_abs)))
    while round(max_abs * 2.0 ** f) > limit:
        f -= 1
    return f


def quantize_table(breakpoints: np.ndarray, slopes: np.ndarray, intercepts: np.ndarray,
                   fn: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
                   params: CoreParams, slope_frac: int | None = None,
                   intercept_frac: int | None = None) -> IntTable:
    """Quantize a float table (breakpoints of segments 1..E-1) to integer fields.

    Fractional bits are chosen to minimise the max error over the input codes in [lo, hi]
    (unless forced, e.g. to load a table into a unit built for other contents); each
    segment's slope and intercept codes are then re-optimised against `fn` on exactly the
    codes that segment serves, through the exact integer datapath.
    """
    e = params.entries
    bps, ss, ts = (np.asarray(a, dtype=np.float64) for a in (breakpoints, slopes, intercepts))
    if bps.shape != (e - 1,) or ss.shape != (e,) or ts.shape != (e,):
        raise ValueError(f"float table does not have {e} entries: breakpoints {bps.shape}, "
                         f"slopes {ss.shape}, intercepts {ts.shape}")
    if not (np.isfinite(bps).all() and np.isfinite(ss).all() and np.isfinite(ts).all()):
        raise ValueError("float table has non-finite values")
    if np.any(np.diff(bps) < 0):
        raise ValueError(f"float table breakpoints are not monotonic: {bps.tolist()}")
    in_fmt, out_fmt = params.in_fmt, params.out_fmt
    if lo >= hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    if lo < in_fmt.min_value or hi > in_fmt.max_value + in_fmt.lsb:
        raise ValueError(f"input format {in_fmt.describe()} has too few integer bits for the "
                         f"range [{lo:g}, {hi:g}]")
    domain = in_fmt.codes_in(lo, hi)
    target = fn(in_fmt.to_real(domain))
    if target.max() > out_fmt.max_value + out_fmt.lsb or target.min() < out_fmt.min_value - out_fmt.lsb:
        raise ValueError(f"output format {out_fmt.describe()} has too few integer bits: the function "
                         f"reaches [{target.min():g}, {target.max():g}] on [{lo:g}, {hi:g}]")

    bp_codes = np.concatenate(([in_fmt.min_code],
                               np.clip(np.ceil(bps / in_fmt.lsb), in_fmt.min_code, in_fmt.max_code)))
    bp_codes = bp_codes.astype(np.int64)

    f_max = _largest_frac(float(np.abs(ss).max()), params.slope_width)
    slope_options = [slope_frac] if slope_frac is not None else [f_max, f_max - 1]
    best: tuple[float, IntTable] | None = None
    last_error: ValueError | None = None
    for sf in slope_options:
        prod_frac = sf + in_fmt.frac
        g_max = min(prod_frac, _largest_frac(float(np.abs(ts).max()), params.intercept_width))
        icpt_options = [intercept_frac] if intercept_frac is not None else [g_max, g_max - 1]
        for itf in icpt_options:
            try:
                table = _fit_codes(bp_codes, ss, ts, domain, target, params, sf, itf)
            except ValueError as err:
                last_error = err
                continue
            err_max = float(np.abs(out_fmt.to_real(table.evaluate(domain)) - target).max())
            if best is None or err_max < best[0]:
                best = (err_max, table)
    if best is None:
        raise ValueError(f"no fixed-point format fits this table under the given widths: {last_error}")
    return best[1]


def _fit_codes(bp_codes: np.ndarray, ss: np.ndarray, ts: np.ndarray, domain: np.ndarray,
               target: np.ndarray, params: CoreParams, slope_frac: int,
               intercept_frac: int) -> IntTable:
    slope_fmt = FixedFormat(params.slope_width, 0)
    icpt_fmt = FixedFormat(params.intercept_width, 0)
    slope_codes = np.rint(ss * 2.0 ** slope_frac).astype(np.int64)
    icpt_codes = np.rint(ts * 2.0 ** intercept_frac).astype(np.int64)
    if (slope_codes < slope_fmt.min_code).any() or (slope_codes > slope_fmt.max_code).any():
        raise ValueError(f"slopes up to {np.abs(ss).max():g} do not fit {params.slope_width} bits "
                         f"with {slope_frac} fractional bits")
    if (icpt_codes < icpt_fmt.min_code).any() or (icpt_codes > icpt_fmt.max_code).any():
        raise ValueError(f"intercepts up to {np.abs(ts).max():g} do not fit {params.intercept_width} "
                         f"bits with {intercept_frac} fractional bits")
    table = IntTable(params, slope_frac, intercept_frac, bp_codes, slope_codes, icpt_codes)
    segments = table.segment(domain)
    out_fmt = params.out_fmt
    align = table.prod_frac - intercept_frac
    for k in range(params.entries):
        sel = segments == k
        if not sel.any():
            continue
        xs, ys = domain[sel], target[sel]
        best_err, best_s, best_t = np.inf, slope_codes[k], icpt_codes[k]
        for s in np.clip(slope_codes[k] + np.arange(-2, 3), slope_fmt.min_code, slope_fmt.max_code):
            # Centre the residual's range: the minimax intercept for this slope code.
            residual = ys * 2.0 ** table.prod_frac - s * xs
            centre = 0.5 * (residual.max() + residual.min()) / 2.0 ** align
            for t in np.clip(np.rint(centre) + np.arange(-1, 2), icpt_fmt.min_code, icpt_fmt.max_code):
                t = int(t)
                err = np.abs(out_fmt.to_real(table.mac(xs, np.int64(s), np.int64(t))) - ys).max()
                if err < best_err:
                    best_err, best_s, best_t = err, int(s), t
        slope_codes[k], icpt_codes[k] = best_s, best_t
    return IntTable(params, slope_frac, intercept_frac, bp_codes, slope_codes, icpt_codes)
