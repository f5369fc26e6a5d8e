"""What `compile` turns its arguments into: one loss over all outputs and the metrics to report."""

from __future__ import annotations

from tensorweave.framework.context import init_scope
from tensorweave.util import nest


def _output_names(model) -> list:
    names = getattr(model, "output_names", None)
    return list(names) if names else []


def resolve_loss(identifier):
    """A Loss object from a name, a Loss, or a function `(y_true, y_pred) -> per-sample loss`."""
    from tensorweave.keras import losses

    if identifier is None:
        return None
    obj = losses.get(identifier)
    if isinstance(obj, losses.Loss):
        return obj
    if isinstance(obj, type):
        return obj()
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
        return losses.LossFunctionWrapper(obj, name=name)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def _structure_for(value, names: list, what: str):
    """`value` given per output (list or dict by output name) as a list aligned with `names`."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"In the dict argument `{what}`, key '{unknown[0]}' does not "
                             f"correspond to any model output. Received:\n{what}={value}")
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(f"For a model with multiple outputs, when providing the `{what}` "
                             f"argument as a list, it should have as many entries as the model "
                             f"has outputs. Received:\n{what}={value}\nof length {len(value)} "
                             f"whereas the model has {len(names)} outputs.")
        return list(value)
    return [value] * max(len(names), 1)


class CompileLoss:
    """The total loss: each output's loss (weighted) plus nothing else; per-output values kept
    in `last_values` for the logs of multi-output models."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._loss = loss
        self._loss_weights = loss_weights
        self.output_names = list(output_names or [])
        self._built = False
        self.losses: list = []
        self.weights: list = []
        self.trackers: list = []  # one Mean per output of a multi-output model

    def build(self, y_true, y_pred) -> None:
        n = len(nest.flatten(y_pred))
        names = self.output_names if len(self.output_names) == n else [
            f"output_{i}" for i in range(n)]
        self.output_names = names
        if n == 1:
            loss = self._loss
            if isinstance(loss, (list, tuple)) and len(loss) == 1:
                loss = loss[0]
            if isinstance(loss, dict):
                loss = next(iter(loss.values())) if len(loss) == 1 else loss
            self.losses = [resolve_loss(loss)]
            weights = self._loss_weights
            if isinstance(weights, (list, tuple)):
                weights = weights[0]
            elif isinstance(weights, dict):
                weights = next(iter(weights.values()))
            self.weights = [1.0 if weights is None else float(weights)]
        else:
            self.losses = [resolve_loss(x) for x in _structure_for(self._loss, names, "loss")]
            weights = _structure_for(self._loss_weights, names, "loss_weights") \
                if self._loss_weights is not None else [None] * n
            self.weights = [1.0 if w is None else float(w) for w in weights]
            from tensorweave.keras import metrics

            self.trackers = [metrics.Mean(name=f"{name}_loss") for name in names]
        self._built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        import tensorweave as tf
        from tensorweave.keras import losses

        if not self._built:
            with init_scope():
                self.build(y_true, y_pred)
        preds = nest.flatten(y_pred)
        if isinstance(y_true, dict) and len(preds) > 1:
            trues = [y_true.get(n) for n in self.output_names]
        else:
            trues = nest.flatten(y_true) if len(preds) > 1 else [y_true]
        if len(trues) != len(preds):
            raise ValueError(f"The model has {len(preds)} outputs but {len(trues)} targets were "
                             "given: pass one target per output.")
        sws = nest.flatten(sample_weight) if sample_weight is not None and len(preds) > 1 and \
            isinstance(sample_weight, (list, tuple, dict)) else [sample_weight] * len(preds)
        total = None
        for i, (fn, w, yt, yp, sw) in enumerate(zip(self.losses, self.weights, trues, preds,
                                                    sws)):
            if fn is None or yt is None:
                continue
            if isinstance(fn, losses.LossFunctionWrapper) and hasattr(yt, "shape") and \
                    yt.shape.rank is not None and yp.shape.rank is not None:
                # Keras's wrapper lines up (batch,) targets with (batch, 1) predictions.
                yt, yp = losses.squeeze_or_expand_to_same_rank(yt, yp)
            value = fn(yt, yp, sample_weight=sw)
            if self.trackers:
                batch = tf.cast(tf.shape(yp)[0], value.dtype)
                self.trackers[i].update_state(value, sample_weight=batch)
            value = value * tf.cast(w, value.dtype) if w != 1.0 else value
            total = value if total is None else total + value
        if total is None:
            total = tf.constant(0.0)
        return total


class CompileMetrics:
    """The metrics of `compile(metrics=..., weighted_metrics=...)`, built from the first batch's
    shapes (so 'accuracy' becomes binary, sparse or categorical accuracy as Keras decides).

    Like Keras 3's, it is one entry of `model.metrics` (named 'compile_metrics') whose `result()`
    is a dict, so custom train steps that loop over `self.metrics` update it too.
    """

    name = "compile_metrics"

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        self._metrics = metrics
        self._weighted = weighted_metrics
        self.output_names = list(output_names or [])
        self.built = False
        self.metrics: list = []  # (metric, output_index, weighted)

    def build(self, y_true, y_pred) -> None:
        preds = nest.flatten(y_pred)
        trues = nest.flatten(y_true) if len(preds) > 1 else [y_true]
        n = len(preds)
        names = self.output_names if len(self.output_names) == n else [
            f"output_{i}" for i in range(n)]
        for spec, weighted in ((self._metrics, False), (self._weighted, True)):
            if spec is None:
                continue
            if n == 1:
                per_output = [spec if isinstance(spec, (list, tuple)) else [spec]]
                if isinstance(spec, dict):
                    per_output = [nest.flatten(list(spec.values()))]
            elif isinstance(spec, dict):
                per_output = [_as_list(spec.get(name)) for name in names]
            elif isinstance(spec, (list, tuple)) and len(spec) == n and all(
                    isinstance(s, (list, tuple)) or s is None for s in spec):
                per_output = [_as_list(s) for s in spec]
            else:
                per_output = [_as_list(spec)] * n
            for i, items in enumerate(per_output):
                for item in items:
                    metric = _resolve_metric(item, trues[i], preds[i])
                    if n > 1:
                        metric.name = f"{names[i]}_{metric.name}"
                    self.metrics.append((metric, i, weighted))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            with init_scope():
                self.build(y_true, y_pred)
        preds = nest.flatten(y_pred)
        trues = nest.flatten(y_true) if len(preds) > 1 else [y_true]
        for metric, i, weighted in self.metrics:
            sw = sample_weight if weighted else None
            if sw is not None and isinstance(sw, (list, tuple)):
                sw = sw[i]
            metric.update_state(trues[i], preds[i], sample_weight=sw)

    def reset_state(self) -> None:
        for metric, _, _ in self.metrics:
            metric.reset_state()

    def result(self) -> dict:
        return {metric.name: metric.result() for metric, _, _ in self.metrics}

    @property
    def variables(self) -> list:
        return [v for metric, _, _ in self.metrics for v in metric.variables]

    @property
    def metric_objects(self) -> list:
        return [m for m, _, _ in self.metrics]


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _resolve_metric(identifier, y_true, y_pred):
    from tensorweave.keras import metrics

    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return metrics.resolve_accuracy(identifier, y_true, y_pred)
    obj = metrics.get(identifier)
    if isinstance(obj, type):
        obj = obj()
    if isinstance(obj, metrics.Metric):
        if isinstance(identifier, str):
            obj.name = identifier  # Keras logs a metric given by name under that name
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
        return metrics.MeanMetricWrapper(obj, name=name)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
