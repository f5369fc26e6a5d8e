"""tf.data.Dataset: the public pipeline object. Each method wraps a new node (see node.py).

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10_000).batch(32).prefetch(2)
    for xb, yb in ds: ...
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy as np

from tensorweave.data import batching, ordering, sources, structure, transformations as tr
from tensorweave.data.bucketing import bucket_by_sequence_length
from tensorweave.data.cache import CacheNode
from tensorweave.data.combinators import ChooseNode, CounterNode, SampleNode
from tensorweave.data.files import ListFilesNode
from tensorweave.data.node import INFINITE, UNKNOWN, Node
from tensorweave.data.optional import Optional
from tensorweave.data.options import Options
from tensorweave.framework import dtypes, errors
from tensorweave.framework.constant_op import constant
from tensorweave.framework.context import ctx
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.util import nest

AUTOTUNE = tr.AUTOTUNE
_UNROLL_WARNING = 1000  # elements a traced loop unrolls before it warns
INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


class DatasetV2:
    """A sequence of elements, each a nest (tuple, dict, ...) of tensors (`tf.data.Dataset`).

    >>> ds = DatasetV2.range(5).map(lambda x: x * 2).batch(2)
    >>> [b.tolist() for b in ds.as_numpy_iterator()]
    [[0, 2], [4, 6], [8]]
    """

    def __init__(self, node: Node, options: Options | None = None):
        self._node = node
        self._options = options

    @classmethod
    def _wrap(cls, node: Node, parent: "DatasetV2 | None" = None) -> "DatasetV2":
        ds = DatasetV2.__new__(DatasetV2)
        ds._node = node
        ds._options = parent._options if parent is not None else None
        return ds

    def _then(self, node: Node) -> "DatasetV2":
        return DatasetV2._wrap(node, self)

    # --- sources -------------------------------------------------------------------------------
    @staticmethod
    def from_tensors(tensors, name=None) -> "DatasetV2":
        """A dataset of one element, `tensors`."""
        return DatasetV2._wrap(sources.TensorsNode(tensors))

    @staticmethod
    def from_tensor_slices(tensors, name=None) -> "DatasetV2":
        """A dataset of the slices of `tensors` along their first dimension."""
        return DatasetV2._wrap(sources.TensorSlicesNode(tensors))

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None) -> "DatasetV2":
        """Like Python's `range`, as int64 scalars."""
        return DatasetV2._wrap(sources.RangeNode(args, output_type))

    @staticmethod
    def from_generator(generator: Callable, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> "DatasetV2":
        """Elements from a Python generator, each checked against `output_signature`."""
        if output_signature is None:
            if output_types is None:
                raise TypeError("The `output_types` argument can not be None if "
                                "`output_signature` is not specified.")
            output_types = structure.normalize(output_types)
            if output_shapes is None:
                output_shapes = nest.map_structure(lambda _: None, output_types)
            else:
                output_shapes = _shapes_nest(output_types, output_shapes)
            output_signature = nest.map_structure(lambda t, s: TensorSpec(s, t), output_types,
                                                  output_shapes)
        elif output_types is not None or output_shapes is not None:
            raise TypeError("`output_types` and `output_shapes` cannot be used together with "
                            "`output_signature`.")
        spec = structure.spec_from_signature(output_signature)
        return DatasetV2._wrap(sources.GeneratorNode(generator, spec, args))

    @staticmethod
    def zip(*datasets, name=None) -> "DatasetV2":
        """Elements of several datasets side by side (a nest of datasets, or positional ones)."""
        if len(datasets) == 1:
            datasets = datasets[0]  # one nest of datasets, or one dataset (its elements as-is)
        datasets = structure.normalize(datasets)
        for d in nest.flatten(datasets):
            if not isinstance(d, DatasetV2):
                raise TypeError(f"Invalid input to `zip`: expected a dataset, got {d!r}")
        nodes = nest.map_structure(lambda d: d._node, datasets)
        return DatasetV2._wrap(sources.ZipNode(nodes))

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> "DatasetV2":
        """The files matching `file_pattern` (a glob or a list of them), shuffled by default."""
        ds = DatasetV2._wrap(ListFilesNode(file_pattern))
        if shuffle is None or shuffle:
            ds = ds.shuffle(max(1, ds._node.cardinality()), seed=seed)
        return ds

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None) -> "DatasetV2":
        """An infinite dataset of random int64 scalars."""
        def draws():
            rng = np.random.default_rng(seed)
            while True:
                yield from rng.integers(0, 2**63 - 1, 1024, dtype=np.int64).tolist()
        return DatasetV2.from_generator(draws, output_signature=TensorSpec((), dtypes.int64))

    @staticmethod
    def from_list(elements, name=None) -> "DatasetV2":
        """A dataset of the given list of elements (each a nest of the same structure)."""
        if not isinstance(elements, (list, tuple)) or not elements:
            raise ValueError("Invalid `elements`. `elements` should not be empty.")
        sliced = nest.map_structure(lambda *xs: np.stack([structure.leaf_array(x) for x in xs]),
                                    *[structure.normalize(e) for e in elements])
        return DatasetV2.from_tensor_slices(sliced)

    @staticmethod
    def counter(start=0, step=1, dtype=dtypes.int64, name=None) -> "DatasetV2":
        """start, start + step, ... forever."""
        return DatasetV2._wrap(CounterNode(start, step, dtypes.as_dtype(dtype)))

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None) -> "DatasetV2":
        """Elements drawn at random from `datasets` with probabilities `weights`."""
        return DatasetV2._wrap(SampleNode([d._node for d in datasets], weights, seed,
                                          stop_on_empty_dataset))

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True
                             ) -> "DatasetV2":
        """The next element of `datasets[i]` for each int64 `i` of `choice_dataset`."""
        return DatasetV2._wrap(ChooseNode([d._node for d in datasets], choice_dataset._node,
                                          stop_on_empty_dataset))

    # --- element-wise --------------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """`map_func` applied to each element (tuples are unpacked into arguments)."""
        if deterministic is None and self._options is not None:
            deterministic = self._options.deterministic
        return self._then(tr.MapNode(self._node, map_func, num_parallel_calls, deterministic))

    def filter(self, predicate, name=None):
        """The elements for which `predicate` returns True."""
        return self._then(tr.FilterNode(self._node, predicate))

    def take_while(self, predicate, name=None):
        """Elements until `predicate` first returns False."""
        return self._then(tr.TakeWhileNode(self._node, predicate))

    def flat_map(self, map_func, name=None):
        """`map_func` returns a dataset per element; their elements are concatenated."""
        return self._then(tr.FlatMapNode(self._node, map_func))

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Like flat_map, alternating `block_length` elements from `cycle_length` inner ones."""
        return self._then(tr.InterleaveNode(self._node, map_func, cycle_length, block_length,
                                            num_parallel_calls, deterministic))

    def enumerate(self, start=0, name=None):
        """(index, element) pairs, the index an int64 counting from `start`."""
        return self._then(tr.EnumerateNode(self._node, start))

    def scan(self, initial_state, scan_func, name=None):
        """A running state: `scan_func(state, element) -> (new_state, output)`."""
        return self._then(tr.ScanNode(self._node, initial_state, scan_func))

    def unique(self, name=None):
        """The first occurrence of each distinct (scalar int or string) element."""
        return self._then(tr.UniqueNode(self._node))

    def ignore_errors(self, log_warning=False, name=None):
        """Drops elements whose computation raised a tf.errors error."""
        return self._then(tr.IgnoreErrorsNode(self._node, log_warning))

    def apply(self, transformation_func):
        """`transformation_func(self)`, which must return a dataset."""
        out = transformation_func(self)
        if not isinstance(out, DatasetV2):
            raise TypeError(f"`transformation_func` must return a tf.data.Dataset, got {out!r}")
        return out

    # --- order and count -----------------------------------------------------------------------
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly shuffled through a buffer of `buffer_size` elements (TensorFlow's semantics)."""
        return self._then(ordering.ShuffleNode(self._node, _int(buffer_size), seed,
                                         reshuffle_each_iteration))

    def repeat(self, count=None, name=None):
        """The elements `count` times (forever when None or -1)."""
        return self._then(ordering.RepeatNode(self._node, None if count is None else _int(count)))

    def take(self, count, name=None):
        """The first `count` elements (all when -1)."""
        return self._then(ordering.TakeNode(self._node, _int(count)))

    def skip(self, count, name=None):
        """All but the first `count` elements (none when -1)."""
        return self._then(ordering.SkipNode(self._node, _int(count)))

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element starting at `index`."""
        return self._then(ordering.ShardNode(self._node, _int(num_shards), _int(index)))

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s."""
        return self._then(sources.ConcatenateNode(self._node, dataset._node))

    def cache(self, filename="", name=None):
        """Elements kept after the first full pass, in memory or in `filename`."""
        return self._then(CacheNode(self._node, filename))

    def prefetch(self, buffer_size, name=None):
        """Produces up to `buffer_size` elements ahead on a background thread."""
        return self._then(tr.PrefetchNode(self._node, _int(buffer_size)))

    # --- batching ------------------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Consecutive elements stacked into batches of `batch_size`."""
        return self._then(batching.BatchNode(self._node, _int(batch_size), drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Like batch, padding each component to `padded_shapes` (default: the batch's max)."""
        return self._then(batching.PaddedBatchNode(self._node, _int(batch_size), padded_shapes,
                                                   padding_values, drop_remainder))

    def unbatch(self, name=None):
        """Splits each element along its first dimension."""
        return self._then(batching.UnbatchNode(self._node))

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """The batches regrouped to `batch_size` (an int or a list cycled through)."""
        return self._then(batching.RebatchNode(self._node, batch_size, drop_remainder))

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Each element a (nest of) dataset(s) of `size` consecutive elements."""
        return self._then(batching.WindowNode(self._node, _int(size), shift, stride,
                                              drop_remainder))

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None):
        """Groups elements by `key_func`; each window of a key goes through `reduce_func`."""
        return self._then(batching.GroupByWindowNode(self._node, key_func, reduce_func,
                                                     window_size, window_size_func))

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None):
        """Batches elements of similar length together (see tf.data docs)."""
        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                         bucket_batch_sizes, padded_shapes, padding_values,
                                         pad_to_bucket_boundary, no_padding, drop_remainder)

    # --- reductions ----------------------------------------------------------------------------
    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the elements into a state: `reduce_func(state, element) -> new_state`."""
        state = structure.normalize(initial_state)
        state_flat = structure.flatten_element(state)
        state_spec = structure.structure_of(state, [structure.spec_of_array(a)
                                                    for a in state_flat])
        spec = self._node.spec
        for flat in self._node.iterate():
            element = structure.to_tensors(spec, flat)
            args = element if type(element) is tuple else (element,)
            new = structure.normalize(reduce_func(structure.to_tensors(state_spec, state_flat),
                                                  *args))
            state_flat = structure.flatten_element(new)
            for s, a in zip(nest.flatten(state_spec), state_flat):
                if s.dtype is not dtypes.from_numpy(a.dtype):
                    raise TypeError(f"The element types for the new state must match the initial "
                                    f"state. Expected {s.dtype.name}; got "
                                    f"{dtypes.from_numpy(a.dtype).name}.")
        return structure.to_tensors(state_spec, state_flat)

    def get_single_element(self, name=None):
        """The dataset's only element; InvalidArgumentError if it has none or several."""
        it = self._node.iterate()
        first = next(it, None)
        if first is None:
            raise errors.InvalidArgumentError(None, None, "Dataset was empty.")
        if next(it, None) is not None:
            raise errors.InvalidArgumentError(None, None, "Dataset had more than one element.")
        return structure.to_tensors(self._node.spec, first)

    # --- inspection ----------------------------------------------------------------------------
    @property
    def element_spec(self):
        """The nest of TensorSpec describing each element."""
        return self._node.spec

    def cardinality(self):
        """The number of elements as an int64 scalar tensor (INFINITE -1, UNKNOWN -2)."""
        return constant(self._node.cardinality(), dtypes.int64)

    def __len__(self) -> int:
        c = self._node.cardinality()
        if c == INFINITE:
            raise TypeError("The dataset is infinite.")
        if c == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return c

    def __bool__(self) -> bool:
        return True  # as TensorFlow: a dataset is truthy even when empty

    def options(self) -> Options:
        """The options set on this dataset (with_options), or defaults."""
        return self._options if self._options is not None else Options()

    def with_options(self, options: Options, name=None):
        """This dataset with `options` merged over the current ones."""
        out = self._then(tr.PassThroughNode(self._node))
        out._options = self.options().merge(options)
        return out

    def assert_cardinality(self, expected_cardinality):
        """This dataset, declared to have `expected_cardinality` elements and checked while
        iterating (FailedPreconditionError on a different count)."""
        return self._then(tr.PassThroughNode(self._node, _int(expected_cardinality)))

    # --- iteration -----------------------------------------------------------------------------
    def __iter__(self) -> "OwnedIterator":
        if ctx.graph is not None and self._node.cardinality() == INFINITE:
            raise ValueError("Iterating an infinite dataset inside tf.function would unroll "
                             "forever; use .take(n) or iterate outside the function.")
        # Inside tf.function the loop is unrolled: each element enters the graph as a constant,
        # read once at trace time (TensorFlow iterates at run time instead).
        if ctx.graph is not None:
            n = self._node.cardinality()
            if n == UNKNOWN or n > _UNROLL_WARNING:
                warnings.warn(
                    f"Iterating a dataset of {'unknown' if n == UNKNOWN else n} elements inside "
                    "tf.function unrolls the loop and stores every element in the graph as a "
                    "constant, read once when tracing; iterate in Python and call the "
                    "tf.function per batch instead.", RuntimeWarning, stacklevel=2)
        return OwnedIterator(self)

    def as_numpy_iterator(self) -> Iterator:
        """Elements as NumPy arrays (NumPy scalars for rank 0, bytes for strings)."""
        for s in nest.flatten(self._node.spec):
            if isinstance(s, structure.DatasetSpec):
                raise TypeError("Dataset.as_numpy_iterator() is not supported for datasets that "
                                "produce values of type DatasetSpec")
        spec = self._node.spec
        return (structure.to_numpy(spec, flat) for flat in self._node.iterate())

    def as_numpy(self):
        """All elements as a list, as `as_numpy_iterator` gives them."""
        return list(self.as_numpy_iterator())

    def __repr__(self) -> str:
        name = type(self._node).__name__.replace("Node", "Dataset")
        return f"<_{name} element_spec={self.element_spec}>"

    # Keras and tf.distribute read these.
    @property
    def _element_structure(self):
        return self.element_spec


class OwnedIterator:
    """What `iter(dataset)` returns: yields Tensors; `get_next()` raises OutOfRangeError at end."""

    def __init__(self, dataset: DatasetV2):
        self._spec = dataset._node.spec if not _lazy(dataset._node) else None
        self._dataset = dataset
        self._it = dataset._node.iterate()

    @property
    def element_spec(self):
        """The nest of TensorSpec of the iterated dataset's elements."""
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        flat = next(self._it)
        if self._spec is None:
            self._spec = self._dataset._node.spec
        return structure.to_tensors(self._spec, flat)

    def get_next(self):
        """The next element; tf.errors.OutOfRangeError at the end."""
        try:
            return self.__next__()
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self) -> Optional:
        """The next element as a tf.experimental.Optional, empty at the end."""
        try:
            return Optional(self.__next__(), self.element_spec, True)
        except StopIteration:
            return Optional.empty(self.element_spec)


def _lazy(node: Node) -> bool:
    # Function outputs learn their spec from the first element: read it after that element.
    return isinstance(node, (tr.MapNode, tr.FlatMapNode, tr.ScanNode, batching.BatchNode,
                             batching.GroupByWindowNode))


def _int(value) -> int:
    if isinstance(value, (int, np.integer)):
        return int(value)
    a = structure.leaf_array(value)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise TypeError(f"Expected an integer scalar, got {value!r}")
    return int(a)


def _shapes_nest(types, shapes):
    if not nest.is_nested(types):
        return shapes
    shapes = structure.normalize(shapes)
    if isinstance(types, dict):
        return {k: _shapes_nest(types[k], shapes[k]) for k in types}
    return tuple(_shapes_nest(t, s) for t, s in zip(types, shapes))


structure.DatasetSpec.wrap = DatasetV2._wrap
Dataset = DatasetV2
