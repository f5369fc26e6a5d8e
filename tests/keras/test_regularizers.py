"""keras.regularizers: penalties against NumPy, validation and configs."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.keras import regularizers


W = np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32")


def test_penalties():
    assert float(regularizers.L1(0.1)(W)) == pytest.approx(0.1 * 6.5)
    assert float(regularizers.L2(0.1)(W)) == pytest.approx(0.1 * 14.25)
    assert float(regularizers.L1L2(0.1, 0.2)(W)) == pytest.approx(0.65 + 0.2 * 14.25)
    assert float(regularizers.L1L2()(W)) == 0.0
    out = regularizers.L2()(W)
    assert out.dtype == tf.float32 and out.shape.rank == 0


def test_orthogonal_regularizer():
    w = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    n = w / np.linalg.norm(w, axis=1, keepdims=True)
    p = np.abs(n @ n.T) * (1 - np.eye(3))
    want = 0.1 * 0.5 * p.sum() / 3
    assert float(regularizers.OrthogonalRegularizer(0.1)(w)) == pytest.approx(want, rel=1e-6)
    n = w / np.linalg.norm(w, axis=0, keepdims=True)
    p = np.abs(n.T @ n) * (1 - np.eye(2))
    assert float(regularizers.OrthogonalRegularizer(0.1, mode="columns")(w)) == pytest.approx(
        0.1 * 0.5 * p.sum() / 1, rel=1e-6)
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones(3))


def test_validation_and_config():
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L1(float("nan"))
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    config = regularizers.serialize(regularizers.L1L2(l1=0.3))
    assert config["class_name"] == "L1L2"
    assert regularizers.deserialize(config).get_config() == {"l1": 0.3, "l2": 0.0}
    assert regularizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        regularizers.get("l3")
