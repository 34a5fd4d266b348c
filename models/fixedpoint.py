"""Two's complement fixed-point formats shared by the models, the generator and the benches.

A format Q(width, frac) holds integer codes c in [-2^(width-1), 2^(width-1) - 1] (signed)
or [0, 2^width - 1] (unsigned) and stands for the real value c * 2^-frac.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FixedFormat:
    width: int
    frac: int
    signed: bool = True

    def __post_init__(self) -> None:
        if not 2 <= self.width <= 62:
            raise ValueError(f"fixed-point width must be in [2, 62], got {self.width}")
        if not -64 <= self.frac <= 62:
            raise ValueError(f"fixed-point fractional bits must be in [-64, 62], got {self.frac}")

    @property
    def min_code(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def lsb(self) -> float:
        return 2.0 ** -self.frac

    @property
    def min_value(self) -> float:
        return self.min_code * self.lsb

    @property
    def max_value(self) -> float:
        return self.max_code * self.lsb

    def __str__(self) -> str:
        kind = "S" if self.signed else "U"
        return f"{kind}Q{self.width}.{self.frac}"

    def describe(self) -> str:
        return (f"{self} ({'signed' if self.signed else 'unsigned'} {self.width} bits, "
                f"{self.frac} fractional; [{self.min_value:g}, {self.max_value:g}], "
                f"LSB {self.lsb:g})")

    def all_codes(self) -> np.ndarray:
        return np.arange(self.min_code, self.max_code + 1, dtype=np.int64)

    def codes_in(self, lo: float, hi: float) -> np.ndarray:
        """Codes whose value lies in [lo, hi]."""
        first = max(self.min_code, int(np.ceil(lo / self.lsb)))
        last = min(self.max_code, int(np.floor(hi / self.lsb)))
        return np.arange(first, last + 1, dtype=np.int64)

    def quantize(self, values: np.ndarray) -> np.ndarray:
        """Round real values to the nearest code (ties to even) and saturate to the range.

        Saturation, not wrap-around, is the documented behaviour for out-of-range values.
        NaN has no code and is rejected.
        """
        values = np.asarray(values, dtype=np.float64)
        if np.isnan(values).any():
            raise ValueError(f"cannot quantize NaN to {self}: {int(np.isnan(values).sum())} NaN value(s)")
        scaled = np.rint(values * 2.0 ** self.frac)
        return np.clip(scaled, self.min_code, self.max_code).astype(np.int64)

    def to_real(self, codes: np.ndarray) -> np.ndarray:
        return np.asarray(codes, dtype=np.float64) * self.lsb

    def saturate(self, codes: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(codes, dtype=np.int64), self.min_code, self.max_code)

    def check_codes(self, codes: np.ndarray, what: str) -> np.ndarray:
        """Codes as int64, or a ValueError naming `what` if any is outside the format."""
        codes = np.asarray(codes)
        if codes.dtype.kind not in "iu":
            raise ValueError(f"{what}: expected integer codes, got dtype {codes.dtype}")
        codes = codes.astype(np.int64)
        bad = (codes < self.min_code) | (codes > self.max_code)
        if bad.any():
            raise ValueError(f"{what}: {int(bad.sum())} code(s) outside {self.describe()}, "
                             f"e.g. {int(codes[bad].flat[0])}")
        return codes

    # Packing lanes on a wide bus: lane l occupies bits [l*width +: width]. Vectorised through
    # bit arrays so the per-beat Python cost is one int conversion, whatever the lane count.
    def pack_lanes(self, codes: np.ndarray) -> list[int]:
        """Pack a (beats, lanes) array of codes into one unsigned integer per beat."""
        codes = self.check_codes(np.atleast_2d(codes), "pack_lanes")
        beats, lanes = codes.shape
        bit_index = np.arange(self.width, dtype=np.int64)
        bits = ((codes[:, :, None] >> bit_index) & 1).astype(np.uint8).reshape(beats, lanes * self.width)
        packed = np.packbits(bits, axis=1, bitorder="little")
        return [int.from_bytes(row.tobytes(), "little") for row in packed]

    def unpack_lanes(self, words: list[int], lanes: int) -> np.ndarray:
        """Inverse of pack_lanes: (beats, lanes) int64 codes from bus words."""
        nbits = lanes * self.width
        nbytes = (nbits + 7) // 8
        if any(w < 0 or w >> nbits for w in words):
            raise ValueError(f"unpack_lanes: a bus word does not fit {lanes} lanes of {self.width} bits")
        raw = np.frombuffer(b"".join(w.to_bytes(nbytes, "little") for w in words), dtype=np.uint8)
        bits = np.unpackbits(raw.reshape(len(words), nbytes), axis=1, bitorder="little")
        bits = bits[:, :nbits].reshape(len(words), lanes, self.width).astype(np.int64)
        codes = (bits << np.arange(self.width, dtype=np.int64)).sum(axis=2)
        if self.signed:
            codes = np.where(codes >= (1 << (self.width - 1)), codes - (1 << self.width), codes)
        return codes


@dataclass(frozen=True)
class ScaledFormat(FixedFormat):
    """Integer codes with an arbitrary positive scale: I-BERT leaves outputs at scales such as
    S^2 |a| / 4 (GELU) or sqrt(n) / 2^30 (LayerNorm), which are not powers of two. `frac` is
    the nearest power of two, for display only; `lsb` (and so to_real) uses the exact scale."""

    scale: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be positive and finite, got {self.scale}")

    @staticmethod
    def of(width: int, scale: float, signed: bool = True) -> "ScaledFormat":
        return ScaledFormat(width, int(round(-math.log2(scale))), signed, scale)

    @property
    def lsb(self) -> float:
        return self.scale

    def __str__(self) -> str:
        return f"{'S' if self.signed else 'U'}{self.width} x {self.scale:.6g}"
