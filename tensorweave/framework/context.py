"""The execution context: devices, the current device scope, the graph being traced and the tapes.

The context is per thread, as in TensorFlow. The graph and autodiff layers plug into it through
duck-typed hooks (`graph.add_op`, `tape.record`), so this layer imports neither.
"""

from __future__ import annotations

import contextlib
import re
import threading

from tensorweave.backend import NUMPY, cupy_backend


class Device:
    """A logical device that tensors live on: a backend plus TensorFlow's full name."""

    __slots__ = ("device_type", "index", "backend", "xp", "name", "ordinal")

    def __init__(self, device_type: str, index: int, backend, ordinal: int = 0):
        self.device_type = device_type
        self.index = index
        self.backend = backend
        self.xp = backend.xp
        self.ordinal = ordinal  # the physical device behind it (the CUDA device number on GPUs)
        self.name = f"/job:localhost/replica:0/task:0/device:{device_type}:{index}"

    def __repr__(self) -> str:
        return f"Device({self.name!r})"


class _Devices:
    """The process's logical devices, created from the physical ones on first use."""

    def __init__(self):
        self.cpu_configs = None  # list of LogicalDeviceConfiguration for CPU:0, set by the user
        self.gpu_configs = {}
        self.visible_gpus = None  # None: all physical GPUs
        self._cpus = None
        self._gpus = None
        self.initialized = False

    @property
    def cpus(self) -> list:
        if self._cpus is None:
            n = len(self.cpu_configs) if self.cpu_configs else 1
            self._cpus = [Device("CPU", i, NUMPY) for i in range(n)]
        return self._cpus

    def physical_gpu_count(self) -> int:
        backend = cupy_backend()
        return backend.device_count() if backend is not None else 0

    @property
    def gpus(self) -> list:
        if self._gpus is None:
            backend = cupy_backend()
            gpus = []
            if backend is not None:
                visible = self.visible_gpus
                if visible is None:
                    visible = range(backend.device_count())
                for ordinal in visible:
                    for _ in self.gpu_configs.get(ordinal) or [None]:
                        gpus.append(Device("GPU", len(gpus), backend, ordinal))
            self._gpus = gpus
        return self._gpus

    def of_type(self, device_type: str) -> list:
        device_type = device_type.upper()
        if device_type == "CPU":
            return self.cpus
        if device_type == "GPU":
            return self.gpus
        return []

    def find(self, device_type: str, index: int):
        """The device asked for, or None when it does not exist (soft placement decides then)."""
        found = self.of_type(device_type)
        return found[index] if index < len(found) else None


DEVICES = _Devices()
CPU0 = DEVICES.cpus[0]

_DEVICE_RE = re.compile(
    r"^(?:/job:[^/]+)?(?:/replica:\d+)?(?:/task:\d+)?/?(?:device:)?([A-Za-z_]+)?(?::(\d+|\*))?$"
)


def parse_device(spec: str):
    """('GPU', 0) from '/GPU:0', '/device:GPU:0', 'gpu', '/job:localhost/.../device:CPU:0' ...

    The index is None when the spec names only a type. ('', None) is an empty spec.
    """
    spec = (spec or "").strip()
    m = _DEVICE_RE.match(spec)
    if m is None:
        raise ValueError(f"Invalid device specification: {spec!r}")
    dtype, index = m.group(1), m.group(2)
    return (dtype or "").upper(), (None if index in (None, "*") else int(index))


class Context(threading.local):
    """Per-thread execution state. Kept small: it is read on every op."""

    def __init__(self):
        self.device = CPU0
        self.graph = None  # the graph being built by a trace, or None when eager
        self.tapes = []  # the GradientTapes recording now, innermost last
        self.name_scopes = []
        self.soft_placement = True


ctx = Context()
_run_eagerly = [False]


def executing_eagerly() -> bool:
    """True outside a traced function (and always when functions run eagerly)."""
    return ctx.graph is None


def resolve_device(spec) -> Device:
    """The logical device a spec names, falling back to the CPU as TensorFlow's soft placement."""
    if spec is None or spec == "":
        return ctx.device
    if isinstance(spec, Device):
        return spec
    if hasattr(spec, "to_string"):  # a DeviceSpec
        spec = spec.to_string()
    device_type, index = parse_device(spec)
    if not device_type:
        return ctx.device
    if device_type not in ("CPU", "GPU"):
        if ctx.soft_placement:
            return CPU0
        raise ValueError(f"Unknown device type {device_type!r} in {spec!r}")
    found = DEVICES.find(device_type, index or 0)
    if found is None:
        if ctx.soft_placement:
            return CPU0 if device_type == "GPU" else DEVICES.cpus[0]
        from tensorweave.framework.errors import InvalidArgumentError

        raise InvalidArgumentError(None, None, f"Could not satisfy device specification {spec!r}")
    return found


@contextlib.contextmanager
def device_scope(spec):
    """`with tf.device('/GPU:0'):` places the ops created inside on that device."""
    previous = ctx.device
    ctx.device = resolve_device(spec) if spec is not None else CPU0
    try:
        yield
    finally:
        ctx.device = previous


@contextlib.contextmanager
def init_scope():
    """Lifts code out of the function being traced, as `tf.init_scope` does.

    Variable initializers and optimizer slots run here eagerly even when the first call that needs
    them is being traced; the trace sees only the variable, never its initial value.
    """
    previous_graph, previous_tapes = ctx.graph, ctx.tapes
    ctx.graph, ctx.tapes = None, []
    try:
        yield
    finally:
        ctx.graph, ctx.tapes = previous_graph, previous_tapes
