"""Default input formats of the units, chosen from the activation ranges of BERT-class models.

Each op's default input format holds the largest activations all-MiniLM-L6-v2 feeds that op
(measured by the calibration of `python -m flow.e2e --calibrate` over 64 sentences; docs/e2e.md),
rounded up to a power of two, so that an uncalibrated unit does not clip a real model:

| op | largest input seen | default range | integer bits (sign included) |
|---|---|---|---|
| GELU | +-24.6 (FFN pre-activations) | [-32, 32) | 6 |
| Softmax | +-63.4 (attention scores) | [-64, 64) | 7 |
| LayerNorm | 224 (residual sums) | [-256, 256) | 9 |

BERT-base shows the same orders of magnitude (its residual stream has outliers in the
hundreds). A range this wide costs resolution: at 16 bits LayerNorm's input LSB would be
2^-7, too coarse for rows whose spread is a few hundredths (the embedding LayerNorm's), so
the LayerNorm unit's input is `LAYERNORM_GUARD_BITS` wider than the other units' data (the
residual stream is usually held wider than the activations anyway). Measured with only the
LayerNorm sites replaced, uncalibrated (MiniLM, the 221 evaluation sentences of `make e2e`):
SQ16.8 (clipping at 128) mean cosine 0.99994 and top-1 99.1%, SQ16.7 0.99980 and 98.2%, SQ18.9
0.99998 and 100% (`python -m flow.e2e --methods nnlut --layernorm-guard-bits 0
--layernorm-int-bits 8`, `... 9`, and the defaults).

Functions without a model-derived range (SiLU, and the inner tables, whose formats their units
set explicitly) keep 4 integer bits: [-8, 8).
"""

from __future__ import annotations

GELU_INT_BITS = 6
SOFTMAX_INT_BITS = 7
LAYERNORM_INT_BITS = 9
LAYERNORM_GUARD_BITS = 2
OTHER_INT_BITS = 4

# Integer bits of the element-wise table units' default input and output formats, per function.
TABLE_UNIT_INT_BITS: dict[str, int] = {"gelu": GELU_INT_BITS}

# How each element-wise unit's default table is fitted: "minimax" (the fitter: the least max
# error on the function's range) or "l2" (models.l2fit: the least squared error over every input
# code of the format). GELU's default is "l2": at 16 entries the minimax table's error swings to
# its full bound (2.1e-3) across the whole busy middle, and a model accumulates that. Over every
# SQ16.10 code the least-squares table's max error is 1.35x the minimax one's (3.5e-3 against
# 2.6e-3) and its RMS error 3.4x lower (3.9e-4 against 1.3e-3); with only the GELU sites
# replaced, uncalibrated, MiniLM keeps top-1 100% with it and 98.6% with the minimax table
# (`python -m flow.e2e --methods nnlut [--gelu-fit minimax]`).
TABLE_UNIT_FIT: dict[str, str] = {"gelu": "l2"}
FITS = ("minimax", "l2")


# The default formats at the units' default data width, derived once for every unit that
# takes them (NN-LUT, the baselines on the same grids, the comparison's inputs).
DATA_WIDTH = 16
GELU_IN_FRAC = DATA_WIDTH - GELU_INT_BITS                      # SQ16.10
SOFTMAX_IN_FRAC = DATA_WIDTH - SOFTMAX_INT_BITS                # SQ16.9
LAYERNORM_IN_WIDTH = DATA_WIDTH + LAYERNORM_GUARD_BITS         # SQ18.9
LAYERNORM_IN_FRAC = LAYERNORM_IN_WIDTH - LAYERNORM_INT_BITS


def table_int_bits(function: str) -> int:
    return TABLE_UNIT_INT_BITS.get(function, OTHER_INT_BITS)


def table_fit(function: str) -> str:
    return TABLE_UNIT_FIT.get(function, "minimax")
