"""Bit-accurate integer models of SOLE's E2Softmax and AILayerNorm (Wang et al., "SOLE:
Hardware-Software Co-design of Softmax and LayerNorm for Efficient Transformer Inference",
ICCAD 2023), written as integer datapaths for an RTL implementation to reproduce bit for bit.

The paper fixes the structure (a 4-bit log2 exp code computed by shift-adds, a sum of powers of
two, an approximate log-based divider; 8-bit PTF inputs compressed to 4 bits before a 16-entry
square table, low-precision statistics). It leaves widths, the divider's correction and the
output formats open. The choices below are this project's; the ones that move accuracy are
parameters. Same conventions as models/ibert.py: integer codes in, integer codes and an output
scale out, float wrappers over the last axis.

E2Softmax
---------
Input: signed in_bits codes with a power-of-two scale 2^-F (the shift-add multiply by log2 e
needs the binary point at a fixed place; F >= 0). Per row:

    d     = q - max(q)                                  <= 0, in_bits + 1 bits
    t     = d + (d >>> 1) - (d >>> 4)                   ~ 1.4375 d ~ d / ln 2 (SOLE's shift-add)
    k     = min(-(t >>> F), 2^code_bits - 1)            4-bit log2 code: exp(d 2^-F) ~ 2^-k
                                                        (code_round="nearest": t + 2^(F-1))
    term  = 1 << (sum_frac - k)  (0 if k > sum_frac)    2^-k in UQ.sum_frac
    sum   = sum(term)                                   >= 2^sum_frac (the max element has k = 0)
    L     = bit_length(sum) - 1;  w = L - sum_frac      leading one: sum = 2^w (1 + f)
    f     = floor(sum * 2^mant_bits / 2^L) - 2^mant_bits    mant_bits of the mantissa, truncated
    recip = 2^R - f * 2^(R - 1 - mant_bits) - corr[f >> (mant_bits - corr_bits)]
                                                        1/(1+f) ~ 1 - f/2 - c_j, UQ1.R, R = recip_frac
    y     = (recip + 2^(s-1)) >> s,  s = k + w + R - out_frac       round half up, scale 2^-out_frac

Division is log-domain: log2 y = -(k + w + log2(1 + f)). The integer part k + w is the shift;
for the fraction Mitchell's approximations (log2(1+f) ~ f, then 2^-f ~ 1 - f/2) give the chord
1 - f/2, whose relative error reaches +12.5% at f = 1/2. The "small correction" is a table of
2^corr_bits constants c_j indexed by the top mantissa bits, chosen offline to minimise the
worst relative error of the reciprocal on each slice (including the truncation of f);
corr_bits = -1 removes it (plain Mitchell). Worst relative error of the reciprocal
(divider_error(), including the truncation of f):

    mant_bits | corr_bits   none    0      1      2      3
    4                       17.2%   8.4%   8.2%   6.0%   4.3%
    5                       14.8%   7.9%   7.7%   5.2%   3.4%
    8                       12.8%   7.3%   7.2%   5.1%   2.9%

Defaults: mant_bits 5, corr_bits 3 (an 8-entry table of 7-bit constants), recip_frac 10. The
divider error is small next to the exp code's own: 2^-k is exp(d) to within a factor of 2 with
floor (the spec's rounding) and sqrt(2) with code_round="nearest" (one added constant), which
roughly halves the worst softmax error (models/tests/test_baselines.py).

Saturation: k stops at 2^code_bits - 1 = 15 (very negative inputs still count 2^-15, which
over long rows of tiny values slightly inflates the sum). sum_frac defaults to 15, which makes
the accumulator exact (a one-hot add); smaller values drop terms with k > sum_frac.
Widths: d in_bits + 1, t in_bits + 2, k 4, sum sum_frac + 1 + ceil(log2 N), f mant_bits,
recip R + 1, y out_frac unsigned while corr[0] > 2^(R - out_frac - 1) (the default: the largest
output is (2^10 - 35) / 2^10 rounded to 247 / 256); with corr_bits = -1 a one-element row gives
y = 1.0, which needs out_frac + 1 bits.

AILayerNorm
-----------
Input: signed in_bits codes q (8 in the paper) with one float scale s and per-channel
power-of-two factors alpha_c in [0, ptf_max] (PTF, as introduced by FQ-ViT, Lin et al. IJCAI
2022): x = q << alpha_c stands for x * s. Per row of C channels:

    S1    = sum(x)                                    exact, in_bits + ptf_max + ceil(log2 C)
    |q|   = m << e, m < 2^compress_bits               dynamic compression, per element: e = the
                                                      fewest right shifts that fit |q| in
                                                      compress_bits bits, m rounded half to
                                                      even (a carry to 2^compress_bits renormalises)
    sq    = SQ[m] << 2 (e + alpha_c)                  SQ = 16-entry table of m^2 (8-bit entries)
    S2    = sum(sq)                                   2 (in_bits - 1 + ptf_max) + 1 + ceil(log2 C)
                                                      unsigned (30 bits: INT8, ptf_max 3, C 768)
    mu    = round_half_up(S1 * 2^F / C)               statistics at F = stat_frac fractional bits
    ex2   = round_half_up(S2 * 2^2F / C)              (a constant divide: C is fixed per layer)
    var   = max(ex2 - mu^2, 0) + eps_int              eps_int = round(eps * 2^2F / s^2)
    std   = max(isqrt(var), 1)                        integer Newton square root (models/intops)
    factor= floor(2^30 / std)
    z     = sat(((x << F) - mu) * factor, rounded half up to out_frac bits)   signed out_bits

Widths (INT8, ptf_max 3, F = 8, C = 768): x 11 signed; mu 19 signed; ex2 36; var 36; std 18;
factor 30 (std >= 1); ((x << F) - mu) * factor 50 signed; z out_bits (16, SQ16.10 by default:
|z| reaches sqrt(C) ~ 28 on outlier rows).

The compression loses at most a relative 2^-compress_bits of each |q| (the square: about twice
that), only for |q| >= 2^compress_bits; compress_bits = in_bits gives exact squares, for
comparison. Affine: as in I-BERT, beta / gamma is folded into an integer bias (rounded half to
even here) and gamma into a per-channel output scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from models.intops import (as_real, bit_length, check_bits, check_codes, check_rows, check_scale, div_half_up,
                           isqrt_newton, masked_rows, quantize_symmetric, shift_right_half_even, shift_right_half_up)

CodeRound = Literal["floor", "nearest"]
LOG2E_SHIFTS = (1, 4)  # 1 + 2^-1 - 2^-4 = 1.4375 ~ log2(e) = 1.4427 (SOLE)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def frac_bits_of(scale: float) -> int:
    """F for a scale of exactly 2^-F (F >= 0), else ValueError."""
    s = check_scale(scale)
    mant, exp = math.frexp(s)
    if mant != 0.5 or 1 - exp < 0:
        raise ValueError(f"E2Softmax needs a power-of-two input scale 2^-F with F >= 0 (its log2 e multiply "
                         f"is a shift-add on a fixed binary point); got {scale!r}. Requantize first.")
    return 1 - exp


# ------------------------------------------------------------------------------ E2Softmax

@dataclass(frozen=True)
class E2Softmax:
    """E2Softmax over the last axis for inputs with scale `scale` = 2^-F."""

    scale: float
    in_bits: int = 8
    code_bits: int = 4
    sum_frac: int | None = None
    mant_bits: int = 5
    corr_bits: int = 3
    recip_frac: int = 10
    out_frac: int = 8
    code_round: CodeRound = "floor"
    frac: int = field(init=False)
    k_max: int = field(init=False)
    acc_frac: int = field(init=False)
    corr: np.ndarray = field(init=False, repr=False)
    out_scale: float = field(init=False)

    def __post_init__(self) -> None:
        _set(self, "frac", frac_bits_of(self.scale))
        check_bits(self.in_bits, 4, 24, "in_bits")
        check_bits(self.code_bits, 1, 5, "code_bits")
        _set(self, "k_max", (1 << self.code_bits) - 1)
        acc = self.k_max if self.sum_frac is None else check_bits(self.sum_frac, 0, 40, "sum_frac")
        _set(self, "acc_frac", acc)
        check_bits(self.recip_frac, 2, 30, "recip_frac")
        check_bits(self.mant_bits, 0, self.recip_frac - 1, "mant_bits (at most recip_frac - 1)")
        check_bits(self.corr_bits, -1, self.mant_bits, "corr_bits (-1 = none, at most mant_bits)")
        check_bits(self.out_frac, 1, self.recip_frac, "out_frac (at most recip_frac)")
        if self.code_round not in ("floor", "nearest"):
            raise ValueError(f"code_round must be 'floor' or 'nearest', got {self.code_round!r}")
        _set(self, "corr", self._correction_table())
        _set(self, "out_scale", 2.0 ** -self.out_frac)

    def _chord(self, f: np.ndarray) -> np.ndarray:
        return (1 << self.recip_frac) - (f << (self.recip_frac - 1 - self.mant_bits))

    def _mantissa_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Each mantissa code f stands for a true mantissa in [f, f + 1) / 2^mant_bits (truncation)."""
        codes = np.arange(1 << self.mant_bits, dtype=np.int64)
        ends = np.stack([codes, codes + 1], axis=1) / (1 << self.mant_bits)
        return codes, ends

    def _correction_table(self) -> np.ndarray:
        """c_j in units of 2^-R minimising max |recip * (1 + f_true) - 1| over slice j.

        For one code the relative error is linear in f_true, so its extremes are at the ends of
        the code's interval (the upper end is a supremum).
        """
        if self.corr_bits < 0:
            return np.zeros(1, dtype=np.int64)
        codes, ends = self._mantissa_ends()
        chord = self._chord(codes)[:, None].astype(np.float64)
        candidates = np.arange(0, (1 << self.recip_frac) // 4 + 1, dtype=np.float64)
        # (candidate, code, end) relative error of the corrected reciprocal
        rel = np.abs((chord[None] - candidates[:, None, None]) * (1.0 + ends)[None] / (1 << self.recip_frac) - 1.0)
        slice_of = codes >> (self.mant_bits - self.corr_bits)
        worst = np.stack([rel[:, slice_of == j, :].max(axis=(1, 2)) for j in range(1 << self.corr_bits)])
        return np.argmin(worst, axis=1).astype(np.int64)

    def _recip(self, f: np.ndarray) -> np.ndarray:
        j = f >> (self.mant_bits - self.corr_bits) if self.corr_bits >= 0 else np.zeros_like(f)
        return self._chord(f) - self.corr[j]

    def divider_error(self) -> float:
        """Worst relative error of the reciprocal 1/(1+f) over all mantissas (a supremum)."""
        codes, ends = self._mantissa_ends()
        approx = self._recip(codes)[:, None] / (1 << self.recip_frac)
        return float(np.abs(approx * (1 + ends) - 1).max())

    def log2_code(self, d: np.ndarray) -> np.ndarray:
        """k = min(-floor((d + (d >> 1) - (d >> 4) [+ 2^(F-1)]) / 2^F), k_max) for max-subtracted d <= 0."""
        d = np.asarray(d, dtype=np.int64)
        t = d + (d >> LOG2E_SHIFTS[0]) - (d >> LOG2E_SHIFTS[1])
        if self.code_round == "nearest" and self.frac > 0:
            t = t + (1 << (self.frac - 1))
        return np.minimum(-(t >> self.frac), self.k_max)

    def trace(self, q: np.ndarray, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every intermediate over rows on the last axis; elements where `mask` is False are left
        out of their row (no term in the sum, output 0; see intops.masked_rows)."""
        q = check_codes(q, self.in_bits, "E2Softmax input")
        check_rows(q, "E2Softmax input")
        q, keep = masked_rows(q, mask, "E2Softmax input")
        d = q - q.max(axis=-1, keepdims=True)
        k = self.log2_code(d)
        term = np.where(keep & (k <= self.acc_frac), np.left_shift(np.int64(1), np.maximum(self.acc_frac - k, 0)), 0)
        total = term.sum(axis=-1, keepdims=True)
        # A row with nothing kept has no sum to invert; any stands in, its outputs are all 0.
        total = np.where(keep.any(axis=-1, keepdims=True), total, 1 << self.acc_frac)
        lead = bit_length(total) - 1
        w = lead - self.acc_frac
        # mant_bits below the leading one, truncated: shift right or, for short sums, left.
        up = self.mant_bits - lead
        f = np.where(up >= 0, total << np.maximum(up, 0), total >> np.maximum(-up, 0)) - (1 << self.mant_bits)
        recip = self._recip(f)
        shift = np.minimum(k + w + self.recip_frac - self.out_frac, 62)
        out = np.where(keep, shift_right_half_up(np.broadcast_to(recip, shift.shape), shift), 0)
        return {"d": d, "k": k, "term": term, "sum": total, "w": w, "f": f, "recip": recip, "out": out}

    def forward(self, q: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.trace(q, mask)["out"]


def e2softmax_int(q: np.ndarray, scale: float, *, in_bits: int = 8, code_bits: int = 4,
                  sum_frac: int | None = None, mant_bits: int = 5, corr_bits: int = 3, recip_frac: int = 10,
                  out_frac: int = 8, code_round: CodeRound = "floor") -> tuple[np.ndarray, float]:
    """E2Softmax over the last axis on integer codes: (codes, output scale 2^-out_frac)."""
    model = E2Softmax(scale, in_bits, code_bits, sum_frac, mant_bits, corr_bits, recip_frac, out_frac, code_round)
    return model.forward(q), model.out_scale


def e2softmax(x: np.ndarray, scale: float, *, in_bits: int = 8, code_bits: int = 4, sum_frac: int | None = None,
              mant_bits: int = 5, corr_bits: int = 3, recip_frac: int = 10, out_frac: int = 8,
              code_round: CodeRound = "floor") -> np.ndarray:
    """Float convenience wrapper: quantize x to in_bits codes of scale 2^-F, E2Softmax, dequantize."""
    model = E2Softmax(scale, in_bits, code_bits, sum_frac, mant_bits, corr_bits, recip_frac, out_frac, code_round)
    return model.forward(quantize_symmetric(x, scale, in_bits)) * model.out_scale


# ----------------------------------------------------------------------------- AILayerNorm

RECIP_SHIFT = 30  # factor = floor(2^30 / std)
INT64_SAFE_BITS = 62
MAX_CHANNELS = 1 << 16


@dataclass(frozen=True)
class AILayerNorm:
    """AILayerNorm over the last axis (no affine; see ai_layernorm)."""

    in_bits: int = 8
    ptf_max: int = 3
    compress_bits: int = 4
    stat_frac: int = 8
    out_bits: int = 16
    out_frac: int = 10

    def __post_init__(self) -> None:
        check_bits(self.in_bits, 2, 16, "in_bits")
        check_bits(self.ptf_max, 0, 8, "ptf_max")
        check_bits(self.compress_bits, 1, self.in_bits, "compress_bits (at most in_bits)")
        check_bits(self.stat_frac, 0, 12, "stat_frac")
        check_bits(self.out_bits, 2, 32, "out_bits")
        check_bits(self.out_frac, 0, min(self.out_bits, RECIP_SHIFT), "out_frac")
        # Widest products: ex2's numerator S2 << 2F for rows up to 2^16 channels, and
        # (x << F) - mu times a factor of up to 2^30.
        x_bits = self.in_bits + self.ptf_max + self.stat_frac
        if 2 * x_bits + 16 > INT64_SAFE_BITS or x_bits + 1 + RECIP_SHIFT > INT64_SAFE_BITS:
            raise ValueError(f"in_bits {self.in_bits} + ptf_max {self.ptf_max} + stat_frac {self.stat_frac} "
                             f"is too wide for the int64 model")

    @property
    def square_table(self) -> np.ndarray:
        """The 2^compress_bits-entry square table (16 entries of m^2 for compress_bits = 4)."""
        m = np.arange(1 << self.compress_bits, dtype=np.int64)
        return m * m

    def compress(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """|q| ~ m << e with m < 2^compress_bits (rounded half to even, renormalised on carry)."""
        mag = np.abs(np.asarray(q, dtype=np.int64))
        e = np.maximum(bit_length(mag) - self.compress_bits, 0)
        # Ties are common (every other code when one bit is dropped); half up would bias every
        # square upwards and the variance with it, half to even does not.
        m = shift_right_half_even(mag, e)
        carry = m >> self.compress_bits
        return m >> carry, e + carry

    def check_alpha(self, alpha: np.ndarray, channels: int) -> np.ndarray:
        a = np.asarray(alpha)
        if a.shape != (channels,):
            raise ValueError(f"PTF factors alpha must have shape ({channels},) to match the last axis, got {a.shape}")
        if a.dtype.kind not in "iu":
            raise ValueError(f"PTF factors alpha must be integers, got dtype {a.dtype}")
        if (a < 0).any() or (a > self.ptf_max).any():
            raise ValueError(f"PTF factors alpha must lie in [0, {self.ptf_max}], got range "
                             f"[{int(a.min())}, {int(a.max())}]")
        return a.astype(np.int64)

    def trace(self, q: np.ndarray, alpha: np.ndarray, eps_int: int = 0) -> dict[str, np.ndarray]:
        q = check_codes(q, self.in_bits, "AILayerNorm input")
        check_rows(q, "AILayerNorm input")
        channels = q.shape[-1]
        if channels > MAX_CHANNELS:
            raise ValueError(f"AILayerNorm rows of {channels} channels exceed the model's {MAX_CHANNELS}")
        a = self.check_alpha(alpha, channels)
        if eps_int < 0:
            raise ValueError(f"eps_int must be >= 0, got {eps_int}")
        x = q << a
        s1 = x.sum(axis=-1, keepdims=True)
        m, e = self.compress(q)
        sq = self.square_table[m] << (2 * (e + a))
        s2 = sq.sum(axis=-1, keepdims=True)
        f = self.stat_frac
        mu = div_half_up(s1 << f, channels)
        ex2 = div_half_up(s2 << (2 * f), channels)
        var = np.maximum(ex2 - mu * mu, 0) + eps_int
        root, _ = isqrt_newton(var)
        std = np.maximum(root, 1)
        factor = (np.int64(1) << RECIP_SHIFT) // std
        z = shift_right_half_up(((x << f) - mu) * factor, RECIP_SHIFT - self.out_frac)
        lo, hi = -(1 << (self.out_bits - 1)), (1 << (self.out_bits - 1)) - 1
        return {"x": x, "s1": s1, "m": m, "e": e, "sq": sq, "s2": s2, "mu": mu, "ex2": ex2, "var": var,
                "std": std, "factor": factor, "out": np.clip(z, lo, hi)}

    def forward(self, q: np.ndarray, alpha: np.ndarray, eps_int: int = 0) -> np.ndarray:
        return self.trace(q, alpha, eps_int)["out"]

    def eps_int(self, eps: float, scale: float) -> int:
        """eps in the variance's integer units (s^2 2^-2F), rounded."""
        if not math.isfinite(eps) or eps < 0:
            raise ValueError(f"eps must be finite and >= 0, got {eps!r}")
        return int(round(eps * 4.0 ** self.stat_frac / check_scale(scale) ** 2))


def ptf_calibrate(x: np.ndarray, in_bits: int = 8, ptf_max: int = 3) -> tuple[float, np.ndarray]:
    """(scale s, alpha per channel) from calibration data (..., C): s puts the widest channel at
    the top code with the largest factor; each channel takes the smallest factor that does not clip it."""
    x = as_real(x, "ptf_calibrate")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError("ptf_calibrate: expected data with a non-empty last (channel) axis")
    qmax = (1 << (in_bits - 1)) - 1
    peak = np.abs(x.reshape(-1, x.shape[-1])).max(axis=0)
    s = max(float(peak.max()), 1e-8) / (qmax * 2.0 ** ptf_max)
    need = np.ceil(np.log2(np.maximum(peak, 1e-300) / (s * qmax)) - 1e-12)
    return s, np.clip(need, 0, ptf_max).astype(np.int64)


def ptf_quantize(x: np.ndarray, scale: float, alpha: np.ndarray, in_bits: int = 8) -> np.ndarray:
    """Codes round(x / (s 2^alpha_c)), ties to even, saturated to signed in_bits."""
    x = as_real(x, "ptf_quantize")
    s = check_scale(scale)
    if x.ndim == 0 or np.shape(alpha) != (x.shape[-1],):
        raise ValueError(f"ptf_quantize: alpha must have one factor per channel (last axis of {x.shape}), "
                         f"got shape {np.shape(alpha)}")
    step = s * np.exp2(np.asarray(alpha, dtype=np.float64))
    lo, hi = -(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1
    return np.clip(np.rint(x / step), lo, hi).astype(np.int64)


def ai_layernorm(q: np.ndarray, alpha: np.ndarray, scale: float, gamma: np.ndarray | None = None,
                 beta: np.ndarray | None = None, *, eps: float = 0.0,
                 model: AILayerNorm | None = None) -> tuple[np.ndarray, np.ndarray]:
    """AILayerNorm over the last axis on PTF codes: (codes, per-channel output scale).

    The input scale enters only through eps. Affine folded as in I-BERT: codes + round(beta /
    gamma / 2^-out_frac), output scale gamma * 2^-out_frac. `model` carries the datapath
    options (default AILayerNorm()).
    """
    model = AILayerNorm() if model is None else model
    z = model.forward(q, alpha, model.eps_int(eps, scale))
    n = z.shape[-1]
    g = np.ones(n) if gamma is None else as_real(gamma, "gamma")
    b = np.zeros(n) if beta is None else as_real(beta, "beta")
    if g.shape != (n,) or b.shape != (n,):
        raise ValueError(f"gamma and beta must have shape ({n},) to match the last axis, got {g.shape} and {b.shape}")
    if (g == 0).any():
        raise ValueError("the affine folds beta / gamma into an integer bias: gamma must be non-zero")
    base = 2.0 ** -model.out_frac
    return z + np.rint((b / g) / base).astype(np.int64), base * g


def ai_layer_norm(x: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None, *,
                  scale: float | None = None, alpha: np.ndarray | None = None, eps: float = 0.0,
                  model: AILayerNorm | None = None) -> np.ndarray:
    """Float convenience wrapper: PTF-quantize x (calibrating scale and alpha on x itself unless
    given), AILayerNorm over the last axis, dequantize."""
    x = as_real(x, "ai_layer_norm")
    model = AILayerNorm() if model is None else model
    if scale is None or alpha is None:
        cal_scale, cal_alpha = ptf_calibrate(x, model.in_bits, model.ptf_max)
        scale = cal_scale if scale is None else scale
        alpha = cal_alpha if alpha is None else alpha
    q = ptf_quantize(x, scale, alpha, model.in_bits)
    codes, channel_scale = ai_layernorm(q, alpha, scale, gamma, beta, eps=eps, model=model)
    return codes * channel_scale


__all__ = ["E2Softmax", "AILayerNorm", "e2softmax_int", "e2softmax", "ai_layernorm", "ai_layer_norm",
           "ptf_calibrate", "ptf_quantize", "frac_bits_of"]
