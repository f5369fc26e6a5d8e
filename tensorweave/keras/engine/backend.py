"""keras.backend and keras.config: floatx, epsilon, image data format, clear_session."""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.keras.engine import naming

_state = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def backend() -> str:
    """The name of the backend Keras runs on ('tensorflow': tensorweave stands in for it)."""
    return "tensorflow"


def floatx() -> str:
    """The default float dtype, as a string ('float32')."""
    return _state["floatx"]


def set_floatx(value: str) -> None:
    value = str(value)
    if value not in ("bfloat16", "float16", "float32", "float64"):
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {{'bfloat16', "
                         "'float16', 'float32', 'float64'}")
    _state["floatx"] = dtypes.as_dtype(value).name


def epsilon() -> float:
    """The fuzz factor of numeric expressions (1e-7)."""
    return _state["epsilon"]


def set_epsilon(value: float) -> None:
    _state["epsilon"] = float(value)


def image_data_format() -> str:
    return _state["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    _state["image_data_format"] = data_format


def clear_session(free_memory: bool = True) -> None:
    """Resets Keras's automatic names ('dense' again) and the global dtype policy."""
    naming.reset_names()
    naming.set_global_policy(None)


def is_keras_tensor(x) -> bool:
    from tensorweave.keras.engine.keras_tensor import is_keras_tensor as check

    return check(x)


def set_dtype_policy(policy) -> None:
    naming.set_global_policy(policy)


def dtype_policy():
    return naming.global_policy()
