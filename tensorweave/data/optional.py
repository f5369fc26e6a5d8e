"""tf.experimental.Optional: a value that may be absent (what Iterator.get_next_as_optional
returns at the end of a dataset)."""

from __future__ import annotations

import numpy as np

from tensorweave.data import structure
from tensorweave.framework.context import CPU0
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor import Tensor


class Optional:
    """Either holds a nest of tensors or is empty.

    >>> opt = Optional.from_value((1, 2.0))
    >>> bool(opt.has_value()), opt.get_value()[0].numpy()
    (True, 1)
    >>> bool(Optional.empty(None).has_value())
    False
    """

    def __init__(self, value, element_spec, present: bool):
        self._value = value
        self._spec = element_spec
        self._present = present

    @staticmethod
    def from_value(value) -> "Optional":
        """An Optional holding `value` (a nest of tensors or values convertible to them)."""
        value = structure.normalize(value, lists_are_tensors=True)
        flat = structure.flatten_element(value)
        spec = structure.structure_of(value, [structure.spec_of_array(a) for a in flat])
        return Optional(structure.to_tensors(spec, flat), spec, True)

    @staticmethod
    def empty(element_spec) -> "Optional":
        """An empty Optional of `element_spec`."""
        return Optional(None, element_spec, False)

    @property
    def element_spec(self):
        """The spec of the value (held or not)."""
        return self._spec

    def has_value(self, name=None) -> Tensor:
        """A scalar tf.bool: whether a value is held."""
        return Tensor(np.asarray(self._present), CPU0)

    def get_value(self, name=None):
        """The value; InvalidArgumentError when empty."""
        if not self._present:
            raise InvalidArgumentError(None, None, "The optional does not have a value.")
        return self._value

    def __repr__(self) -> str:
        return f"<Optional has_value={self._present} element_spec={self._spec}>"
