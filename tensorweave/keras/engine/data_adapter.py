"""The inputs fit/evaluate/predict accept, as batches: arrays, tensors, Datasets, generators and
PyDatasets, with shuffling, class weights and steps_per_epoch as Keras handles them."""

from __future__ import annotations

import math
import warnings

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.variables import Variable
from tensorweave.util import nest


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch: x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of unpack_x_y_sample_weight."""
    if y is None:
        return (x,) if not isinstance(x, (list, tuple)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def is_dataset(x) -> bool:
    return hasattr(x, "element_spec") and hasattr(x, "__iter__")


def is_py_dataset(x) -> bool:
    return hasattr(x, "__getitem__") and hasattr(x, "__len__") and hasattr(x, "on_epoch_end") \
        and not isinstance(x, (np.ndarray, list, tuple, dict, Tensor))


def _is_array_like(x) -> bool:
    return isinstance(x, (np.ndarray, Tensor, Variable, list, float, int)) or (
        hasattr(x, "__array__") and hasattr(x, "shape"))


def _to_numpy(x):
    if isinstance(x, (Tensor, Variable)):
        return np.asarray(x.numpy())
    if hasattr(x, "to_numpy"):  # pandas
        return np.asarray(x.to_numpy())
    return np.asarray(x)


def _to_batch_tensor(a: np.ndarray) -> Tensor:
    import tensorweave as tf

    if a.dtype.kind == "f" and a.dtype != np.float32:
        a = a.astype(np.float32)  # Keras feeds arrays as floatx
    return tf.constant(a)


def train_validation_split(arrays, validation_split: float):
    """Splits array structures at the last `validation_split` fraction, before any shuffling."""
    flat = [a for a in nest.flatten(arrays) if a is not None]
    if not all(_is_array_like(a) for a in flat):
        raise ValueError("`validation_split` is only supported for NumPy arrays and tensors; "
                         f"received: x={type(flat[0]).__name__}. Pass `validation_data` instead.")
    n = len(_to_numpy(flat[0]))
    split = int(math.floor(n * (1.0 - validation_split)))
    if split == 0 or split == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         f"it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`.")

    def cut(lo, hi):
        return nest.map_structure(lambda a: None if a is None else _to_numpy(a)[lo:hi], arrays)

    return cut(0, split), cut(split, n)


def class_weights_for(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a {class: weight} dict (sparse or one-hot targets)."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        classes = np.argmax(y, axis=-1)
    else:
        classes = y.reshape(y.shape[0], -1)[:, 0] if y.ndim > 1 else y
        classes = np.rint(classes).astype(np.int64)
    size = max(int(max(class_weight)) + 1, int(classes.max()) + 1 if classes.size else 0)
    table = np.ones(size, dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = w
    return table[classes]


class EpochIterator:
    """Batches for each epoch: `for step, batch in iterator.epoch():`; `num_batches` may be None.

    Datasets and generators with `steps_per_epoch` keep one iterator across epochs (a repeated
    dataset goes on where the last epoch stopped), as Keras does; running out of data sets
    `exhausted` so fit can stop.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None):
        self.steps_per_epoch = steps_per_epoch
        self.class_weight = class_weight
        # Each epoch's shuffle order comes from (seed, epoch), so a resumed fit sees the same order.
        self._seed = int(np.random.randint(0, 2**31 - 1))
        self.exhausted = False
        self._iterator = None
        if is_dataset(x) or is_py_dataset(x) or _is_iterator(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using a dataset, a "
                                 f"generator or a PyDataset as input (got x of type "
                                 f"{type(x).__name__}); pass (x, y) batches in it instead.")
            if sample_weight is not None:
                raise ValueError("`sample_weight` argument is not supported when using a "
                                 "dataset, generator or PyDataset as input.")
            self._kind = "dataset" if is_dataset(x) else ("pydataset" if is_py_dataset(x)
                                                          else "generator")
            self._source = x
            self._shuffle = False
            self.num_batches = steps_per_epoch
            if self._kind == "pydataset" and steps_per_epoch is None:
                self.num_batches = len(x)
            elif self._kind == "dataset" and steps_per_epoch is None:
                card = _cardinality(x)
                self.num_batches = card if card is not None and card >= 0 else None
            return
        self._kind = "arrays"
        if x is None:
            raise ValueError("Unrecognized data: x is None")
        self._x = nest.map_structure(_to_numpy, x)
        self._y = None if y is None else nest.map_structure(_to_numpy, y)
        self._sw = None if sample_weight is None else _to_numpy(sample_weight)
        flat = nest.flatten(self._x) + nest.flatten(self._y) + ([self._sw] if self._sw is not
                                                                  None else [])
        sizes = {len(a) for a in flat if a is not None}
        if len(sizes) > 1:
            raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the "
                             f"same number of samples. Sizes: {sorted(sizes)}")
        self._n = sizes.pop() if sizes else 0
        self.batch_size = batch_size or 32
        self._shuffle = shuffle
        batches = int(math.ceil(self._n / self.batch_size))
        self.num_batches = batches if steps_per_epoch is None else steps_per_epoch
        self._batches_per_pass = batches

    # --- arrays --------------------------------------------------------------------------------
    def _array_batches(self, epoch: int, skip: int):
        rng = np.random.RandomState((self._seed + epoch) % (2**31 - 1))
        index = np.arange(self._n)
        if self._shuffle == "batch":
            order = rng.permutation(self._batches_per_pass)
            index = np.concatenate([index[i * self.batch_size:(i + 1) * self.batch_size]
                                    for i in order]) if self._n else index
        elif self._shuffle:
            index = rng.permutation(self._n)
        for b in range(skip, self._batches_per_pass):
            sel = index[b * self.batch_size:(b + 1) * self.batch_size]
            contiguous = not self._shuffle
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, self._n)

            def take(a, sel=sel, contiguous=contiguous, lo=lo, hi=hi):
                return None if a is None else _to_batch_tensor(a[lo:hi] if contiguous else a[sel])

            x = nest.map_structure(take, self._x)
            if self._y is None:
                yield (x,)
                continue
            y = nest.map_structure(take, self._y)
            sw = None
            if self._sw is not None:
                sw = take(self._sw)
            if self.class_weight:
                flat_y = nest.flatten(self._y)
                cw = class_weights_for(flat_y[0][lo:hi] if contiguous else flat_y[0][sel],
                                       self.class_weight)
                sw = _to_batch_tensor(cw if sw is None else np.asarray(sw) * cw)
            yield (x, y) if sw is None else (x, y, sw)

    # --- epochs --------------------------------------------------------------------------------
    def epoch(self, index: int = 0, skip: int = 0):
        """Yields (step, batch) pairs for epoch `index`, leaving out its first `skip` steps."""
        if self._kind == "arrays":
            steps = self.num_batches
            step = skip
            passes = 0
            while step < steps:
                first = step % self._batches_per_pass if passes == 0 else 0
                passes += 1
                for batch in self._array_batches(index * 7919 + passes, first):
                    if step >= steps:
                        return
                    yield step, batch
                    step += 1
                if self.steps_per_epoch is None:
                    return
            return
        if self._kind == "pydataset":
            yield from self._py_dataset_epoch(skip)
            return
        persistent = self.steps_per_epoch is not None or self._kind == "generator"
        if self._iterator is None or not persistent:
            self._iterator = iter(self._source)
        for _ in range(skip):  # resuming mid-epoch: move the iterator past the steps done
            try:
                next(self._iterator)
            except StopIteration:
                self._iterator = None
                return
        step = skip
        while self.steps_per_epoch is None or step < self.steps_per_epoch:
            try:
                batch = next(self._iterator)
            except StopIteration:
                if self.steps_per_epoch is not None or step == 0:
                    if self.steps_per_epoch is not None:
                        warnings.warn(
                            "Your input ran out of data; interrupting training. Make sure that "
                            "your dataset or generator can generate at least `steps_per_epoch * "
                            "epochs` batches. You may need to use the `.repeat()` function when "
                            "building your dataset.", stacklevel=3)
                    self.exhausted = True
                self._iterator = None
                if self.num_batches is None:
                    self.num_batches = step
                return
            yield step, self._apply_class_weight(_as_batch(batch))
            step += 1

    def _py_dataset_epoch(self, skip: int = 0):
        ds = self._source
        n = len(ds)
        steps = n if self.steps_per_epoch is None else min(self.steps_per_epoch, n)
        for i in range(skip, steps):
            yield i, self._apply_class_weight(_as_batch(ds[i]))
        ds.on_epoch_end()

    def _apply_class_weight(self, batch):
        if not self.class_weight:
            return batch
        x, y, sw = unpack_x_y_sample_weight(batch)
        if y is None:
            return batch
        cw = class_weights_for(_to_numpy(nest.flatten(y)[0]), self.class_weight)
        if sw is not None:
            cw = cw * _to_numpy(sw)
        return (x, y, _to_batch_tensor(cw))


def _as_batch(batch):
    """Arrays in a generator's batch become tensors (floats as float32, as Keras feeds them)."""
    def convert(a):
        if isinstance(a, np.ndarray):
            return _to_batch_tensor(a)
        return a

    if isinstance(batch, list):
        batch = tuple(batch)
    return nest.map_structure(convert, batch)


def _is_iterator(x) -> bool:
    return hasattr(x, "__next__") and hasattr(x, "__iter__")


def _cardinality(ds):
    fn = getattr(ds, "cardinality", None)
    if fn is None:
        return None
    try:
        value = fn()
        return int(value.numpy()) if hasattr(value, "numpy") else int(value)
    except Exception:  # noqa: BLE001 - unknown cardinality
        return None


def single_batch(x):
    """`x` as one batch of tensors when it is small in-memory data (predict's fast path)."""
    flat = nest.flatten(x)
    if not flat or not all(isinstance(a, (np.ndarray, Tensor)) for a in flat):
        return None
    out = []
    for a in flat:
        if isinstance(a, np.ndarray):
            a = _to_batch_tensor(a)
        elif a.dtype.is_floating and a.dtype is not dtypes.float32 and a.dtype is not \
                dtypes.float16 and a.dtype is not dtypes.bfloat16:
            import tensorweave as tf

            a = tf.cast(a, tf.float32)
        out.append(a)
    return nest.pack_sequence_as(x, out)
