"""HDL parameter values, shared by the benches and flows."""

from __future__ import annotations


def hdl_long(value: int) -> str:
    """A `longint unsigned` parameter value for -G / chparam: Verilator reads a bare -G number as
    32 bits (too narrow, and a width warning for a 64-bit parameter), so it goes sized."""
    value = int(value)
    if not 0 <= value < 1 << 63:
        raise ValueError(f"a 64-bit parameter takes a non-negative 63-bit constant, got {value}")
    return f"64'd{value}"


def param_int(value: int | str) -> int:
    """The integer an hdl_parameters() value stands for."""
    return int(value.split("'d")[-1]) if isinstance(value, str) else int(value)
