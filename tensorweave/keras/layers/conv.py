"""Convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv2D, SeparableConv2D."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import activations, initializers
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u

_NN_FORMAT = {(1, False): "NWC", (1, True): "NCW", (2, False): "NHWC", (2, True): "NCHW",
              (3, False): "NDHWC", (3, True): "NCDHW"}


class BaseConv(Layer):
    """What every convolution shares: arguments, config, bias and activation (Keras's BaseConv).

    Subclasses set `rank` and implement `_kernel_shape` and `_convolve`.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding: str = "valid",
                 data_format=None, dilation_rate=1, groups: int = 1, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive "
                             f"value. Received filters={filters}.")
        self.filters = filters
        self.groups = int(groups)
        if self.groups <= 0 or (filters is not None and filters % self.groups):
            raise ValueError("The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={groups}, filters={filters}.")
        self.kernel_size = u.normalize_tuple(kernel_size, n, "kernel_size")
        self.strides = u.normalize_tuple(strides, n, "strides")
        self.dilation_rate = u.normalize_tuple(dilation_rate, n, "dilation_rate")
        self.padding = u.normalize_padding(padding)
        if self.padding == "causal" and n != 1:
            raise ValueError("Causal padding is only supported for `Conv1D`.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.data_format = u.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = u.get_reg(kernel_regularizer)
        self.bias_regularizer = u.get_reg(bias_regularizer)
        self.kernel_constraint = u.get_con(kernel_constraint)
        self.bias_constraint = u.get_con(bias_constraint)
        self.input_spec = InputSpec(min_ndim=n + 2)

    @property
    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    @property
    def _nn_format(self) -> str:
        return _NN_FORMAT[(self.rank, self.data_format == "channels_first")]

    def _in_channels(self, input_shape) -> int:
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the channel dimension of "
                             f"the inputs must be defined. Received input_shape={input_shape}")
        return channels

    def _kernel_shape(self, in_channels: int) -> tuple:
        if in_channels % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {in_channels} channels.")
        return self.kernel_size + (in_channels // self.groups, self.filters)

    def _bias_size(self) -> int:
        return self.filters

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        in_channels = self._in_channels(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self._kernel_shape(in_channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self._bias_size(),),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={self._channel_axis: in_channels})
        self.built = True

    def _conv(self, x, kernel):
        """One ungrouped convolution with this layer's strides, padding and dilations."""
        strides, dilations = self.strides, self.dilation_rate
        if self.rank == 1:
            padding = self.padding.upper()
            if self.padding == "causal":
                left = dilations[0] * (self.kernel_size[0] - 1)
                pads = [[0, 0], [0, 0], [left, 0]] if self.data_format == "channels_first" \
                    else [[0, 0], [left, 0], [0, 0]]
                x = tf.pad(x, pads)
                padding = "VALID"
            return tf.nn.conv1d(x, kernel, strides[0], padding, self._nn_format, dilations[0])
        conv = tf.nn.conv2d if self.rank == 2 else tf.nn.conv3d
        return conv(x, kernel, strides, self.padding.upper(), self._nn_format, dilations)

    def _convolve(self, x, kernel):
        if self.groups == 1:
            return self._conv(x, kernel)
        axis = 1 if self.data_format == "channels_first" else self.rank + 1
        xs = tf.split(x, self.groups, axis=axis)
        ks = tf.split(kernel, self.groups, axis=self.rank + 1)
        return tf.concat([self._conv(a, k) for a, k in zip(xs, ks)], axis)

    def call(self, inputs):
        y = self._convolve(inputs, u.read(self.kernel, inputs.dtype))
        if self.bias is not None:
            fmt = "NCHW" if self.data_format == "channels_first" else "NHWC"
            y = tf.nn.bias_add(y, u.read(self.bias, y.dtype), data_format=fmt)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def _spatial_out(self, spatial) -> tuple:
        return tuple(u.conv_output_length(d, k, self.padding, s, r) for d, k, s, r in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_first":
            return input_shape[:1] + (self.filters,) + self._spatial_out(input_shape[2:])
        return input_shape[:1] + self._spatial_out(input_shape[1:-1]) + (self.filters,)

    def get_config(self) -> dict:
        config = u.base_config(self)
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "groups": self.groups,
            "activation": u.ser_act(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": u.ser_init(self.kernel_initializer),
            "bias_initializer": u.ser_init(self.bias_initializer),
            "kernel_regularizer": u.ser_reg(self.kernel_regularizer),
            "bias_regularizer": u.ser_reg(self.bias_regularizer),
            "activity_regularizer": u.activity_reg_config(self),
            "kernel_constraint": u.ser_con(self.kernel_constraint),
            "bias_constraint": u.ser_con(self.bias_constraint),
        })
        return config


class Conv1D(BaseConv):
    """1-D convolution over (batch, steps, channels); padding 'valid', 'same' or 'causal'."""

    rank = 1


class Conv2D(BaseConv):
    """2-D convolution over (batch, height, width, channels), kernel (kh, kw, in, filters).

    >>> Conv2D(8, 3, activation="relu")(tf.ones((1, 5, 5, 2))).shape
    TensorShape([1, 3, 3, 8])
    """

    rank = 2


class Conv3D(BaseConv):
    """3-D convolution over (batch, depth, height, width, channels)."""

    rank = 3


class BaseConvTranspose(BaseConv):
    """Transposed convolutions: kernel (*kernel_size, filters, in_channels)."""

    def __init__(self, filters, kernel_size, strides=1, padding: str = "valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        if output_padding is not None:
            output_padding = u.normalize_tuple(output_padding, self.rank, "output_padding",
                                               allow_zero=True)
            for p, s in zip(output_padding, self.strides):
                if p >= s:
                    raise ValueError("Strides must be greater than output padding. Received "
                                     f"strides={self.strides}, output_padding={output_padding}.")
        self.output_padding = output_padding

    def _kernel_shape(self, in_channels: int) -> tuple:
        return self.kernel_size + (self.filters, in_channels)

    def _spatial_out(self, spatial) -> tuple:
        pads = self.output_padding or (None,) * self.rank
        return tuple(u.deconv_output_length(d, k, self.padding, p, s, r) for d, k, p, s, r in
                     zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate))

    def _convolve(self, x, kernel):
        shape = x.shape.as_tuple()
        first = self.data_format == "channels_first"
        spatial = shape[2:] if first else shape[1:-1]
        if any(d is None for d in spatial):
            dyn = tf.shape(x)
            spatial = [dyn[i + (2 if first else 1)] for i in range(self.rank)]
            out_sp = [self._dyn_out(d, i) for i, d in enumerate(spatial)]
        else:
            out_sp = [tf.constant(d, "int32") for d in self._spatial_out(spatial)]
        batch = tf.constant(shape[0], "int32") if shape[0] is not None else tf.shape(x)[0]
        channels = tf.constant(self.filters, "int32")
        dims = [batch, channels] + out_sp if first else [batch] + out_sp + [channels]
        out_shape = tf.stack(dims)
        if self.rank == 1:
            y = tf.nn.conv1d_transpose(x, kernel, out_shape, self.strides,
                                       self.padding.upper(), self._nn_format,
                                       self.dilation_rate)
            if u.is_symbolic(y):
                y.set_shape(self.compute_output_shape(shape))
            return y
        fn = tf.nn.conv2d_transpose if self.rank == 2 else tf.nn.conv3d_transpose
        y = fn(x, kernel, out_shape, self.strides, self.padding.upper(), self._nn_format,
               self.dilation_rate)
        if u.is_symbolic(y):  # the output size is a computed tensor: give the trace its shape
            y.set_shape(self.compute_output_shape(shape))
        return y

    def _dyn_out(self, length, i):
        k = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
        s = self.strides[i]
        if self.output_padding is None:
            if self.padding == "valid":
                return length * s + max(k - s, 0)
            return length * s
        pad = k // 2 if self.padding == "same" else 0
        return (length - 1) * s + k - 2 * pad + self.output_padding[i]

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution (sometimes called deconvolution)."""

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution: upsamples (batch, h, w, c) by `strides`."""

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution."""

    rank = 3


def _as_2d(layer, x, kernels):
    """The 2-D form of a depthwise/separable call: inputs, kernels, 4-D strides, dilations,
    format and padding (1-D layers add a unit height axis; causal padding pads the left)."""
    first = layer.data_format == "channels_first"
    strides, dilations, padding = layer.strides, layer.dilation_rate, layer.padding.upper()
    if layer.rank == 1:
        if layer.padding == "causal":
            left = dilations[0] * (layer.kernel_size[0] - 1)
            x = tf.pad(x, [[0, 0], [0, 0], [left, 0]] if first else [[0, 0], [left, 0], [0, 0]])
            padding = "VALID"
        x = tf.expand_dims(x, 2 if first else 1)
        kernels = [tf.expand_dims(k, 0) for k in kernels]
        strides, dilations = (1,) + strides, (1,) + dilations
    strides = (1, 1) + strides if first else (1,) + strides + (1,)
    return x, kernels, strides, dilations, "NCHW" if first else "NHWC", padding


def _from_2d(layer, y):
    if layer.rank == 1:
        return tf.squeeze(y, [2 if layer.data_format == "channels_first" else 1])
    return y


class DepthwiseConv2D(BaseConv):
    """Each input channel convolved with `depth_multiplier` filters of its own."""

    def __init__(self, kernel_size, strides=(1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        in_channels = self._in_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (in_channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(in_channels * self.depth_multiplier,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: in_channels})
        self.built = True

    def call(self, inputs):
        x, (kernel,), strides, dilations, fmt, padding = _as_2d(
            self, inputs, [u.read(self.depthwise_kernel, inputs.dtype)])
        y = _from_2d(self, tf.nn.depthwise_conv2d(x, kernel, strides, padding, fmt, dilations))
        if self.bias is not None:
            y = tf.nn.bias_add(y, u.read(self.bias, y.dtype), data_format=fmt)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        c = input_shape[self._channel_axis]
        out_c = None if c is None else c * self.depth_multiplier
        if self.data_format == "channels_first":
            return (input_shape[0], out_c) + self._spatial_out(input_shape[2:])
        return input_shape[:1] + self._spatial_out(input_shape[1:-1]) + (out_c,)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("filters", "groups"):
            config.pop(key)
        renamed = {}
        for key, value in config.items():
            if key.startswith("kernel_") and key != "kernel_size":
                key = "depthwise_" + key[len("kernel_"):]
            renamed[key] = value
        renamed["depth_multiplier"] = self.depth_multiplier
        return renamed


class SeparableConv2D(BaseConv):
    """A depthwise convolution, then a 1x1 pointwise convolution to `filters` channels."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier: int = 1,
                 activation=None, use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = u.get_reg(pointwise_regularizer)
        self.pointwise_constraint = u.get_con(pointwise_constraint)

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        in_channels = self._in_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (in_channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (in_channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: in_channels})
        self.built = True

    def call(self, inputs):
        x, (dw, pw), strides, dilations, fmt, padding = _as_2d(
            self, inputs, [u.read(self.depthwise_kernel, inputs.dtype),
                           u.read(self.pointwise_kernel, inputs.dtype)])
        y = _from_2d(self, tf.nn.separable_conv2d(x, dw, pw, strides, padding, fmt, dilations))
        if self.bias is not None:
            y = tf.nn.bias_add(y, u.read(self.bias, y.dtype), data_format=fmt)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("groups")
        renamed = {}
        for key, value in config.items():
            if key.startswith("kernel_") and key != "kernel_size":
                key = "depthwise_" + key[len("kernel_"):]
            renamed[key] = value
        renamed.update({
            "depth_multiplier": self.depth_multiplier,
            "pointwise_initializer": u.ser_init(self.pointwise_initializer),
            "pointwise_regularizer": u.ser_reg(self.pointwise_regularizer),
            "pointwise_constraint": u.ser_con(self.pointwise_constraint),
        })
        return renamed


class DepthwiseConv1D(DepthwiseConv2D):
    """Depthwise 1-D convolution: each channel of (batch, steps, channels) gets
    `depth_multiplier` filters of its own."""

    rank = 1

    def __init__(self, kernel_size, strides=1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format=None, dilation_rate=1, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class SeparableConv1D(SeparableConv2D):
    """Depthwise then pointwise 1-D convolution over (batch, steps, channels)."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding: str = "valid",
                 data_format=None, dilation_rate=1, depth_multiplier: int = 1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, **kwargs)
