"""Python operators on Tensor and Variable, installed here as TensorFlow's math_ops does.

Each operator is bound to the public op that implements it; ops modules add theirs with
`overload(name, fn)` so the table grows with the library.
"""

from __future__ import annotations

from tensorweave.framework.tensor import Tensor
from tensorweave.framework.variables import Variable


def overload(name: str, fn, reflected: bool = False) -> None:
    """Installs `fn` as operator `name` (e.g. '__add__') on Tensor and Variable."""
    if reflected:
        def method(self, other):
            return fn(other, self)
    else:
        def method(self, *args):
            return fn(self, *args)
    method.__name__ = name
    method.__doc__ = fn.__doc__
    setattr(Tensor, name, method)
    setattr(Variable, name, method)


def overload_binary(name: str, fn) -> None:
    """Installs `__name__` and the reflected `__rname__`."""
    overload(f"__{name}__", fn)
    overload(f"__r{name}__", fn, reflected=True)
