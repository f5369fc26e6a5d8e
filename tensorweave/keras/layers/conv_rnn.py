"""Convolutional LSTMs: ConvLSTM1D/2D/3D (Shi et al. 2015) with Keras's weights: kernel
(*kernel_size, in, 4 filters), recurrent_kernel (*kernel_size, filters, 4 filters), bias
(4 filters), gates i, f, c, o; the recurrent convolution is 'same' with stride 1."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.layers import _utils as u
from tensorweave.keras.layers.rnn import RNN
from tensorweave.keras.layers.rnn_cells import LSTMCell

_CONV = {1: tf.nn.conv1d, 2: tf.nn.conv2d, 3: tf.nn.conv3d}


class ConvLSTMCell(LSTMCell):
    """One step of a convolutional LSTM on channels-last images."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding: str = "valid",
                 dilation_rate=1, **kwargs):
        super().__init__(filters, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = u.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = u.normalize_tuple(strides, rank, "strides")
        self.dilation_rate = u.normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = u.normalize_padding(padding)
        if self.padding == "causal":
            raise ValueError("ConvLSTM layers accept padding 'valid' or 'same'")
        self._state_shape = None

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        in_channels = input_shape[-1]
        if in_channels is None:
            raise ValueError(f"{type(self).__name__}: the channel dimension must be defined; "
                             f"got input_shape={input_shape}")
        spatial = tuple(u.conv_output_length(d, k, self.padding, s, r) for d, k, s, r in zip(
            input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate))
        self._state_shape = spatial + (self.filters,)
        n = 4 * self.filters
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (in_channels, n),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=self.kernel_size + (self.filters, n),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = self.add_weight(name="bias", shape=(n,),
                                    initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    @property
    def state_size(self):
        return [self._state_shape, self._state_shape]

    @property
    def output_size(self):
        return self._state_shape

    def get_initial_state(self, batch_size):
        if any(d is None for d in self._state_shape):
            raise NotImplementedError(f"{type(self).__name__}: the image size must be known "
                                      "when the layer runs")
        dtype = tf.as_dtype(self.compute_dtype)
        if isinstance(batch_size, int):
            shape = (batch_size,) + self._state_shape
        else:
            shape = tf.stack([batch_size] + [tf.constant(d, "int32")
                                             for d in self._state_shape])
        return [tf.zeros(shape, dtype), tf.zeros(shape, dtype)]

    def _conv(self, x, kernel, strides, padding, dilations):
        fmt = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[self.rank]
        if self.rank == 1:
            return tf.nn.conv1d(x, kernel, strides[0], padding.upper(), fmt, dilations[0])
        return _CONV[self.rank](x, kernel, strides, padding.upper(), fmt, dilations)

    def project(self, x):
        """The input convolution (+ bias) of one step, or of every step of a sequence."""
        kernel = u.read(self.kernel, x.dtype)
        sequence = x.shape.rank == self.rank + 3
        if sequence:  # fold time into the batch: one convolution for all steps
            shape = x.shape.as_tuple()
            dyn = tf.shape(x)
            x = tf.reshape(x, tf.concat([tf.constant([-1], "int32"), dyn[2:]], 0))
        z = self._conv(x, kernel, self.strides, self.padding, self.dilation_rate)
        if self.bias is not None:
            z = tf.nn.bias_add(z, u.read(self.bias, z.dtype))
        if sequence:
            batch = shape[0] if shape[0] is not None else dyn[0]
            out = [tf.constant(d, "int32") for d in z.shape.as_tuple()[1:]]
            dims = [batch if not isinstance(batch, int) else tf.constant(batch, "int32"),
                    tf.constant(shape[1], "int32")] + out
            z = tf.reshape(z, tf.stack(dims))
        return z

    def step(self, projected, states):
        h, c = states
        ones = (1,) * self.rank
        z = projected + self._conv(h, u.read(self.recurrent_kernel, h.dtype), ones, "same",
                                   ones)
        zi, zf, zc, zo = tf.split(z, 4, axis=-1)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("units")
        config.update({"filters": self.filters, "kernel_size": self.kernel_size,
                       "strides": self.strides, "padding": self.padding,
                       "dilation_rate": self.dilation_rate, "rank": self.rank})
        return config


class _ConvLSTM(RNN):
    rank = 2

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed=None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, name=None, dtype=None,
                 trainable: bool = True, **kwargs):
        cell = ConvLSTMCell(self.rank, filters, kernel_size, strides=strides, padding=padding,
                            dilation_rate=dilation_rate, activation=activation,
                            recurrent_activation=recurrent_activation, use_bias=use_bias,
                            kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer,
                            unit_forget_bias=unit_forget_bias,
                            kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer,
                            kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint,
                            bias_constraint=bias_constraint, dropout=dropout,
                            recurrent_dropout=recurrent_dropout, seed=seed,
                            name="conv_lstm_cell", dtype=dtype, trainable=trainable)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask,
                         activity_regularizer=activity_regularizer, name=name, dtype=dtype,
                         trainable=trainable, **kwargs)
        self.data_format = u.normalize_data_format(data_format)

    def _last(self, shape) -> tuple:
        """A (batch, time, ...) shape in channels-last order."""
        shape = tuple(shape)
        if self.data_format == "channels_first":
            return shape[:2] + shape[3:] + shape[2:3]
        return shape

    def _first(self, shape) -> tuple:
        """A (batch, ..., channels) shape back in the layer's order."""
        if self.data_format == "channels_first":
            return shape[:1] + shape[-1:] + shape[1:-1]
        return shape

    def build(self, input_shape, initial_state_shape=None) -> None:
        super().build(self._last(input_shape))

    def call(self, sequences, initial_state=None, mask=None, training=None):
        first = self.data_format == "channels_first"
        n = self.rank
        if first:
            sequences = tf.transpose(sequences, (0, 1) + tuple(range(3, n + 3)) + (2,))
            if initial_state is not None:
                initial_state = [tf.transpose(s, (0,) + tuple(range(2, n + 2)) + (1,))
                                 for s in initial_state]
        out = super().call(sequences, initial_state=initial_state, mask=mask,
                           training=training)
        if not first:
            return out

        def back(t):
            rank = t.shape.rank
            return tf.transpose(t, (0, rank - 1) + tuple(range(1, rank - 1))) if \
                rank == n + 2 else tf.transpose(t, (0, 1, rank - 1) + tuple(range(2, rank - 1)))

        return [back(t) for t in out] if isinstance(out, list) else back(out)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self._last(sequences_shape)
        cell = self.cell
        spatial = tuple(u.conv_output_length(d, k, cell.padding, s, r) for d, k, s, r in zip(
            shape[2:-1], cell.kernel_size, cell.strides, cell.dilation_rate))
        step = self._first((shape[0],) + spatial + (cell.filters,))
        output = (step[0], shape[1]) + step[1:] if self.return_sequences else step
        return [output, step, step] if self.return_state else output

    def get_config(self) -> dict:
        config = u.base_config(self)
        for key in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                    "zero_output_for_mask"):
            config[key] = getattr(self, key)
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "rank"):
            cell.pop(key)
        config.update(cell)
        config["data_format"] = self.data_format
        config["activity_regularizer"] = u.activity_reg_config(self)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from tensorweave.keras.engine.layer import Layer

        return Layer.from_config.__func__(cls, config)


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over sequences of 1-D signals (batch, time, steps, channels)."""

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over sequences of images (batch, time, rows, cols, channels)."""

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over sequences of volumes."""

    rank = 3
