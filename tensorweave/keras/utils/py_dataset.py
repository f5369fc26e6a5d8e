"""PyDataset (Keras 3) and its Keras 2 name Sequence: batches served by index."""

from __future__ import annotations


class PyDataset:
    """Base class for data that fit iterates by batch index: implement `__getitem__(index)`
    returning a batch (`(x, y)` or `(x, y, sample_weight)`) and `__len__` (the number of
    batches), optionally `on_epoch_begin`/`on_epoch_end` (to reshuffle, say).

    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, i):
    ...         return [i, i + 1], [i * i, (i + 1) ** 2]
    >>> Squares().num_batches
    2
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        if not hasattr(self, "_workers"):
            import warnings

            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in "
                          "its constructor.", stacklevel=3)

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    @property
    def num_batches(self):
        """The number of batches (len(self)), or None for an endless dataset."""
        if type(self).__len__ is PyDataset.__len__:
            return None
        return len(self)

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (or "
                                  "num_batches) for fit to know the epoch length.")

    def on_epoch_begin(self) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of each epoch (shuffle here)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


Sequence = PyDataset
