"""keras.layers: every Keras layer, plus Layer, Input, InputLayer and InputSpec from the engine."""

from tensorweave.keras.engine.input_layer import Input, InputLayer
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers.core import (Activation, Dense, Dropout, Flatten, Lambda, Permute,
                                           RepeatVector, Reshape)
from tensorweave.keras.layers.conv import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose,
                                           Conv3D, Conv3DTranspose, DepthwiseConv2D,
                                           SeparableConv2D)
from tensorweave.keras.layers.pooling import (AveragePooling1D, AveragePooling2D,
                                              AveragePooling3D, Cropping1D, Cropping2D,
                                              Cropping3D, GlobalAveragePooling1D,
                                              GlobalAveragePooling2D, GlobalAveragePooling3D,
                                              GlobalMaxPooling1D, GlobalMaxPooling2D,
                                              GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D,
                                              MaxPooling3D, UpSampling1D, UpSampling2D,
                                              UpSampling3D, ZeroPadding1D, ZeroPadding2D,
                                              ZeroPadding3D)

from tensorweave.keras.layers.activation import ELU, PReLU, ReLU, LeakyReLU, Softmax
from tensorweave.keras.layers.embedding import Embedding, Masking
from tensorweave.keras.layers.normalization import BatchNormalization, LayerNormalization
from tensorweave.keras.layers.preprocessing import Normalization, Rescaling
from tensorweave.keras.layers.regularization import (ActivityRegularization, GaussianDropout,
                                                     GaussianNoise, SpatialDropout1D,
                                                     SpatialDropout2D, SpatialDropout3D)
from tensorweave.keras.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum,
                                              Multiply, Subtract, add, average, concatenate, dot,
                                              maximum, minimum, multiply, subtract)
from tensorweave.keras.layers.rnn import GRU, LSTM, RNN, SimpleRNN
from tensorweave.keras.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from tensorweave.keras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
from tensorweave.keras.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from tensorweave.keras.layers.einsum_dense import EinsumDense
from tensorweave.keras.layers.normalization_extra import (GroupNormalization, Identity,
                                                          RMSNormalization, UnitNormalization)
from tensorweave.keras.layers.conv import DepthwiseConv1D, SeparableConv1D
from tensorweave.keras.layers.pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                                              AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                                              AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from tensorweave.keras.layers.conv_rnn import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from tensorweave.keras.layers.lookup import IntegerLookup, StringLookup
from tensorweave.keras.layers.preprocessing import CategoryEncoding, Discretization
from tensorweave.keras.layers.regularization import AlphaDropout
from tensorweave.keras.layers.image_preprocessing import (CenterCrop, RandomBrightness,
                                                          RandomContrast, RandomCrop, RandomFlip,
                                                          RandomRotation, RandomTranslation,
                                                          RandomZoom, Resizing)

# Keras's aliases
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution2D, DepthwiseConvolution2D = SeparableConv2D, DepthwiseConv2D
Convolution1DTranspose, SeparableConvolution1D = Conv1DTranspose, SeparableConv1D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)


def serialize(layer) -> dict:
    """Keras's JSON-able description of a layer (`keras.layers.serialize`)."""
    from tensorweave.keras.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer rebuilt from `serialize`'s output (`keras.layers.deserialize`)."""
    from tensorweave.keras.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and (isinstance(value, type) or callable(value)))
