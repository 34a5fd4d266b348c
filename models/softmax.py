"""Softmax on the NN-LUT core: configuration and bit-accurate integer model.

The datapath (identical in rtl/softmax_*.sv; every width below is a SoftmaxConfig field,
defaults in brackets). A row is N input codes x_i in SQ(in_width).(in_frac) [SQ16.11,
[-16, 16)]; the output is N codes p_i in UQ(out_width).(out_frac) [UQ0.16: p = code * 2^-16,
saturating at 2^16 - 1 = 1 - 2^-16].

1. Row maximum (exact):       M = max_i x_i,  u_i = M - x_i >= 0        (in_width bits, unsigned)
2a. exp, "range_reduced":     exp(d) = 2^(-d log2 e) = 2^-q * 2^-f with q integer, f in [0, 1)
                              (the base-2 range reduction of I-BERT's i-exp and Softermax; see
                              ../shared/reference/algorithms.md).
        L   = floor(log2(e) * 2^LF + 1/2),  LF = log2e_frac [20]
        z_i = u_i * L                              z has ZF = in_frac + LF fraction bits
        q_i = z_i >> ZF                            integer part
        f_i = (z_i >> (ZF - FI)) mod 2^FI          FI = exp_in_frac [16], truncated
        T_i = exp2_neg table (NN-LUT core) at f_i  SQ(FO+2).FO, FO = exp_out_frac [16]
        e_i = (max(T_i, 0) << (EF - FO)) >> min(q_i, EF + 1)
                                                   EF = exp_frac [24]; e < 2^(EF+1)
2b. exp, "direct":            the paper's wide-range table of exp on [-16, 0]:
        T_i = exp table at max(-u_i, most negative input code)   (clamp below)
        e_i = max(T_i, 0) << (EF - FO)
3. Sum (exact):               S = sum_i e_i  <  N * 2^(EF+1), so SumWidth = EF + 1 + ceil(log2 N)
                              bits [34 for N = 512, 37 for N = 4096].
4. Reciprocal:                pos = floor(log2 S) (leading-zero count), mantissa
        m = floor(S * 2^RI / 2^pos)  in [2^RI, 2^(RI+1)),  RI = recip_in_frac [16] (truncated)
        R = recip table (NN-LUT core) at m, on [1, 2)   SQ(RO+2).RO, RO = recip_out_frac [16]
        so 1/S ~ max(R, 0) * 2^-(RO + pos - EF).
5. Normalise:                 sh  = pos + RO - OF  (>= 0 because pos >= 0 and RO >= OF)
        with e_i taken exactly, as the table value m_i and its shift: m_i = max(T_i, 0), or 0
        where e_i is 0 by rule (an element left out of its row, q_i at its clamp EF + 1), and
        q_i = 0 for direct; e_i ~ m_i * 2^(EF - FO - q_i) without step 2's truncation:
        p_i = min(((m_i * max(R, 0)) << (EF - FO)) + floor(2^s_i / 2)) >> s_i, 2^out_width - 1),
        s_i = min(q_i, EF + 1) + sh                round half up, saturate at the max code.
        (The hardware multiplies m_i, FO + 1 bits, rather than e_i, EF + 1 bits: a narrower
        multiplier in every lane.)
   A row whose sum is 0 (impossible with a fitted exp table: the max element has
   u = 0, so its e is the table's value at 0) outputs zeros.

The exp and recip tables come from models.units.prepare_table (one JSON + one SV package each);
the core's own datapath is IntTable.evaluate (models/nnlut.py).

Error budget at the defaults (16 entries): the exp2_neg table's relative error (<= 1.8e-4)
enters p_i as p_i * (eps_i - sum_j p_j eps_j), at most about half of it for p near 1/2; the
recip table's relative error (<= 3.4e-4 at m near 2) scales every p of the row; truncating e to
2^-EF costs at most N * 2^-EF of the sum (3e-5 at N = 512) and nothing in the numerator; the
output rounding 2^-17.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, TYPE_CHECKING

import numpy as np

from models.defaults import SOFTMAX_IN_FRAC
from models.fixedpoint import FixedFormat
from models.intops import masked_rows
from models.nnlut import CORE_LATENCY, IntTable, arch_parameters, arch_tag, check_arch, core_latency

if TYPE_CHECKING:  # models.units pulls in torch through the fitter's references
    from models.units import UnitConfig

# log2(e) = 1/ln(2) = 1.44269504088896340736... (OEIS A007525). The float64 literal is exact
# to ~1e-16, far below the 2^-21 rounding of the fixed-point constant, so the rounding below
# cannot land on the wrong side of a tie.
LOG2_E = 1.4426950408889634074
EXP_MODES = ("range_reduced", "direct")
# The paper's direct exp table covers [-16, 0] (models/reference.py FUNCTIONS["exp"]).
DIRECT_EXP_LO = -16.0
# The input format that direct mode needs at 16 bits: SQ16.11, [-16, 16).
DIRECT_IN_FRAC = 11
# Issue 3's accuracy target: max |p - softmax(x)| at 16 entries and 16 output bits.
ACCURACY_TARGET = 5e-4
# Narrower internal formats than the defaults (which keep every stage well below the output's
# LSB): log2(e) on 10 fraction bits, the exp table's input on 10 and output on 12, e and the
# sum on 20, the reciprocal's mantissa on 14. Chosen one field at a time as the narrowest that
# keeps the max error below ACCURACY_TARGET on the bench's row kinds (models.stimulus) at N 128
# and 512: 4.4e-4 and 3.5e-4 with hardwired s11/t17 tables, 3.9e-4 on the comparison's rows
# (3.4e-4 at the defaults; SQ16.9 input). exp_frac 18 crosses 5e-4 on dominant rows at N 512 (the truncated
# tail of a row costs up to N 2^-exp_frac of the sum). They shrink every per-lane multiplier
# and shifter (softmax_exp, softmax_norm).
NARROW_INTERNAL = {"log2e_frac": 10, "exp_in_frac": 10, "exp_out_frac": 12, "exp_frac": 20, "recip_in_frac": 14}
# For rows of at most 128 elements (attention rows of the comparison): e and the sum on 17
# fraction bits, the exp table's input on 9 and output on 10, the reciprocal's mantissa on 13.
# The truncated tail of a row costs up to N 2^-exp_frac of the sum, so the shorter row affords
# 3 bits less than NARROW_INTERNAL's N 512: max error 4.8e-4 on the comparison's rows (SQ16.9)
# at N 128 with hardwired s11/t17 tables, as with the exp input on 10 and the mantissa on 14
# (exp_frac 16: 7.4e-4; exp input 8: 6.1e-4; mantissa 12: 5.6e-4). Not for rows longer than 128.
SHORT_ROW_INTERNAL = {**NARROW_INTERNAL, "exp_frac": 17, "exp_out_frac": 10, "exp_in_frac": 9,
                      "recip_in_frac": 13}
SHORT_ROW_MAX = 128
# int64 headroom for the model's intermediates (the largest is the sum S).
# Beats of more lanes than this register their lanes' e before the adder tree and their sum
# before the row accumulator (two cycles more of row latency; rtl/nnlut/softmax_unit.sv
# SumStageLanes): the default of SoftmaxConfig.sum_stage_lanes.
SUM_STAGE_LANES = 4
RECIP_CORES = ("pipelined", "serial")
_MODEL_BITS = 62


def log2e_code(frac: int) -> int:
    """log2(e) rounded to `frac` fraction bits (half up; the RTL computes the same)."""
    return int(np.floor(LOG2_E * 2.0 ** frac + 0.5))


def clog2(n: int) -> int:
    """ceil(log2(n)) for n >= 1, as SystemVerilog's $clog2."""
    return (n - 1).bit_length()


@dataclass(frozen=True)
class SoftmaxConfig:
    """Parameters of one Softmax unit build (RTL parameters and table formats).

    row_length and lanes describe the hardware (a row is row_length / lanes beats); the model
    itself takes the row length from the array it is given.
    """
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'table', 'search',
        'exp_mode', 'row_length', 'lanes', 'entries', 'in_width', 'in_frac', 'out_width', 'out_frac',
        'exp_frac')


    row_length: int = 128
    lanes: int = 4
    in_width: int = 16
    in_frac: int = SOFTMAX_IN_FRAC   # SQ16.9: [-64, 64) (models.defaults)
    out_width: int = 16
    out_frac: int | None = None        # default out_width: UQ0.W
    entries: int = 16
    exp_mode: str = "range_reduced"
    exp_frac: int = 24                 # EF: fraction bits of e and S
    log2e_frac: int = 20               # LF
    exp_in_frac: int = 16              # FI: f in [0, 1) (range_reduced)
    exp_out_frac: int = 16             # FO: table value 2^-f or exp(d)
    recip_in_frac: int = 16            # RI: mantissa m in [1, 2)
    recip_out_frac: int = 16           # RO: 1/m
    slope_width: int = 16
    intercept_width: int = 20
    table: str = "programmable"        # both tables: programmable | no_reset | hardwired
    search: str = "parallel"           # parallel | binary (models.nnlut.check_arch)
    recip: str = "pipelined"           # the 1/x core: pipelined | serial (one slope bit per cycle)
    # Beats of more lanes than this register their lanes' e and their sum (SumStageLanes): 0
    # registers them at every lane count, `lanes` or more never.
    sum_stage_lanes: int = SUM_STAGE_LANES

    def __post_init__(self) -> None:
        if self.out_frac is None:
            object.__setattr__(self, "out_frac", self.out_width)
        problems = self._problems()
        if problems:
            raise ValueError("invalid SoftmaxConfig: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        p: list[str] = []
        assert self.out_frac is not None
        if self.row_length < 1:
            p.append(f"row_length must be >= 1, got {self.row_length}")
        if self.lanes < 1:
            p.append(f"lanes must be >= 1, got {self.lanes}")
        if self.row_length >= 1 and self.lanes >= 1 and self.row_length % self.lanes:
            p.append(f"row_length ({self.row_length}) must be a multiple of lanes ({self.lanes}): "
                     "a row is a whole number of beats")
        if self.entries < 2:
            p.append(f"entries must be >= 2, got {self.entries}")
        try:
            check_arch(self.table, self.search)
        except ValueError as err:
            p.append(str(err))
        if self.sum_stage_lanes < 0:
            p.append(f"sum_stage_lanes must be >= 0, got {self.sum_stage_lanes}")
        if self.recip not in RECIP_CORES:
            p.append(f"recip must be one of {', '.join(RECIP_CORES)}, got {self.recip!r}")
        if self.exp_mode not in EXP_MODES:
            p.append(f"exp_mode must be one of {', '.join(EXP_MODES)}, got {self.exp_mode!r}")
        if not 2 <= self.in_width <= 24:
            p.append(f"in_width must be in [2, 24], got {self.in_width}")
        if not 0 <= self.in_frac <= self.in_width - 1:
            p.append(f"in_frac must be in [0, in_width - 1 = {self.in_width - 1}], got {self.in_frac}")
        if not 2 <= self.out_width <= 32:
            p.append(f"out_width must be in [2, 32], got {self.out_width}")
        if not 1 <= self.out_frac <= self.out_width:
            p.append(f"out_frac must be in [1, out_width = {self.out_width}] (unsigned output), "
                     f"got {self.out_frac}")
        for name in ("exp_in_frac", "exp_out_frac", "recip_in_frac", "recip_out_frac"):
            if not 4 <= getattr(self, name) <= 30:
                p.append(f"{name} must be in [4, 30], got {getattr(self, name)}")
        if not 4 <= self.log2e_frac <= 30:
            p.append(f"log2e_frac must be in [4, 30], got {self.log2e_frac}")
        if p:
            return p
        if self.exp_frac < max(self.exp_out_frac, self.recip_in_frac):
            p.append(f"exp_frac ({self.exp_frac}) must be >= exp_out_frac ({self.exp_out_frac}) and "
                     f">= recip_in_frac ({self.recip_in_frac}): e keeps every table bit and the sum "
                     "has enough bits below its leading one for the mantissa")
        if self.exp_frac > 40:
            p.append(f"exp_frac must be <= 40, got {self.exp_frac}")
        if self.recip_out_frac < self.out_frac:
            p.append(f"recip_out_frac ({self.recip_out_frac}) must be >= out_frac ({self.out_frac}) "
                     "so the final shift pos + recip_out_frac - out_frac is never negative")
        if self.exp_mode == "range_reduced" and self.in_frac + self.log2e_frac < self.exp_in_frac:
            p.append(f"in_frac + log2e_frac ({self.in_frac} + {self.log2e_frac}) must be >= exp_in_frac "
                     f"({self.exp_in_frac}): f is cut from z's fraction bits")
        if self.exp_mode == "direct" and self.in_fmt.min_value < DIRECT_EXP_LO:
            p.append(f"exp_mode 'direct' uses the exp table on [{DIRECT_EXP_LO:g}, 0], but the input "
                     f"format {self.in_fmt} reaches {self.in_fmt.min_value:g}: clamping there would "
                     "extrapolate the table; use 'range_reduced' or fewer integer bits")
        if self.exp_frac + 1 + clog2(self.row_length) > 48:
            p.append(f"the sum needs exp_frac + 1 + ceil(log2 row_length) = "
                     f"{self.exp_frac + 1 + clog2(self.row_length)} bits, more than 48")
        return p

    # -- formats ---------------------------------------------------------------------------
    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.in_width, self.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        assert self.out_frac is not None
        return FixedFormat(self.out_width, self.out_frac, signed=False)

    @property
    def beats_per_row(self) -> int:
        return self.row_length // self.lanes

    @property
    def exp_width(self) -> int:
        """Bits of an exp value e (unsigned, < 2^(EF+1))."""
        return self.exp_frac + 1

    def sum_width(self, row_length: int | None = None) -> int:
        return self.exp_width + clog2(row_length or self.row_length)

    # -- tables ----------------------------------------------------------------------------
    def exp_table_config(self) -> UnitConfig:
        """The exp table of the configured mode."""
        return self._exp_table_config(self.exp_mode)

    def _exp_table_config(self, mode: str) -> UnitConfig:
        from models.units import UnitConfig

        common = dict(entries=self.entries, lanes=self.lanes, out_width=self.exp_out_frac + 2,
                      out_frac=self.exp_out_frac, slope_width=self.slope_width,
                      intercept_width=self.intercept_width)
        if mode == "direct":
            return UnitConfig(function="exp", in_width=self.in_width, in_frac=self.in_frac, **common)
        # f in [0, 1) fits SQ(FI+1).FI; the table's values (0.5, 1] need one integer bit.
        return UnitConfig(function="exp2_neg", in_width=self.exp_in_frac + 1,
                          in_frac=self.exp_in_frac, **common)

    def recip_table_config(self) -> UnitConfig:
        from models.units import UnitConfig

        return UnitConfig(function="recip", entries=self.entries, lanes=1,
                          in_width=self.recip_in_frac + 2, in_frac=self.recip_in_frac,
                          out_width=self.recip_out_frac + 2, out_frac=self.recip_out_frac,
                          slope_width=self.slope_width, intercept_width=self.intercept_width)

    @property
    def tag(self) -> str:
        mode = "rr" if self.exp_mode == "range_reduced" else "direct"
        return (f"softmax_{mode}_n{self.row_length}_l{self.lanes}_e{self.entries}"
                f"_i{self.in_width}q{self.in_frac}_o{self.out_width}q{self.out_frac}_x{self.exp_frac}"
                f"{arch_tag(self.table, self.search)}")

    @property
    def row_latency(self) -> int:
        """Documented in rtl/nnlut/softmax_unit.sv: a row's last input beat to its first output
        beat, RowBeats + 14, plus the binary search's stages in each of the two cores, plus two
        where beats of more than sum_stage_lanes lanes register their lanes' e and their sum."""
        search = core_latency(self.entries, self.search) - CORE_LATENCY
        # The serial 1/x core searches one breakpoint, then multiplies one slope bit, per cycle.
        recip = clog2(self.entries) + self.slope_width - 3 if self.recip == "serial" else search
        return self.beats_per_row + 14 + search + recip + 2 * int(self.sum_stage)

    @property
    def row_interval(self) -> int:
        """Fewest cycles between two rows' reciprocals: one per cycle, or one per log2(entries) +
        slope_width + 1 with the serial 1/x core (so rows shorter than that many beats cannot
        stream at full rate)."""
        return clog2(self.entries) + self.slope_width + 1 if self.recip == "serial" else 1

    def hdl_parameters(self) -> dict[str, int]:
        assert self.out_frac is not None
        return {"RowLength": self.row_length, "Lanes": self.lanes, "InWidth": self.in_width,
                "InFrac": self.in_frac, "OutWidth": self.out_width, "OutFrac": self.out_frac,
                "Entries": self.entries, "ExpFrac": self.exp_frac, "Log2eFrac": self.log2e_frac,
                "ExpDirect": int(self.exp_mode == "direct"), "SumStageLanes": self.sum_stage_lanes,
                "SerialRecip": int(self.recip == "serial"),
                **arch_parameters(self.table, self.search)}

    @property
    def sum_stage(self) -> bool:
        """Whether a beat's lane exps and their sum are registered (two cycles more latency)."""
        return self.lanes > self.sum_stage_lanes

    def to_dict(self) -> dict[str, Any]:
        """The fields; sum_stage_lanes only when it is not SUM_STAGE_LANES, so that the
        dictionary of a configuration at the default (which names cost-cache entries and the
        explore snapshot's records) is what it was before the option existed."""
        data = asdict(self)
        if data["sum_stage_lanes"] == SUM_STAGE_LANES:
            del data["sum_stage_lanes"]
        return data

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "SoftmaxConfig":
        return SoftmaxConfig(**d)

    def with_(self, **changes: Any) -> "SoftmaxConfig":
        return replace(self, **changes)


@dataclass(frozen=True)
class SoftmaxTrace:
    """Every intermediate of the datapath for a (rows, N) block (for tests and coverage)."""

    u: np.ndarray          # M - x
    q: np.ndarray          # integer part of z (range_reduced), 0 for direct
    table_in: np.ndarray   # exp table input codes (f or clamped d)
    table_out: np.ndarray  # exp table output codes
    e: np.ndarray          # exp values, EF fraction bits (what the sum adds)
    s: np.ndarray          # (rows,) sums
    pos: np.ndarray        # (rows,) floor(log2 S) (0 for S == 0)
    mant: np.ndarray       # (rows,) recip table input codes
    recip: np.ndarray      # (rows,) max(R, 0)
    raw: np.ndarray        # rounded p before saturation
    p: np.ndarray          # output codes


class SoftmaxModel:
    """Bit-accurate integer model of rtl/softmax_unit.sv (vectorised over rows)."""

    def __init__(self, config: SoftmaxConfig, exp_table: IntTable, recip_table: IntTable) -> None:
        self.config = config
        self.exp_table = exp_table
        self.recip_table = recip_table
        want_exp = config.exp_table_config()
        want_recip = config.recip_table_config()
        for name, table, want in (("exp", exp_table, want_exp), ("recip", recip_table, want_recip)):
            p = table.params
            got = (p.in_fmt, p.out_fmt, p.entries)
            expected = (want.in_fmt, want.out_fmt, want.entries)
            if got != expected:
                raise ValueError(f"{name} table formats {tuple(map(str, got[:2])) + got[2:]} do not match the "
                                 f"configuration's {tuple(map(str, expected[:2])) + expected[2:]}")
        self.log2e = log2e_code(config.log2e_frac)

    # -- construction ----------------------------------------------------------------------
    @staticmethod
    def build(config: SoftmaxConfig, out_dir: Path | None = None) -> "SoftmaxModel":
        """Fit (cached), quantize and write the tables, then build the model on them."""
        from models.units import prepare_table

        exp_cfg, recip_cfg = config.exp_table_config(), config.recip_table_config()
        exp = prepare_table(exp_cfg, None if out_dir is None else Path(out_dir))
        recip = prepare_table(recip_cfg, None if out_dir is None else Path(out_dir))
        return SoftmaxModel(config, exp.table, recip.table)

    @staticmethod
    def from_files(config: SoftmaxConfig, exp_json: Path, recip_json: Path) -> "SoftmaxModel":
        return SoftmaxModel(config, IntTable.load(exp_json), IntTable.load(recip_json))

    # -- datapath --------------------------------------------------------------------------
    def _check_rows(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.ndim != 2 or codes.shape[1] < 1:
            raise ValueError(f"expected a (rows, N) array of input codes with N >= 1, got shape {codes.shape}")
        n = codes.shape[1]
        if self.config.sum_width(n) > _MODEL_BITS:
            raise ValueError(f"row length {n} needs a {self.config.sum_width(n)}-bit sum, "
                             f"more than the model's {_MODEL_BITS}")
        return self.config.in_fmt.check_codes(codes, "softmax input")

    def exp_values(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(q, table input, table output, e) for u = M - x >= 0."""
        c = self.config
        fo = self.exp_table.params.out_fmt.frac
        if c.exp_mode == "range_reduced":
            zf = c.in_frac + c.log2e_frac
            z = u * self.log2e
            q = z >> zf
            table_in = (z >> (zf - c.exp_in_frac)) & ((1 << c.exp_in_frac) - 1)
        else:
            q = np.zeros_like(u)
            table_in = np.maximum(-u, c.in_fmt.min_code)
        t = self.exp_table.evaluate(table_in)
        e = (np.maximum(t, 0) << (c.exp_frac - fo)) >> np.minimum(q, c.exp_frac + 1)
        return q, table_in, t, e

    def trace(self, codes: np.ndarray, mask: np.ndarray | None = None) -> SoftmaxTrace:
        """Every intermediate; elements where `mask` is False are left out of their row (e = 0,
        p = 0; see intops.masked_rows)."""
        c = self.config
        x, keep = masked_rows(self._check_rows(codes), mask, "softmax input")
        u = x.max(axis=1, keepdims=True) - x
        q, table_in, t, e = self.exp_values(u)
        e = np.where(keep, e, 0)
        s = e.sum(axis=1)
        # frexp is exact for integers below 2^53: S = mant * 2^exp with mant in [0.5, 1).
        pos = np.where(s > 0, np.frexp(s.astype(np.float64))[1] - 1, 0).astype(np.int64)
        ri = c.recip_in_frac
        mant = np.where(pos >= ri, s >> np.maximum(pos - ri, 0), s << np.maximum(ri - pos, 0))
        mant = np.where(s > 0, mant, 1 << ri)  # any in-range code: the row outputs 0 anyway
        recip = np.where(s > 0, np.maximum(self.recip_table.evaluate(mant), 0), 0)
        sh = (pos + self.recip_table.params.out_fmt.frac - c.out_frac)[:, None]
        # The normaliser multiplies the exp table's value m, e = (m << bias) >> q exactly
        # (m = 0 where e is 0 by rule: left out, a negative table value, q at its clamp).
        q_max = c.exp_frac + 1
        bias = c.exp_frac - self.exp_table.params.out_fmt.frac
        m = np.where(keep & (t > 0) & (q < q_max), t, 0)
        wide = (m * recip[:, None]) << bias
        width = self.exp_table.params.out_fmt.width - 1 + self.recip_table.params.out_fmt.frac + 1 + bias
        # Any shift beyond the product's width rounds it to 0 (as at width + 1).
        lane_sh = np.minimum(np.minimum(q, q_max) + sh, width + 1)
        raw = (wide + ((np.int64(1) << lane_sh) >> 1)) >> lane_sh
        p = np.minimum(raw, c.out_fmt.max_code)
        return SoftmaxTrace(u=u, q=q, table_in=table_in, table_out=t, e=e, s=s, pos=pos, mant=mant,
                            recip=recip, raw=raw, p=p)

    def evaluate(self, codes: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Output codes (rows, N) for input codes (rows, N); N is taken from the array. Where
        `mask` (rows, N) is False an element is left out of its row and its output is 0."""
        return self.trace(codes, mask).p

    def softmax_real(self, x: np.ndarray) -> np.ndarray:
        """Float convenience: quantize (nearest, ties to even, saturating), evaluate, dequantize."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"expected a (rows, N) array, got shape {x.shape}")
        return self.config.out_fmt.to_real(self.evaluate(self.config.in_fmt.quantize(x)))


__all__ = ["LOG2_E", "EXP_MODES", "NARROW_INTERNAL", "SHORT_ROW_INTERNAL", "SHORT_ROW_MAX", "SUM_STAGE_LANES", "SoftmaxConfig", "SoftmaxModel", "SoftmaxTrace", "log2e_code"]
