"""Keras 3 (TensorFlow 2.21) against tensorweave's layers: the same weights (copied with
set_weights) and inputs must give the same outputs, input gradients and weight gradients."""

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
keras_real = pytest.importorskip("keras")

import tensorweave as tw  # noqa: E402
from tensorweave import keras as kw  # noqa: E402

RNG = np.random.default_rng(3)

# (layer class name, constructor kwargs, input shape); inputs are float32 normals.
CASES = [
    ("Dense", {"units": 5, "activation": "relu"}, (3, 4)),
    ("Dense", {"units": 3, "use_bias": False}, (2, 3, 4)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
     (2, 9, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 9, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "tanh"}, (2, 7, 6, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same"},
     (2, 7, 6, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2}, (2, 6, 6, 4)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (1, 8, 8, 2)),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (1, 4, 4, 4, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 4, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 4, 5, 2)),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 6, 6, 3)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}, (2, 6, 6, 3)),
    ("MaxPooling1D", {"pool_size": 2}, (2, 7, 3)),
    ("MaxPooling2D", {"pool_size": 2}, (2, 6, 6, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 7, 3)),
    ("AveragePooling1D", {"pool_size": 3, "padding": "same"}, (2, 7, 3)),
    ("AveragePooling2D", {"pool_size": 2}, (2, 6, 6, 3)),
    ("GlobalMaxPooling1D", {}, (2, 5, 3)),
    ("GlobalAveragePooling1D", {}, (2, 5, 3)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (2, 4, 5, 3)),
    ("GlobalAveragePooling2D", {}, (2, 4, 5, 3)),
    ("ZeroPadding2D", {"padding": ((1, 2), (0, 1))}, (2, 3, 3, 2)),
    ("AdaptiveAveragePooling2D", {"output_size": 3}, (2, 7, 5, 2)),
    ("AdaptiveMaxPooling2D", {"output_size": (2, 4)}, (2, 7, 5, 2)),
    ("AdaptiveMaxPooling1D", {"output_size": 4}, (2, 7, 3)),
    ("AdaptiveAveragePooling1D", {"output_size": 3}, (2, 8, 3)),
    ("Cropping2D", {"cropping": ((1, 0), (1, 2))}, (2, 5, 6, 2)),
    ("UpSampling2D", {"size": (2, 3)}, (2, 3, 3, 2)),
    ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, (2, 3, 4, 2)),
    ("Flatten", {}, (2, 3, 4)),
    ("Reshape", {"target_shape": (2, -1)}, (2, 3, 4)),
    ("Permute", {"dims": (2, 1)}, (2, 3, 4)),
    ("RepeatVector", {"n": 3}, (2, 4)),
    ("BatchNormalization", {}, (4, 3)),
    ("BatchNormalization", {"axis": 1, "center": False}, (4, 3, 5)),
    ("LayerNormalization", {}, (3, 5)),
    ("LayerNormalization", {"axis": [1, 2]}, (2, 3, 4)),
    ("LayerNormalization", {"rms_scaling": True}, (3, 5)),
    ("GroupNormalization", {"groups": 2}, (2, 3, 3, 4)),
    ("GroupNormalization", {"groups": -1, "axis": 1}, (2, 3, 5)),
    ("UnitNormalization", {}, (3, 5)),
    ("RMSNormalization", {}, (3, 5)),
    ("RMSNormalization", {"axis": [1, 2]}, (2, 3, 4)),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "strides": 2}, (2, 9, 3)),
    ("DepthwiseConv2D", {"kernel_size": 2, "strides": 2, "padding": "same"}, (2, 5, 5, 3)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}, (2, 7, 3)),
    ("Identity", {}, (3, 5)),
    ("ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, (3, 5)),
    ("LeakyReLU", {}, (3, 5)),
    ("PReLU", {"alpha_initializer": "ones", "shared_axes": [1]}, (2, 3, 4)),
    ("ELU", {"alpha": 0.5}, (3, 5)),
    ("Softmax", {}, (3, 5)),
    ("Rescaling", {"scale": 0.5, "offset": 1.0}, (3, 5)),
    ("Activation", {"activation": "gelu"}, (3, 5)),
]


def _pair(name, kwargs, shape):
    theirs = getattr(keras_real.layers, name)(**kwargs)
    ours = getattr(kw.layers, name)(**kwargs)
    x = RNG.normal(size=shape).astype("float32")
    theirs(x)
    ours(x)
    weights = [RNG.normal(size=w.shape).astype("float32") * 0.5 for w in theirs.get_weights()]
    if name == "BatchNormalization":  # a valid moving variance
        weights[-1] = np.abs(weights[-1]) + 0.5
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours, x


@pytest.mark.parametrize("name,kwargs,shape", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_forward_and_gradients_match_keras(name, kwargs, shape):
    theirs, ours, x = _pair(name, kwargs, shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for training in (False, True):
        xt = tf_real.constant(x)
        with tf_real.GradientTape() as tape:
            tape.watch(xt)
            y_ref = theirs(xt, training=training)
            cot = np.cos(np.arange(np.prod(y_ref.shape))).reshape(y_ref.shape).astype("float32")
            loss = tf_real.reduce_sum(y_ref * cot)
        ref_grads = tape.gradient(loss, [xt] + list(theirs.trainable_weights))
        xw = tw.constant(x)
        with tw.GradientTape() as tape:
            tape.watch(xw)
            y = ours(xw, training=training)
            loss = tw.reduce_sum(y * tw.constant(cot))
        grads = tape.gradient(loss, [xw] + list(ours.trainable_weights))
        np.testing.assert_allclose(y.numpy(), y_ref.numpy(), rtol=1e-4, atol=1e-5)
        for g, g_ref in zip(grads, ref_grads):
            np.testing.assert_allclose(np.asarray(tw.convert_to_tensor(g).numpy()),
                                       np.asarray(tf_real.convert_to_tensor(g_ref)), rtol=1e-3,
                                       atol=1e-4)
    # moving statistics follow the same update rule
    for w, w_ref in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w, w_ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs,shape", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_output_shape_and_config_keys_match_keras(name, kwargs, shape):
    theirs = getattr(keras_real.layers, name)(**kwargs)
    ours = getattr(kw.layers, name)(**kwargs)
    partial = (None,) + tuple(shape[1:])
    assert tuple(ours.compute_output_shape(partial)) == tuple(
        theirs.compute_output_shape(partial))
    assert set(ours.get_config()) == set(theirs.get_config())


def test_embedding_and_masked_average_match_keras():
    ids = np.array([[3, 1, 0, 0], [2, 5, 7, 0]])
    theirs = keras_real.Sequential([keras_real.layers.Embedding(8, 3, mask_zero=True),
                                    keras_real.layers.GlobalAveragePooling1D()])
    ours = kw.Sequential([kw.layers.Embedding(8, 3, mask_zero=True),
                          kw.layers.GlobalAveragePooling1D()])
    theirs(ids)
    ours(ids)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(ids).numpy(), theirs(ids).numpy(), rtol=1e-6)


def test_normalization_adapt_matches_keras():
    data = RNG.normal(2.0, 3.0, size=(50, 4)).astype("float32")
    theirs, ours = keras_real.layers.Normalization(), kw.layers.Normalization()
    theirs.adapt(data)
    ours.adapt(data)
    np.testing.assert_allclose(ours(data).numpy(), theirs(data).numpy(), rtol=1e-4, atol=1e-5)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


def test_merging_layers_match_keras():
    a = RNG.normal(size=(3, 4)).astype("float32")
    b = RNG.normal(size=(3, 4)).astype("float32")
    for name, kwargs in [("Add", {}), ("Subtract", {}), ("Multiply", {}), ("Average", {}),
                         ("Maximum", {}), ("Minimum", {}), ("Concatenate", {"axis": 0}),
                         ("Dot", {"axes": 1}), ("Dot", {"axes": 1, "normalize": True})]:
        ref = getattr(keras_real.layers, name)(**kwargs)([a, b]).numpy()
        out = getattr(kw.layers, name)(**kwargs)([a, b]).numpy()
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6, err_msg=name)
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    y = RNG.normal(size=(2, 5, 4)).astype("float32")
    ref = keras_real.layers.Dot(axes=(2, 2))([x, y]).numpy()
    np.testing.assert_allclose(kw.layers.Dot(axes=(2, 2))([x, y]).numpy(), ref, rtol=1e-5)


def test_masking_matches_keras():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    ref = keras_real.layers.Masking()(x)
    out = kw.layers.Masking()(x)
    np.testing.assert_allclose(out.numpy(), ref.numpy())
    from tensorweave.keras.engine import keras_tensor as kt

    np.testing.assert_array_equal(kt.get_mask(out).numpy(), ref._keras_mask.numpy())


RNN_CASES = [
    ("SimpleRNN", {"units": 4}),
    ("SimpleRNN", {"units": 4, "return_sequences": True, "go_backwards": True}),
    ("LSTM", {"units": 3}),
    ("LSTM", {"units": 3, "return_sequences": True, "return_state": True}),
    ("LSTM", {"units": 3, "go_backwards": True, "activation": "relu"}),
    ("GRU", {"units": 3}),
    ("GRU", {"units": 3, "reset_after": False, "return_sequences": True}),
    ("GRU", {"units": 3, "return_state": True, "go_backwards": True}),
]


def _flat(y):
    return [np.asarray(t) for t in (y if isinstance(y, (list, tuple)) else [y])]


@pytest.mark.parametrize("name,kwargs", RNN_CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                         enumerate(RNN_CASES)])
@pytest.mark.parametrize("masked", [False, True])
def test_recurrent_layers_match_keras(name, kwargs, masked):
    x = RNG.normal(size=(3, 5, 2)).astype("float32")
    if masked:
        x[0, 3:] = 0.0
        x[2, :2] = 0.0
    theirs_rnn = getattr(keras_real.layers, name)(**kwargs)
    ours_rnn = getattr(kw.layers, name)(**kwargs)
    theirs = keras_real.Sequential([keras_real.layers.Masking()] * masked + [theirs_rnn])
    ours = kw.Sequential([kw.layers.Masking()] * masked + [ours_rnn])
    theirs(x)
    ours(x)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    for a, b in zip(_flat([t.numpy() for t in _flat_t(ours(x))]), _flat(
            [t.numpy() for t in _flat_t(theirs(x))])):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    xt = tf_real.constant(x)
    with tf_real.GradientTape() as tape:
        loss = tf_real.reduce_sum(_flat_t(theirs(xt))[0] ** 2)
    ref = tape.gradient(loss, theirs.trainable_weights)
    with tw.GradientTape() as tape:
        loss = tw.reduce_sum(_flat_t(ours(tw.constant(x)))[0] ** 2)
    got = tape.gradient(loss, ours.trainable_weights)
    for g, g_ref in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), g_ref.numpy(), rtol=1e-3, atol=1e-5)


def _flat_t(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_bidirectional_matches_keras(merge_mode):
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    theirs = keras_real.layers.Bidirectional(keras_real.layers.LSTM(3, return_sequences=True),
                                             merge_mode=merge_mode)
    ours = kw.layers.Bidirectional(kw.layers.LSTM(3, return_sequences=True),
                                   merge_mode=merge_mode)
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), rtol=1e-4, atol=1e-5)
    assert set(ours.get_config()) == set(theirs.get_config())


def test_time_distributed_matches_keras():
    x = RNG.normal(size=(2, 3, 5, 5, 1)).astype("float32")
    theirs = keras_real.layers.TimeDistributed(keras_real.layers.Conv2D(2, 3))
    ours = kw.layers.TimeDistributed(kw.layers.Conv2D(2, 3))
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), rtol=1e-4, atol=1e-5)


def _copy_weights(theirs, ours):
    weights = [RNG.normal(size=w.shape).astype("float32") * 0.5 for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_keras(causal):
    q = RNG.normal(size=(2, 4, 5)).astype("float32")
    v = RNG.normal(size=(2, 6, 3)).astype("float32")
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 0, 1, 1, 0], [1, 1, 1, 1, 1, 1]], bool)
    theirs = keras_real.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)
    ours = kw.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)
    theirs(q, v)
    ours(q, v)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    _copy_weights(theirs, ours)
    # Keras reads the query's mask from the tensor (its explicit query_mask is ignored).
    q_ref = tf_real.constant(q)
    q_ref._keras_mask = tf_real.constant(q_mask)
    y_ref, s_ref = theirs(q_ref, v, value_mask=v_mask, return_attention_scores=True,
                          use_causal_mask=causal)
    from tensorweave.keras.engine import keras_tensor as kt

    q_ours = tw.constant(q)
    kt.set_mask(q_ours, tw.constant(q_mask))
    y, s = ours(q_ours, v, value_mask=v_mask, return_attention_scores=True,
                use_causal_mask=causal)
    y2 = ours(q, v, query_mask=q_mask, value_mask=v_mask, use_causal_mask=causal)
    np.testing.assert_allclose(y2.numpy(), y_ref.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y.numpy(), y_ref.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s.numpy(), s_ref.numpy(), rtol=1e-4, atol=1e-6)
    assert set(ours.get_config()) == set(theirs.get_config())
    with tf_real.GradientTape() as tape:
        loss = tf_real.reduce_sum(theirs(q, v, use_causal_mask=causal) ** 2)
    ref = tape.gradient(loss, theirs.trainable_weights)
    with tw.GradientTape() as tape:
        loss = tw.reduce_sum(ours(q, v, use_causal_mask=causal) ** 2)
    grads = tape.gradient(loss, ours.trainable_weights)
    for var, g, g_ref in zip(ours.trainable_weights, grads, ref):
        # The key bias's gradient is zero in exact arithmetic (softmax ignores a per-row
        # shift): both sides hold float32 rounding noise there.
        atol = 1e-4 if var.path.endswith("key/bias") else 1e-5
        np.testing.assert_allclose(g.numpy(), g_ref.numpy(), rtol=1e-3, atol=atol)


@pytest.mark.parametrize("name,kwargs", [("Attention", {}), ("Attention", {"use_scale": True}),
                                         ("Attention", {"score_mode": "concat"}),
                                         ("AdditiveAttention", {})])
def test_dense_attention_matches_keras(name, kwargs):
    q = RNG.normal(size=(2, 3, 4)).astype("float32")
    v = RNG.normal(size=(2, 5, 4)).astype("float32")
    mask = [np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 0, 1, 1, 1]] * 2, bool)]
    theirs = getattr(keras_real.layers, name)(**kwargs)
    ours = getattr(kw.layers, name)(**kwargs)
    theirs([q, v])
    ours([q, v])
    _copy_weights(theirs, ours)
    for causal in (False, True):
        ref = theirs([q, v], mask=mask, use_causal_mask=causal)
        got = ours([q, v], mask=mask, use_causal_mask=causal)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-4, atol=1e-5)
    assert set(ours.get_config()) == set(theirs.get_config())


def test_einsum_dense_matches_keras():
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    for eq, shape, bias in [("abc,cd->abd", (None, 5), "d"), ("...b,bc->...c", 6, "c"),
                            ("abc,cde->abde", (None, 2, 3), "de")]:
        theirs = keras_real.layers.EinsumDense(eq, output_shape=shape, bias_axes=bias)
        ours = kw.layers.EinsumDense(eq, output_shape=shape, bias_axes=bias)
        theirs(x)
        ours(x)
        _copy_weights(theirs, ours)
        np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), rtol=1e-4, atol=1e-5)


def test_keras_files_round_trip_between_keras_and_tensorweave(tmp_path):
    layers = keras_real.layers
    inp = keras_real.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    x = layers.BatchNormalization()(x)
    x = layers.DepthwiseConv2D(3)(x)
    x = layers.SeparableConv2D(4, 3, padding="same")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2DTranspose(2, 3, strides=2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(6, activation="gelu")(x)
    x = layers.RepeatVector(4)(x)
    x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
    x = layers.GRU(3, return_sequences=True)(x)
    x = layers.Add()([x, layers.MultiHeadAttention(2, 2)(x, x)])
    x = layers.LayerNormalization()(x)
    x = layers.TimeDistributed(layers.Dense(2))(x)
    out = layers.Dense(3, activation="softmax")(layers.Flatten()(x))
    model = keras_real.Model(inp, out)
    data = RNG.random((2, 8, 8, 3)).astype("float32")
    ref = model.predict(data, verbose=0)
    model.save(tmp_path / "theirs.keras")
    # 'Functional' is Keras's class name of functional models (lookup owned by the engine).
    loaded = kw.models.load_model(str(tmp_path / "theirs.keras"),
                                  custom_objects={"Functional": kw.Model})
    np.testing.assert_allclose(loaded.predict(data, verbose=0), ref, rtol=1e-5, atol=1e-6)
    loaded.save(str(tmp_path / "ours.keras"))
    back = keras_real.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(back.predict(data, verbose=0), ref, rtol=1e-6, atol=1e-7)


# Augmentations with a fixed factor are deterministic: they must resample exactly as Keras.
IMAGE_CASES = [
    ("RandomRotation", {"factor": (0.25, 0.25)}),
    ("RandomRotation", {"factor": (0.1, 0.1), "fill_mode": "constant", "fill_value": 3.0}),
    ("RandomRotation", {"factor": (0.13, 0.13), "fill_mode": "wrap"}),
    ("RandomRotation", {"factor": (0.2, 0.2), "fill_mode": "nearest",
                        "interpolation": "nearest"}),
    ("RandomZoom", {"height_factor": (0.3, 0.3)}),
    ("RandomZoom", {"height_factor": (-0.4, -0.4), "width_factor": (0.2, 0.2)}),
    ("RandomTranslation", {"height_factor": (0.2, 0.2), "width_factor": (-0.3, -0.3)}),
    ("Resizing", {"height": 4, "width": 5}),
    ("Resizing", {"height": 4, "width": 9, "crop_to_aspect_ratio": True}),
    ("Resizing", {"height": 9, "width": 3, "interpolation": "nearest"}),
    ("CenterCrop", {"height": 4, "width": 5}),
    ("CenterCrop", {"height": 8, "width": 5}),
]


@pytest.mark.parametrize("name,kwargs", IMAGE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(IMAGE_CASES)])
def test_image_layers_match_keras(name, kwargs):
    x = (RNG.random((2, 6, 7, 3)) * 255).astype("float32")
    ref = np.asarray(getattr(keras_real.layers, name)(**kwargs)(x, training=True))
    got = getattr(kw.layers, name)(**kwargs)(x, training=True).numpy()
    assert got.shape == ref.shape
    assert got.shape != x.shape or not np.allclose(got, x)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-3)
    theirs = getattr(keras_real.layers, name)(**kwargs)
    ours = getattr(kw.layers, name)(**kwargs)
    assert set(ours.get_config()) == set(theirs.get_config())
    assert tuple(ours.compute_output_shape((None, 6, 7, 3))) == tuple(
        theirs.compute_output_shape((None, 6, 7, 3)))


@pytest.mark.parametrize("kwargs,ids", [
    ({"num_tokens": 4, "output_mode": "one_hot"}, [3, 2, 0, 1]),
    ({"num_tokens": 4, "output_mode": "one_hot"}, [[3], [2]]),
    ({"num_tokens": 4}, [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ({"num_tokens": 4}, [0, 1, 3]),
    ({"num_tokens": 4, "output_mode": "count"}, [[0, 1, 1], [3, 3, 3]]),
])
def test_category_encoding_matches_keras(kwargs, ids):
    ids = np.array(ids)
    ref = np.asarray(keras_real.layers.CategoryEncoding(**kwargs)(ids))
    got = kw.layers.CategoryEncoding(**kwargs)(ids).numpy()
    assert got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


LOOKUP_CASES = [
    ("StringLookup", {}, ["a", "b", "b", "c", "c", "c", "d", "d", "d"], [["c", "z", "a"]]),
    ("IntegerLookup", {}, [5, 7, 7, 9, 9, 9], [9, 5, 3]),
    ("StringLookup", {"max_tokens": 3}, ["a", "b", "a", "b", "c"], ["a", "b", "c"]),
    ("IntegerLookup", {}, [3, 8, 3, 8, 1], [[3, 8, 1, 4]]),
    ("StringLookup", {"vocabulary": ["x", "y"], "mask_token": "", "output_mode": "one_hot"},
     None, ["y", "", "q"]),
    ("StringLookup", {"vocabulary": ["x", "y"], "output_mode": "multi_hot"}, None,
     [["y", "q", "y"]]),
    ("StringLookup", {"vocabulary": ["x", "y"], "output_mode": "count"}, None,
     [["y", "q", "y"]]),
    ("StringLookup", {"vocabulary": ["x", "y"], "mask_token": "", "invert": True}, None,
     [0, 1, 2, 3]),
    ("IntegerLookup", {"vocabulary": [5, 6], "mask_token": 0}, None, [0, 5, 6, 9]),
    ("IntegerLookup", {"vocabulary": [5, 6], "invert": True}, None, [0, 1, 2, 7]),
]


@pytest.mark.parametrize("name,kwargs,data,x", LOOKUP_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LOOKUP_CASES)])
def test_lookup_layers_match_keras(name, kwargs, data, x):
    theirs = getattr(keras_real.layers, name)(**kwargs)
    ours = getattr(kw.layers, name)(**kwargs)
    if data is not None:
        theirs.adapt(np.array(data))
        ours.adapt(np.array(data))
    x = np.array(x)
    ref = np.asarray(theirs(x))
    got = ours(x).numpy()
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)
    vocab = [v.item() if hasattr(v, "item") else v for v in theirs.get_vocabulary()]
    assert ours.get_vocabulary() == vocab
    assert set(ours.get_config()) == set(theirs.get_config())


@pytest.mark.parametrize("kwargs,x", [
    ({"bin_boundaries": [0.0, 1.0, 2.0]}, [[-1.0, 0.0, 0.5, 2.0, 3.0]]),
    ({"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"}, [-1.0, 0.5, 3.0]),
    ({"bin_boundaries": [0.0, 1.0], "output_mode": "multi_hot"}, [[-1.0, 0.5, 0.7]]),
    ({"bin_boundaries": [0.0, 1.0], "output_mode": "count"}, [[-1.0, 0.5, 0.7]]),
])
def test_discretization_matches_keras(kwargs, x):
    x = np.array(x, "float32")
    ref = np.asarray(keras_real.layers.Discretization(**kwargs)(x))
    got = kw.layers.Discretization(**kwargs)(x).numpy()
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("num_bins,batches", [(4, 1), (5, 3), (3, 7)])
def test_discretization_adapt_matches_keras(num_bins, batches):
    data = RNG.normal(size=(batches, 60)).astype("float32")
    theirs = keras_real.layers.Discretization(num_bins=num_bins)
    ours = kw.layers.Discretization(num_bins=num_bins)
    theirs.adapt(list(data) if batches > 1 else data[0])
    ours.adapt(list(data) if batches > 1 else data[0])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)


@pytest.mark.parametrize("name,kwargs,shape", [
    ("ConvLSTM2D", {"filters": 3, "kernel_size": 3}, (2, 4, 6, 6, 2)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same",
                    "return_sequences": True, "go_backwards": True}, (2, 3, 5, 5, 2)),
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "return_state": True}, (2, 3, 7, 2)),
])
def test_conv_lstm_matches_keras(name, kwargs, shape):
    x = RNG.normal(size=shape).astype("float32")
    theirs = getattr(keras_real.layers, name)(**kwargs)
    ours = getattr(kw.layers, name)(**kwargs)
    theirs(x)
    ours(x)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    ref = theirs(x)
    got = ours(x)
    ref = list(ref) if isinstance(ref, (list, tuple)) else [ref]
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(ref)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.numpy(), np.asarray(b), rtol=1e-4, atol=1e-5)
    assert set(ours.get_config()) == set(theirs.get_config())
    partial = (None,) + shape[1:]
    expected = theirs.compute_output_shape(partial)
    expected = expected[0] if kwargs.get("return_state") else expected
    got_shape = ours.compute_output_shape(partial)
    got_shape = got_shape[0] if kwargs.get("return_state") else got_shape
    assert tuple(got_shape) == tuple(expected)
