"""Recurrent layers: RNN (any cell), SimpleRNN, LSTM, GRU.

The loop is a Python loop over the (statically known) timesteps: built-in cells project all
timesteps' inputs with one matmul first, so each step costs one recurrent matmul and the gates.
Masks hold the previous output and states at masked steps, as Keras does.
"""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u
from tensorweave.keras.layers.rnn_cells import (GRUCell, LSTMCell, SimpleRNNCell,
                                                StackedRNNCells, _Cell, _initial, _sizes)


class RNN(Layer):
    """Runs `cell` over the time axis of (batch, timesteps, features) inputs.

    `return_sequences` gives every step's output, `return_state` adds the final states,
    `go_backwards` reads the sequence from the end (and returns outputs in that order),
    `stateful` carries the final states of a batch over to the next call.
    """

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError("Argument `cell` should have a `call` method and a `state_size` "
                             f"attribute. Received: cell={cell}")
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._states = None

    @property
    def states(self):
        return self._states

    def build(self, input_shape, initial_state_shape=None) -> None:
        if isinstance(input_shape, list) and input_shape and isinstance(
                input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        step_shape = (input_shape[0],) + input_shape[2:]
        if not self.cell.built:
            self.cell._build_with_shapes(step_shape)
        if self.stateful:
            if input_shape[0] is None:
                raise ValueError("If a RNN is stateful, it needs to know its batch size. Specify "
                                 "the batch size of your input tensors (batch_size= on Input or "
                                 "batch_input_shape=).")
            self._make_states(input_shape[0])
        self.built = True

    def _make_states(self, batch: int) -> None:
        values = _initial(self.cell, batch)
        object.__setattr__(self, "_states", [tf.Variable(v, trainable=False) for v in values])

    def reset_states(self, states=None) -> None:
        """Zeroes the carried states of a stateful RNN (or sets them to `states`)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful to reset its states.")
        if self._states is None:
            return
        if states is None:
            for var in self._states:
                var.assign(tf.zeros_like(var))
        else:
            states = states if isinstance(states, (list, tuple)) else [states]
            for var, value in zip(self._states, states):
                var.assign(value)

    reset_state = reset_states

    def get_initial_state(self, batch_size):
        return _initial(self.cell, batch_size)

    def _output_size(self) -> int:
        return getattr(self.cell, "output_size", _sizes(self.cell.state_size)[0])

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(
                sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        shape = tuple(sequences_shape)
        out = self._output_size()
        output = (shape[0], shape[1], out) if self.return_sequences else (shape[0], out)
        if self.return_state:
            return [output] + [(shape[0], s) for s in _sizes(self.cell.state_size)]
        return output

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        out = previous_mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(_sizes(self.cell.state_size))
        return out

    def _dropout_masks(self, inputs, state, training):
        """One dropout mask per sequence for the step inputs and one for the recurrent state
        (any rank: convolutional cells have image-shaped steps and states)."""
        cell = self.cell
        mode = u.in_train_mode(training)
        if not isinstance(cell, _Cell) or not isinstance(mode, bool) or not mode:
            return None, None
        dp = rdp = None
        if cell.dropout > 0:
            dp = tf.nn.dropout(tf.ones_like(inputs[:, 0]), rate=cell.dropout, seed=cell.seed)
        if cell.recurrent_dropout > 0:
            rdp = tf.nn.dropout(tf.ones_like(state), rate=cell.recurrent_dropout,
                                seed=cell.seed)
        return dp, rdp

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(sequences, (list, tuple)):  # Keras 2 style [inputs, *initial_states]
            sequences, initial_state = sequences[0], list(sequences[1:]) or initial_state
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        shape = sequences.shape.as_tuple()
        timesteps = shape[1]
        if timesteps is None:
            raise NotImplementedError(
                f"{type(self).__name__}: the number of timesteps must be known when the layer "
                "runs (tensorweave unrolls the loop over time); got inputs of shape "
                f"{shape}")
        batch = shape[0] if shape[0] is not None else tf.shape(sequences)[0]
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
                [initial_state]
        elif self.stateful:
            if self._states is None:
                self._make_states(batch)
            states = [v.value() for v in self._states]
        else:
            states = self.get_initial_state(batch)
        # States follow the inputs' float dtype (mixed precision may hand either).
        states = [tf.cast(st, sequences.dtype) if st.dtype.is_floating and
                  st.dtype != sequences.dtype else st for st in states]
        dp, rdp = self._dropout_masks(sequences, states[0], training)
        cell = self.cell
        fast = isinstance(cell, _Cell)
        x = sequences if dp is None else sequences * tf.expand_dims(dp, 1)
        if fast:
            x = cell.project(x)
        steps = tf.unstack(x, axis=1) if timesteps else []
        masks = tf.unstack(mask, axis=1) if mask is not None and timesteps else None
        order = range(timesteps - 1, -1, -1) if self.go_backwards else range(timesteps)
        outputs = []
        prev_out = None
        for t in order:
            if fast:
                h_states = states if rdp is None else [states[0] * rdp] + list(states[1:])
                out, new_states = cell.step(steps[t], h_states)
                if rdp is not None:
                    new_states = list(new_states)
            else:
                out, new_states = cell(steps[t], list(states), training=training)
                new_states = list(new_states) if isinstance(new_states, (list, tuple)) else \
                    [new_states]
            if masks is not None:
                keep = tf.expand_dims(masks[t], -1)
                if prev_out is None:
                    prev_out = tf.zeros_like(out)
                out_kept = tf.where(keep, out, prev_out)
                new_states = [tf.where(keep, n, s) for n, s in zip(new_states, states)]
                prev_out = out_kept
                out = tf.where(keep, out, tf.zeros_like(out)) if self.zero_output_for_mask \
                    else out_kept
            states = new_states
            outputs.append(out)
        if not outputs:
            raise ValueError(f"{type(self).__name__}: inputs have 0 timesteps")
        last = prev_out if masks is not None else outputs[-1]
        if self.stateful:
            for var, value in zip(self._states, states):
                var.assign(value)
        output = tf.stack(outputs, axis=1) if self.return_sequences else last
        if self.return_state:
            return [output] + list(states)
        return output

    def get_config(self) -> dict:
        from tensorweave.keras.saving.serialization import serialize_keras_object

        return {**u.base_config(self), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize_keras_object(self.cell)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "RNN":
        from tensorweave.keras.saving.serialization import deserialize_keras_object

        config = dict(config)
        config["cell"] = deserialize_keras_object(config["cell"], custom_objects=custom_objects)
        return super().from_config(config)


class _BuiltinRNN(RNN):
    """SimpleRNN/LSTM/GRU: the cell's arguments are the layer's; the config is flat."""

    cell_class = SimpleRNNCell
    _layer_keys = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                   "zero_output_for_mask")

    def __init__(self, units, *, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False,
                 activity_regularizer=None, name=None, dtype=None, trainable=True, **cell_kwargs):
        layer_kwargs = {k: cell_kwargs.pop(k) for k in list(cell_kwargs)
                        if k in ("input_shape", "batch_input_shape", "batch_size", "input_dim",
                                 "weights", "autocast")}
        cell_kwargs.pop("time_major", None)
        cell = self.cell_class(units, name=f"{self._cell_name()}", dtype=dtype,
                               trainable=trainable, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask,
                         activity_regularizer=activity_regularizer, name=name, dtype=dtype,
                         trainable=trainable, **layer_kwargs)

    @classmethod
    def _cell_name(cls) -> str:
        return {"SimpleRNNCell": "simple_rnn_cell", "LSTMCell": "lstm_cell",
                "GRUCell": "gru_cell"}[cls.cell_class.__name__]

    def __getattr__(self, name):
        # units, activation, dropout ... read through to the cell, as in Keras.
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self) -> dict:
        config = u.base_config(self)
        for key in self._layer_keys:
            config[key] = getattr(self, key)
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key)
        config.update(cell_config)
        config["activity_regularizer"] = u.activity_reg_config(self)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "RNN":
        return Layer.from_config.__func__(cls, config)


class SimpleRNN(_BuiltinRNN):
    """A fully connected RNN: h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    cell_class = SimpleRNNCell

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("seed", None)
        return config


class LSTM(_BuiltinRNN):
    """Long short-term memory (Hochreiter 1997) with Keras's weights: kernel (in, 4u),
    recurrent_kernel (u, 4u), bias (4u), gates in the order i, f, c, o."""

    cell_class = LSTMCell


class GRU(_BuiltinRNN):
    """Gated recurrent unit with Keras's weights: kernel (in, 3u), recurrent_kernel (u, 3u),
    bias (2, 3u) with reset_after=True (the default) or (3u,); gates z, r, h."""

    cell_class = GRUCell
