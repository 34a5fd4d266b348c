"""The three ways of computing the non-linear ops, each as a factory of per-site approximations.

- NN-LUT (this project): GELU on the NN-LUT core (models.nnlut IntTable), Softmax
  (models.softmax) and LayerNorm (models.layernorm) built on the same core.
- I-BERT (Kim et al., ICML 2021): i-GELU, i-exp Softmax, integer LayerNorm (models.ibert).
- SOLE (Wang et al., ICCAD 2023): E2Softmax and AILayerNorm (models.sole). SOLE has no GELU,
  so its GELU sites stay float in every configuration.

Formats. Uncalibrated, every method sees its op inputs in the same fixed formats, those of
the project's units at the chosen width W (models.defaults): GELU SQW.(W-6) ([-32, 32)),
Softmax SQW.(W-7) ([-64, 64)), LayerNorm SQ(W+2).(W-7) ([-256, 256)); the baselines' scale is
that format's LSB.
Calibrated (models.e2e.calibrate), each method chooses its input scales from recorded
activations with its own rule, and NN-LUT also refits its tables per site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.e2e.approx import ElementwiseGelu, NnlutGelu, RowLayerNorm, RowSoftmax
from models.e2e.calibrate import TRIMS, NnlutCalibration
from models.e2e.method_base import (BERT_LN_EPS, METHOD_LABELS, METHOD_NAMES, Method, Widths,
                                    power_of_two_frac)
from models.e2e.sites import OpKind, SiteModule

# ------------------------------------------------------------------------------ NN-LUT

class NnlutMethod(Method):
    name = "nnlut"

    def __init__(self, widths: Widths, trims: tuple[float, ...] | None = None) -> None:
        super().__init__(widths)
        self._cache: dict[OpKind, Any] = {}
        # Tail fractions left out of the minimax candidates' grids (models.e2e.calibrate).
        self.trims = TRIMS if trims is None else trims

    def supports(self, kind: OpKind) -> bool:
        return True

    def gelu_config(self, frac: int | None = None) -> Any:
        from models.units import UnitConfig

        w = self.widths
        f = w.gelu_frac if frac is None else frac
        return UnitConfig(function="gelu", entries=w.entries, in_width=w.width, in_frac=f,
                          out_width=w.width, out_frac=f, fit=w.gelu_fit)

    def softmax_config(self, frac: int | None = None) -> Any:
        from models.softmax import SoftmaxConfig

        w = self.widths
        return SoftmaxConfig(entries=w.entries, in_width=w.width,
                             in_frac=w.softmax_frac if frac is None else frac, out_width=w.width)

    def layernorm_config(self) -> Any:
        from models.layernorm import LayerNormConfig

        w = self.widths
        return LayerNormConfig(entries=w.entries, in_width=w.layernorm_width, in_frac=w.layernorm_frac,
                               out_width=w.width, out_frac=w.width - 6, eps=BERT_LN_EPS)

    def approximation(self, kind: OpKind) -> Any:
        if kind not in self._cache:
            self._cache[kind] = self._build(kind)
        return self._cache[kind]

    def _build(self, kind: OpKind) -> Any:
        if kind is OpKind.GELU:
            from models.units import prepare_table

            return NnlutGelu(prepare_table(self.gelu_config()).table)
        if kind is OpKind.SOFTMAX:
            from models.softmax import SoftmaxModel

            model = SoftmaxModel.build(self.softmax_config())
            return RowSoftmax(model.softmax_real, "NN-LUT softmax")
        from models.layernorm import LayerNormModel

        config = self.layernorm_config()
        ln = LayerNormModel.from_config(config)
        return RowLayerNorm(ln.layernorm_real, "NN-LUT layernorm", eps=config.eps)

    # Calibration lives in models.e2e.calibrate (table recasting needs the fitter).
    def choose_formats(self, records: dict[SiteModule, Any]) -> None:
        self.calibration = NnlutCalibration(self, records)

    def calibrated(self, site: SiteModule, record: Any) -> Any:
        return self.calibration.fit_site(site, record)

    def describe_calibration(self) -> list[str]:
        return self.calibration.describe()


# ------------------------------------------------------------------------------ I-BERT

def _max_abs(record: Any) -> float:
    arrays = record if isinstance(record, list) else [record]
    return max(float(np.abs(a).max()) for a in arrays if np.size(a)) if arrays else 0.0


class IbertMethod(Method):
    """I-BERT's integer kernels. Uncalibrated scale: the shared format's LSB. Calibrated:
    I-BERT's own per-tensor min/max scale (max|x| / (2^(W-1) - 1)) per site."""

    name = "ibert"

    def __init__(self, widths: Widths) -> None:
        super().__init__(widths)
        self.scales: dict[str, float] = {}

    def supports(self, kind: OpKind) -> bool:
        return True

    def _make(self, kind: OpKind, scale: float) -> Any:
        from models import ibert

        w = self.kind_width(kind)
        if kind is OpKind.GELU:
            return ElementwiseGelu(lambda x: ibert.gelu(x, scale, in_bits=w), f"I-BERT i-GELU s={scale:.3g}")
        if kind is OpKind.SOFTMAX:
            return RowSoftmax(lambda x: ibert.softmax(x, scale, in_bits=w, out_bits=w),
                              f"I-BERT softmax s={scale:.3g}")
        return RowLayerNorm(lambda x, g, b: ibert.layer_norm(x, scale, g, b, in_bits=w),
                            f"I-BERT layernorm s={scale:.3g}")

    def approximation(self, kind: OpKind) -> Any:
        frac = {OpKind.GELU: self.widths.gelu_frac, OpKind.SOFTMAX: self.widths.softmax_frac,
                OpKind.LAYERNORM: self.widths.layernorm_frac}[kind]
        return self._make(kind, 2.0 ** -frac)

    def calibrated(self, site: SiteModule, record: Any) -> Any:
        from models.intops import symmetric_scale

        peak = _max_abs(record)
        scale = symmetric_scale(np.array([peak]), self.kind_width(site.info.kind))
        self.scales[site.info.name] = scale
        return self._make(site.info.kind, scale)

    def describe_calibration(self) -> list[str]:
        return [f"I-BERT: per-site min/max input scale, {name}: {s:.4g}" for name, s in self.scales.items()]


# -------------------------------------------------------------------------------- SOLE

class SoleMethod(Method):
    """SOLE's E2Softmax and AILayerNorm. E2Softmax needs a power-of-two scale: uncalibrated
    the shared format's LSB, calibrated the finest power of two that holds the site's
    largest input. AILayerNorm: uncalibrated a plain SQW.(W-9) input (every PTF factor 0);
    calibrated SOLE's own PTF calibration (scale and per-channel factors) per site."""

    name = "sole"

    def __init__(self, widths: Widths) -> None:
        super().__init__(widths)
        self.notes: dict[str, str] = {}

    def supports(self, kind: OpKind) -> bool:
        return kind is not OpKind.GELU

    def kind_width(self, kind: OpKind) -> int:
        # AILayerNorm's model takes at most 16-bit inputs (models/sole.py; the unit itself takes
        # 8-bit PTF codes), so its LayerNorm input stays at the common width, with the
        # LayerNorm range (layernorm_scale).
        return self.widths.width

    @property
    def layernorm_scale(self) -> float:
        return 2.0 ** -(self.widths.width - self.widths.layernorm_int_bits)

    def _softmax(self, frac: int) -> Any:
        from models import sole

        w = self.widths.width
        return RowSoftmax(lambda x: sole.e2softmax(x, 2.0 ** -frac, in_bits=w), f"SOLE E2Softmax q{frac}")

    def _layernorm(self, scale: float, alpha: np.ndarray | None) -> Any:
        from models import sole

        w = self.kind_width(OpKind.LAYERNORM)

        # The int64 model holds in_bits + ptf_max + stat_frac <= 23 bits (models/sole.py); at
        # 16-bit inputs the statistics keep 4 fractional bits below the input LSB.
        ptf_max = sole.AILayerNorm.ptf_max
        model = sole.AILayerNorm(in_bits=w, ptf_max=ptf_max, stat_frac=min(8, 23 - w - ptf_max))

        def rows(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
            a = np.zeros(x.shape[-1], dtype=np.int64) if alpha is None else alpha
            return sole.ai_layer_norm(x, g, b, scale=scale, alpha=a, eps=BERT_LN_EPS, model=model)

        return RowLayerNorm(rows, "SOLE AILayerNorm")

    def approximation(self, kind: OpKind) -> Any:
        if kind is OpKind.GELU:
            return None
        if kind is OpKind.SOFTMAX:
            return self._softmax(self.widths.softmax_frac)
        return self._layernorm(self.layernorm_scale, None)

    def calibrated(self, site: SiteModule, record: Any) -> Any:
        from models import sole

        kind = site.info.kind
        if kind is OpKind.GELU:
            return None
        if kind is OpKind.SOFTMAX:
            frac = power_of_two_frac(_max_abs(record), self.widths.width)
            self.notes[site.info.name] = f"q{frac}"
            return self._softmax(frac)
        scale, alpha = sole.ptf_calibrate(np.asarray(record), self.kind_width(kind))
        self.notes[site.info.name] = f"PTF scale {scale:.3g}, alpha max {int(alpha.max())}"
        return self._layernorm(scale, alpha)

    def describe_calibration(self) -> list[str]:
        return [f"SOLE: {name}: {note}" for name, note in self.notes.items()]


def make_method(name: str, widths: Widths) -> Method:
    classes: dict[str, Callable[[Widths], Method]] = {
        "nnlut": NnlutMethod, "ibert": IbertMethod, "sole": SoleMethod}
    if name not in classes:
        raise ValueError(f"unknown method {name!r}; methods: {', '.join(METHOD_NAMES)}")
    return classes[name](widths)


@dataclass
class Assignment:
    """Approximations per site for one method (uncalibrated: one object per kind)."""

    method: Method
    per_site: dict[SiteModule, Any] = field(default_factory=dict)

    def for_kinds(self, sites: list[SiteModule], kinds: tuple[OpKind, ...]) -> dict[SiteModule, Any]:
        chosen: dict[SiteModule, Any] = {}
        for site in sites:
            if site.info.kind not in kinds or not self.method.supports(site.info.kind):
                continue
            approx = self.per_site.get(site)
            if approx is None:
                approx = self.method.approximation(site.info.kind)
            if approx is not None:
                chosen[site] = approx
        return chosen
