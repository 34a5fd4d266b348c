"""Fidelity of approximated sentence embeddings against the float model's.

All metrics take two (sentences, dim) arrays of L2-normalised embeddings, row i of both
being the same sentence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import spearmanr

TOP_K = 5


@dataclass(frozen=True)
class Fidelity:
    cos_mean: float
    cos_min: float
    top1: float          # fraction of queries whose nearest neighbour is unchanged
    top5: float          # mean overlap of the 5 nearest neighbours, as a fraction
    spearman: float      # rank correlation of the pairwise similarities (upper triangle)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _check(reference: np.ndarray, approx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(reference, dtype=np.float64)
    b = np.asarray(approx, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"embeddings must be two arrays of the same (sentences, dim) shape, "
                         f"got {a.shape} and {b.shape}")
    if a.shape[0] < 2:
        raise ValueError(f"retrieval needs at least 2 sentences, got {a.shape[0]}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("embeddings contain non-finite values")
    return a, b


def cosine_per_sentence(reference: np.ndarray, approx: np.ndarray) -> np.ndarray:
    a, b = _check(reference, approx)
    # Normalised here too, so the metric does not depend on the caller having done it.
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.einsum("ij,ij->i", a, b)


def similarity_matrix(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarities with the diagonal at -inf (a query never retrieves itself)."""
    e = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sim = e @ e.T
    np.fill_diagonal(sim, -np.inf)
    return sim


def neighbours(sim: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k most similar other sentences per query, best first; ties broken by
    index so the result is deterministic."""
    order = np.lexsort((np.broadcast_to(np.arange(sim.shape[1]), sim.shape), -sim), axis=1)
    return order[:, :k]


def top1_margins(reference: np.ndarray) -> np.ndarray:
    """Per query, how much more similar its nearest other sentence is than the second nearest
    (cosine): a query with a small margin flips under a perturbation that small."""
    sim = similarity_matrix(np.asarray(reference, dtype=np.float64))
    top2 = -np.sort(-sim, axis=1)[:, :2]
    return top2[:, 0] - top2[:, 1]


def retrieval_agreement(reference: np.ndarray, approx: np.ndarray, k: int = TOP_K) -> tuple[float, float]:
    """(top-1 agreement, mean top-k overlap) of nearest-neighbour retrieval, each sentence
    as a query against all the others."""
    a, b = _check(reference, approx)
    k = min(k, a.shape[0] - 1)
    na = neighbours(similarity_matrix(a), k)
    nb = neighbours(similarity_matrix(b), k)
    top1 = float(np.mean(na[:, 0] == nb[:, 0]))
    overlap = (na[:, :, None] == nb[:, None, :]).any(axis=2).sum(axis=1) / k
    return top1, float(overlap.mean())


def similarity_spearman(reference: np.ndarray, approx: np.ndarray) -> float:
    a, b = _check(reference, approx)
    iu = np.triu_indices(a.shape[0], k=1)
    sa = similarity_matrix(a)[iu]
    sb = similarity_matrix(b)[iu]
    return float(spearmanr(sa, sb).statistic)


def fidelity(reference: np.ndarray, approx: np.ndarray) -> Fidelity:
    cos = cosine_per_sentence(reference, approx)
    top1, top5 = retrieval_agreement(reference, approx)
    return Fidelity(float(cos.mean()), float(cos.min()), top1, top5,
                    similarity_spearman(reference, approx))
