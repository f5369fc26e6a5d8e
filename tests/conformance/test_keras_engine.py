"""The Keras engine against Keras 3 (TensorFlow 2.21): names, summary tables, fit trajectories."""

import io

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tfk = pytest.importorskip("keras")

import tensorweave as tw  # noqa: E402
from tensorweave import keras as twk  # noqa: E402


def _lin_class(base, ops):
    class Lin(base):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, x):
            return ops.matmul(x, self.kernel) + self.bias

    return Lin


TwLin = _lin_class(twk.Layer, tw)
TkLin = _lin_class(tfk.layers.Layer, tfk.ops)


def _summary(model) -> str:
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line))
    text = "\n".join(lines)
    # Keras 3 routes print_fn output through rich; keep only the visible text.
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("class_name", ["Conv2DTranspose", "MaxPooling2D", "ReLU", "LSTM",
                                        "SimpleRNN", "GlobalAveragePooling2D", "MyHTTPLayer2D"])
def test_auto_names(class_name):
    ours = type(class_name, (twk.Layer,), {})()
    theirs = type(class_name, (tfk.layers.Layer,), {})()
    assert ours.name.split("_")[0] == theirs.name.split("_")[0]
    assert ours.name.rstrip("_0123456789") == theirs.name.rstrip("_0123456789")


def test_sequential_summary_text():
    ours = twk.Sequential([twk.Input((784,)), TwLin(128, name="dense"), TwLin(10, name="dense_1")],
                          name="sequential")
    theirs = tfk.Sequential([tfk.Input((784,)), TkLin(128, name="dense"),
                             TkLin(10, name="dense_1")], name="sequential")
    ours_text = _summary(ours).replace("Lin)", "X)")
    theirs_text = _summary(theirs).replace("Lin)", "X)")
    assert ours_text == theirs_text


def test_functional_summary_text():
    def build(k, Lin):
        a = k.Input((4,), name="a")
        b = k.Input((3,), name="b")
        h = Lin(5, name="h")(a)
        out = Lin(2, name="out")(k.layers.Concatenate(name="cat")([h, b]) if hasattr(
            k.layers, "Concatenate") else None)
        return k.Model([a, b], out, name="fn")

    if not hasattr(twk, "layers") or not hasattr(twk.layers, "Concatenate"):
        pytest.skip("keras.layers.Concatenate not available yet")
    assert _summary(build(twk, TwLin)) == _summary(build(tfk, TkLin))


def _fit_history(k, Lin, weights, x, y, **fit_kwargs):
    model = k.Sequential([k.Input((3,)), Lin(2), Lin(1)])
    model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    model.set_weights(weights)
    history = model.fit(x, y, verbose=0, shuffle=False, **fit_kwargs)
    return model, history


def test_fit_trajectory_matches_keras():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 3)).astype(np.float32)
    y = rng.normal(size=(50, 1)).astype(np.float32)
    weights = [rng.normal(size=s).astype(np.float32) for s in [(3, 2), (2,), (2, 1), (1,)]]
    sw = rng.uniform(size=50).astype(np.float32)
    kwargs = dict(batch_size=16, epochs=3, validation_split=0.2, sample_weight=sw)
    ours, h_ours = _fit_history(twk, TwLin, weights, x, y, **kwargs)
    theirs, h_theirs = _fit_history(tfk, TkLin, weights, x, y, **kwargs)
    assert sorted(h_ours.history) == sorted(h_theirs.history)
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=2e-5,
                                   err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    assert ours.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0),
                                                           rel=2e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=2e-5, atol=1e-6)
    assert ours.metrics_names[0] == theirs.metrics_names[0] == "loss"


def test_base_layer_config_and_count_params():
    ours, theirs = TwLin(3, name="lin"), TkLin(3, name="lin")
    ours.build((None, 4))
    theirs.build((None, 4))
    assert ours.count_params() == theirs.count_params() == 15
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    base_ours, base_theirs = twk.Layer(name="plain").get_config(), \
        tfk.layers.Layer(name="plain").get_config()
    assert base_ours == base_theirs


def test_progbar_verbose2_format():
    import contextlib

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    model = twk.Sequential([twk.Input((3,)), TwLin(1)])
    model.compile(optimizer="sgd", loss="mse")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.fit(x, y, batch_size=16, epochs=1, verbose=2)
    line = buf.getvalue().strip()
    # Keras 3: "2/2 - 0s - 7ms/step - loss: 1.2972"
    import re

    assert re.fullmatch(r"2/2 - \d+s - \d+(ms|us|s)/step - loss: \d+\.\d{4}", line), line


def test_nested_summary_text():
    def build(k, Lin):
        inner = k.Sequential([k.Input((6,)), Lin(4, name="in1"), Lin(3, name="in2")],
                             name="inner")
        return k.Sequential([k.Input((6,)), inner, Lin(2, name="head")], name="outer")

    ours, theirs = build(twk, TwLin), build(tfk, TkLin)
    lines_ours, lines_theirs = [], []
    ours.summary(expand_nested=True, print_fn=lambda s, *a, **k: lines_ours.append(s))
    theirs.summary(expand_nested=True, print_fn=lambda s, *a, **k: lines_theirs.append(s))
    clean = [line.rstrip() for line in "\n".join(lines_theirs).splitlines() if line.strip()]
    assert [line.rstrip() for line in "\n".join(lines_ours).splitlines() if line.strip()] == \
        clean


def test_classification_fit_with_class_weight_matches_keras():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(48, 4)).astype(np.float32)
    labels = rng.integers(0, 3, size=48)
    weights = [rng.normal(size=s).astype(np.float32) * 0.5 for s in [(4, 3), (3,)]]

    def run(k, Lin):
        model = k.Sequential([k.Input((4,)), Lin(3)])
        model.compile(optimizer=k.optimizers.SGD(0.1),
                      loss=k.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        model.set_weights(weights)
        return model.fit(x, labels, batch_size=16, epochs=3, shuffle=False, verbose=0,
                         class_weight={0: 1.0, 1: 2.0, 2: 0.5}).history

    ours, theirs = run(twk, TwLin), run(tfk, TkLin)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-5, err_msg=key)


def test_summary_after_fit_counts_optimizer():
    def run(k, Lin):
        model = k.Sequential([k.Input((3,)), Lin(2, name="dense")], name="sequential")
        model.compile(optimizer=k.optimizers.Adam(), loss="mse")
        model.fit(np.ones((4, 3), np.float32), np.ones((4, 2), np.float32), verbose=0)
        lines = []
        model.summary(print_fn=lambda s, *a, **kw: lines.append(s))
        return [x.rstrip() for x in "\n".join(lines).splitlines() if "params" in x]

    assert run(twk, TwLin) == run(tfk, TkLin)


F = np.float32


@pytest.mark.parametrize("name,args,kwargs", [
    ("mean", (np.array([[1, 2], [3, 5]], F),), {"axis": -1}),
    ("sum", (np.array([[1, 2], [3, 5]], F),), {"keepdims": True}),
    ("max", (np.array([[1, 7], [3, 5]], F),), {"axis": 0}),
    ("argmax", (np.array([[1, 7], [9, 5]], F),), {}),
    ("argmax", (np.array([[1, 7], [9, 5]], F),), {"axis": 1}),
    ("concatenate", ([np.ones((1, 2), F), np.zeros((2, 2), F)],), {}),
    ("clip", (np.array([-2, 0.5, 3], F), 0.0, 1.0), {}),
    ("power", (np.array([2, 3], F), 2.0), {}),
    ("one_hot", (np.array([0, 2]), 3), {}),
    ("take", (np.array([[1, 2], [3, 4]], F), np.array([3, 0])), {}),
    ("dot", (np.array([[1, 2]], F), np.array([[3], [4]], F)), {}),
    ("norm", (np.array([3, 4], F),), {}),
    ("arange", (5,), {}),
    ("full", ((2, 2), 3.0), {}),
    ("swapaxes", (np.array([[1, 2, 3]], F), 0, 1), {}),
    ("log_softmax", (np.array([1, 2, 3], F),), {}),
    ("floor_divide", (np.array([7, -7], F), np.array([2, 2], F)), {}),
    ("std", (np.array([1, 2, 4], F),), {}),
])
def test_keras_ops_match(name, args, kwargs):
    ours = getattr(twk.ops, name)(*args, **kwargs)
    theirs = getattr(tfk.ops, name)(*args, **kwargs)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6)
    assert np.asarray(ours).dtype == np.asarray(theirs).dtype


def test_summary_show_trainable_text():
    def build(k, Lin):
        model = k.Sequential([k.Input((3,)), Lin(4, name="a"), Lin(1, name="b")], name="s")
        model.layers[0].trainable = False
        return model

    def text(model):
        lines = []
        model.summary(show_trainable=True, print_fn=lambda s, *a, **kw: lines.append(s))
        return [x.rstrip() for x in "\n".join(lines).splitlines() if x.strip()]

    assert text(build(twk, TwLin)) == text(build(tfk, TkLin))


def test_configs_deserialize_in_keras():
    from keras.saving import deserialize_keras_object

    if not hasattr(twk.layers, "Dense"):
        pytest.skip("keras.layers.Dense not available yet")
    from tensorweave.keras.saving.serialization import serialize_keras_object

    seq = twk.Sequential([twk.Input((4,), name="cfg_in"), twk.layers.Dense(2, name="cfg_d")],
                         name="cfg_seq")
    inp = twk.Input((3,), name="cfg_fin")
    fn = twk.Model(inp, twk.layers.Dense(1, name="cfg_fd")(inp), name="cfg_fn")
    for model in (seq, fn):
        theirs = deserialize_keras_object(serialize_keras_object(model))
        assert theirs.name == model.name
        assert [w.shape for w in theirs.weights] == [tuple(w.shape) for w in model.weights]
