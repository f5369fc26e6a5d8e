"""The Keras engine: Layer, symbolic tensors, Functional, Sequential and Model with fit/evaluate.

In the order a program meets them:

- `layer.py` (+ `layer_utils.py`, `tracking.py`, `variables.py`, `input_spec.py`, `naming.py`):
  `keras.Layer`: names, dtype policies, `add_weight`, tracking of sublayers and variables,
  `__call__` (build on first call, training flag, masks, autocast);
- `keras_tensor.py`, `functional_call.py`, `input_layer.py`: `keras.Input` and layer calls on
  symbolic tensors, answered by each op's shape inference (nothing runs), recorded as nodes;
- `functional.py`, `functional_config.py`, `training.py`, `sequential.py`: models built from
  those nodes, replayed on data, serialized in Keras 3's config layout;
- `trainer.py`, `compile_utils.py`, `data_adapter.py`, `fit_loop.py`: compile, the overridable
  steps wrapped in tf.function, and the fit/evaluate/predict loops over arrays, tensors,
  Datasets, generators and PyDatasets;
- `summary.py`: the summary table; `backend.py`, `mixed_precision.py`, `ops.py`: keras.backend,
  keras.mixed_precision and keras.ops.
"""
