"""Feature scaling as in the thesis (scikit-learn standardisation: zero mean, unit variance per
feature), with the statistics learned from the training split only so that nothing about the
validation speakers leaks into training."""
from __future__ import annotations

import numpy as np
from sklearn.preprocessing import StandardScaler


def _as_2d(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{what}: expected (n_clips, n_features), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{what}: {int((~np.isfinite(x)).sum())} non-finite values")
    return x


def fit_scaler(x_train: np.ndarray) -> StandardScaler:
    """A ``StandardScaler`` fitted on the training features (constant features get scale 1)."""
    x = _as_2d(x_train, "training features")
    if len(x) == 0:
        raise ValueError("training features: no clips to fit the scaler on")
    return StandardScaler().fit(x)


def scale_split(x_train: np.ndarray, *others: np.ndarray) -> tuple:
    """Fit on ``x_train`` only, then transform it and every array in ``others`` with those
    statistics: returns ``(scaler, x_train_scaled, *others_scaled)``, arrays float32."""
    scaler = fit_scaler(x_train)
    scaled = [scaler.transform(_as_2d(x, f"features #{i}")).astype(np.float32)
              for i, x in enumerate((x_train, *others))]
    return (scaler, *scaled)
