"""The baseline models (models/ibert.py, models/sole.py) on their own: accuracy against the float64
references in the ballpark the papers and the design notes give, refusal of bad input with a
clear message, and scalar re-statements of the datapaths (Python integers, one element at a
time, written from the module docstrings) checked against the vectorised models.

Accuracy is measured against the reference evaluated at the quantized input values (the code
values), so the figures are the datapath's own error, not the input quantization's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import torch

from models import ibert, sole
from models.intops import isqrt_newton, quantize_symmetric, symmetric_scale
from models.reference import gelu as gelu_ref
from models.reference import layer_norm as layer_norm_ref
from models.reference import softmax as softmax_ref

CHANNELS = 768


def attention_logits(rng: np.random.Generator, heads: int = 8, length: int = 128, dim: int = 64) -> np.ndarray:
    """Scaled dot products of Gaussian queries and keys, with per-head temperature."""
    qk_scale = rng.uniform(0.6, 1.6, (2, heads, 1, 1))
    queries = rng.normal(0.0, 1.0, (heads, length, dim)) * qk_scale[0]
    keys = rng.normal(0.0, 1.0, (heads, length, dim)) * qk_scale[1]
    return queries @ keys.transpose(0, 2, 1) / math.sqrt(dim)


def layernorm_rows(rng: np.random.Generator, rows: int, outliers: bool) -> np.ndarray:
    x = rng.normal(0.0, 1.0, (rows, CHANNELS)) * rng.uniform(0.5, 2.0, (rows, 1)) + rng.normal(0.0, 0.5, (rows, 1))
    if outliers:  # a few channels with large gain and offset, as in Transformer LayerNorm inputs
        ch = rng.choice(CHANNELS, 6, replace=False)
        x[:, ch] = x[:, ch] * rng.uniform(10, 40, 6) + rng.uniform(-60, 60, 6)
    return x


def affine(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.5, 1.5, CHANNELS), rng.normal(0.0, 0.2, CHANNELS)


# ------------------------------------------------------------------------------- accuracy

def test_igelu_error_is_the_polynomial_error() -> None:
    # The erf polynomial in float (I-BERT Eq. 10) is about 1.8e-2 from GELU on [-8, 8]; the
    # integer datapath adds almost nothing at 16 bits and little at INT8.
    x = np.linspace(-8, 8, 200001)
    z = x / math.sqrt(2)
    erf_poly = np.sign(z) * (-0.2888 * (np.minimum(np.abs(z), 1.769) - 1.769) ** 2 + 1)
    float_form = np.abs(x / 2 * (1 + erf_poly) - gelu_ref(x)).max()
    assert 0.0175 < float_form < 0.0190
    for bits, scale in [(16, 2.0 ** -12), (8, 8 / 127)]:
        q = np.arange(-(1 << (bits - 1)), 1 << (bits - 1), dtype=np.int64)
        q = q[np.abs(q * scale) <= 8]
        codes, out_scale = ibert.i_gelu(q, scale, in_bits=bits)
        err = np.abs(codes * out_scale - gelu_ref(q * scale)).max()
        assert abs(err - float_form) < 5e-4, (bits, err, float_form)


def test_igelu_refuses_a_shift_that_erases_the_erf() -> None:
    # The released code's 14-bit shift leaves a single erf code at INT8 scales.
    with pytest.raises(ValueError, match="erf_shift 14"):
        ibert.IntGelu(8 / 127, 8, erf_shift=14)
    assert ibert.IntGelu(2.0 ** -12, 16, erf_shift=14).widths()["out"] == 30


def test_isoftmax_accuracy_on_attention_rows() -> None:
    rng = np.random.default_rng(11)
    x = attention_logits(rng)
    scale = 2.0 ** -10
    q = quantize_symmetric(x, scale, 16)
    y = ibert.softmax(x, scale, in_bits=16)
    err = np.abs(y - softmax_ref(q * scale))
    # Output floor to 8 bits (up to 2^-8) plus the polynomial's error.
    assert err.max() < 6e-3 and err.mean() < 2.5e-3
    row_sum = y.sum(axis=-1)
    assert (row_sum <= 1.0).all() and (row_sum >= 1.0 - x.shape[-1] * 2.0 ** -8).all()
    # INT8 at S = 2^-4: x0_int = floor(-ln2 / S) stands for -0.75, so every power of two in the
    # range reduction is off by 8%; I-BERT feeds Softmax its finer 32-bit accumulator scale.
    q8 = quantize_symmetric(x, 2.0 ** -4, 8)
    assert ibert.IntSoftmax(2.0 ** -4, 8).x0_int * 2.0 ** -4 == -0.75
    err8 = np.abs(ibert.softmax(x, 2.0 ** -4, in_bits=8) - softmax_ref(q8 * 2.0 ** -4))
    assert 2 * err.max() < err8.max() < 0.1


def test_isoftmax_one_hot_rows_stay_below_one() -> None:
    # Default requantisation: the row maximum's exp is 32767 (odd), so a single element gets
    # floor(32767 * floor(2^32 / 32767) / 2^24) = 255, and 8 output bits suffice.
    model = ibert.IntSoftmax(2.0 ** -10, 16)
    q = np.full((3, 5), -32768, dtype=np.int64)
    q[:, 2] = 32767
    trace = model.trace(q)
    assert (trace["e16"][:, 2] == 32767).all() and (trace["out"][:, 2] == 255).all()
    assert (model.forward(q[:, :1]) == 255).all()


@pytest.mark.parametrize("outliers,bits,max_err,mean_err", [
    (False, 16, 1.5e-3, 2e-4),
    (True, 16, 5e-3, 1e-3),
    (False, 8, 0.15, 0.03),
    # Per-tensor INT8 codes on outlier rows leave ordinary channels about one code wide, and
    # I-BERT rounds the mean to a whole code: up to 0.5 code, i.e. a large fraction of a std.
    (True, 8, 1.5, 0.15),
])
def test_ilayernorm_accuracy(outliers: bool, bits: int, max_err: float, mean_err: float) -> None:
    rng = np.random.default_rng(21)
    x = layernorm_rows(rng, 128, outliers)
    gamma, beta = affine(rng)
    scale = symmetric_scale(x, bits)
    q = quantize_symmetric(x, scale, bits)
    err = np.abs(ibert.layer_norm(x, scale, gamma, beta, in_bits=bits) - layer_norm_ref(q * scale, gamma, beta))
    assert err.max() < max_err and err.mean() < mean_err, (err.max(), err.mean())


@pytest.mark.parametrize("bits,frac", [(16, 10), (8, 4)])
def test_e2softmax_accuracy_on_attention_rows(bits: int, frac: int) -> None:
    rng = np.random.default_rng(31)
    x = attention_logits(rng)
    scale = 2.0 ** -frac
    expected = softmax_ref(quantize_symmetric(x, scale, bits) * scale)
    floor_err = np.abs(sole.e2softmax(x, scale, in_bits=bits) - expected)
    nearest_err = np.abs(sole.e2softmax(x, scale, in_bits=bits, code_round="nearest") - expected)
    # A 4-bit log2 code is exp(x) to within a factor 2 (floor) or sqrt 2 (nearest): large
    # worst cases by design, small on average.
    assert floor_err.max() < 0.15 and floor_err.mean() < 3e-3
    assert nearest_err.max() < 0.09 and nearest_err.mean() < 2.5e-3
    assert nearest_err.max() < 0.8 * floor_err.max()


@pytest.mark.parametrize("mant_bits,corr_bits", [(4, -1), (4, 0), (5, 3), (8, 3), (3, 3)])
def test_e2softmax_divider_within_its_bound(mant_bits: int, corr_bits: int) -> None:
    """Against exact division of the same log2 codes: only the divider's error and the output
    rounding remain."""
    rng = np.random.default_rng(mant_bits * 10 + corr_bits)
    model = sole.E2Softmax(2.0 ** -6, 12, mant_bits=mant_bits, corr_bits=corr_bits)
    q = rng.integers(-2048, 2048, (400, 37)) >> rng.integers(0, 6, (400, 1))
    trace = model.trace(q)
    powers = 2.0 ** -trace["k"]
    exact = powers / powers.sum(axis=-1, keepdims=True)
    bound = exact * model.divider_error() + 2.0 ** -(model.out_frac + 1) + 1e-12
    assert (np.abs(trace["out"] * model.out_scale - exact) <= bound).all()
    if corr_bits < 0:
        assert model.divider_error() > 0.125  # Mitchell's chord 1 - f/2 peaks at +12.5%
    else:
        plain = sole.E2Softmax(2.0 ** -6, 12, mant_bits=mant_bits, corr_bits=-1)
        assert model.divider_error() < 0.6 * plain.divider_error()


@pytest.mark.parametrize("outliers,compress_bits,max_err,mean_err,rel_err", [
    (False, 4, 0.08, 4e-3, 2.0 ** -4),
    (False, 8, 4e-3, 6e-4, 1e-3),      # exact squares: what remains is rounding of the statistics
    # Outlier rows: the few large channels dominate the variance, so their compression errors
    # do not average out; normalised outputs reach |z| ~ 26, so absolute errors exceed 1.
    (True, 4, 1.6, 6e-3, 2.0 ** -4),
    (True, 8, 0.015, 6e-4, 1e-3),
])
def test_ailayernorm_accuracy(outliers: bool, compress_bits: int, max_err: float, mean_err: float,
                              rel_err: float) -> None:
    rng = np.random.default_rng(41)
    x = layernorm_rows(rng, 128, outliers)
    gamma, beta = affine(rng)
    scale, alpha = sole.ptf_calibrate(x)
    q = sole.ptf_quantize(x, scale, alpha)
    expected = layer_norm_ref((q << alpha) * scale, gamma, beta)
    model = sole.AILayerNorm(compress_bits=compress_bits)
    y = sole.ai_layer_norm(x, gamma, beta, scale=scale, alpha=alpha, model=model)
    err = np.abs(y - expected)
    assert err.max() < max_err and err.mean() < mean_err, (err.max(), err.mean())
    # Relative to the normalised value: compression moves each |q| by at most 2^-4, so the
    # std (a root of a mean of squares) moves by about as much, and z = (x - mu) / std with it.
    z_model = (y - beta) / gamma
    z_ref = (expected - beta) / gamma
    assert (np.abs(z_model - z_ref) <= rel_err * np.abs(z_ref) + 0.02).all()


def test_ptf_calibration_gives_outlier_channels_larger_factors() -> None:
    rng = np.random.default_rng(51)
    x = layernorm_rows(rng, 64, outliers=False)
    x[:, :4] *= 8
    scale, alpha = sole.ptf_calibrate(x)
    assert (alpha[:4] == 3).all() and (alpha[4:] <= 1).all()
    q = sole.ptf_quantize(x, scale, alpha)
    # No channel clips, and the factor is the finest that avoids clipping.
    peak = np.abs(x).max(axis=0)
    assert (peak <= scale * 2.0 ** alpha * 127 * (1 + 1e-9)).all()
    assert (alpha == 0).all() or (peak[alpha > 0] > scale * 2.0 ** (alpha[alpha > 0] - 1) * 127).all()
    assert np.abs(q).max() <= 127


# ------------------------------------------------------------------------------ bad input

CODES = np.array([[1, -2, 3, 0]], dtype=np.int64)
BAD_INPUT: list[tuple[str, Callable[[], object], str]] = [
    ("float codes", lambda: ibert.i_gelu(np.array([0.5]), 0.1), "integer codes"),
    ("code out of range", lambda: ibert.i_gelu(np.array([200]), 0.1, in_bits=8), "outside"),
    ("zero scale", lambda: ibert.i_gelu(CODES, 0.0), "positive and finite"),
    ("NaN scale", lambda: ibert.i_softmax(CODES, float("nan")), "positive and finite"),
    ("in_bits too small", lambda: ibert.IntGelu(0.1, 3), "in_bits"),
    ("scalar softmax", lambda: ibert.i_softmax(np.int64(3), 0.1), "scalar"),
    ("empty row", lambda: ibert.i_softmax(np.zeros((2, 0), dtype=np.int64), 0.1), "empty"),
    ("coarse softmax scale", lambda: ibert.i_softmax(CODES, 1.0), "too coarse"),
    ("unknown polynomial", lambda: ibert.IntSoftmax(0.1, poly="cubic"), "poly"),  # type: ignore[arg-type]
    ("gamma shape", lambda: ibert.i_layernorm(CODES, gamma=np.ones(3)), r"shape \(4,\)"),
    ("zero gamma", lambda: ibert.i_layernorm(CODES, gamma=np.array([1.0, 0.0, 1.0, 1.0])), "non-zero"),
    ("NaN input", lambda: ibert.gelu(np.array([0.1, np.nan]), 0.1), "non-finite"),
    ("scalar layernorm", lambda: ibert.layer_norm(np.float64(1.0), 0.1), "scalar"),
    ("E2Softmax scale", lambda: sole.e2softmax(np.zeros((1, 4)), 0.1), "power-of-two"),
    ("E2Softmax coarse scale", lambda: sole.e2softmax(np.zeros((1, 4)), 4.0), "power-of-two"),
    ("E2Softmax corr_bits", lambda: sole.E2Softmax(2.0 ** -4, mant_bits=5, corr_bits=6), "corr_bits"),
    ("E2Softmax rounding", lambda: sole.E2Softmax(2.0 ** -4, code_round="up"), "code_round"),  # type: ignore[arg-type]
    ("E2Softmax codes", lambda: sole.e2softmax_int(np.array([[300]]), 2.0 ** -4), "outside"),
    ("alpha shape", lambda: sole.ai_layernorm(CODES, np.zeros(3, dtype=np.int64), 0.1), "alpha"),
    ("alpha range", lambda: sole.ai_layernorm(CODES, np.array([0, 1, 2, 5]), 0.1), r"\[0, 3\]"),
    ("alpha dtype", lambda: sole.ai_layernorm(CODES, np.zeros(4), 0.1), "integers"),
    ("ptf alpha shape", lambda: sole.ptf_quantize(np.zeros((2, 4)), 0.1, np.zeros(5, dtype=np.int64)), "alpha"),
    ("compress_bits", lambda: sole.AILayerNorm(compress_bits=9), "compress_bits"),
    ("AILayerNorm inf", lambda: sole.ai_layer_norm(np.array([[np.inf, 1.0]])), "non-finite"),
    ("AILayerNorm gamma", lambda: sole.ai_layernorm(CODES, np.zeros(4, dtype=np.int64), 0.1,
                                                    gamma=np.zeros(4)), "non-zero"),
]


@pytest.mark.parametrize("case,call,message", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_refused(case: str, call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# ------------------------------------------------------------------- scalar re-statements

def rounded_half_even(num: int, den: int) -> int:
    return round(Fraction(num, den))  # Fraction rounds half to even


def rounded_half_up(num: int, den: int) -> int:
    return math.floor(Fraction(num, den) + Fraction(1, 2))


def igelu_scalar(v: int, m: ibert.IntGelu) -> int:
    sign = (v > 0) - (v < 0)
    p = (min(abs(v), -m.b_int) + m.b_int) ** 2 + m.c_int
    e = math.floor(Fraction(sign * p, 2 ** m.erf_shift))
    return -(v * (e + m.one_int))


@pytest.mark.parametrize("bits,scale,erf_shift", [(8, 8 / 127, 0), (12, 3 * 2.0 ** -9, 0), (12, 2.0 ** -10, 5),
                                                   (16, 2.0 ** -12, 14)])
def test_igelu_matches_scalar_restatement(bits: int, scale: float, erf_shift: int) -> None:
    model = ibert.IntGelu(scale, bits, erf_shift=erf_shift)
    q = np.arange(-(1 << (bits - 1)), 1 << (bits - 1), 1 << max(0, bits - 12), dtype=np.int64)
    clip = -model.b_int  # around the erf's clip point, where the polynomial meets its saturation
    q = np.concatenate([q, np.arange(clip - 3, clip + 4), -np.arange(clip - 3, clip + 4)])
    q = q[np.abs(q) < (1 << (bits - 1))]
    got = model.forward(q)
    assert got.tolist() == [igelu_scalar(v, model) for v in q.tolist()]


def e2softmax_scalar(row: list[int], m: sole.E2Softmax) -> list[int]:
    top = max(row)
    codes = []
    for v in row:
        d = v - top
        t = d + (d >> 1) - (d >> 4)
        if m.code_round == "nearest" and m.frac > 0:
            t += 2 ** (m.frac - 1)
        codes.append(min(-math.floor(Fraction(t, 2 ** m.frac)), 2 ** m.code_bits - 1))
    acc = m.acc_frac
    total = sum(2 ** (acc - k) for k in codes if k <= acc)
    lead = total.bit_length() - 1
    w = lead - acc
    f = math.floor(Fraction(total * 2 ** m.mant_bits, 2 ** lead)) - 2 ** m.mant_bits
    slice_index = f >> (m.mant_bits - m.corr_bits) if m.corr_bits >= 0 else 0
    recip = 2 ** m.recip_frac - f * 2 ** (m.recip_frac - 1 - m.mant_bits) - int(m.corr[slice_index])
    return [rounded_half_up(recip, 2 ** (k + w + m.recip_frac - m.out_frac)) for k in codes]


@pytest.mark.parametrize("options", [
    {}, {"code_round": "nearest"}, {"corr_bits": -1}, {"mant_bits": 3, "corr_bits": 1, "sum_frac": 6},
    {"code_bits": 3, "out_frac": 10, "recip_frac": 12, "mant_bits": 8, "corr_bits": 4},
])
@pytest.mark.parametrize("bits,frac", [(8, 4), (8, 0), (16, 11)])
def test_e2softmax_matches_scalar_restatement(options: dict[str, object], bits: int, frac: int) -> None:
    rng = np.random.default_rng(bits + frac)
    model = sole.E2Softmax(2.0 ** -frac, bits, **options)  # type: ignore[arg-type]
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    for length in (1, 2, 5, 13):
        q = rng.integers(lo, hi + 1, (20, length)) >> rng.integers(0, bits, (20, 1))
        q[0] = hi  # a uniform row
        got = model.forward(q)
        for row, out in zip(q.tolist(), got.tolist()):
            assert out == e2softmax_scalar(row, model)


def isoftmax_scalar(row: list[int], m: ibert.IntSoftmax) -> list[int]:
    """Forms the wide exp p << (exp_shift - z) literally, then requantises it."""
    top = max(row)
    exps = []
    for v in row:
        d = max(v - top, m.max_q * m.x0_int)
        z = math.floor(Fraction(d, m.x0_int))
        r = d - z * m.x0_int
        p = (r + m.b_int) ** 2 + m.c_int if m.poly == "paper" else (r + m.b_int) * r + m.c_int
        wide = p * 2 ** (m.exp_shift - z)
        e16 = rounded_half_even(wide * m.mult, 2 ** m.mult_shift)
        exps.append(min(max(e16, -(2 ** (m.exp_bits - 1))), 2 ** (m.exp_bits - 1) - 1))
    factor = 2 ** m.max_bit // sum(exps)
    return [e * factor // 2 ** (m.max_bit - m.out_bits) for e in exps]


@pytest.mark.parametrize("bits,scale,options", [
    (16, 2.0 ** -10, {}), (16, 5 * 2.0 ** -13, {"poly": "released", "ln2": ibert.RELEASED_LN2}),
    (8, 3 * 2.0 ** -6, {"out_bits": 12}), (12, 2.0 ** -8, {"requant_ratio": 1e-12, "max_q": 12}),
])
def test_isoftmax_matches_scalar_restatement(bits: int, scale: float, options: dict[str, object]) -> None:
    rng = np.random.default_rng(bits)
    model = ibert.IntSoftmax(scale, bits, **options)  # type: ignore[arg-type]
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    q = rng.integers(lo, hi + 1, (30, 9)) >> rng.integers(0, bits, (30, 1))
    q[0, :] = lo
    q[0, 4] = hi
    for row, out in zip(q.tolist(), model.forward(q).tolist()):
        assert out == isoftmax_scalar(row, model)


def ilayernorm_scalar(row: list[int], m: ibert.IntLayerNorm) -> list[int]:
    """Uses math.isqrt, and finds the shift by trying shifts in turn."""
    mean = rounded_half_even(sum(row), len(row))
    y = [v - mean for v in row]
    shift = m.min_shift
    while sum((v >> shift) ** 2 for v in y) >= 2 ** m.max_bit:
        shift += 1
    std = max(math.isqrt(sum((v >> shift) ** 2 for v in y)), 1) * 2 ** shift
    factor = 2 ** 31 // std
    return [math.floor(Fraction(v * factor, 2)) for v in y]


@pytest.mark.parametrize("bits,min_shift,spread", [(8, 0, 1), (16, 0, 1), (16, 0, 40), (16, 2, 1), (12, 0, 0)])
def test_ilayernorm_matches_scalar_restatement(bits: int, min_shift: int, spread: int) -> None:
    rng = np.random.default_rng(bits + min_shift + spread)
    model = ibert.IntLayerNorm(bits, min_shift=min_shift)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    # spread 40: wide rows whose variance passes 2^32 and needs the dynamic shift;
    # spread 0: constant rows (zero variance).
    q = np.clip(rng.normal(0, (1 << (bits - 8)) * spread, (12, 300)), lo, hi).astype(np.int64)
    q[:, :3] = rng.integers(lo, hi + 1, (12, 3)) * (spread > 0)
    trace = model.trace(q)
    if spread == 40:
        assert (trace["shift"] > 0).any()
    for row, out in zip(q.tolist(), trace["out"].tolist()):
        assert out == ilayernorm_scalar(row, model)


def ailayernorm_scalar(row: list[int], alpha: list[int], m: sole.AILayerNorm, eps_int: int) -> list[int]:
    channels = len(row)
    x = [v * 2 ** a for v, a in zip(row, alpha)]
    s2 = 0
    for v, a in zip(row, alpha):
        mag = abs(v)
        e = max(mag.bit_length() - m.compress_bits, 0)
        mant = rounded_half_even(mag, 2 ** e)
        if mant == 2 ** m.compress_bits:
            mant, e = mant // 2, e + 1
        s2 += mant * mant * 4 ** (e + a)
    f = m.stat_frac
    mu = rounded_half_up(sum(x) * 2 ** f, channels)
    ex2 = rounded_half_up(s2 * 4 ** f, channels)
    var = max(ex2 - mu * mu, 0) + eps_int
    factor = 2 ** 30 // max(math.isqrt(var), 1)
    lo, hi = -(2 ** (m.out_bits - 1)), 2 ** (m.out_bits - 1) - 1
    return [min(max(rounded_half_up((xi * 2 ** f - mu) * factor, 2 ** (30 - m.out_frac)), lo), hi) for xi in x]


@pytest.mark.parametrize("options,eps_int", [({}, 0), ({"stat_frac": 2, "out_bits": 8, "out_frac": 4}, 3),
                                             ({"compress_bits": 3, "in_bits": 10, "ptf_max": 2}, 0)])
def test_ailayernorm_matches_scalar_restatement(options: dict[str, int], eps_int: int) -> None:
    rng = np.random.default_rng(len(options) + eps_int)
    model = sole.AILayerNorm(**options)
    lo, hi = -(1 << (model.in_bits - 1)), (1 << (model.in_bits - 1)) - 1
    q = rng.integers(lo, hi + 1, (10, 50)) >> rng.integers(0, model.in_bits, (10, 1))
    q[0] = lo
    alpha = rng.integers(0, model.ptf_max + 1, 50)
    for row, out in zip(q.tolist(), model.forward(q, alpha, eps_int).tolist()):
        assert out == ailayernorm_scalar(row, alpha.tolist(), model, eps_int)


def test_square_table_and_compression() -> None:
    model = sole.AILayerNorm()
    assert model.square_table.tolist() == [m * m for m in range(16)]
    mag = np.arange(0, 129)
    m, e = model.compress(mag)
    assert (m < 16).all() and ((m >= 8) | (e == 0)).all()
    assert (np.abs((m << e) - mag) <= mag / 16).all()  # at most 2^-4 relative
    assert ((m << e) == mag)[:16].all()                 # small magnitudes are exact


def test_isqrt_newton_exact() -> None:
    rng = np.random.default_rng(61)
    n = np.concatenate([np.arange(0, 5000), rng.integers(0, 1 << 62, 5000)])
    root, _ = isqrt_newton(n)
    assert all(int(r) == math.isqrt(int(v)) for r, v in zip(root[::7], n[::7]))
    # (root + 1)^2 stays below 2^63 for n < 2^62, so the bracket is checked without wrapping.
    assert ((root * root <= n) & ((root + 1) ** 2 > n)).all()


@pytest.mark.parametrize("make", [lambda: ibert.IntSoftmax(2.0 ** -11, 16),
                                  lambda: sole.E2Softmax(2.0 ** -11, 16)], ids=["i-softmax", "e2softmax"])
def test_masked_elements_are_left_out_of_their_row(make: Callable[[], Any]) -> None:
    """A masked element is not in its row: the kept ones get what the row of kept elements alone
    gets, the masked ones 0, and a row with nothing kept is all 0."""
    model = make()
    rng = np.random.default_rng(5)
    q = quantize_symmetric(attention_logits(rng)[0, :6, :24], 2.0 ** -11, 16)
    q[:, ::5] = (1 << 15) - 1   # masked codes above the kept maximum must not count
    mask = rng.random(q.shape) >= 0.4
    mask[:, ::5] = False
    mask[0] = False
    out = model.forward(q, mask)
    assert (out[~mask] == 0).all() and (out[0] == 0).all()
    for r in range(1, len(q)):
        assert np.array_equal(out[r][mask[r]], model.forward(q[r][mask[r]][None, :])[0])
