"""keras.layers.InputSpec: what a layer accepts (rank, dtype, fixed axes), checked on each call."""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.util import nest


class InputSpec:
    """Constraints on a layer's input: `ndim`, `min_ndim`, `max_ndim`, `dtype`, `shape`, `axes`.

    >>> InputSpec(min_ndim=2, axes={-1: 4}).min_ndim
    2
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze: bool = False, name=None, optional: bool = False):
        self.dtype = dtypes.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (ValueError, TypeError) as e:
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: "
                            f"axes={axes}") from e
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            top = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            if max(self.axes) > top:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                                 f"value: {top}")

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config: dict) -> "InputSpec":
        return cls(**config)

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                         ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                         ("min_ndim", self.min_ndim), ("axes", self.axes)) if v]
        return f"InputSpec({', '.join(parts)})"


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raises ValueError in Keras's words when `inputs` do not satisfy `input_spec`."""
    if not input_spec:
        return
    if isinstance(input_spec, InputSpec) and not isinstance(inputs, (list, tuple, dict)):
        specs, flat = [input_spec], [inputs]  # the common case, without walking structures
    else:
        specs = nest.flatten(input_spec)
        flat = nest.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors. Inputs received: {inputs}")
    for i, (x, spec) in enumerate(zip(flat, specs)):
        if spec is None:
            continue
        if x is None and spec.optional:
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f'Inputs to a layer should be tensors. Got {x!r} (of type {type(x)}) '
                             f'as input for layer "{layer_name}".')
        shape = tuple(x.shape.as_tuple()) if x.shape.rank is not None else None
        head = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        if shape is None:
            continue
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(f"{head}expected ndim={spec.ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        if spec.dtype is not None and x.dtype.name != spec.dtype:
            raise ValueError(f"{head}expected dtype={spec.dtype}, found dtype={x.dtype.name}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if axis >= ndim or axis < -ndim or shape[axis] not in (value, None):
                raise ValueError(f"{head}expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            for want, got in zip(spec.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"{head}expected shape={spec.shape}, found shape={shape}")
