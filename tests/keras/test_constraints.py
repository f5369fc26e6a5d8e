"""keras.constraints against NumPy."""

import numpy as np
import pytest

from tensorweave.keras import constraints


W = np.array([[3.0, 0.1, -1.0], [4.0, 0.2, 0.0]], dtype="float32")
NORMS = np.linalg.norm(W, axis=0, keepdims=True)


def test_max_norm():
    got = np.asarray(constraints.MaxNorm(2.0)(W))
    np.testing.assert_allclose(got, W * np.clip(NORMS, 0, 2) / (1e-7 + NORMS), rtol=1e-6)
    assert np.linalg.norm(got, axis=0).max() <= 2.0 + 1e-5


def test_min_max_norm_rate():
    got = np.asarray(constraints.MinMaxNorm(0.5, 1.0, rate=0.5)(W))
    desired = 0.5 * np.clip(NORMS, 0.5, 1.0) + 0.5 * NORMS
    np.testing.assert_allclose(got, W * desired / (1e-7 + NORMS), rtol=1e-6)


def test_non_neg_and_unit_norm():
    np.testing.assert_array_equal(np.asarray(constraints.NonNeg()(W)), np.maximum(W, 0))
    got = np.asarray(constraints.UnitNorm(axis=1)(W))
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), [1.0, 1.0], rtol=1e-6)


def test_get_and_config():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    c = constraints.deserialize(constraints.serialize(constraints.MinMaxNorm(0.1, 2.0, axis=1)))
    assert c.get_config() == {"min_value": 0.1, "max_value": 2.0, "rate": 1.0, "axis": 1}
    assert constraints.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret constraint"):
        constraints.get("positive")
