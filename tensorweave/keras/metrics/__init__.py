"""keras.metrics: stateful metrics (Metric objects) and their per-sample functions.

    >>> from tensorweave import keras
    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> float(m([1, 0], [[0.1, 0.9], [0.8, 0.2]]))
    1.0
"""

from __future__ import annotations

from tensorweave.keras.losses import (binary_crossentropy, categorical_crossentropy,
                                      categorical_hinge, hinge, kl_divergence, log_cosh,
                                      mean_absolute_error, mean_absolute_percentage_error,
                                      mean_squared_error, mean_squared_logarithmic_error,
                                      poisson, sparse_categorical_crossentropy, squared_hinge)
from tensorweave.keras.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                                SparseCategoricalAccuracy,
                                                SparseTopKCategoricalAccuracy,
                                                TopKCategoricalAccuracy, accuracy,
                                                binary_accuracy, categorical_accuracy,
                                                sparse_categorical_accuracy,
                                                sparse_top_k_categorical_accuracy,
                                                top_k_categorical_accuracy)
from tensorweave.keras.metrics.base import Metric
from tensorweave.keras.metrics.confusion import (AUC, FalseNegatives, FalsePositives, Precision,
                                                 Recall, TrueNegatives, TruePositives)
from tensorweave.keras.metrics.fscore import F1Score, FBetaScore, R2Score
from tensorweave.keras.metrics.reduction import Mean, MeanMetricWrapper, Sum
from tensorweave.keras.metrics.regression import (BinaryCrossentropy, CategoricalCrossentropy,
                                                  CategoricalHinge, CosineSimilarity, Hinge,
                                                  KLDivergence, LogCoshError,
                                                  MeanAbsoluteError,
                                                  MeanAbsolutePercentageError,
                                                  MeanSquaredError,
                                                  MeanSquaredLogarithmicError, Poisson,
                                                  RootMeanSquaredError,
                                                  SparseCategoricalCrossentropy, SquaredHinge,
                                                  cosine_similarity)
from tensorweave.keras.utils.serialization import lookup, serialize_object

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh

_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            AUC, Precision, Recall, TruePositives, FalsePositives, TrueNegatives,
            FalseNegatives, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
            KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge, F1Score, FBetaScore,
            R2Score]
ALL_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, kl_divergence, poisson, hinge, squared_hinge,
    categorical_hinge)}
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
# Names as Keras 3 resolves them: snake_case names give metric objects ('mse' too).
ALL_OBJECTS_DICT.update({
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy, "auc": AUC,
    "precision": Precision, "recall": Recall, "mean": Mean, "sum": Sum,
    "true_positives": TruePositives, "false_positives": FalsePositives,
    "true_negatives": TrueNegatives, "false_negatives": FalseNegatives,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError, "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "root_mean_squared_error": RootMeanSquaredError, "cosine_similarity": CosineSimilarity,
    "log_cosh_error": LogCoshError, "logcosh": LogCoshError,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "poisson": Poisson, "hinge": Hinge,
    "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
    "f1_score": F1Score, "fbeta_score": FBetaScore, "r2_score": R2Score,
})


def serialize(metric) -> dict:
    """Keras 3's dict for a metric object."""
    return serialize_object(metric, "keras.metrics")


def deserialize(config, custom_objects: dict | None = None):
    """The metric a serialized dict or a name describes."""
    return lookup(config, ALL_OBJECTS_DICT, "metric", custom_objects)


def get(identifier):
    """A metric from a name ('accuracy', 'mse', 'AUC' ...), a dict, an object or a callable."""
    if identifier is None:
        return None
    return lookup(identifier, ALL_OBJECTS_DICT, "metric")


def resolve_accuracy(identifier: str, y_true, y_pred, loss=None) -> Metric:
    """The accuracy metric that 'accuracy'/'acc' means in `compile`.

    With the compiled `loss` known, it decides as tf.keras did (binary cross entropy -> binary
    accuracy, sparse -> sparse, categorical -> categorical); otherwise the shapes decide, as in
    Keras 3: binary when y_pred has one column, sparse when the labels lack the class axis,
    categorical otherwise. `y_true`/`y_pred` need only `.shape`.
    """
    kind = _accuracy_kind_of_loss(loss)
    if kind is not None:
        return kind(name=identifier)
    t_shape, p_shape = list(y_true.shape), list(y_pred.shape)
    if p_shape and p_shape[-1] == 1:
        return BinaryAccuracy(name=identifier)
    if len(t_shape) < len(p_shape) or (t_shape and t_shape[-1] == 1 and p_shape
                                       and (p_shape[-1] or 0) > 1):
        return SparseCategoricalAccuracy(name=identifier)
    return CategoricalAccuracy(name=identifier)


def _accuracy_kind_of_loss(loss):
    from tensorweave.keras import losses

    fn = losses.ALL_OBJECTS_DICT.get(loss) if isinstance(loss, str) else getattr(loss, "fn",
                                                                                    loss)
    table = {losses.binary_crossentropy: BinaryAccuracy,
             losses.binary_focal_crossentropy: BinaryAccuracy,
             losses.categorical_crossentropy: CategoricalAccuracy,
             losses.categorical_focal_crossentropy: CategoricalAccuracy,
             losses.sparse_categorical_crossentropy: SparseCategoricalAccuracy}
    classes = {losses.BinaryCrossentropy: BinaryAccuracy,
               losses.BinaryFocalCrossentropy: BinaryAccuracy,
               losses.CategoricalCrossentropy: CategoricalAccuracy,
               losses.CategoricalFocalCrossentropy: CategoricalAccuracy,
               losses.SparseCategoricalCrossentropy: SparseCategoricalAccuracy}
    if isinstance(fn, type):
        return classes.get(fn)
    if isinstance(loss, losses.Loss) and type(loss) in classes:
        return classes[type(loss)]
    try:
        return table.get(fn)
    except TypeError:  # an unhashable callable
        return None
