"""Early stopping on a split carved from the training data (issue 14): the harness scores a
cell on its validation fold, so that fold must not also choose when training stops."""
from __future__ import annotations

import numpy as np

from emobench.models.keras_base import KerasEmotionModel
from emobench.models.layers import Standardize


def carve_early_stopping(y, fraction: float, seed=None):
    """``(fit_rows, stop_rows)``: a stratified ``fraction`` of the TRAINING rows held out for
    early stopping, so that the scored validation split never chooses the epoch."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    counts = np.bincount(np.asarray(y))
    n_stop = int(round(fraction * len(y)))
    if fraction <= 0 or n_stop < len(counts[counts > 0]) or counts[counts > 0].min() < 2:
        return rows, rows[:0]  # too few clips to carve a stratified split: no early stopping
    return train_test_split(rows, test_size=n_stop, stratify=y, random_state=seed or 0)


class AudioCNN(KerasEmotionModel):
    """The thesis's 1D CNN whose ``fit`` early-stops on a split carved from its training data
    (``early_stop_fraction``, stratified), restoring the best epoch's weights; a
    ``validation_data`` given to ``fit`` (the scored fold) is not used for any training
    decision. ``early_stop_rows_``: the training rows that were held out."""

    def fit(self, x, y, *, validation_data=None, epochs=None, batch_size=None, callbacks=(),
            verbose=0) -> "AudioCNN":
        import keras

        x, y = np.asarray(x), np.asarray(y)
        fit_rows, stop_rows = carve_early_stopping(y, float(self.options["early_stop_fraction"]),
                                                   self.options.get("seed"))
        stop_rows = self.early_stop_rows_ = np.sort(stop_rows)
        if not len(stop_rows):
            return super().fit(x, y, epochs=epochs, batch_size=batch_size,
                               callbacks=callbacks, verbose=verbose)
        if not any(isinstance(layer, Standardize) and layer.is_fitted
                   for layer in self.keras_model.layers):
            self._fit_statistics(x)  # over all training rows, as a scaler fitted before the carve
        best = keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True,
                                             patience=int(self.options["patience"]))
        return super().fit(x[fit_rows], y[fit_rows], validation_data=(x[stop_rows], y[stop_rows]),
                           epochs=epochs, batch_size=batch_size, callbacks=[*callbacks, best],
                           verbose=verbose)
