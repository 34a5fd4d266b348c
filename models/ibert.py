"""Bit-accurate integer models of I-BERT's non-linear operations (Kim et al., "I-BERT:
Integer-only BERT Quantization", ICML 2021, arXiv 2101.01321): i-GELU, i-exp + Softmax and the
integer LayerNorm, written as the integer datapaths an RTL implementation must reproduce bit
for bit.

Conventions
-----------
I-BERT carries a real tensor as integer codes q and one float scaling factor S per tensor
(x = q * S). A float scale is never used at run time: every constant the datapath needs
(floor(b / S), floor(1 / S_erf), the dyadic requantisation multiplier, ...) is derived from S
offline, in float64, when a model object is built, and the run-time path is integers only.
Inputs are signed `in_bits`-bit codes (INT8 in the paper; 16 for this project's units; any
width in [4, 20]). Outputs are integer codes with an output scale (a float, or one float per
channel for LayerNorm, where gamma is folded into the scale as I-BERT does). The float
convenience wrappers quantize (round half to even, saturate to the full signed range), run the
integer model and dequantize.

Where the paper and the public code (transformers.models.ibert.quant_modules) differ, the
default follows the paper and a keyword selects the released code's variant; with those
keywords the models agree with the public code (models/tests/test_ibert_reference.py).

i-GELU (paper Algorithm 2; a = -0.2888, b = -1.769, c = 1, Eq. 10)
------------------------------------------------------------------
GELU(x) ~ x/2 * (1 + L(x/sqrt 2)), L(z) = sgn(z) * (a*(min(|z|, -b) + b)^2 + c). With
S' = S / sqrt2 the erf input has codes q and scale S'; per element:

    b_int   = floor(b / S')                       < 0, constant
    c_int   = floor((c / a) / S'^2)               < 0, constant (I-POLY, Algorithm 1)
    p       = (min(|q|, -b_int) + b_int)^2 + c_int
    e       = (sgn(q) * p) >>> erf_shift          erf codes, scale S_erf = a * S'^2 * 2^erf_shift
    one_int = floor(1 / S_erf)                    constant (S_erf < 0, so one_int < 0)
    out     = -(q * (e + one_int))                scale -S * S_erf / 2 > 0

erf_shift: the released code drops 14 LSBs of the erf ("avoid overflow"); the paper drops
none, and neither does the default. The released code's 14 suits its inputs (32-bit
accumulators with fine scales): at INT8 scales it leaves the erf a single code, and the model
refuses configurations with fewer than MIN_ERF_CODES erf codes per unit. The final negation
makes the output scale positive (a < 0 makes S_erf negative); hardware folds it into the sign
of the constant. sqrt2: math.sqrt(2) (paper) or 1.4142 (released code).

Widths (signed, from IntGelu.widths(), which sweeps every input code):
in_bits 8, S = 8/127:   p 12, e 12, out 20 bits.
in_bits 16, S = 2^-12:  p 28, e 28, out 44 bits; with erf_shift 14: e 14, out 30 bits.
in_bits 16, S = 2^-10 (the unit's default, SQ16.10):  p 24, e 24, out 40 bits.

i-exp and Softmax (paper Algorithm 3, Eqs. 12-13; public code for the requantisation)
--------------------------------------------------------------------------------------
Per row (the last axis):

    d      = q - max(q)                         <= 0, in_bits + 1 bits
    d      = max(d, max_q * x0_int)             x0_int = floor(x0 / S) < 0, x0 = -ln2; clamp at 30 x0
    z      = floor(d / x0_int)                  0..max_q (5 bits), the power-of-two exponent
    r      = d - z * x0_int                     in (x0_int, 0]
    p      = (r + b_int)^2 + c_int              paper: 0.3585 (r + 1.353)^2 + 0.344, scale a S^2,
                                                b_int = floor(b / S), c_int = floor(c / (a S^2))
      or   = (r + b_int) * r + c_int            released: 0.35815147 r^2 + 0.96963238 r + 1,
                                                b_int = floor((b/a) / S), c_int = floor((c/a) / S^2)
    exp    = p << (exp_shift - z)               exp(d*S) ~ exp * a S^2 / 2^exp_shift (never formed)
    e16    = sat(round_half_even(p * M / 2^(E + z - exp_shift)))   = requantised exp, exp_bits signed
    sum    = sum(e16)
    factor = floor(2^max_bit / sum)
    y      = (e16 * factor) >> (max_bit - out_bits)                 scale 2^-out_bits

The requantisation "exps to 16 bits" is I-BERT's dyadic multiply: M / 2^E ~ requant_ratio, M
the ratio's mantissa rounded half up to 31 fractional bits (models/intops.dyadic); the rounding
of the multiply is half to even, as the public code's torch.round. Because every row contains
d = 0, the largest exp is the constant p(0) << exp_shift, so the default ratio
(2^(exp_bits-1) - 1) / (p(0) << exp_shift) is static and maps the largest exp to the top code.
Writing the wide exp as p << (exp_shift - z) and folding that shift into the requantiser's right
shift is exact and keeps p * M within 63 bits (p has about 2 log2(1/S) bits, M 32).
Output codes: e16 * factor <= 2^max_bit, with equality only if a row's sum is a single exp that
divides 2^max_bit. With the default ratio the row maximum's exp is 2^(exp_bits-1) - 1, odd, so
y <= 2^out_bits - 1 and out_bits unsigned bits suffice (a one-element row gives 255 for 8 bits;
the released code's float32 normalisation rounds that to 256). A custom requant_ratio can make
y = 2^out_bits.

Widths (magnitudes; add a sign bit where signed): d in_bits + 1 (17 for 16-bit inputs); z 5;
r < |x0_int| = ln2 / S (10 bits at S = 2^-10, 12 at 2^-12); p about 2 log2(1/S) + 2 (22 bits at
S = 2^-10, 26 at 2^-12, 10 at INT8's S = 2^-4); M 31 bits (<= 2^31); p * M 52 / 56 bits at
S = 2^-10 / 2^-12 (the model refuses scales that would pass 62); e16 15 (0..32767); sum
15 + ceil(log2 N); factor 18 (the row maximum alone makes sum >= 32767); y out_bits.

LayerNorm (paper Sec. 3.5 and Algorithm 4)
-----------------------------------------
Per row of n elements:

    mean   = round_half_even(sum(q) / n)          in_bits (+ log2 n for the sum)
    y      = q - mean                             in_bits + 1
    s      = smallest shift >= min_shift with var = sum(floor(y / 2^s)^2) < 2^max_bit
    std    = max(isqrt(var), 1) << s              isqrt: integer Newton iteration (intops)
    factor = floor(2^31 / std)                    32 bits unsigned
    out    = (y * factor) >> 1                    31 bits signed (|out| <= ~2^30)
    output scale sqrt(n) / 2^30, times gamma per channel; beta folded in as
    bias_int = floor((beta / gamma) / (sqrt(n) / 2^30)) added to out.

The shift is chosen per row (the smallest that keeps the squarer and accumulator inside
max_bit = 32 bits; the released code keeps one sticky shift for the whole tensor, which the
model reproduces with min_shift). Hardware: the candidate shifts are few (at most 8 for 16-bit
inputs and rows up to 4096), so one accumulator per candidate, or a second pass, finds it.
The paper's square root is exact integer arithmetic; the released code calls a float sqrt
(equal to the Newton result below 2^52 in float64, see the reference test). The Newton
iteration needs at most 6 updates below 2^32. A zero variance (all y zero) gives std = 1
instead of the released code's division by zero.
Widths: sum(q) in_bits + log2 n; mean in_bits; y in_bits + 1; y^2 and var 32 (unsigned, by the
shift); root 16; std 16 + s; factor 32 unsigned; y * factor in_bits + 32 (48 for 16-bit
inputs); out 32 signed (|out| <= about 2^30) plus the bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from models.intops import (as_real, check_bits, check_codes, check_rows, check_scale, div_half_even, dyadic,
                           isqrt_newton, masked_rows, quantize_symmetric, shift_right_half_even, signed_width,
                           unsigned_width)

SQRT2 = math.sqrt(2.0)
LN2 = math.log(2.0)
# Constants the released code uses where the paper writes sqrt(2) and ln 2.
RELEASED_SQRT2 = 1.4142
RELEASED_LN2 = 0.6931

# i-GELU erf polynomial, I-BERT Eq. 10.
ERF_A, ERF_B, ERF_C = -0.2888, -1.769, 1.0
# i-exp polynomial on (-ln2, 0], I-BERT Eq. 13: 0.3585 (p + 1.353)^2 + 0.344.
EXP_PAPER = (0.3585, 1.353, 0.344)
# The released code's polynomial for the same interval, expanded form a r^2 + b r + c.
EXP_RELEASED = (0.35815147, 0.96963238, 1.0)

IN_BITS_RANGE = (4, 20)
# Below this many erf codes per unit the GELU output is mostly quantisation noise; the released
# code's erf_shift = 14 reaches it at INT8 scales (it was tuned for 32-bit accumulator inputs).
MIN_ERF_CODES = 16
INT64_SAFE_BITS = 62

PolyForm = Literal["paper", "released"]


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# ----------------------------------------------------------------------------------- i-GELU

@dataclass(frozen=True)
class IntGelu:
    """i-GELU for inputs with scale `scale`; constants are derived once, forward() is integer-only."""

    scale: float
    in_bits: int = 8
    sqrt2: float = SQRT2
    erf_shift: int = 0
    b_int: int = field(init=False)
    c_int: int = field(init=False)
    one_int: int = field(init=False)
    erf_scale: float = field(init=False)
    out_scale: float = field(init=False)

    def __post_init__(self) -> None:
        check_scale(self.scale)
        check_bits(self.in_bits, *IN_BITS_RANGE, "in_bits")
        check_bits(self.erf_shift, 0, 40, "erf_shift")
        erf_in = self.scale / self.sqrt2
        b_int = math.floor(ERF_B / erf_in)
        c_int = math.floor((ERF_C / ERF_A) / erf_in ** 2)
        erf_scale = erf_in ** 2 * ERF_A * 2.0 ** self.erf_shift
        if -b_int < 1:
            raise ValueError(f"input scale {self.scale:g} is too coarse for i-GELU: the erf clip point "
                             f"-b/S' = {-ERF_B / erf_in:.3g} is below one code")
        if b_int * b_int + abs(c_int) >= 1 << INT64_SAFE_BITS:
            raise ValueError(f"input scale {self.scale:g} is too fine for the int64 i-GELU model")
        _set(self, "b_int", b_int)
        _set(self, "c_int", c_int)
        _set(self, "erf_scale", erf_scale)
        _set(self, "one_int", math.floor(1.0 / erf_scale))
        if -self.one_int < MIN_ERF_CODES:
            raise ValueError(f"erf_shift {self.erf_shift} leaves the erf {-self.one_int} code(s) per unit at "
                             f"scale {self.scale:g} (fewer than {MIN_ERF_CODES}): lower erf_shift")
        _set(self, "out_scale", -(self.scale * erf_scale / 2.0))
        widest = max(self.widths().values())
        if widest > INT64_SAFE_BITS:
            raise ValueError(f"i-GELU intermediates need {widest} bits at scale {self.scale:g}; "
                             f"the int64 model supports {INT64_SAFE_BITS}")

    def trace(self, q: np.ndarray) -> dict[str, np.ndarray]:
        """Every intermediate of the datapath, named as in the module docstring."""
        q = check_codes(q, self.in_bits, "i-GELU input")
        clipped = np.minimum(np.abs(q), -self.b_int)
        p = (clipped + self.b_int) ** 2 + self.c_int
        e = (np.sign(q) * p) >> self.erf_shift
        out = -(q * (e + self.one_int))
        return {"p": p, "e": e, "sum": e + self.one_int, "out": out}

    def forward(self, q: np.ndarray) -> np.ndarray:
        return self.trace(q)["out"]

    def widths(self) -> dict[str, int]:
        """Signed widths of the intermediates over every input code (exhaustive: in_bits <= 20)."""
        codes = np.arange(-(1 << (self.in_bits - 1)), 1 << (self.in_bits - 1), dtype=np.int64)
        clipped = np.minimum(np.abs(codes), -self.b_int)
        p = (clipped + self.b_int) ** 2 + self.c_int
        e = (np.sign(codes) * p) >> self.erf_shift
        # Bound the product from its factors first so the int64 evaluation below cannot wrap.
        if signed_width(codes) + signed_width(e + self.one_int) > INT64_SAFE_BITS:
            return {"p": signed_width(p), "e": signed_width(e),
                    "out": signed_width(codes) + signed_width(e + self.one_int)}
        return {"p": signed_width(p), "e": signed_width(e), "out": signed_width(codes * (e + self.one_int))}


def i_gelu(q: np.ndarray, scale: float, *, in_bits: int = 8, sqrt2: float = SQRT2,
           erf_shift: int = 0) -> tuple[np.ndarray, float]:
    """i-GELU on integer codes: (output codes, output scale)."""
    model = IntGelu(scale, in_bits, sqrt2, erf_shift)
    return model.forward(q), model.out_scale


def gelu(x: np.ndarray, scale: float, *, in_bits: int = 8, sqrt2: float = SQRT2,
         erf_shift: int = 0) -> np.ndarray:
    """Float convenience wrapper: quantize x with `scale`, run i-GELU, dequantize."""
    model = IntGelu(scale, in_bits, sqrt2, erf_shift)
    return model.forward(quantize_symmetric(x, scale, in_bits)) * model.out_scale


# --------------------------------------------------------------------------- i-exp, Softmax

@dataclass(frozen=True)
class IntSoftmax:
    """i-exp + integer Softmax over the last axis, for inputs with scale `scale`.

    requant_ratio: e16 codes per wide-exp code; None picks the static ratio that maps the row
    maximum's exp to the top exp_bits code.
    """

    scale: float
    in_bits: int = 8
    out_bits: int = 8
    exp_bits: int = 16
    poly: PolyForm = "paper"
    ln2: float = LN2
    exp_shift: int = 30
    max_q: int = 30
    max_bit: int = 32
    requant_ratio: float | None = None
    x0_int: int = field(init=False)
    b_int: int = field(init=False)
    c_int: int = field(init=False)
    exp_scale: float = field(init=False)
    mult: int = field(init=False)
    mult_shift: int = field(init=False)
    out_scale: float = field(init=False)

    def __post_init__(self) -> None:
        s = check_scale(self.scale)
        check_bits(self.in_bits, *IN_BITS_RANGE, "in_bits")
        check_bits(self.exp_bits, 4, 31, "exp_bits")
        check_bits(self.max_bit, 8, 48, "max_bit")
        check_bits(self.out_bits, 1, self.max_bit, "out_bits")
        check_bits(self.exp_shift, 0, 40, "exp_shift")
        check_bits(self.max_q, 1, 62, "max_q")
        x0_int = math.floor(-self.ln2 / s)
        if self.ln2 / s < 1:
            raise ValueError(f"input scale {s:g} is too coarse for i-exp: ln2 / S = {self.ln2 / s:.3g} < 1 code")
        if self.poly == "paper":
            a, b, c = EXP_PAPER
            b_int = math.floor(b / s)
            c_int = math.floor(c / (a * s ** 2))
        elif self.poly == "released":
            a, b, c = EXP_RELEASED
            b_int = math.floor((b / a) / s)
            c_int = math.floor((c / a) / s ** 2)
        else:
            raise ValueError(f"poly must be 'paper' or 'released', got {self.poly!r}")
        _set(self, "x0_int", x0_int)
        _set(self, "b_int", b_int)
        _set(self, "c_int", c_int)
        _set(self, "exp_scale", a * s ** 2 / 2.0 ** self.exp_shift)
        r = np.arange(x0_int + 1, 1, dtype=np.int64)
        p = self._poly(r)
        if int(p.min()) <= 0:
            raise ValueError(f"the exp polynomial is not positive on the reduced range at scale {s:g}")
        p0 = int(self._poly(np.zeros(1, dtype=np.int64))[0])
        ratio = self.requant_ratio
        if ratio is None:
            ratio = ((1 << (self.exp_bits - 1)) - 1) / (p0 * 2.0 ** self.exp_shift)
        mult, mult_shift = dyadic(check_scale(ratio, "requant_ratio"))
        _set(self, "mult", mult)
        _set(self, "mult_shift", mult_shift)
        if mult_shift < self.exp_shift:
            raise ValueError(f"requant_ratio {ratio:g} would shift exps left; the model expects a ratio "
                             f"below 2^-{self.exp_shift}")
        if unsigned_width(p) + unsigned_width(np.array([mult])) > INT64_SAFE_BITS:
            raise ValueError(f"p * M needs more than {INT64_SAFE_BITS} bits at scale {s:g}")
        top = self._requant(np.array([p0]), np.zeros(1, dtype=np.int64))[0]
        if top < 1:
            raise ValueError(f"requant_ratio {ratio:g} maps the largest exp to code {top}: every sum would be 0")
        _set(self, "out_scale", 2.0 ** -self.out_bits)

    def _poly(self, r: np.ndarray) -> np.ndarray:
        if self.poly == "paper":
            return (r + self.b_int) ** 2 + self.c_int
        return (r + self.b_int) * r + self.c_int

    def _requant(self, p: np.ndarray, z: np.ndarray) -> np.ndarray:
        # p << (exp_shift - z) times M / 2^E == p * M / 2^(E + z - exp_shift), exactly.
        shift = np.minimum(self.mult_shift + z - self.exp_shift, INT64_SAFE_BITS)
        e16 = shift_right_half_even(p * self.mult, shift)
        return np.clip(e16, -(1 << (self.exp_bits - 1)), (1 << (self.exp_bits - 1)) - 1)

    def trace(self, q: np.ndarray, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every intermediate over rows on the last axis; elements where `mask` is False are left
        out of their row (e16 = 0, output 0; see intops.masked_rows)."""
        q = check_codes(q, self.in_bits, "i-softmax input")
        check_rows(q, "i-softmax input")
        q, keep = masked_rows(q, mask, "i-softmax input")
        d = np.maximum(q - q.max(axis=-1, keepdims=True), self.max_q * self.x0_int)
        z = d // self.x0_int
        r = d - z * self.x0_int
        p = self._poly(r)
        e16 = np.where(keep, self._requant(p, z), 0)
        total = e16.sum(axis=-1, keepdims=True)
        # A row with nothing kept has a zero sum: its factor is never used (every e16 is 0).
        factor = (1 << self.max_bit) // np.maximum(total, 1)
        out = (e16 * factor) >> (self.max_bit - self.out_bits)
        return {"d": d, "z": z, "r": r, "p": p, "e16": e16, "sum": total, "factor": factor, "out": out}

    def forward(self, q: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.trace(q, mask)["out"]

    def exp(self, d: np.ndarray) -> np.ndarray:
        """Requantised i-exp codes (scale exp_scale / requant ratio) of max-subtracted codes d <= 0."""
        d = np.maximum(np.asarray(d, dtype=np.int64), self.max_q * self.x0_int)
        if (d > 0).any():
            raise ValueError("i-exp input must be <= 0 (max-subtracted)")
        z = d // self.x0_int
        return self._requant(self._poly(d - z * self.x0_int), z)


def i_softmax(q: np.ndarray, scale: float, *, in_bits: int = 8, out_bits: int = 8, exp_bits: int = 16,
              poly: PolyForm = "paper", ln2: float = LN2, exp_shift: int = 30, max_q: int = 30,
              max_bit: int = 32, requant_ratio: float | None = None) -> tuple[np.ndarray, float]:
    """Softmax over the last axis on integer codes: (output codes, scale 2^-out_bits)."""
    model = IntSoftmax(scale, in_bits, out_bits, exp_bits, poly, ln2, exp_shift, max_q, max_bit, requant_ratio)
    return model.forward(q), model.out_scale


def softmax(x: np.ndarray, scale: float, *, in_bits: int = 8, out_bits: int = 8, exp_bits: int = 16,
            poly: PolyForm = "paper", ln2: float = LN2, exp_shift: int = 30, max_q: int = 30,
            max_bit: int = 32, requant_ratio: float | None = None) -> np.ndarray:
    """Float convenience wrapper: softmax over the last axis through the integer model."""
    model = IntSoftmax(scale, in_bits, out_bits, exp_bits, poly, ln2, exp_shift, max_q, max_bit, requant_ratio)
    return model.forward(quantize_symmetric(x, scale, in_bits)) * model.out_scale


# ------------------------------------------------------------------------------- LayerNorm

OUT_FRAC_LN = 30  # the normalised value is y * floor(2^31 / std) / 2: 2^30 per unit of y/std


@dataclass(frozen=True)
class IntLayerNorm:
    """Integer LayerNorm over the last axis (no affine; see fold_affine / i_layernorm)."""

    in_bits: int = 8
    max_bit: int = 32
    min_shift: int = 0

    def __post_init__(self) -> None:
        check_bits(self.in_bits, *IN_BITS_RANGE, "in_bits")
        check_bits(self.max_bit, 8, 40, "max_bit")
        check_bits(self.min_shift, 0, 40, "min_shift")

    @staticmethod
    def base_scale(n: int) -> float:
        """Output scale of the normalised codes for rows of n elements: sqrt(n) / 2^30."""
        return math.sqrt(n) / 2.0 ** OUT_FRAC_LN

    def trace(self, q: np.ndarray) -> dict[str, np.ndarray]:
        q = check_codes(q, self.in_bits, "layernorm input")
        check_rows(q, "layernorm input")
        n = q.shape[-1]
        if n > 1 << 20:
            raise ValueError(f"layernorm rows of {n} elements exceed the model's 2^20 limit")
        mean = div_half_even(q.sum(axis=-1, keepdims=True), n)
        y = q - mean
        # Candidate shifts up to the one that fits even the largest possible sum of squares.
        worst = 2 * (self.in_bits + 1) + int(n - 1).bit_length()
        top = max(self.min_shift, (worst - self.max_bit + 1) // 2 + 1)
        shifts = np.arange(self.min_shift, top + 1, dtype=np.int64)
        ys = y[None, ...] >> shifts.reshape((-1,) + (1,) * y.ndim)
        variances = (ys * ys).sum(axis=-1, keepdims=True)          # (candidates, ..., 1)
        fits = variances < (1 << self.max_bit)
        assert fits[-1].all(), "the largest candidate shift must always fit"
        pick = np.argmax(fits, axis=0)                              # first candidate that fits
        var = np.take_along_axis(variances, pick[None, ...], axis=0)[0]
        shift = shifts[pick]
        root, _ = isqrt_newton(var)
        std = np.maximum(root, 1) << shift
        factor = (np.int64(1) << 31) // std
        out = (y * factor) >> 1
        return {"mean": mean, "y": y, "shift": shift, "var": var, "root": root, "std": std,
                "factor": factor, "out": out}

    def forward(self, q: np.ndarray) -> np.ndarray:
        return self.trace(q)["out"]


def fold_affine(gamma: np.ndarray, beta: np.ndarray, n: int,
                base_scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """I-BERT's affine folding: (bias_int, per-channel output scale).

    out_real = (codes + bias_int) * base * gamma with bias_int = floor((beta / gamma) / base),
    base = sqrt(n) / 2^30 unless given. gamma must be non-zero (beta / gamma).
    """
    g = as_real(gamma, "gamma")
    b = as_real(beta, "beta")
    if g.shape != (n,) or b.shape != (n,):
        raise ValueError(f"gamma and beta must have shape ({n},) to match the last axis, got {g.shape} and {b.shape}")
    if (g == 0).any():
        raise ValueError("I-BERT folds beta / gamma into an integer bias: gamma must be non-zero")
    base = IntLayerNorm.base_scale(n) if base_scale is None else check_scale(base_scale, "base_scale")
    return np.floor((b / g) / base).astype(np.int64), base * g


def i_layernorm(q: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None, *,
                in_bits: int = 8, min_shift: int = 0, max_bit: int = 32,
                base_scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """LayerNorm over the last axis on integer codes: (codes, per-channel output scale).

    The input scale cancels in the normalisation, so it is not an argument. gamma/beta default
    to 1 and 0.
    """
    model = IntLayerNorm(in_bits, max_bit, min_shift)
    out = model.forward(q)
    n = out.shape[-1]
    gamma = np.ones(n) if gamma is None else gamma
    beta = np.zeros(n) if beta is None else beta
    bias_int, channel_scale = fold_affine(gamma, beta, n, base_scale)
    return out + bias_int, channel_scale


def layer_norm(x: np.ndarray, scale: float, gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
               *, in_bits: int = 8, min_shift: int = 0, max_bit: int = 32) -> np.ndarray:
    """Float convenience wrapper: quantize x with `scale`, integer LayerNorm over the last axis,
    dequantize."""
    q = quantize_symmetric(x, scale, in_bits)
    codes, channel_scale = i_layernorm(q, gamma, beta, in_bits=in_bits, min_shift=min_shift, max_bit=max_bit)
    return codes * channel_scale


__all__ = ["IntGelu", "IntSoftmax", "IntLayerNorm", "i_gelu", "i_softmax", "i_layernorm", "gelu", "softmax",
           "layer_norm", "fold_affine", "SQRT2", "LN2", "RELEASED_SQRT2", "RELEASED_LN2", "EXP_PAPER",
           "EXP_RELEASED", "ERF_A", "ERF_B", "ERF_C"]
