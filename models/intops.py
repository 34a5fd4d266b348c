"""Integer primitives shared by the bit-accurate baseline models (models/ibert.py, models/sole.py).

Every function here is a hardware building block with an exact integer definition, vectorised
over numpy int64 arrays: a leading-one detector, rounding right shifts, a rounded divider, the
integer Newton square root, and the dyadic (multiplier, shift) form of a real ratio that
integer-only pipelines use in place of a float multiply (I-BERT, Kim et al. 2021, Sec. 3.1).
Quantizers for the float convenience wrappers live here too, so both model files quantize the
same way.
"""

from __future__ import annotations

import math

import numpy as np

from models.fixedpoint import FixedFormat

# 2^0 .. 2^62: bit_length counts how many of these are <= v.
_POW2 = np.left_shift(np.int64(1), np.arange(63, dtype=np.int64))


def bit_length(v: np.ndarray) -> np.ndarray:
    """Bits needed for non-negative integers (0 -> 0, 1 -> 1, 255 -> 8): a leading-one detector."""
    v = np.asarray(v, dtype=np.int64)
    if (v < 0).any():
        raise ValueError("bit_length: negative input")
    return np.searchsorted(_POW2, v, side="right").astype(np.int64)


def signed_width(v: np.ndarray) -> int:
    """Two's complement width that holds every value of v (at least 1)."""
    v = np.asarray(v, dtype=np.int64)
    if v.size == 0:
        return 1
    # A non-negative h needs bit_length(h) + 1 bits; a negative l needs bit_length(-l - 1) + 1.
    magnitudes = np.array([max(int(v.max()), 0), max(-int(v.min()) - 1, 0)], dtype=np.int64)
    return 1 + int(bit_length(magnitudes).max())


def unsigned_width(v: np.ndarray) -> int:
    v = np.asarray(v, dtype=np.int64)
    return max(1, int(bit_length(np.array([int(v.max()) if v.size else 0]))[0]))


def shift_right_half_even(v: np.ndarray, sh: np.ndarray | int) -> np.ndarray:
    """round(v / 2^sh), ties to even, for sh >= 0 (sh = 0 returns v)."""
    v = np.asarray(v, dtype=np.int64)
    sh = np.broadcast_to(np.asarray(sh, dtype=np.int64), v.shape)
    if (sh < 0).any() or (sh > 62).any():
        raise ValueError("shift_right_half_even: shift outside [0, 62]")
    q = v >> sh
    rem = v - (q << sh)
    # For sh = 0 there is no dropped part: force "below half" so nothing rounds.
    half = np.where(sh > 0, np.left_shift(np.int64(1), np.maximum(sh - 1, 0)), 1)
    up = (rem > half) | ((rem == half) & (sh > 0) & ((q & 1) == 1))
    return q + up


def shift_right_half_up(v: np.ndarray, sh: np.ndarray | int) -> np.ndarray:
    """floor(v / 2^sh + 1/2) for sh >= 0: add half an output LSB, then an arithmetic shift."""
    v = np.asarray(v, dtype=np.int64)
    sh = np.broadcast_to(np.asarray(sh, dtype=np.int64), v.shape)
    if (sh < 0).any() or (sh > 62).any():
        raise ValueError("shift_right_half_up: shift outside [0, 62]")
    half = np.where(sh > 0, np.left_shift(np.int64(1), np.maximum(sh - 1, 0)), 0)
    return (v + half) >> sh


def div_half_even(num: np.ndarray, den: int) -> np.ndarray:
    """round(num / den), ties to even, for a positive integer constant den."""
    num = np.asarray(num, dtype=np.int64)
    if den <= 0:
        raise ValueError(f"div_half_even: divisor must be positive, got {den}")
    q = num // den
    twice_rem = 2 * (num - q * den)
    up = (twice_rem > den) | ((twice_rem == den) & ((q & 1) == 1))
    return q + up


def div_half_up(num: np.ndarray, den: int) -> np.ndarray:
    """floor(num / den + 1/2) for a positive integer constant den."""
    num = np.asarray(num, dtype=np.int64)
    if den <= 0:
        raise ValueError(f"div_half_up: divisor must be positive, got {den}")
    return (2 * num + den) // (2 * den)


# The Newton iteration from an over-estimate decreases strictly until it reaches floor(sqrt(n));
# from 2^ceil(bits/2) that takes at most 6 steps below 2^62 (measured; the limit only guards).
_ISQRT_MAX_ITER = 64


def isqrt_newton(n: np.ndarray) -> tuple[np.ndarray, int]:
    """floor(sqrt(n)) by I-BERT's integer Newton iteration (Kim et al. 2021, Algorithm 4, after
    Crandall and Pomerance): x0 = 2^ceil(bits(n)/2), x_{i+1} = floor((x_i + floor(n / x_i)) / 2),
    stop when x_{i+1} >= x_i and return x_i.

    Returns the roots and the largest number of updates any element needed (the iteration count
    a sequential hardware kernel must budget).
    """
    n = np.asarray(n, dtype=np.int64)
    if (n < 0).any():
        raise ValueError("isqrt_newton: negative input")
    x = np.left_shift(np.int64(1), (bit_length(n) + 1) >> 1)
    active = n > 0
    updates = 0
    for _ in range(_ISQRT_MAX_ITER):
        if not active.any():
            break
        safe_x = np.where(active, x, 1)
        nxt = (safe_x + n // safe_x) >> 1
        step = active & (nxt < x)
        if step.any():
            updates += 1
        x = np.where(step, nxt, x)
        active = step
    else:  # pragma: no cover - the bound above is far beyond the proven convergence
        raise RuntimeError("isqrt_newton did not converge")
    return np.where(n == 0, 0, x), updates


def dyadic(ratio: float, mant_bits: int = 31) -> tuple[int, int]:
    """(M, E) with M / 2^E ~ ratio, M an unsigned integer of at most mant_bits + 1 bits (the mantissa
    rounded half up to mant_bits bits after the binary point, as I-BERT's dyadic requantisation)."""
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError(f"dyadic: ratio must be positive and finite, got {ratio}")
    mant, exp = math.frexp(ratio)  # ratio = mant * 2^exp, mant in [0.5, 1)
    m = math.floor(mant * 2.0 ** mant_bits + 0.5)
    return m, mant_bits - exp


def check_codes(q: np.ndarray, bits: int, what: str) -> np.ndarray:
    """Signed `bits`-bit integer codes as int64, or ValueError naming `what`."""
    return FixedFormat(bits, 0).check_codes(q, what)


def check_scale(scale: float, what: str = "scale") -> float:
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a real number, got {scale!r}") from None
    if not math.isfinite(s) or s <= 0.0:
        raise ValueError(f"{what} must be positive and finite, got {scale!r}")
    return s


def check_bits(bits: int, lo: int, hi: int, what: str) -> int:
    if not isinstance(bits, (int, np.integer)) or isinstance(bits, bool) or not lo <= bits <= hi:
        raise ValueError(f"{what} must be an integer in [{lo}, {hi}], got {bits!r}")
    return int(bits)


def masked_rows(q: np.ndarray, mask: np.ndarray | None, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Row codes with some elements left out (mask False: a masked key, the padding of a short
    row), as the Softmax units take them: returns (codes, keep) where every left-out element is
    replaced by its row's largest kept code (so it computes like the maximum and harms nothing;
    the caller zeroes its exp and output), and keep is the boolean mask (all True for None). A
    row with no kept element keeps its codes; the caller's zeroed exps make it output 0."""
    if mask is None:
        return q, np.ones(q.shape, dtype=bool)
    keep = np.asarray(mask)
    if keep.shape != q.shape or keep.dtype != bool:
        raise ValueError(f"{what}: the mask must be a bool array of the codes' shape {q.shape}, got "
                         f"{keep.dtype} {keep.shape}")
    low = np.iinfo(np.int64).min
    row_max = np.where(keep, q, low).max(axis=-1, keepdims=True)
    return np.where(keep, q, np.where(row_max == low, q, row_max)), keep


def check_rows(q: np.ndarray, what: str) -> None:
    """Row operations (softmax, layer norm) need at least one axis and a non-empty last axis."""
    if q.ndim == 0:
        raise ValueError(f"{what}: expected an array with a last axis to normalise over, got a scalar")
    if q.shape[-1] == 0:
        raise ValueError(f"{what}: the last axis is empty (shape {q.shape})")


def as_real(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "iuf":
        raise ValueError(f"{what}: expected real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise ValueError(f"{what}: {int((~np.isfinite(x)).sum())} non-finite value(s) (NaN or inf)")
    return x


def quantize_symmetric(x: np.ndarray, scale: float, bits: int) -> np.ndarray:
    """Codes round(x / scale), ties to even, saturated to the signed `bits`-bit range.

    The full two's complement range is used; I-BERT's released quantizer clamps one code short
    on each side, which only matters for values at the very ends of the range.
    """
    x = as_real(x, "quantize_symmetric")
    s = check_scale(scale)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(np.rint(x / s), lo, hi).astype(np.int64)


def symmetric_scale(x: np.ndarray, bits: int) -> float:
    """max|x| / (2^(bits-1) - 1): the per-tensor min/max calibration I-BERT uses."""
    x = as_real(x, "symmetric_scale")
    peak = float(np.abs(x).max()) if x.size else 0.0
    return max(peak, 1e-8) / ((1 << (bits - 1)) - 1)


__all__ = ["bit_length", "signed_width", "unsigned_width", "shift_right_half_even", "shift_right_half_up",
           "div_half_even", "div_half_up", "isqrt_newton", "dyadic", "check_codes", "check_scale",
           "check_bits", "check_rows", "as_real", "quantize_symmetric", "symmetric_scale"]
