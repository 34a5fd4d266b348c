"""The side-by-side comparison: GELU, Softmax and LayerNorm x {NN-LUT, I-BERT, SOLE}.

For every op, all methods see the same real inputs (`op_inputs`) and are measured against the
same float64 reference. Each method's outputs come from its bit-accurate model, the model its
own bench checks the RTL against bit for bit (the report runs those benches in the same job).
Throughput and latency come from each unit's full-rate bench test, area and logic depth from
tb/common/synth.py.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from models.units import BUILD_DIR
from tb.common.runner import BenchRun, BenchTarget

REPORT_LANES = 4     # bench configuration of every unit (throughput, latency)
SYNTH_LANES = 1      # area and depth at one lane each, the same for every unit
# Row units are synthesized with rows of this length: their row buffers are flip-flops, so
# Yosys takes tens of minutes at N = 128 / D = 384 (buffers grow linearly with the row).
SYNTH_ROW_LENGTH = 32
INPUT_SEED = 20261123


def stream_model(target: BenchTarget, gen_dir: Path | None = None) -> Any:
    """The StreamModel the target's bench uses (its "model_factory")."""
    _, settings = target.prepare(gen_dir or BUILD_DIR / "compare" / target.tag / "gen")
    module_name, _, factory = settings["model_factory"].partition(":")
    return getattr(importlib.import_module(module_name), factory)({**settings, "lanes": target.lanes})


def through_model(target: BenchTarget, x: np.ndarray) -> np.ndarray:
    """Quantize real inputs to the unit's format, run its bit-accurate model, dequantize."""
    model = stream_model(target)
    codes = model.in_fmt.quantize(x)
    return model.out_fmt.to_real(model.predict(codes))


# ------------------------------------------------------------------------------ inputs

def gelu_inputs() -> np.ndarray:
    """Every SQ16.12 code over [-8, 8), as values: 256 x 256."""
    return (np.arange(-(1 << 15), 1 << 15) * 2.0 ** -12).reshape(256, 256)


def softmax_inputs() -> np.ndarray:
    """Rows of 128 logits on the SQ16.11 grid: attention-like, all-equal, dominant, extreme."""
    from models.softmax import SoftmaxConfig
    from tb.softmax.test_softmax import attention_rows, dominant_rows, equal_rows, extreme_rows

    config, rng = SoftmaxConfig(), np.random.default_rng(INPUT_SEED)
    rows = np.concatenate([attention_rows(rng, config, 192), equal_rows(rng, config, 16),
                           dominant_rows(rng, config, 32), extreme_rows(rng, config, 16)])
    return config.in_fmt.to_real(rows)


def layernorm_inputs() -> np.ndarray:
    """Rows of 384 features on the SQ16.8 grid: random, constant, one outlier, full-scale."""
    from models.layernorm import LayerNormConfig, make_rows

    config, rng = LayerNormConfig(), np.random.default_rng(INPUT_SEED)
    rows = np.concatenate([make_rows(kind, n, config.dim, config.in_fmt, rng)
                           for kind, n in (("random", 96), ("constant", 16), ("outlier", 48), ("fullscale", 32))])
    return config.in_fmt.to_real(rows)


def gelu_reference(x: np.ndarray) -> np.ndarray:
    return torch.nn.functional.gelu(torch.as_tensor(x, dtype=torch.float64)).numpy()


def softmax_reference(x: np.ndarray) -> np.ndarray:
    return torch.softmax(torch.as_tensor(x, dtype=torch.float64), dim=-1).numpy()


def layernorm_reference(x: np.ndarray) -> np.ndarray:
    t = torch.as_tensor(x, dtype=torch.float64)
    return torch.nn.functional.layer_norm(t, (t.shape[-1],), eps=1e-12).numpy()


@dataclass(frozen=True)
class Op:
    name: str
    inputs: Callable[[], np.ndarray]
    reference: Callable[[np.ndarray], np.ndarray]


OPS = {"gelu": Op("gelu", gelu_inputs, gelu_reference),
       "softmax": Op("softmax", softmax_inputs, softmax_reference),
       "layernorm": Op("layernorm", layernorm_inputs, layernorm_reference)}


# ------------------------------------------------------------------------------ methods

@dataclass(frozen=True)
class Method:
    op: str
    method: str
    target: Callable[[int], BenchTarget]          # lanes -> target (bench configuration)
    rate_test: str                                # full-rate bench test
    rate: Callable[[BenchRun], tuple[float, str]]  # -> elements/cycle, latency text
    tests: list[str] = field(default_factory=list)  # bench tests to run (default: rate_test)
    evaluate: Callable[[BenchTarget, np.ndarray], np.ndarray] = through_model
    note: str = ""
    synth_target: Callable[[int], BenchTarget] | None = None  # lanes -> target for area

    def area_target(self) -> BenchTarget:
        return (self.synth_target or self.target)(SYNTH_LANES)


def _timing_rate(test: str) -> Callable[[BenchRun], tuple[float, str]]:
    def rate(run: BenchRun) -> tuple[float, str]:
        t = run.results(test)["timing"]
        return t["elements_per_cycle"], f"{t['latency_min']}"
    return rate


def _nnlut_gelu(lanes: int) -> BenchTarget:
    from models.units import UnitConfig
    from tb.common.runner import ElementwiseTarget

    return ElementwiseTarget(UnitConfig(function="gelu", lanes=lanes))


def _nnlut_softmax(lanes: int, row_length: int = 128) -> BenchTarget:
    from models.softmax import SoftmaxConfig
    from tb.softmax.target import SoftmaxTarget

    return SoftmaxTarget(SoftmaxConfig(lanes=lanes, row_length=row_length))


def _nnlut_layernorm(lanes: int, dim: int = 384) -> BenchTarget:
    from models.layernorm import LayerNormConfig
    from tb.layernorm.target import LayerNormTarget

    return LayerNormTarget(LayerNormConfig(lanes=lanes, dim=dim))


def _rows_rate(run: BenchRun) -> tuple[float, str]:
    """Row units' FullRateRows tests record back-to-back rates and the row latency."""
    rows = run.results("FullRateRows")["rows"]
    return min(rows["in_elements_per_cycle"], rows["out_elements_per_cycle"]), f"{rows['row_latency_max']}/row"


def _layernorm_rate(run: BenchRun) -> tuple[float, str]:
    from models.layernorm import ROW_LATENCY

    return run.results("Throughput")["timing"]["elements_per_cycle"], f"{ROW_LATENCY}/row"


def _ibert_gelu(lanes: int) -> BenchTarget:
    from tb.ibert_gelu.target import IBertGeluConfig, IBertGeluTarget

    return IBertGeluTarget(IBertGeluConfig(lanes=lanes))


def _ibert_softmax(lanes: int, row_length: int = 128) -> BenchTarget:
    from tb.ibert_softmax.target import IBertSoftmaxConfig, IBertSoftmaxTarget

    return IBertSoftmaxTarget(IBertSoftmaxConfig(lanes=lanes, row_length=row_length))


def _ibert_layernorm(lanes: int, dim: int = 384) -> BenchTarget:
    from tb.ibert_layernorm.target import IBertLayerNormConfig, IBertLayerNormTarget

    return IBertLayerNormTarget(IBertLayerNormConfig(lanes=lanes, dim=dim))


def _sole_e2softmax(lanes: int, row_length: int = 128) -> BenchTarget:
    from tb.sole_e2softmax.target import E2SoftmaxConfig, E2SoftmaxTarget

    return E2SoftmaxTarget(E2SoftmaxConfig(lanes=lanes, row_length=row_length))


def _sole_ailayernorm(lanes: int, dim: int = 384) -> BenchTarget:
    from tb.sole_ailayernorm.target import AILayerNormConfig, AILayerNormTarget

    return AILayerNormTarget(AILayerNormConfig(lanes=lanes, dim=dim))


def _short_rows(factory: Callable[..., BenchTarget]) -> Callable[[int], BenchTarget]:
    return lambda lanes: factory(lanes, SYNTH_ROW_LENGTH)


def _ptf_through_model(target: BenchTarget, x: np.ndarray) -> np.ndarray:
    """AILayerNorm's 8-bit inputs need its PTF scale and factors calibrated on the data."""
    from tb.sole_ailayernorm.target import ptf_through_model

    return ptf_through_model(x, lanes=target.lanes)


METHODS: list[Method] = [
    Method("gelu", "NN-LUT", _nnlut_gelu, "FullRate", _timing_rate("FullRate")),
    Method("softmax", "NN-LUT", _nnlut_softmax, "FullRateRows", _rows_rate,
           synth_target=_short_rows(_nnlut_softmax)),
    Method("layernorm", "NN-LUT", _nnlut_layernorm, "Throughput", _layernorm_rate,
           synth_target=_short_rows(_nnlut_layernorm)),
    Method("gelu", "I-BERT", _ibert_gelu, "FullRate", _timing_rate("FullRate"),
           note="i-GELU, 44-bit output code"),
    Method("softmax", "I-BERT", _ibert_softmax, "FullRateRows", _rows_rate,
           note="i-exp, floor(2^32/sum), UQ16.16 out", synth_target=_short_rows(_ibert_softmax)),
    Method("layernorm", "I-BERT", _ibert_layernorm, "FullRateRows", _rows_rate,
           note="integer Newton sqrt, 32-bit output code", synth_target=_short_rows(_ibert_layernorm)),
    Method("softmax", "SOLE", _sole_e2softmax, "FullRateRows", _rows_rate,
           note="E2Softmax: 4-bit log2 codes, UQ8.8 out", synth_target=_short_rows(_sole_e2softmax)),
    Method("layernorm", "SOLE", _sole_ailayernorm, "FullRateRows", _rows_rate,
           synth_target=_short_rows(_sole_ailayernorm),
           evaluate=_ptf_through_model,
           note="AILayerNorm: INT8 PTF inputs calibrated on the data; low-spread rows collapse"),
]


_OP_ORDER = {op: k for k, op in enumerate(OPS)}
_METHOD_ORDER = {"NN-LUT": 0, "I-BERT": 1, "SOLE": 2}
METHODS.sort(key=lambda m: (_OP_ORDER[m.op], _METHOD_ORDER[m.method]))


# ------------------------------------------------------------------------------ the run

@dataclass
class Row:
    op: str
    method: str
    max_abs: float
    mean_abs: float
    elements_per_cycle: float
    latency: str
    cells: int
    transistors: int
    logic_depth: int
    note: str
    x: np.ndarray = field(repr=False)
    error: np.ndarray = field(repr=False)


def accuracy(method: Method, lanes: int = REPORT_LANES) -> tuple[np.ndarray, np.ndarray]:
    op = OPS[method.op]
    x = op.inputs()
    y = method.evaluate(method.target(lanes), x)
    if y.shape != x.shape:
        raise RuntimeError(f"{method.op}/{method.method}: output shape {y.shape} != input shape {x.shape}")
    return x, y - op.reference(x)
