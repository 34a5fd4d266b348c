"""models/ibert.py against the public reference implementation of I-BERT
(transformers.models.ibert.quant_modules: IntGELU, IntSoftmax, IntLayerNorm with quant_mode=True),
on the same integer inputs and scales.

Tolerance: bit-exact for GELU, LayerNorm and the softmax's requantised exps (softmax outputs:
see below), once the models are configured with the released code's
constants (sqrt2 = 1.4142, erf_shift = 14; ln2 = 0.6931 and its expanded exp polynomial; its
16-bit requantisation scale; its tensor-wide LayerNorm shift). Why exactness is attainable
although the reference computes in floating point:

- Everything runs in float64 (inputs and scales are float64 tensors, the LayerNorm module is
  converted with .double()). The reference divides the real input by the scale to get its
  integer codes, so the inputs are built with scales of short mantissa, where q * S / S == q
  exactly; the helper asserts that.
- The integer-valued intermediates stay below 2^53 where they are exact in float64. In
  IntSoftmax the wide exps reach 2^56 but are p * 2^(30 - z) with p < 2^27, so still exact.
- IntSoftmax requantises exps with float64 products whose rounding could differ from the
  model's exact dyadic multiply only for values within about 2^-37 of a rounding tie; exact
  ties are representable and both round them half to even. The requantised 16-bit exps are
  bit-exact on every tested input.
- Softmax outputs are the exception: the reference's requantiser returns float32 and the
  normalisation (sum, 2^32 / sum, exp * factor / 2^24) then runs in float32, whose 24-bit
  significand cannot hold the 32-bit product. Tolerance: one output LSB, and only where the
  exact quotient lies within FLOAT32_REACH (2^-16) of the next integer, the reference having
  rounded up. Seen: rows whose whole sum is one element, exact 32767 * 131076 / 2^24 =
  255.99999976 (the model's 255), float32 256.
- IntLayerNorm takes floor(sqrt(var)) with a float sqrt where the paper uses the integer Newton
  iteration. For var < 2^52 the float64 square root is correctly rounded and never reaches the
  next integer, so it equals the integer root exactly (checked below on every boundary k^2 - 1,
  k^2 under 2^32); in float32 it would not (also shown below): there the std could be off by
  one, a relative output error of up to 1 / std, which the float64 comparison avoids.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from transformers.models.ibert.quant_modules import IntGELU, IntLayerNorm, IntSoftmax

from models import ibert
from models.intops import isqrt_newton

# How close to the next integer an exact softmax quotient must be for float32 to round onto it.
FLOAT32_REACH = 2.0 ** -16

# Scales with short mantissas (q * S / S is exact) that are not powers of two, plus powers of two.
GELU_CASES = [(16, 2.0 ** -12), (16, 5 * 2.0 ** -14), (16, 3 * 2.0 ** -11), (12, 11 * 2.0 ** -12), (8, 2.0 ** -9)]
SOFTMAX_CASES = [(8, 3 * 2.0 ** -6), (8, 2.0 ** -5), (16, 2.0 ** -10), (16, 5 * 2.0 ** -13), (16, 7 * 2.0 ** -15)]


def real_input(q: np.ndarray, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The reference's (x, scaling_factor) for codes q, with its x / S recovering q exactly."""
    s = torch.tensor([scale], dtype=torch.float64)
    x = torch.tensor(np.asarray(q, dtype=np.float64) * scale, dtype=torch.float64)
    assert torch.equal(x / s, torch.tensor(q, dtype=torch.float64)), "inputs would not round-trip in the reference"
    return x, s


def reference_codes(out: torch.Tensor, scale: torch.Tensor) -> np.ndarray:
    """The reference returns codes * scale; recover the codes and check they are integers."""
    codes = (out / scale).detach().numpy()
    rounded = np.rint(codes)
    assert np.abs(codes - rounded).max() <= 1e-6 * max(1.0, np.abs(rounded).max())
    return rounded.astype(np.int64)


@pytest.mark.parametrize("bits,scale", GELU_CASES)
def test_gelu_bit_exact(bits: int, scale: float) -> None:
    q = np.arange(-(1 << (bits - 1)), 1 << (bits - 1), dtype=np.int64)  # every input code
    x, s = real_input(q, scale)
    ref_out, ref_scale = IntGELU(quant_mode=True)(x, s)
    model = ibert.IntGelu(scale, bits, sqrt2=ibert.RELEASED_SQRT2, erf_shift=14)
    codes = model.forward(q)
    # The model negates codes and scale (the reference's scale is negative because a < 0).
    assert ref_scale.item() == -model.out_scale
    np.testing.assert_array_equal(codes, -reference_codes(ref_out, ref_scale))


def test_gelu_paper_constants_differ_from_released() -> None:
    """The keywords matter: the paper's sqrt(2) and no erf shift give different codes."""
    bits, scale = 16, 2.0 ** -12
    q = np.arange(-(1 << 15), 1 << 15, dtype=np.int64)
    x, s = real_input(q, scale)
    ref_out, ref_scale = IntGELU(quant_mode=True)(x, s)
    paper = ibert.IntGelu(scale, bits)
    assert not np.allclose(paper.forward(q) * paper.out_scale, ref_out.numpy(), rtol=0, atol=1e-9)


def attention_codes(rng: np.random.Generator, bits: int, scale: float, shape: tuple[int, ...]) -> np.ndarray:
    logits = rng.normal(0.0, 2.5, shape) * rng.uniform(0.3, 2.0, shape[:-1] + (1,))
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    q = np.clip(np.rint(logits / scale), lo, hi).astype(np.int64)
    q[0, 0, :] = q[0, 0, 0]   # a uniform row
    q[0, 1, :] = lo           # a row at the range end, one element at the top
    q[0, 1, min(3, shape[-1] - 1)] = hi
    return q


@pytest.mark.parametrize("bits,scale", SOFTMAX_CASES)
@pytest.mark.parametrize("length", [1, 7, 128])
def test_softmax_exps_bit_exact_outputs_within_float32_rounding(bits: int, scale: float, length: int) -> None:
    rng = np.random.default_rng(bits * 1000 + length)
    q = attention_codes(rng, bits, scale, (16, 8, length))
    x, s = real_input(q, scale)
    ref = IntSoftmax(8, quant_mode=True)  # fresh, training mode: its 16-bit range comes from this call
    requantised: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    ref.act.register_forward_hook(lambda module, args, out: requantised.update(exp=out))
    ref_out, ref_scale = ref(x, s)
    # The reference feeds its requantiser integer exps, so its 16-bit scale is in exp codes:
    # exp16 = exp / act_scale, a requantisation ratio of 1 / act_scale.
    act_scale = float(ref.act.act_scaling_factor.item())
    model = ibert.IntSoftmax(scale, bits, 8, poly="released", ln2=ibert.RELEASED_LN2,
                             requant_ratio=1.0 / act_scale)
    trace = model.trace(q)
    exp16, exp16_scale = requantised["exp"]
    np.testing.assert_array_equal(trace["e16"], reference_codes(exp16, exp16_scale))

    assert ref_scale == model.out_scale
    diff = reference_codes(ref_out, torch.tensor(ref_scale)) - trace["out"]
    assert np.abs(diff).max() <= 1
    # Any difference must sit where the exact quotient e16 * factor / 2^24 is within float32
    # reach of the next integer (the reference normalises in float32).
    unit = 1 << (model.max_bit - model.out_bits)
    frac = (trace["e16"] * trace["factor"] % unit) / unit
    assert (1.0 - frac[diff != 0] <= FLOAT32_REACH).all()
    assert (diff >= 0).all()  # float32 rounding can only have carried the product up to the integer


def test_softmax_paper_polynomial_differs_from_released() -> None:
    bits, scale = 16, 2.0 ** -10
    q = attention_codes(np.random.default_rng(5), bits, scale, (4, 8, 64))
    x, s = real_input(q, scale)
    ref = IntSoftmax(8, quant_mode=True)
    ref_out, ref_scale = ref(x, s)
    paper = ibert.IntSoftmax(scale, bits, 8, requant_ratio=1.0 / float(ref.act.act_scaling_factor.item()))
    assert (paper.forward(q) != reference_codes(ref_out, torch.tensor(ref_scale))).any()


def layernorm_codes(rng: np.random.Generator, bits: int, scale: float, n: int, outliers: bool) -> np.ndarray:
    x = rng.normal(0.3, 1.0, (3, 10, n)) * rng.uniform(0.3, 2.0, (3, 10, 1))
    if outliers:
        ch = rng.choice(n, 6, replace=False)
        x[..., ch] = x[..., ch] * 25 + 10
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(np.rint(x / scale), lo, hi).astype(np.int64)


@pytest.mark.parametrize("bits,scale,n,outliers,training", [
    (8, 3 * 2.0 ** -6, 768, False, False),
    (8, 2.0 ** -3, 100, True, False),
    (16, 2.0 ** -10, 768, False, False),
    (16, 2.0 ** -10, 768, True, True),     # variance above 2^32: the reference picks a shift
    (16, 5 * 2.0 ** -12, 1000, True, True),
])
def test_layernorm_bit_exact(bits: int, scale: float, n: int, outliers: bool, training: bool) -> None:
    rng = np.random.default_rng(n + bits)
    q = layernorm_codes(rng, bits, scale, n, outliers)
    x, s = real_input(q, scale)
    gamma = rng.uniform(0.5, 1.5, n)
    beta = rng.normal(0.0, 0.2, n)
    ref = IntLayerNorm(n, 1e-5, quant_mode=True).double()
    ref.weight.data = torch.tensor(gamma)
    ref.bias.data = torch.tensor(beta)
    ref.train(training)
    ref_out, ref_scale = ref(x, s)
    shift = int(ref.shift.item())
    if training and outliers:
        assert shift > 0, "the test data should exercise the dynamic shift"
    # The reference's output scale uses sqrt(n) in float32 (its dim_sqrt); the bias is folded
    # against that scale, so the model folds against the same value.
    base = float(np.sqrt(np.float32(n))) / 2.0 ** 30
    codes, channel_scale = ibert.i_layernorm(q, gamma, beta, in_bits=bits, min_shift=shift, base_scale=base)
    np.testing.assert_array_equal(channel_scale, ref_scale.detach().numpy())
    np.testing.assert_array_equal(codes, reference_codes(ref_out, ref_scale))
    # The tensor-wide shift the reference keeps is what every row of the model used.
    assert (ibert.IntLayerNorm(bits, min_shift=shift).trace(q)["shift"] == shift).all()


def test_float_sqrt_equals_newton_in_float64_not_float32() -> None:
    """Why the LayerNorm comparison is exact: floor(float64 sqrt) is the integer root below 2^32."""
    k = np.arange(1, 1 << 16, dtype=np.int64)
    rng = np.random.default_rng(0)
    v = np.concatenate([k * k - 1, k * k, k * k + 1, rng.integers(0, 1 << 32, 20000)])
    v = v[v < (1 << 32)]
    newton, updates = isqrt_newton(v)
    exact = np.array([math.isqrt(int(i)) for i in v[::97]])
    np.testing.assert_array_equal(newton[::97], exact)
    assert ((newton * newton <= v) & ((newton + 1) * (newton + 1) > v)).all()
    assert updates <= 6
    np.testing.assert_array_equal(np.floor(np.sqrt(v.astype(np.float64))).astype(np.int64), newton)
    as_float32 = np.floor(np.sqrt(v.astype(np.float32))).astype(np.int64)
    off = as_float32 - newton
    assert (off != 0).any() and np.abs(off).max() == 1
