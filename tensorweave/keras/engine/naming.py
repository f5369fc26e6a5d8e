"""Keras's automatic object names ('dense', 'dense_1', ...) and the dtype policy of layers."""

from __future__ import annotations

import re

from tensorweave.framework import dtypes

_uids: dict = {}


def to_snake_case(name: str) -> str:
    """'Conv2DTranspose' -> 'conv2d_transpose', 'MaxPooling2D' -> 'max_pooling2d', as Keras."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """`base` the first time, then `base_1`, `base_2` ... (per process, until clear_session)."""
    n = _uids.get(base, 0)
    _uids[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    """Forgets the names handed out (keras.backend.clear_session)."""
    _uids.clear()


class DTypePolicy:
    """The dtypes a layer computes in and stores its variables in ('mixed_float16': float16/32).

    >>> DTypePolicy("mixed_float16").compute_dtype
    'float16'
    """

    def __init__(self, name: str = "float32"):
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy name must be a string, got {name!r}")
        if name.startswith("mixed_"):
            compute = name[len("mixed_"):]
            if compute not in ("float16", "bfloat16"):
                raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. "
                                 "Valid policies: 'mixed_float16', 'mixed_bfloat16'.")
            variable = "float32"
        else:
            try:
                compute = variable = dtypes.as_dtype(name).name
            except (TypeError, ValueError, KeyError) as e:
                raise ValueError(f"Cannot convert {name!r} to a DTypePolicy.") from e
        self._name, self._compute, self._variable = name, compute, variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute

    @property
    def variable_dtype(self) -> str:
        return self._variable

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


_global_policy = [DTypePolicy("float32")]


def set_global_policy(policy) -> None:
    """keras.mixed_precision.set_global_policy / keras.config.set_dtype_policy."""
    _global_policy[0] = get_policy(policy) if policy is not None else DTypePolicy("float32")


def global_policy() -> DTypePolicy:
    return _global_policy[0]


def get_policy(dtype) -> DTypePolicy:
    """A DTypePolicy from None (the global one), a policy, a dtype, a name or a config dict."""
    if dtype is None:
        return _global_policy[0]
    if isinstance(dtype, DTypePolicy):
        return dtype
    if isinstance(dtype, dict):
        config = dtype.get("config", dtype)
        return DTypePolicy(config["name"])
    if isinstance(dtype, dtypes.DType):
        return DTypePolicy(dtype.name)
    if isinstance(dtype, str):
        return DTypePolicy(dtype)
    try:
        return DTypePolicy(dtypes.as_dtype(dtype).name)
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"Invalid dtype argument {dtype!r}: expected a dtype name, a DType or "
                         "a DTypePolicy") from e


def serialize_policy(policy: DTypePolicy) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": policy.name},
            "registered_name": None}
