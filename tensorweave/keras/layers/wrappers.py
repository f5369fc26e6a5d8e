"""Layer wrappers: TimeDistributed (a layer on every timestep) and Bidirectional (an RNN run
forwards and backwards)."""

from __future__ import annotations

import inspect

import tensorweave as tf
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


def _serialize(layer) -> dict:
    from tensorweave.keras.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def _deserialize(config, custom_objects=None):
    from tensorweave.keras.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


class Wrapper(Layer):
    """The base of layers that wrap another layer (kept as `self.layer`)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self) -> dict:
        return {**u.base_config(self), "layer": _serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        return super().from_config(config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every temporal slice: (batch, time, ...) -> (batch, time, ...')."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {input_shape}")
        if not self.layer.built:
            self.layer._build_with_shapes((None,) + input_shape[2:])
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        inner = self.layer.compute_output_shape((input_shape[0],) + input_shape[2:])
        return (inner[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        shape = inputs.shape.as_tuple()
        dyn = tf.shape(inputs)
        batch = shape[0] if shape[0] is not None else dyn[0]
        steps = shape[1] if shape[1] is not None else dyn[1]
        inner_shape = shape[2:]
        if all(d is not None for d in inner_shape):
            flat = tf.reshape(inputs, (-1,) + tuple(inner_shape))
        else:
            flat = tf.reshape(inputs, tf.concat([tf.constant([-1], "int32"), dyn[2:]], 0))
        kwargs = {}
        sig = inspect.signature(self.layer.call).parameters
        if "training" in sig:
            kwargs["training"] = training
        if mask is not None and "mask" in sig:
            kwargs["mask"] = tf.reshape(mask, (-1,))
        y = self.layer(flat, **kwargs)
        out_inner = y.shape.as_tuple()[1:]
        if all(d is not None for d in out_inner) and isinstance(batch, int) and isinstance(
                steps, int):
            return tf.reshape(y, (batch, steps) + tuple(out_inner))
        ydyn = tf.shape(y)
        to_t = (lambda v: tf.constant(v, "int32") if isinstance(v, int) else v)
        return tf.reshape(y, tf.concat([tf.stack([to_t(batch), to_t(steps)]), ydyn[1:]], 0))


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Runs an RNN forwards and a copy backwards and merges their outputs ('concat' by default;
    'sum', 'mul', 'ave', or None for a list). Keras's names: forward_<name>, backward_<name>."""

    def __init__(self, layer, merge_mode: str | None = "concat", weights=None,
                 backward_layer=None, **kwargs):
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             "one of {'sum', 'mul', 'ave', 'concat', None}")
        if not hasattr(layer, "return_sequences") or not hasattr(layer, "go_backwards"):
            raise ValueError("Bidirectional: `layer` must be a recurrent layer (with "
                             f"return_sequences and go_backwards). Received: {layer}")
        super().__init__(layer, **kwargs)
        config = layer.get_config()
        config["name"] = "forward_" + layer.name
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = not config["go_backwards"]
            config["name"] = "backward_" + layer.name
            backward_layer = type(layer).from_config(config)
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: "
                             f"forward_layer.go_backwards={layer.go_backwards}, "
                             f"backward_layer.go_backwards={backward_layer.go_backwards}")
        self.backward_layer = backward_layer
        # The template layer is not part of the model: only the two copies hold weights.
        self._layers.remove(layer)
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._pending_weights = weights

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer._build_with_shapes(shape)
        if self._pending_weights is not None:
            self.set_weights(self._pending_weights)
            self._pending_weights = None
        self.built = True

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return tf.concat([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / tf.constant(2.0, y.dtype)
        if self.merge_mode == "mul":
            return y * y_rev
        return [y, y_rev]

    def call(self, sequences, initial_state=None, mask=None, training=None):
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = initial_state[:half], initial_state[half:]
        fw = self.forward_layer(sequences, initial_state=fw_state, mask=mask,
                                training=training)
        bw = self.backward_layer(sequences, initial_state=bw_state, mask=mask,
                                 training=training)
        states = []
        if self.return_state:
            states = list(fw[1:]) + list(bw[1:])
            fw, bw = fw[0], bw[0]
        if self.return_sequences:
            bw = tf.reverse(bw, [1])
        output = self._merge(fw, bw)
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        if self.return_state:
            out, states = shape[0], list(shape[1:])
        else:
            out, states = shape, []
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (out[-1] * 2,)
        merged = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return merged + states + states
        return merged[0] if self.merge_mode is not None else merged

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        out = previous_mask if self.return_sequences else None
        masks = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(self.forward_layer.get_initial_state(1)) * 2
            return masks + [None] * n
        return masks[0] if self.merge_mode is not None else masks

    def reset_states(self, states=None) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict:
        return {**u.base_config(self), "merge_mode": self.merge_mode,
                "layer": _serialize(self.forward_layer),
                "backward_layer": _serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        # The template layer is never built: only its two copies hold weights.
        layer_config = {k: v for k, v in config.pop("layer").items() if k != "build_config"}
        layer = _deserialize(layer_config, custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = _deserialize(backward, custom_objects)
        if layer.name.startswith("forward_"):
            # Give the template its original name so the copies keep forward_/backward_ names.
            object.__setattr__(layer, "_name", layer.name[len("forward_"):])
        if isinstance(config.get("dtype"), dict):
            from tensorweave.keras.engine.naming import get_policy

            config["dtype"] = get_policy(config["dtype"])
        return cls(layer, backward_layer=backward, **config)


