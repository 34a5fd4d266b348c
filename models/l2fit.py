"""Tables fitted for the (weighted) squared error instead of the max error.

The fitter (models.fitter) minimises the max error on a range: every segment's error
swings to the full bound, so the error a model downstream accumulates is as large as the
worst case everywhere. `weighted_l2_table` places the breakpoints and lines for the least
(weighted) squared error over a set of points, and `quantize_weighted` brings the result
into a unit's exact integer formats with each segment's codes re-optimised through the
datapath. The calibration (models.e2e.calibrate) weights the points by how often a site
produced them; the GELU unit's default table (models.units, fit "l2") weights every input
code of its format alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.nnlut import IntTable


class _WeightedSums:
    """Prefix sums that give the weighted least-squares line of any run of points, and its
    weighted squared error, in O(1). x is centred for numerical stability."""

    def __init__(self, x: np.ndarray, weights: np.ndarray, y: np.ndarray) -> None:
        self.centre = float(np.average(x, weights=weights))
        u = x - self.centre
        cols = np.stack([weights, weights * u, weights * u * u, weights * y, weights * u * y,
                         weights * y * y])
        self.sums = np.concatenate([np.zeros((6, 1)), np.cumsum(cols, axis=1)], axis=1)

    def _moments(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
        w, x, xx, y, xy, yy = self.sums[:, b] - self.sums[:, a]
        w = np.maximum(w, 1e-300)
        return w, x, xx - x * x / w, y, xy - x * y / w, yy - y * y / w

    def error(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Weighted squared error of the best line through points [a, b)."""
        _, _, var_x, _, cov, var_y = self._moments(a, b)
        explained = np.where(var_x > 1e-300, cov * cov / np.maximum(var_x, 1e-300), 0.0)
        return np.maximum(var_y - explained, 0.0)

    def lines(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w, x, var_x, y, cov, _ = self._moments(a, b)
        slope = np.where(var_x > 1e-300, cov / np.maximum(var_x, 1e-300), 0.0)
        return slope, (y - slope * x) / w - slope * self.centre


def weighted_l2_table(x: np.ndarray, weights: np.ndarray, y: np.ndarray, start: Any,
                      min_points: int = 3, max_sweeps: int = 200) -> Any:
    """The table minimising the weighted squared error over observed points (x sorted,
    distinct; weights = how often each occurs), from `start`'s breakpoints.

    The fitter (models.fitter.refine_table) minimises the max error, which spends entries
    on rarely visited ranges as much as on the crowded middle. Weighted by how often each
    input occurs, the squared error is what the model downstream actually accumulates.
    Coordinate descent: each breakpoint in turn moves, between its neighbours, to where the
    two segments' least-squares errors sum to the least; sweeps repeat until none moves.
    """
    from models.fitter import FloatTable

    sums = _WeightedSums(x, weights, y)
    n, entries = x.size, start.entries
    if n < entries * min_points:
        raise ValueError(f"{n} observed points are too few for {entries} segments")
    inner = np.clip(np.searchsorted(x, start.breakpoints), min_points, n - min_points)
    bounds = np.concatenate([[0], inner, [n]]).astype(np.int64)
    # Spread coinciding starts so every segment holds min_points points.
    for j in range(1, entries):
        bounds[j] = max(bounds[j], bounds[j - 1] + min_points)
    for j in range(entries - 1, 0, -1):
        bounds[j] = min(bounds[j], bounds[j + 1] - min_points)
    for _ in range(max_sweeps):
        moved = False
        for j in range(1, entries):
            options = np.arange(bounds[j - 1] + min_points, bounds[j + 1] - min_points + 1)
            if options.size == 0:
                continue
            total = (sums.error(np.full(options.size, bounds[j - 1]), options)
                     + sums.error(options, np.full(options.size, bounds[j + 1])))
            best = int(options[np.argmin(total)])
            if best != bounds[j]:
                bounds[j], moved = best, True
        if not moved:
            break
    slopes, intercepts = sums.lines(bounds[:-1], bounds[1:])
    inner = bounds[1:-1]
    return FloatTable(0.5 * (x[inner - 1] + x[inner]), slopes, intercepts)


def quantize_weighted(table: Any, codes: np.ndarray, weights: np.ndarray, target: np.ndarray,
                      base: IntTable) -> IntTable:
    """A float table in `base`'s exact formats (write-port compatible), each segment's
    slope and intercept codes re-optimised for the weighted squared error through the
    integer datapath (models.nnlut.quantize_table does the same for the max error)."""
    p = base.params
    fmt = p.in_fmt
    bp = np.concatenate(([fmt.min_code], np.clip(np.ceil(table.breakpoints / fmt.lsb),
                                                  fmt.min_code, fmt.max_code))).astype(np.int64)
    slope_fmt, icpt_fmt = FixedFormat(p.slope_width, 0), FixedFormat(p.intercept_width, 0)
    slopes = np.rint(table.slopes * 2.0 ** base.slope_frac)
    icpts = np.rint(table.intercepts * 2.0 ** base.intercept_frac)
    if (np.abs(slopes) > slope_fmt.max_code).any() or (np.abs(icpts) > icpt_fmt.max_code).any():
        raise ValueError("weighted table does not fit the unit's slope/intercept formats")
    result = IntTable(p, base.slope_frac, base.intercept_frac, bp, slopes.astype(np.int64),
                      icpts.astype(np.int64))
    s_codes, t_codes = result.slopes.copy(), result.intercepts.copy()
    segments = result.segment(codes)
    align = result.prod_frac - base.intercept_frac
    for k in range(p.entries):
        sel = segments == k
        if not sel.any():
            continue
        xs, ys, ws = codes[sel], target[sel], weights[sel]
        best = (np.inf, int(s_codes[k]), int(t_codes[k]))
        for s in slope_fmt.saturate(s_codes[k] + np.arange(-2, 3)):
            # For this slope the weighted-mean residual is the least-squares intercept.
            centre = np.average(ys * 2.0 ** result.prod_frac - s * xs, weights=ws) / 2.0 ** align
            for t in icpt_fmt.saturate(np.rint(centre) + np.arange(-1, 2)):
                err = p.out_fmt.to_real(result.mac(xs, np.int64(s), np.int64(t))) - ys
                cost = float(np.sum(ws * err * err))
                if cost < best[0]:
                    best = (cost, int(s), int(t))
        s_codes[k], t_codes[k] = best[1], best[2]
    return IntTable(p, base.slope_frac, base.intercept_frac, bp, s_codes, t_codes)
