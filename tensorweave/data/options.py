"""tf.data.Options: pipeline settings. tensorweave honours `deterministic`; the others are kept
so that TensorFlow code setting them runs unchanged."""

from __future__ import annotations


class _OptionGroup:
    _fields: tuple = ()

    def __init__(self):
        for f in self._fields:
            object.__setattr__(self, f, None)

    def __setattr__(self, name, value):
        if name not in self._fields:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}; valid options "
                                 f"are {list(self._fields)}")
        object.__setattr__(self, name, value)

    def _merge(self, other):
        for f in self._fields:
            mine, theirs = getattr(self, f), getattr(other, f)
            if isinstance(mine, _OptionGroup):
                mine._merge(theirs)
            elif theirs is not None:
                object.__setattr__(self, f, theirs)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and all(
            getattr(self, f) == getattr(other, f) for f in self._fields)


class ThreadingOptions(_OptionGroup):
    """Thread pool settings (kept for compatibility; tensorweave sizes its pools itself)."""

    _fields = ("max_intra_op_parallelism", "private_threadpool_size")


class OptimizationOptions(_OptionGroup):
    """Static optimization switches (kept for compatibility)."""

    _fields = ("apply_default_optimizations", "filter_fusion", "map_and_batch_fusion",
               "map_and_filter_fusion", "map_fusion", "map_parallelization",
               "noop_elimination", "parallel_batch", "shuffle_and_repeat_fusion",
               "inject_prefetch", "filter_parallelization", "seq_interleave_prefetch")


class DistributeOptions(_OptionGroup):
    """Distribution settings (auto-sharding policy, devices)."""

    _fields = ("auto_shard_policy", "num_devices")


class AutotuneOptions(_OptionGroup):
    """Autotuning settings (kept for compatibility)."""

    _fields = ("enabled", "cpu_budget", "ram_budget", "autotune_algorithm")


class Options(_OptionGroup):
    """Options for a dataset, set with `dataset.with_options(options)`.

    >>> options = Options()
    >>> options.deterministic = False
    """

    _fields = ("deterministic", "experimental_deterministic", "threading",
               "experimental_optimization", "experimental_distribute", "autotune",
               "experimental_slack", "experimental_external_state_policy",
               "experimental_symbolic_checkpoint", "experimental_warm_start", "framework_type",
               "dataset_name")

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "threading", ThreadingOptions())
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "experimental_distribute", DistributeOptions())
        object.__setattr__(self, "autotune", AutotuneOptions())

    def merge(self, options: "Options") -> "Options":
        """A new Options with `options`' set values over this one's."""
        out = Options()
        out._merge(self)
        out._merge(options)
        return out


class AutoShardPolicy:
    """How a dataset is split between workers (tf.data.experimental.AutoShardPolicy)."""

    OFF, AUTO, FILE, DATA, HINT = -1, 0, 1, 2, 3


class ExternalStatePolicy:
    """What to do with external state when a dataset is serialized."""

    WARN, IGNORE, FAIL = 0, 1, 2
