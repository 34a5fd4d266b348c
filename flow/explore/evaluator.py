"""The learned cost evaluator (DANCE, Choi et al., arXiv 2009.06237): a small torch network from
a unit configuration to its log area and log Fmax (and ECP5 LUT4 where placed), trained on the
cost samples, so that the search can take gradients of hardware cost.

Features: one-hot encodings of the kind and of every design dimension, and the lane count. A
relaxed choice (a probability vector per dimension) is fed in the same slots, which is what
makes the cost differentiable with respect to the search's logits.

Lanes. Samples are synthesized at 1 and 4 lanes; a unit's area at L lanes is its shared part
plus L lanes, area(L) = a(1) + (L - 1) * (a(4) - a(1)) / 3, which the cost flow's own 16-lane
points follow to within a few per cent (the verification step measures it on the chosen
designs). Fmax at L lanes is taken as the network's prediction at 4 lanes (wider units lose a
little more; the verification reports the true figure).

Held-out error: K-fold cross-validation by configuration (both lane counts of a configuration
are held out together): mean absolute percentage error and Spearman rank correlation on
configurations the model never saw, for the network and for a linear least-squares regression
on the same features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from flow.explore.samples import Sample
from flow.explore.space import DIMENSIONS, KINDS, SAMPLE_LANES, Choice

TARGETS = ("log_area", "log_fmax", "lut4")
HIDDEN = 32
EPOCHS = 1500
FOLDS = 5


def feature_size() -> int:
    return len(KINDS) + sum(len(v) for v in DIMENSIONS.values()) + 1


def one_hot_features(kind: str, choice: Choice, lanes: int) -> np.ndarray:
    parts = [np.eye(len(KINDS))[KINDS.index(kind)]]
    for name, values in DIMENSIONS.items():
        parts.append(np.eye(len(values))[values.index(getattr(choice, name))])
    parts.append(np.array([np.log2(lanes)]))
    return np.concatenate(parts)


def relaxed_features(kind: str, probs: dict[str, torch.Tensor], lanes: int) -> torch.Tensor:
    """Features of a relaxed choice: each dimension's probability vector in its one-hot slot."""
    parts = [torch.eye(len(KINDS), dtype=torch.float64)[KINDS.index(kind)]]
    parts += [probs[name].to(torch.float64) for name in DIMENSIONS]
    parts.append(torch.tensor([float(np.log2(lanes))], dtype=torch.float64))
    return torch.cat(parts)


def dataset(samples: list[Sample]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, targets (n, 3) with NaN where a target was not measured, group id per sample:
    the configuration, for held-out splits)."""
    x = np.stack([one_hot_features(s.kind, s.choice, s.lanes) for s in samples])
    y = np.stack([[np.log(s.record.area_um2), np.log(s.record.fmax_mhz),
                   np.nan if s.record.ecp5_lut4 is None else np.log(s.record.ecp5_lut4)] for s in samples])
    groups: dict[tuple[str, Choice], int] = {}
    g = np.array([groups.setdefault((s.kind, s.choice), len(groups)) for s in samples])
    return x, y, g


class _Net(nn.Module):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, HIDDEN), nn.SiLU(), nn.Linear(HIDDEN, HIDDEN), nn.SiLU(),
                                  nn.Linear(HIDDEN, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


@dataclass
class Evaluator:
    """A fitted cost model: `predict` on features (numpy or torch, differentiable)."""

    kind: str                      # "network" or "linear"
    mean: np.ndarray
    scale: np.ndarray
    net: _Net | None = None
    coef: np.ndarray | None = None  # linear: (features + 1, targets)

    def predict_torch(self, x: torch.Tensor) -> torch.Tensor:
        """Targets in their own units (log area, log Fmax, log LUT4), differentiable in x."""
        x = x.to(torch.float64)
        squeeze = x.dim() == 1
        x = x.unsqueeze(0) if squeeze else x
        if self.net is not None:
            z = self.net(x)
        else:
            assert self.coef is not None
            z = torch.cat([x, torch.ones(x.shape[0], 1, dtype=torch.float64)], dim=1) @ torch.from_numpy(self.coef)
        out = z * torch.from_numpy(self.scale) + torch.from_numpy(self.mean)
        return out[0] if squeeze else out

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.predict_torch(torch.from_numpy(np.asarray(x, dtype=np.float64))).numpy()


def _standardize(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-target mean and spread over the samples that measured it (0 and 1 for a target none did)."""
    mean, scale = np.zeros(y.shape[1]), np.ones(y.shape[1])
    for j in range(y.shape[1]):
        seen = y[np.isfinite(y[:, j]), j]
        if seen.size:
            mean[j] = seen.mean()
            scale[j] = seen.std() if seen.size > 1 and seen.std() > 0 else 1.0
    return mean, scale


def fit_network(x: np.ndarray, y: np.ndarray, seed: int = 0, epochs: int = EPOCHS) -> Evaluator:
    """Adam on the mean squared error of the standardized targets, each target over the samples
    that measured it (weight decay keeps it smooth on ~200 points)."""
    mean, scale = _standardize(y)
    torch.manual_seed(seed)
    net = _Net(x.shape[1], y.shape[1]).to(torch.float64)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(np.nan_to_num((y - mean) / scale))
    seen = torch.from_numpy(np.isfinite(y)).to(torch.float64)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, weight_decay=1e-4)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = (((net(xt) - yt) ** 2) * seen).sum(dim=0) / seen.sum(dim=0).clamp(min=1.0)
        loss.sum().backward()
        optimizer.step()
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return Evaluator("network", mean, scale, net=net)


def fit_linear(x: np.ndarray, y: np.ndarray, ridge: float = 1e-6) -> Evaluator:
    """Least squares per target (a tiny ridge: the one-hot groups are collinear with the bias)."""
    mean, scale = _standardize(y)
    a = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)
    coef = np.zeros((a.shape[1], y.shape[1]))
    for j in range(y.shape[1]):
        rows = np.isfinite(y[:, j])
        if rows.sum() == 0:
            continue
        t = (y[rows, j] - mean[j]) / scale[j]
        coef[:, j] = np.linalg.solve(a[rows].T @ a[rows] + ridge * np.eye(a.shape[1]), a[rows].T @ t)
    return Evaluator("linear", mean, scale, coef=coef)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(a) < 3:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def held_out(samples: list[Sample], folds: int = FOLDS, seed: int = 0,
             epochs: int = EPOCHS) -> dict[str, dict[str, dict[str, float]]]:
    """Cross-validated error of both models on configurations they never saw:
    {model: {target: {"mape": %, "spearman": rho, "n": samples}}}, targets in their own units
    (area um^2, Fmax MHz, LUT4)."""
    x, y, groups = dataset(samples)
    rng = np.random.default_rng(seed)
    order = rng.permutation(np.unique(groups))
    fold_of = {g: i % folds for i, g in enumerate(order)}
    fold = np.array([fold_of[g] for g in groups])
    predictions = {"network": np.full_like(y, np.nan), "linear": np.full_like(y, np.nan)}
    for k in range(folds):
        train, test = fold != k, fold == k
        if not test.any():
            continue
        predictions["network"][test] = fit_network(x[train], y[train], epochs=epochs).predict(x[test])
        predictions["linear"][test] = fit_linear(x[train], y[train]).predict(x[test])
    out: dict[str, dict[str, dict[str, float]]] = {}
    names = {"log_area": "area_um2", "log_fmax": "fmax_mhz", "lut4": "ecp5_lut4"}
    for model, pred in predictions.items():
        out[model] = {}
        for j, target in enumerate(TARGETS):
            rows = np.isfinite(y[:, j]) & np.isfinite(pred[:, j])
            truth, guess = np.exp(y[rows, j]), np.exp(pred[rows, j])
            out[model][names[target]] = {
                "mape": float(np.mean(np.abs(guess - truth) / truth) * 100) if rows.any() else float("nan"),
                "spearman": spearman(truth, guess), "n": int(rows.sum())}
    return out


def lane_model(area_1: Any, area_4: Any, lanes: int) -> Any:
    """Area at `lanes` from the areas at SAMPLE_LANES (floats or tensors): the shared part plus
    one lane's area per lane (the module doc)."""
    span = SAMPLE_LANES[1] - SAMPLE_LANES[0]
    return area_1 + (lanes - SAMPLE_LANES[0]) * (area_4 - area_1) / span


def relaxed_area(evaluator: Evaluator, kind: str, probs: dict[str, torch.Tensor], lanes: int) -> torch.Tensor:
    """Predicted area in um^2 of a (relaxed) choice at `lanes`; differentiable in probs."""
    a1, a4 = (torch.exp(evaluator.predict_torch(relaxed_features(kind, probs, n))[0]) for n in SAMPLE_LANES)
    return lane_model(a1, a4, lanes)


def choice_probs(choice: Choice) -> dict[str, torch.Tensor]:
    return {name: torch.eye(len(values), dtype=torch.float64)[values.index(getattr(choice, name))]
            for name, values in DIMENSIONS.items()}


def predicted_area(evaluator: Evaluator, kind: str, choice: Choice, lanes: int) -> float:
    with torch.no_grad():
        return float(relaxed_area(evaluator, kind, choice_probs(choice), lanes))


def summary(errors: dict[str, Any]) -> list[str]:
    lines = ["| model | target | held-out MAPE | Spearman | n |", "|---|---|---|---|---|"]
    for model, targets in errors.items():
        for target, e in targets.items():
            if e["n"] == 0:
                lines.append(f"| {model} | {target} | no samples | - | 0 |")
            else:
                lines.append(f"| {model} | {target} | {e['mape']:.2f}% | {e['spearman']:.3f} | {e['n']} |")
    return lines
