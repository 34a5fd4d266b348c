"""LayerNorm on the NN-LUT core: configuration, bit-accurate integer model, float reference.

The datapath (identical in rtl/layernorm_*.sv; all quantities are integers in code units,
x a row of D input codes with InFrac fractional bits, G = var_frac):

    S1 = sum x                      S2 = sum x^2                        exact
    V  = D*S2 - S1^2                = sum_{i<j} (x_i - x_j)^2 >= 0      exact
    T  = V * 2^G + E,               E = rint(eps * D^2 * 2^(2*InFrac + G))
    N  = D*x - S1                                                        exact, per element

because (x - mean) / sqrt(var + eps) = N / sqrt(V + eps*D^2*4^InFrac) in real units (the
1/D and 2^-InFrac of mean and variance cancel), so no division by D is needed. T carries G
fractional bits so that rounding epsilon to the grid moves T by at most 2^-(G+1) code^2.

1/sqrt(T / 2^G) through the NN-LUT table, the wide input mapped into the table's range by
a leading-zero count and shift as NN-LUT does for 1/sqrt (Yu et al., DAC 2022,
arXiv 2112.02191):

    p  = max(floor(log2 T), 0)                (T = 0 only for a constant row with E = 0)
    e  = p                                     rsqrt_range 2: table on [1, 2)
       = p - ((p - G) mod 2)                   rsqrt_range 4: table on [1, 4), even shift
    m  = floor(T * 2^(TableInFrac - e))        table input, value in [1, rsqrt_range)
    k  = max(e - G, 0)                         T / 2^G = m * 2^k (e < G only when V = 0)
    rt = table(m)                              rsqrt(m) on TableOutFrac bits
    r  = rt << RG                              k even
       = (rt * K + 2^(16-RG-1)) >> (16-RG)     k odd (range 2 only), K = rint(2^16 / sqrt 2)
    sh = TableOutFrac + RG - YFrac + floor(k / 2)

so r * 2^-(TableOutFrac+RG) * 2^-floor(k/2) ~ 1/sqrt(T / 2^G). Then, per element:

    y   = sat_Y( floor( (floor(N*r * 2^(1-sh)) + 1) / 2 ) )   = round_half_up(N*r / 2^sh)
    out = sat_O( round_half_up( (y*gamma + beta * 2^(YFrac+GammaFrac-BetaFrac)) / 2^R ) ),
          R = YFrac + GammaFrac - OutFrac

Rounding is half towards +infinity everywhere (one adder, as in the core); saturation
clamps to the format's end codes, never wraps. For a constant row N = 0 exactly, so the
output is beta whatever T, epsilon or the table say.

Why the [1, 2) table by default: the error on y is |y| times the *relative* error of r, and
|y| reaches sqrt(D-1) (one outlier in a row). A 16-entry table on [1, 4) has at best
~2.5e-4 absolute error, 5e-4 relative at m -> 4 (and, by the asymptotic minimax estimate
h^2 f''/16, still ~3.5e-4 if fitted for relative error): measured 1.07e-2 at D = 384 and
1.42e-2 at D = 768. On [1, 2) the same 16 entries reach 1.25e-4 relative (quantized), and
odd exponents cost one constant multiply by 1/sqrt(2) per row, not per element.
rsqrt_range = 4 keeps the plain even-shift variant for comparison (it needs 32 entries).

Widths (RowWidths; W = 16-bit input, c = clog2 D): S1 W+c signed, S2 2W-1+c, V 2W+2c-2,
T 2W+2c-1+G, N W+c+1 signed. At D = 1024: 26, 41, 50, 55 and 27 bits; N*r 45 bits. T is
kept within 62 bits, so D <= 8192 with 16-bit inputs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.defaults import LAYERNORM_IN_FRAC, LAYERNORM_IN_WIDTH
from models.fixedpoint import FixedFormat
from models.nnlut import CORE_LATENCY, IntTable, arch_parameters, arch_tag, check_arch, core_latency
from models.units import BUILD_DIR, PreparedTable, UnitConfig, prepare_table

# Documented timing of rtl/layernorm_unit.sv, specifications the bench measures the RTL
# against. ROW_READ_DELAY: edges from a row's last input beat handshake to the first read of
# its buffer (the sums, S1^2 and D*S2, T, the normalised mantissa: 1 edge each; the NN-LUT core 3;
# storing r and the shift 1; the read 1).
# ROW_LATENCY: edges from that handshake to the row's first output beat handshake when the
# output side is idle and ready (read delay + the 4-stage output pipeline).
ROW_READ_DELAY = 9
ROW_LATENCY = ROW_READ_DELAY + 4
# Issue 3's accuracy target: max |y - layer_norm(x)| with gamma = 1, beta = 0, 16 entries.
ACCURACY_TARGET = 8e-3


def default_banks(beats: int, read_delay: int = ROW_READ_DELAY) -> int:
    """Row buffers for bubble-free back-to-back rows: the row after next may start only once
    this row's last beat was read, read_delay - 1 + beats edges after its last write."""
    return 2 + -(-(read_delay - 1) // beats)


# Largest row the arithmetic is sized for: T must stay within 62 bits so that every
# intermediate fits numpy's int64 (and the RTL's 64-bit limit) with room for the shifts.
MAX_TERM_BITS = 62
# Fraction bits of the constant 1/sqrt(2) used for odd exponents: relative error of the
# constant is 1e-6, far below the table's ~1e-4.
ODD_SCALE_FRAC = 16
ODD_SCALE = int(round(2.0 ** ODD_SCALE_FRAC / math.sqrt(2.0)))


def clog2(n: int) -> int:
    """ceil(log2 n) for n >= 1, as SystemVerilog's $clog2."""
    return (n - 1).bit_length()


@dataclass(frozen=True)
class RowWidths:
    """Bit widths of the row datapath for a row length D (the RTL derives the same)."""

    dim: int
    s1: int        # signed: |S1| <= D * 2^(W-1)
    s2: int        # unsigned: S2 <= D * 2^(2W-2)
    var: int       # unsigned: V <= floor(D^2/4) * (2^W - 1)^2 < 2^(2W + 2c - 2)
    term: int      # unsigned: T = V * 2^G + E, one more bit for E
    num: int       # signed: |N| <= (D-1) * (2^W - 1) < 2^(W + c)
    r: int         # signed table output, widened by the guard bits
    prod: int      # signed N * r
    y: int         # signed y, |y| <= sqrt(D-1) (Cauchy-Schwarz) plus table overshoot
    eps_term: int  # E for this D


@dataclass(frozen=True)
class LayerNormConfig:
    """Parameters of one LayerNorm unit build (the RTL's parameters derive from these).

    Formats (SQw.f = signed w-bit code c standing for c * 2^-f):
    - input SQ18.9: [-256, 256), LSB 2^-9 (BERT-class residual sums reach a few hundred; two
      bits wider than the other units' data so small rows keep their resolution: models.defaults);
    - output SQ16.10: [-32, 32), LSB 2^-10; |normalised| <= sqrt(D-1) = 31.98 at D = 1024,
      so gamma = 1 never saturates for D <= 1024;
    - gamma SQ16.12: [-8, 8), LSB 2^-12; beta SQ16.10 (the output grid, so it adds exactly);
    - y (normalised, before gamma) keeps y_guard bits more than the output (YFrac = 14).
    """
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'table', 'search', 'rms', 'affine',
        'dim', 'lanes', 'entries', 'rsqrt_range', 'in_width', 'in_frac', 'out_width', 'out_frac', 'eps')


    dim: int = 384
    lanes: int = 4
    in_width: int = LAYERNORM_IN_WIDTH
    in_frac: int = LAYERNORM_IN_FRAC
    out_width: int = 16
    out_frac: int = 10
    gamma_width: int = 16
    gamma_frac: int = 12
    beta_width: int = 16
    beta_frac: int = 10
    eps: float = 1e-12          # BERT / MiniLM
    entries: int = 16
    rsqrt_range: int = 2        # table domain [1, rsqrt_range): 2 (default) or 4
    table_in_width: int = 16
    table_out_width: int = 16
    table_out_frac: int = 15    # rsqrt(m) in (0.5, 1]; 1.0 saturates by one LSB (3e-5)
    slope_width: int = 16       # the table's slope and intercept fields
    intercept_width: int = 20
    var_frac: int = 4           # G: fraction bits of T (epsilon's grid)
    r_guard: int = 2            # RG: extra bits kept by the 1/sqrt(2) multiply
    y_guard: int = 4            # YFrac - OutFrac
    rms: bool = False           # RMSNorm: no mean subtraction, x / sqrt(mean(x^2) + eps)
    affine: bool = True         # False: no gamma/beta (as gamma 1, beta 0; the port ignored)
    table: str = "programmable"  # programmable | no_reset | hardwired
    search: str = "parallel"     # parallel | binary (models.nnlut.check_arch)

    def __post_init__(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ValueError(f"LayerNormConfig: {message}")

        need(self.dim >= 2, f"dim (D) must be >= 2, got {self.dim}")
        need(self.lanes >= 1, f"lanes must be >= 1, got {self.lanes}")
        need(self.dim % self.lanes == 0,
             f"dim ({self.dim}) must be a multiple of lanes ({self.lanes}): a row is D/lanes whole beats")
        need(2 <= self.in_width <= 24, f"in_width must be in [2, 24], got {self.in_width}")
        need(0 <= self.in_frac <= 2 * self.in_width,
             f"in_frac must be in [0, {2 * self.in_width}], got {self.in_frac}")
        for name in ("out", "gamma", "beta"):
            width, frac = getattr(self, f"{name}_width"), getattr(self, f"{name}_frac")
            need(2 <= width <= 24, f"{name}_width must be in [2, 24], got {width}")
            need(0 <= frac <= 30, f"{name}_frac must be in [0, 30], got {frac}")
        need(self.entries >= 2, f"entries must be >= 2, got {self.entries}")
        try:
            check_arch(self.table, self.search)
        except ValueError as err:
            need(False, str(err))
        need(self.rsqrt_range in (2, 4),
             f"rsqrt_range must be 2 (table on [1, 2)) or 4 (table on [1, 4)), got {self.rsqrt_range}")
        need(self.table_in_width >= 4 and self.table_in_width <= 24,
             f"table_in_width must be in [4, 24], got {self.table_in_width}")
        need(2 <= self.table_out_width <= 24 and 1 <= self.table_out_frac < self.table_out_width,
             f"table output SQ{self.table_out_width}.{self.table_out_frac} must hold 1.0 within one LSB "
             "(0 < frac < width <= 24)")
        need(0 <= self.var_frac <= 8, f"var_frac must be in [0, 8], got {self.var_frac}")
        need(0 <= self.r_guard <= ODD_SCALE_FRAC - 1, f"r_guard must be in [0, {ODD_SCALE_FRAC - 1}], got {self.r_guard}")
        need(self.y_guard >= 0, f"y_guard must be >= 0, got {self.y_guard}")
        need(self.table_out_frac + self.r_guard >= self.y_frac,
             f"table_out_frac + r_guard ({self.table_out_frac} + {self.r_guard}) must be >= y fraction "
             f"bits ({self.y_frac}): the output shift of N*r cannot be negative")
        need(self.beta_frac <= self.y_frac + self.gamma_frac,
             f"beta_frac ({self.beta_frac}) must be <= y_frac + gamma_frac ({self.y_frac} + {self.gamma_frac})")
        need(math.isfinite(self.eps) and self.eps >= 0.0, f"eps must be finite and >= 0, got {self.eps}")
        self.widths(self.dim)  # rejects a D, format or epsilon the arithmetic cannot hold

    # -- formats ----------------------------------------------------------------------------
    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.in_width, self.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        return FixedFormat(self.out_width, self.out_frac)

    @property
    def gamma_fmt(self) -> FixedFormat:
        return FixedFormat(self.gamma_width, self.gamma_frac)

    @property
    def beta_fmt(self) -> FixedFormat:
        return FixedFormat(self.beta_width, self.beta_frac)

    @property
    def y_frac(self) -> int:
        return self.out_frac + self.y_guard

    @property
    def table_in_frac(self) -> int:
        # Integer bits for [1, range) plus the sign: [-2, 2) or [-4, 4).
        return self.table_in_width - (2 if self.rsqrt_range == 2 else 3)

    @property
    def r_frac(self) -> int:
        return self.table_out_frac + self.r_guard

    @property
    def beats(self) -> int:
        return self.dim // self.lanes

    @property
    def table_config(self) -> UnitConfig:
        """The rsqrt table: UnitConfig narrows rsqrt's [1, 4) to what the input format holds,
        so SQ16.14 fits exactly [1, 2) and SQ16.13 all of [1, 4)."""
        return UnitConfig(function="rsqrt", entries=self.entries, lanes=1, in_width=self.table_in_width,
                          in_frac=self.table_in_frac, out_width=self.table_out_width,
                          out_frac=self.table_out_frac, slope_width=self.slope_width,
                          intercept_width=self.intercept_width)

    def eps_term(self, dim: int) -> int:
        return int(np.rint(self.eps * float(dim) ** 2 * 2.0 ** (2 * self.in_frac + self.var_frac)))

    def widths(self, dim: int) -> RowWidths:
        """Datapath widths for rows of `dim` elements; ValueError if they exceed the limits."""
        if dim < 2:
            raise ValueError(f"LayerNorm rows need D >= 2 elements, got {dim}")
        w, c = self.in_width, clog2(dim)
        var = 2 * w + 2 * c - 2 + int(self.rms)   # RMSNorm's D*S2 alone reaches 2^(2W+2c-2)
        term = var + self.var_frac + 1
        if term > MAX_TERM_BITS:
            max_dim = 1 << ((MAX_TERM_BITS - 1 - self.var_frac - 2 * w + 2) // 2)
            raise ValueError(f"LayerNorm: D = {dim} needs a {term}-bit variance term, more than "
                             f"{MAX_TERM_BITS}; with {w}-bit inputs D must be <= {max_dim}")
        eps_term = self.eps_term(dim)
        if eps_term >= 1 << (var + self.var_frac):
            raise ValueError(f"LayerNorm: eps = {self.eps:g} is too large for the {term}-bit variance term "
                             f"at D = {dim} (eps * D^2 * 2^(2*in_frac+var_frac) = {eps_term})")
        num = w + c + 1
        r = self.table_out_width + self.r_guard
        y = self.y_frac + (c + 1) // 2 + 2
        if y + self.gamma_width + 2 > 62 or num + r > 62:
            raise ValueError(f"LayerNorm: products exceed 62 bits (N*r {num + r}, y*gamma {y + self.gamma_width})")
        return RowWidths(dim=dim, s1=w + c, s2=2 * w - 1 + c, var=var, term=term, num=num, r=r,
                         prod=num + r, y=y, eps_term=eps_term)

    @property
    def tag(self) -> str:
        eps = f"{self.eps:.0e}".replace("-", "m").replace("+", "")
        return (f"{'rmsnorm' if self.rms else 'layernorm'}_d{self.dim}_l{self.lanes}_e{self.entries}_r{self.rsqrt_range}"
                f"_i{self.in_width}q{self.in_frac}_o{self.out_width}q{self.out_frac}_eps{eps}"
                f"{arch_tag(self.table, self.search)}{'' if self.affine else '_na'}")

    def with_(self, **changes: Any) -> "LayerNormConfig":
        return replace(self, **changes)

    @property
    def row_latency(self) -> int:
        """Documented in rtl/nnlut/layernorm_unit.sv: a row's last input beat to its first output
        beat (the binary search lengthens the read delay by its stages)."""
        return ROW_LATENCY + self.search_stages

    @property
    def search_stages(self) -> int:
        return core_latency(self.entries, self.search) - CORE_LATENCY

    def hdl_parameters(self) -> dict[str, int | str]:
        """EpsTerm goes as a sized literal: Verilator reads a bare -G number as 32 bits and
        silently truncates larger values."""
        return {"Dim": self.dim, "Lanes": self.lanes, "InWidth": self.in_width, "OutWidth": self.out_width,
                "OutFrac": self.out_frac, "GammaWidth": self.gamma_width, "GammaFrac": self.gamma_frac,
                "BetaWidth": self.beta_width, "BetaFrac": self.beta_frac, "VarFrac": self.var_frac,
                "EpsTerm": f"64'd{self.eps_term(self.dim)}", "RsqrtRange": self.rsqrt_range,
                "RGuard": self.r_guard, "YGuard": self.y_guard, "Entries": self.entries, "Rms": int(self.rms),
                "Affine": int(self.affine),
                **arch_parameters(self.table, self.search)}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------------
# Integer helpers (vectorised, exact for int64)
# ------------------------------------------------------------------------------------------

def bit_length(v: np.ndarray) -> np.ndarray:
    """Number of significant bits of non-negative int64 values (0 for 0). Integer-only:
    float log2 rounds up near powers of two above 2^53."""
    v = np.asarray(v, dtype=np.int64).copy()
    if (v < 0).any():
        raise ValueError("bit_length: negative value")
    n = np.zeros(v.shape, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        big = v >= (np.int64(1) << s)
        n += s * big
        v = np.where(big, v >> s, v)
    return n + (v > 0)


def round_shift(value: np.ndarray, shift: np.ndarray | int) -> np.ndarray:
    """round_half_up(value / 2^shift) for shift >= 0, as the RTL forms it without a
    variable rounding constant: floor((floor(value * 2 / 2^shift) + 1) / 2)."""
    return (((np.asarray(value, dtype=np.int64) << 1) >> shift) + 1) >> 1


@dataclass
class RowTrace:
    """Intermediate values of the row datapath (per row unless noted), for coverage and
    debugging. All int64."""

    s1: np.ndarray
    s2: np.ndarray
    var: np.ndarray
    term: np.ndarray
    exponent: np.ndarray
    k: np.ndarray
    mant: np.ndarray
    rt: np.ndarray
    r: np.ndarray
    shift: np.ndarray
    y_raw: np.ndarray    # (rows, D): y before its (never reached) clamp
    y: np.ndarray        # (rows, D)
    out_raw: np.ndarray  # (rows, D): output before the clamp
    out: np.ndarray      # (rows, D)


class LayerNormModel:
    """Bit-accurate model of rtl/layernorm_unit.sv. D is taken from the array, so one model
    serves any row length (the RTL fixes D at elaboration)."""

    def __init__(self, config: LayerNormConfig, table: IntTable) -> None:
        tp = table.params
        expected = config.table_config
        if (tp.in_fmt != expected.in_fmt or tp.out_fmt != expected.out_fmt or tp.entries != config.entries):
            raise ValueError(f"rsqrt table formats {tp.in_fmt}/{tp.out_fmt}/{tp.entries} entries do not match "
                             f"the configuration's {expected.in_fmt}/{expected.out_fmt}/{config.entries}")
        self.config = config
        self.table = table

    @staticmethod
    def prepare(config: LayerNormConfig, out_dir: Path | None = None) -> tuple["LayerNormModel", PreparedTable]:
        """Fit (cached) and quantize the rsqrt table, write its JSON and SV package."""
        prepared = prepare_table(config.table_config, out_dir)
        return LayerNormModel(config, prepared.table), prepared

    @staticmethod
    def from_config(config: LayerNormConfig | None = None) -> "LayerNormModel":
        config = config or LayerNormConfig()
        return LayerNormModel.prepare(config, BUILD_DIR / "tables" / config.table_config.table_tag)[0]

    # -- the datapath ---------------------------------------------------------------------
    def trace(self, codes: np.ndarray, gamma_codes: np.ndarray, beta_codes: np.ndarray) -> RowTrace:
        c = self.config
        x = c.in_fmt.check_codes(codes, "layernorm input")
        if x.ndim != 2:
            raise ValueError(f"layernorm input: expected a (rows, D) array, got shape {x.shape}")
        rows, dim = x.shape
        wd = c.widths(dim)
        gamma = c.gamma_fmt.check_codes(gamma_codes, "gamma")
        beta = c.beta_fmt.check_codes(beta_codes, "beta")
        if not c.affine:  # the unit has no gamma/beta: exactly gamma = 1, beta = 0
            gamma = np.full_like(gamma, 1 << c.gamma_frac)
            beta = np.zeros_like(beta)
        if gamma.shape != (dim,) or beta.shape != (dim,):
            raise ValueError(f"gamma and beta must have shape ({dim},), got {gamma.shape} and {beta.shape}")
        g = c.var_frac

        # RMSNorm takes S1 as 0: no mean in the variance or the numerators.
        s1 = np.zeros(rows, dtype=np.int64) if c.rms else x.sum(axis=1)
        s2 = (x * x).sum(axis=1)
        var = dim * s2 - s1 * s1
        term = (var << g) + wd.eps_term
        p = np.maximum(bit_length(term) - 1, 0)
        exponent = p if c.rsqrt_range == 2 else p - np.mod(p - g, 2)
        # Left-justify then keep the top bits, exactly the RTL's shifter.
        mant = (term << (wd.term - 1 - exponent)) >> (wd.term - 1 - c.table_in_frac)
        k = np.maximum(exponent - g, 0)
        rt = self.table.evaluate(mant)
        odd = (k & 1) == 1
        drop = ODD_SCALE_FRAC - c.r_guard
        r = np.where(odd, (rt * ODD_SCALE + (1 << (drop - 1))) >> drop, rt << c.r_guard)
        shift = c.r_frac - c.y_frac + (k >> 1)

        num = dim * x - s1[:, None]
        y_raw = round_shift(num * r[:, None], shift[:, None])
        y = FixedFormat(wd.y, c.y_frac).saturate(y_raw)
        align = c.y_frac + c.gamma_frac - c.beta_frac
        acc = y * gamma[None, :] + (beta[None, :] << align)
        rshift = c.y_frac + c.gamma_frac - c.out_frac
        out_raw = (acc + (1 << (rshift - 1))) >> rshift if rshift > 0 else acc
        return RowTrace(s1=s1, s2=s2, var=var, term=term, exponent=exponent, k=k, mant=mant, rt=rt, r=r,
                        shift=shift, y_raw=y_raw, y=y, out_raw=out_raw, out=c.out_fmt.saturate(out_raw))

    def evaluate(self, codes: np.ndarray, gamma_codes: np.ndarray, beta_codes: np.ndarray) -> np.ndarray:
        """Output codes (rows, D) for input codes (rows, D) and per-feature gamma/beta codes (D,)."""
        return self.trace(codes, gamma_codes, beta_codes).out

    # -- float convenience ----------------------------------------------------------------
    def layernorm_real(self, x: np.ndarray, gamma: np.ndarray | None = None,
                       beta: np.ndarray | None = None) -> np.ndarray:
        """Quantize x (rows, D), gamma and beta (D,) to their formats (nearest, saturating),
        run the integer datapath, return real outputs. gamma/beta default to 1 and 0."""
        c = self.config
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"layernorm_real: expected a (rows, D) array, got shape {x.shape}")
        dim = x.shape[1]
        gamma = np.ones(dim) if gamma is None else np.asarray(gamma, dtype=np.float64)
        beta = np.zeros(dim) if beta is None else np.asarray(beta, dtype=np.float64)
        out = self.evaluate(c.in_fmt.quantize(x), c.gamma_fmt.quantize(gamma), c.beta_fmt.quantize(beta))
        return c.out_fmt.to_real(out)


# ------------------------------------------------------------------------------------------
# Error by row kind (models/stimulus.py layernorm_rows)
# ------------------------------------------------------------------------------------------

ROW_KINDS = ("random", "constant", "outlier", "fullscale", "near_constant")


@dataclass(frozen=True)
class KindError:
    """Error of the unit's normalised outputs (gamma = 1, beta = 0) on one row kind."""

    kind: str
    rows: int
    max_abs: float
    mean_abs: float
    max_lsb: float


def error_by_kind(model: LayerNormModel, dim: int, rows: int, seed: int = 0,
                  kinds: tuple[str, ...] = ROW_KINDS) -> list[KindError]:
    """Max and mean absolute error against float64 layer_norm at the exact input values, per
    row kind of models.stimulus.layernorm_rows (D = dim, any D the model accepts)."""
    from models.reference import layer_norm
    from models.stimulus import layernorm_rows

    c, rng = model.config, np.random.default_rng(seed)
    gamma, beta = np.full(dim, 1 << c.gamma_frac, dtype=np.int64), np.zeros(dim, dtype=np.int64)
    result = []
    for kind in kinds:
        x = layernorm_rows(kind, rng, c.in_fmt, rows, dim)
        ref = layer_norm(c.in_fmt.to_real(x), eps=c.eps)
        err = np.abs(c.out_fmt.to_real(model.evaluate(x, gamma, beta)) - ref)
        result.append(KindError(kind, rows, float(err.max()), float(err.mean()), float(err.max() / c.out_fmt.lsb)))
    return result
