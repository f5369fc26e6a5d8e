"""keras.layers.Layer: the base class of every layer and model.

A layer owns weights (created by `add_weight` in `build`, or in `__init__`), sublayers (tracked
when assigned as attributes, also inside lists and dicts) and a `call`. `__call__` converts inputs,
builds the layer from the first input's shape (eagerly, even inside a tf.function trace), checks the
`input_spec`, propagates `training` and masks, and on Keras symbolic tensors (keras.Input) records
the call for Functional models instead of running kernels.

    class Linear(Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, x):
            return tf.matmul(x, self.w)
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np

from tensorweave.saving import checkpoint as _checkpoint
from tensorweave.framework import dtypes
from tensorweave.framework.context import init_scope
from tensorweave.framework.module import Module
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.variables import Variable
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine.input_spec import assert_input_compatibility
from tensorweave.keras.engine.naming import (get_policy, serialize_policy, to_snake_case,
                                             unique_name)
from tensorweave.keras.engine.layer_utils import (_TRACK_VERSION, _call_context,
                                                  _get_initializer, _is_plain, _marking_built,
                                                  _np_dtype, _shapes_of, _Signature,
                                                  _signature, _to_tensor)
from tensorweave.keras.engine.tracking import TrackedDict, TrackedList, track_value
from tensorweave.keras.engine.variables import AUTOCAST, KerasVariable
from tensorweave.util import nest

_ALLOWED_KWARGS = ("input_dim", "input_shape", "batch_input_shape", "batch_size", "weights")


class Layer(Module):
    """The base class of layers (Keras 3's `keras.layers.Layer`). See the module docstring."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            cls.build = _marking_built(build)

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Kept for the automatic get_config of layers whose constructor takes plain values.
        object.__setattr__(obj, "_init_args", (args, dict(kwargs)))
        return obj

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 autocast: bool = True, activity_regularizer=None, **kwargs):
        unknown = [k for k in kwargs if k not in _ALLOWED_KWARGS]
        if unknown:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                             f"{ {k: kwargs[k] for k in unknown} }")
        if name is None:
            name = unique_name(to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name!r} (of type {type(name)})")
        set_ = object.__setattr__
        set_(self, "_name", name)
        set_(self, "_trainable", bool(trainable))
        set_(self, "_dtype_policy", get_policy(dtype))
        set_(self, "autocast", autocast)
        set_(self, "built", False)
        set_(self, "_layers", [])
        set_(self, "_trainable_variables", [])
        set_(self, "_non_trainable_variables", [])
        set_(self, "_losses", [])
        set_(self, "_inbound_nodes", [])
        set_(self, "_input_spec", None)
        set_(self, "supports_masking", getattr(self, "supports_masking", False))
        set_(self, "_activity_regularizer", None)
        set_(self, "_tracking", True)
        if activity_regularizer is not None:
            from tensorweave.keras import regularizers

            set_(self, "_activity_regularizer", regularizers.get(activity_regularizer))
        shape = kwargs.get("batch_input_shape")
        if shape is None and kwargs.get("input_shape") is not None:
            shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs.get("batch_size"), kwargs["input_dim"])
        # Sequential reads this to create its Input when this layer comes first.
        set_(self, "_batch_input_shape", tuple(shape) if shape is not None else None)
        set_(self, "_initial_weights", kwargs.get("weights"))

    # --- attribute tracking --------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        if name.startswith("__") or not self.__dict__.get("_tracking", False):
            if "_tracking" not in self.__dict__ and isinstance(value, (Layer, Variable)):
                raise RuntimeError(
                    f"It looks like you are subclassing `{type(self).__name__}` and you forgot "
                    "to call `super().__init__()`. Always start with this line.")
            object.__setattr__(self, name, value)
            return
        if isinstance(value, list) and not isinstance(value, TrackedList):
            value = TrackedList(value, self)
        elif type(value) is dict:
            value = TrackedDict(value, self)
        track_value(self, value)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        value = self.__dict__.get(name)
        object.__delattr__(self, name)
        if isinstance(value, Layer) and value in self._layers:
            if not any(v is value for v in self.__dict__.values()):
                self._layers.remove(value)
                _TRACK_VERSION[0] += 1
        elif isinstance(value, Variable):
            for group in (self._trainable_variables, self._non_trainable_variables):
                if any(v is value for v in group):
                    group[:] = [v for v in group if v is not value]

    def _track_variable(self, var: Variable) -> None:
        group = self._trainable_variables if var.trainable else self._non_trainable_variables
        if not any(v is var for v in group):
            group.append(var)

    def _track_layer(self, layer: "Layer") -> None:
        if layer is not self and not any(item is layer for item in self._layers):
            self._layers.append(layer)
            _TRACK_VERSION[0] += 1

    # --- names, dtypes, trainability -----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> str:
        return self._name

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        object.__setattr__(self, "_dtype_policy", get_policy(value))

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables (Keras 3: the policy's variable dtype)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        for layer in self._flatten_layers(include_self=True):
            object.__setattr__(layer, "_trainable", value)

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value) -> None:
        object.__setattr__(self, "_input_spec", value)

    @property
    def layers(self) -> list:
        return list(self._layers)

    @property
    def input(self):
        """The symbolic input of this layer's only call on Keras tensors."""
        return self._single_node("input").call_args[0]

    @property
    def output(self):
        """The symbolic output(s) of this layer's only call on Keras tensors."""
        node = self._single_node("output")
        outs = node.outputs
        return outs[0] if len(outs) == 1 else list(outs)

    def _single_node(self, what: str):
        nodes = [n for n in self._inbound_nodes if isinstance(n, kt.LayerNode)]
        if not nodes:
            raise AttributeError(f"Layer {self.name} has no inbound nodes: it was never called "
                                 f"on Keras symbolic tensors, so it has no `{what}`.")
        return nodes[0]  # Keras 3: the first call, also for shared layers

    def get_input_at(self, node_index: int):
        return [n for n in self._inbound_nodes if isinstance(n, kt.LayerNode)][
            node_index].call_args[0]

    def get_output_at(self, node_index: int):
        outs = [n for n in self._inbound_nodes if isinstance(n, kt.LayerNode)][
            node_index].outputs
        return outs[0] if len(outs) == 1 else list(outs)

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list:
        if include_self and recursive:
            cached = self.__dict__.get("_flat_cache")
            if cached is not None and cached[0] == _TRACK_VERSION[0]:
                return cached[1]
            found = self._walk_layers(True, True)
            object.__setattr__(self, "_flat_cache", (_TRACK_VERSION[0], found))
            return found
        return self._walk_layers(include_self, recursive)

    def _walk_layers(self, include_self: bool, recursive: bool) -> list:
        found, seen = [], set()
        stack = [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            found.append(layer)
            if recursive or layer is self:
                stack.extend(reversed(layer._layers))
        return found

    # --- weights -------------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   autocast: bool = True, regularizer=None, constraint=None,
                   aggregation: str = "none", overwrite_with_gradient: bool = False,
                   name: str | None = None) -> KerasVariable:
        """Creates a variable of this layer, initialized eagerly (also when called in a trace).

        `initializer` is a name ('glorot_uniform', 'zeros' ...), an Initializer or a callable
        `(shape, dtype) -> value`; by default glorot_uniform for floats, zeros otherwise.
        """
        shape = () if shape is None else tuple(int(d) if d is not None else None for d in shape)
        if any(d is None for d in shape):
            raise ValueError(f"Can't create weight {name!r} of layer '{self.name}' with an "
                             f"unknown dimension: shape={shape}. Build the layer with a fully "
                             "defined input shape.")
        dtype = dtypes.as_dtype(dtype if dtype is not None else self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = _get_initializer(initializer)
        reg = None
        if regularizer is not None:
            from tensorweave.keras import regularizers

            reg = regularizers.get(regularizer)
        if constraint is not None:
            from tensorweave.keras import constraints

            constraint = constraints.get(constraint)
        if name is None:
            name = f"variable_{len(self._trainable_variables) + len(self._non_trainable_variables)}"
        with init_scope():
            value = init(shape, dtype=dtype)
            var = KerasVariable(value, trainable=trainable, name=name, dtype=dtype,
                                constraint=constraint, path=f"{self.path}/{name}",
                                regularizer=reg, overwrite_with_gradient=overwrite_with_gradient,
                                aggregation=aggregation, autocast=autocast)
        self._track_variable(var)
        return var

    @property
    def weights(self) -> list:
        """Own trainable then non-trainable weights, then each sublayer's, each once."""
        out, seen = [], set()
        for layer in self._flatten_layers(include_self=True):
            for v in layer._trainable_variables + layer._non_trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        out, seen = [], set()
        for layer in self._flatten_layers(include_self=True):
            if not layer.trainable:
                continue
            for v in layer._trainable_variables + layer._non_trainable_variables:
                if id(v) not in seen and v.trainable:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self) -> list:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays, in `weights` order."""
        return [np.array(v.numpy()) for v in self.weights]

    def set_weights(self, weights) -> None:
        """Assigns NumPy arrays to the weights, in `weights` order (shapes must match)."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of '
                f"length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for var, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(var.shape.as_tuple()) != value.shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(var.shape.as_tuple())} "
                                 f"is not compatible with provided weight shape {value.shape}.")
        for var, value in zip(params, weights):
            var.assign(np.asarray(value).astype(var.dtype.np_dtype, copy=False))

    def count_params(self) -> int:
        """The number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             "`layer.build(input_shape)`.")
        return int(sum(math.prod(v.shape.as_tuple()) for v in self.weights))

    # --- losses --------------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Adds a scalar loss (a tensor, or a zero-argument callable) to `losses`."""
        for item in nest.flatten(loss):
            self._losses.append(item)

    @property
    def losses(self) -> list:
        """Losses added during the last call, then the weight regularization losses."""
        out = []
        for layer in self._flatten_layers(include_self=True):
            out.extend(x() if callable(x) else x for x in layer._losses)
        for v in self.trainable_weights:
            reg = getattr(v, "regularizer", None)
            if reg is not None:
                out.append(reg(v))
        return out

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers(include_self=True):
            if layer._losses:
                layer._losses.clear()

    # --- building ------------------------------------------------------------------------------
    def build(self, input_shape=None) -> None:
        """Creates the weights for inputs of `input_shape`; subclasses override it.

        Called directly on a layer with sublayers (a subclassed model, say), it runs `call` on
        symbolic inputs of that shape, so that the sublayers build, as Keras does.
        """
        if input_shape is not None and self._layers and not self.__dict__.get("_in_call_build"):
            from tensorweave.keras.engine.functional_call import output_shape

            object.__setattr__(self, "built", True)  # the symbolic call must not build again
            try:
                output_shape(self, input_shape)
            except Exception:
                object.__setattr__(self, "built", False)
                raise
        self.built = True

    def build_from_config(self, config: dict) -> None:
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            self._build_with_shapes(shape)

    def get_build_config(self) -> dict | None:
        shape = getattr(self, "_build_input_shape", None)
        return None if shape is None else {"input_shape": shape}

    def _build_with_shapes(self, shapes) -> None:
        object.__setattr__(self, "_in_call_build", True)
        try:
            with init_scope():
                self.build(shapes)
        finally:
            object.__setattr__(self, "_in_call_build", False)
        object.__setattr__(self, "_build_input_shape", shapes)
        self.built = True
        if _checkpoint._pending:  # a checkpoint restored before these weights existed
            _checkpoint.apply_deferred_restorations()
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            object.__setattr__(self, "_initial_weights", None)

    def _maybe_build(self, inputs) -> None:
        if self.built:
            return
        self._build_with_shapes(_shapes_of(inputs))

    # --- calling -------------------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        """The layer's computation; subclasses override it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` "
                                  "method implemented.")

    def __call__(self, *args, **kwargs):
        if not self.__dict__.get("_tracking"):
            raise RuntimeError(f"You must call `super().__init__()` in the `__init__` of layer "
                               f"class {type(self).__name__} before using the layer.")
        sig = _signature(type(self))
        if args:
            inputs, rest = args[0], args[1:]
        elif sig.first_arg and sig.first_arg in kwargs:
            kwargs = dict(kwargs)
            inputs, rest = kwargs.pop(sig.first_arg), ()
        else:
            raise ValueError(f"Layer {self.name} was called without inputs.")
        if type(inputs) is Tensor and not rest and not any(
                type(v) is SymbolicTensor for v in kwargs.values()):
            symbolic = False  # the common eager call: skip walking the arguments
        else:
            symbolic = any(kt.is_keras_tensor(t) for t in nest.flatten((inputs, rest, kwargs)))
        if symbolic:
            from tensorweave.keras.engine.functional_call import symbolic_call

            return symbolic_call(self, inputs, rest, kwargs, sig)
        inputs = self._convert_inputs(inputs)
        return self._eager_call(inputs, rest, kwargs, sig)

    def _convert_inputs(self, inputs):
        compute = self.compute_dtype if self.autocast else None
        if type(inputs) is Tensor:
            kind = inputs._array.dtype
            if kind.kind != "f" or compute is None or kind == _np_dtype(compute):
                return inputs

        def convert(x):
            if isinstance(x, Tensor):
                t = x
            elif isinstance(x, Variable):
                t = x.value()
            elif isinstance(x, (np.ndarray, np.generic, float, int, list)) and not isinstance(
                    x, bool):
                t = _to_tensor(x, compute)
            else:
                return x
            if compute is not None and t.dtype.is_floating and t.dtype.name != compute:
                import tensorweave as tf

                mask = kt.get_mask(t)
                t = tf.cast(t, compute)
                if mask is not None:
                    kt.set_mask(t, mask)
            return t

        if isinstance(inputs, (list, tuple, dict)):
            return nest.map_structure(convert, inputs)
        return convert(inputs)

    def _resolve_call_kwargs(self, inputs, kwargs: dict, sig: _Signature):
        """Fills `training` (explicit, else the outer call's, else the default) and `mask`."""
        training = kwargs.pop("training", None) if "training" in kwargs else None
        if training is None:
            training = _call_context.training
        if training is None:
            training = sig.training_default
        if sig.has_training or sig.var_kwargs and "training" in kwargs:
            kwargs["training"] = training
        if "mask" in kwargs and not sig.has_mask and not sig.var_kwargs:
            kwargs.pop("mask")  # a layer that takes no mask simply does not get one
        if sig.has_mask and kt._MASKS and kwargs.get("mask") is None:
            masks = [kt.get_mask(t) for t in nest.flatten(inputs)]
            if any(m is not None for m in masks):
                kwargs["mask"] = masks[0] if not isinstance(inputs, (list, tuple, dict)) else \
                    nest.pack_sequence_as(inputs, masks)
        return training

    def _eager_call(self, inputs, args, kwargs, sig):
        kwargs = dict(kwargs) if kwargs else {}
        d = self.__dict__
        if not d["built"]:
            self._maybe_build(inputs)
        if d["_input_spec"] is not None:
            assert_input_compatibility(d["_input_spec"], inputs, self._name)
        training = self._resolve_call_kwargs(inputs, kwargs, sig)
        context = _call_context
        saved = context.training
        if context.depth == 0:
            self._clear_losses()
        context.depth += 1
        context.training = training
        policy = d["_dtype_policy"]
        mixed = policy._compute != policy._variable
        if mixed:
            saved_cast, AUTOCAST.dtype = AUTOCAST.dtype, policy._compute
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            context.depth -= 1
            context.training = saved
            if mixed:
                AUTOCAST.dtype = saved_cast
        if d["_activity_regularizer"] is not None:
            self._regularize_activity(outputs)
        if kt._MASKS or sig.custom_mask:
            self._propagate_mask(inputs, outputs, kwargs.get("mask"))
        return outputs

    def _regularize_activity(self, outputs) -> None:
        import tensorweave as tf

        for out in nest.flatten(outputs):
            batch = tf.cast(tf.shape(out)[0], out.dtype)
            self.add_loss(self._activity_regularizer(out) / batch)

    def _propagate_mask(self, inputs, outputs, mask) -> None:
        previous = mask
        if previous is None:
            masks = [kt.get_mask(t) for t in nest.flatten(inputs)]
            if any(m is not None for m in masks):
                previous = masks[0] if len(masks) == 1 else nest.pack_sequence_as(inputs, masks)
        overrides_mask = type(self).compute_mask is not Layer.compute_mask
        if self.supports_masking or overrides_mask:
            out_mask = self.compute_mask(inputs, previous)
            if out_mask is not None:
                flat_out = nest.flatten(outputs)
                flat_masks = nest.flatten(out_mask) if isinstance(out_mask, (list, tuple)) and \
                    len(nest.flatten(out_mask)) == len(flat_out) else [out_mask] * len(flat_out)
                for t, m in zip(flat_out, flat_masks):
                    if isinstance(t, Tensor):
                        kt.set_mask(t, m)
        elif previous is not None and any(m is not None for m in nest.flatten(previous)):
            warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an "
                          "input with a mask attached to it. However, this layer does not "
                          "support masking and will therefore destroy the mask information. "
                          "Downstream layers will not see the mask.", stacklevel=3)

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs: the input mask, for layers that support masking."""
        return previous_mask if self.supports_masking else None

    # --- shapes --------------------------------------------------------------------------------
    def compute_output_spec(self, *args, **kwargs):
        """The outputs' symbolic tensors for inputs given as symbolic tensors or specs."""
        from tensorweave.keras.engine.functional_call import output_spec

        return output_spec(self, args, kwargs)

    def compute_output_shape(self, input_shape):
        """The output shape(s) for `input_shape`, inferred by calling the layer symbolically."""
        from tensorweave.keras.engine.functional_call import output_shape

        return output_shape(self, input_shape)

    # --- serialization -------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (weights not included)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_policy(self._dtype_policy)}
        if self._activity_regularizer is not None:
            from tensorweave.keras import regularizers

            config["activity_regularizer"] = regularizers.serialize(self._activity_regularizer)
        cls = type(self)
        if cls is Layer:
            config.setdefault("activity_regularizer", None)
            config["autocast"] = self.autocast
            return config
        if cls.__init__ is Layer.__init__:
            return config
        args, kwargs = self._init_args
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        except TypeError:
            bound = None
        if bound is not None:
            extra = {k: v for k, v in bound.arguments.items() if k != "self"}
            extra.update(extra.pop("kwargs", {}) if isinstance(extra.get("kwargs"), dict) else {})
            extra = {k: v for k, v in extra.items() if k not in config and k not in (
                "activity_regularizer", "dtype", "input_shape", "batch_size", "input_dim")}
            if all(_is_plain(v) for v in extra.values()):
                config.update(extra)
                return config
        raise NotImplementedError(
            f"Layer {cls.__name__} was created by passing non-serializable argument values in "
            "`__init__()`, and therefore the layer must override `get_config()` in order to be "
            "serializable.")

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """Recreates a layer from `get_config()`'s dict."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = get_policy(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config="
                            f"{config}.\n\nException encountered: {e}") from e

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # Module's attribute walk does not apply: Keras tracks in creation order.
    @property
    def submodules(self) -> tuple:
        return tuple(self._flatten_layers(include_self=False))
