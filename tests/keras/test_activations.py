"""keras.activations against NumPy formulas; lookup by name."""

import numpy as np
import pytest

from tensorweave.keras import activations


X = np.array([-3.0, -1.5, -0.25, 0.0, 0.5, 2.0, 7.0], dtype="float64")


def _sig(x):
    return 1 / (1 + np.exp(-x))


REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "sigmoid": _sig,
    "log_sigmoid": lambda x: np.log(_sig(x)),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "silu": lambda x: x * _sig(x),
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "tanh": np.tanh,
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "exponential": np.exp,
    "linear": lambda x: x,
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum()),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_matches_numpy(name):
    fn = activations.get(name)
    got = np.asarray(fn(X))
    np.testing.assert_allclose(got, REFERENCE[name](X), rtol=1e-6, atol=1e-12)


def test_relu_general_form():
    got = np.asarray(activations.relu(X, negative_slope=0.1, max_value=2.5, threshold=0.25))
    want = np.minimum(np.where(X >= 0.25, X, 0.1 * (X - 0.25)), 2.5)
    np.testing.assert_allclose(got, want)
    with pytest.raises(ValueError, match="negative_slope"):
        activations.relu(X, negative_slope=-1.0)


def test_gelu_exact_and_approximate():
    from math import erf

    exact = X * 0.5 * (1 + np.vectorize(erf)(X / np.sqrt(2)))
    np.testing.assert_allclose(np.asarray(activations.gelu(X)), exact, rtol=1e-6)
    approx = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(np.asarray(activations.gelu(X, approximate=True)), approx,
                               rtol=1e-6)


def test_elu_alpha_and_threshold():
    np.testing.assert_allclose(np.asarray(activations.elu(X, alpha=0.5)),
                               np.where(X > 0, X, 0.5 * np.expm1(X)))
    np.testing.assert_allclose(np.asarray(activations.threshold(X, 0.0, -9.0)),
                               np.where(X > 0, X, -9.0))


def test_glu_halves():
    x = np.arange(8, dtype="float64").reshape(2, 4) / 4
    a, b = x[:, :2], x[:, 2:]
    np.testing.assert_allclose(np.asarray(activations.glu(x)), a * _sig(b))
    with pytest.raises(ValueError, match="even"):
        activations.glu(np.ones((2, 3)))


def test_softmax_remembers_logits():
    x = np.array([[1.0, 2.0, 3.0]], dtype="float32")
    out = activations.softmax(x)
    np.testing.assert_allclose(np.asarray(activations.logits_of(out)), x)
    assert activations.logits_of(activations.relu(x)) is None


def test_get_serialize_deserialize():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.serialize(activations.relu) == "relu"
    assert activations.deserialize("tanh") is activations.tanh
    custom = lambda x: x  # noqa: E731
    assert activations.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get("nope")
    with pytest.raises(ValueError):
        activations.get(3)
