"""Element structures: how a dataset element (a nest of tensors) is held inside the pipeline.

Inside a pipeline an element is a flat tuple of NumPy arrays (the leaves of the nest, dict values
in sorted key order, as `tf.nest`) and the structure lives once in the dataset's `element_spec`.
Tensors are made only at the edge, when the user receives an element or a function is called.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import to_array
from tensorweave.framework.context import CPU0
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.ops.random_ops import get_seed
from tensorweave.util import nest


def normalize(value, lists_are_tensors: bool = False):
    """A nest with lists turned into tuples (as TensorFlow reads a function's output), or kept
    as leaves to become tensors (as it reads the input of from_tensors/from_tensor_slices)."""
    if isinstance(value, list):
        if lists_are_tensors:
            return leaf_array(value)
        return tuple(normalize(v) for v in value)
    if isinstance(value, tuple):
        if hasattr(value, "_fields"):
            return type(value)(*(normalize(v, lists_are_tensors) for v in value))
        return tuple(normalize(v, lists_are_tensors) for v in value)
    if isinstance(value, dict):
        return type(value)((k, normalize(v, lists_are_tensors)) for k, v in value.items())
    return value


def leaf_array(value, dtype: dtypes.DType | None = None) -> np.ndarray:
    """One leaf as a NumPy array: tensors give their array, Python values TensorFlow's dtype."""
    if isinstance(value, Tensor):
        if isinstance(value, SymbolicTensor):
            raise TypeError(f"The symbolic tensor {value.name} cannot be a dataset element.")
        a = value._array
        if value._device is not CPU0 and value._device.backend.name != "numpy":
            a = value._device.backend.to_numpy(a)
        a = np.asarray(a)
        if dtype is not None and dtypes.from_numpy(a.dtype) is not dtype:
            raise InvalidArgumentError(None, None, f"Expected a {dtype.name} tensor, got "
                                       f"{dtypes.from_numpy(a.dtype).name}.")
        return a
    if hasattr(value, "read_value") and hasattr(value, "_is_tensor_like"):
        return leaf_array(value.read_value(), dtype)
    return np.asarray(to_array(value, dtype))


def flatten_element(value) -> tuple:
    """The flat tuple of arrays of one element given as a nest of tensors/arrays/Python values."""
    return tuple(leaf_array(v) for v in nest.flatten(value))


def spec_of_array(a: np.ndarray, batch_dims: int = 0) -> TensorSpec:
    return TensorSpec(a.shape[batch_dims:], dtypes.from_numpy(a.dtype))


def structure_of(value, specs) -> object:
    """The nest of `value` with its leaves replaced by `specs` (a flat list)."""
    return nest.pack_sequence_as(value, list(specs))


def flat_specs(element_spec) -> list:
    return nest.flatten(element_spec)


def to_tensors(element_spec, flat: tuple):
    """The element the user sees: the nest of `element_spec` holding CPU Tensors."""
    return packer(element_spec, _leaf_tensor)(flat)


def packer(element_spec, leaf):
    """A function: flat arrays -> the nest of `element_spec` with `leaf` applied to each; the
    common shapes (one tensor, a flat tuple or dict of tensors) skip the generic nest walk."""
    key = (id(element_spec), leaf)
    hit = _PACKERS.get(key)
    if hit is not None and hit[0] is element_spec:
        return hit[1]
    if not nest.is_nested(element_spec):
        def pack(flat):
            return leaf(flat[0])
    elif type(element_spec) is tuple and not any(nest.is_nested(s) for s in element_spec):
        def pack(flat):
            return tuple(leaf(a) for a in flat)
    elif type(element_spec) is dict and not any(nest.is_nested(s)
                                                  for s in element_spec.values()):
        order = sorted(element_spec)
        keys = list(element_spec)

        def pack(flat):
            by_key = dict(zip(order, flat))
            return {k: leaf(by_key[k]) for k in keys}
    else:
        def pack(flat):
            return nest.pack_sequence_as(element_spec, [leaf(a) for a in flat])
    if len(_PACKERS) > 256:
        _PACKERS.clear()
    _PACKERS[key] = (element_spec, pack)
    return pack


_PACKERS: dict = {}


def _leaf_tensor(a):
    if type(a) is np.ndarray:
        return Tensor(a, CPU0)
    return DatasetSpec.wrap(a)  # a window's component: a dataset


def to_numpy(element_spec, flat: tuple):
    """The element as `as_numpy_iterator` gives it: arrays, NumPy scalars for rank 0."""
    return packer(element_spec, _leaf_numpy)(flat)


def _leaf_numpy(a):
    return a[()] if a.ndim == 0 else a


def relax(spec_a, spec_b):
    """The most specific spec nest both `spec_a` and `spec_b` fit, or raise TypeError."""
    try:
        nest.assert_same_structure(spec_a, spec_b)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Incompatible dataset elements: {spec_a} vs. {spec_b}") from e
    fa, fb = nest.flatten(spec_a), nest.flatten(spec_b)
    if len(fa) != len(fb):
        raise TypeError(f"Incompatible dataset elements: {spec_a} vs. {spec_b}")
    out = []
    for a, b in zip(fa, fb):
        if a.dtype is not b.dtype:
            raise TypeError(f"Incompatible dataset elements: {spec_a} vs. {spec_b}")
        out.append(TensorSpec(a.shape.most_specific_compatible_shape(b.shape), a.dtype))
    return nest.pack_sequence_as(spec_a, out)


def batched_spec(element_spec, batch_size):
    """Every leaf spec with a leading batch dimension."""
    return nest.pack_sequence_as(element_spec, [
        TensorSpec(TensorShape([batch_size]).concatenate(s.shape), s.dtype)
        for s in nest.flatten(element_spec)])


def unbatched_spec(element_spec):
    out = []
    for s in nest.flatten(element_spec):
        if s.shape.rank == 0:
            raise ValueError("Cannot unbatch an input with scalar components.")
        dims = s.shape.as_tuple()
        out.append(TensorSpec(None if dims is None else dims[1:], s.dtype))
    return nest.pack_sequence_as(element_spec, out)


def spec_from_signature(signature):
    """A user's nest of TensorSpecs (lists read as tuples), checked leaf by leaf."""
    signature = normalize(signature)
    for s in nest.flatten(signature):
        if not isinstance(s, TensorSpec):
            raise TypeError(f"output_signature must contain objects that are subtypes of "
                            f"tf.TypeSpec but found {type(s).__name__}: {s!r}")
    return signature


def check_compatible(spec: TensorSpec, a: np.ndarray) -> bool:
    dims = spec.shape.as_tuple()
    if dims is None:
        return True
    if len(dims) != a.ndim:
        return False
    return all(d is None or d == x for d, x in zip(dims, a.shape))


class DatasetSpec:
    """The spec of an element that is itself a dataset (the components of `window`)."""

    wrap = None  # set by dataset_ops: turns a node into a tf.data.Dataset

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.shape = TensorShape(dataset_shape)
        self.dtype = None

    def __eq__(self, other) -> bool:
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    __hash__ = None

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, TensorShape([]))"


def seed_entropy(seed) -> list[int]:
    """The entropy of a shuffle/sample RNG: from (global seed, op seed) as TensorFlow derives
    them (`tf.random.set_seed` makes unseeded shuffles repeatable), else fresh randomness."""
    global_seed, op_seed = get_seed(None if seed is None else int(structure_int(seed)))
    if global_seed is None:
        return [int(x) for x in np.random.SeedSequence().generate_state(2)]
    return [int(global_seed) & 0xFFFFFFFFFFFFFFFF, int(op_seed) & 0xFFFFFFFFFFFFFFFF]


def structure_int(value) -> int:
    """A Python int from an int, NumPy integer or integer scalar tensor."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    a = leaf_array(value)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise TypeError(f"Expected an integer scalar, got {value!r}")
    return int(a)
