"""tf.print: prints tensors when the program runs (at every call of a traced function).

Eagerly it prints at once. While tracing it adds a stateful `PrintV2` node, kept in program order
with the other stateful ops, whose kernel formats the values when the graph runs. Python's own
`print` inside a tf.function runs only while tracing, as in TensorFlow.
"""

from __future__ import annotations

import sys

import numpy as np

from tensorweave.framework import errors
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.util import nest

__all__ = ["print_v2", "assert_"]


class _Template:
    """The printed structure with tensors as numbered slots; hashed by identity (an attr)."""

    __slots__ = ("structure", "slots")

    def __init__(self, structure, slots: int):
        self.structure = structure
        self.slots = slots

    def __repr__(self) -> str:
        return f"<{self.slots} tensors>"


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _infer_print(*specs, **attrs):
    return ()


@op("PrintV2", infer=_infer_print, num_outputs=0, stateful=True, differentiable=False)
def _print(xp, *arrays, template, stream, summarize, sep, end):
    """Formats the values and writes them to the stream."""
    values = [np.asarray(a.get() if hasattr(a, "get") else a) for a in arrays]
    text = sep.join(_format(item, values, summarize, top=True) for item in template.structure)
    _write(stream, text + end)


def _write(stream, text: str) -> None:
    if stream == "stderr" or stream is None:
        sys.stderr.write(text)
    elif stream == "stdout":
        sys.stdout.write(text)
    elif isinstance(stream, str) and stream.startswith("file://"):
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
    elif isinstance(stream, str):
        raise ValueError(f"tf.print: unsupported output_stream {stream!r}; use sys.stdout, "
                         "sys.stderr or 'file://<path>'.")
    else:
        stream.write(text)


def _format(item, values, summarize, top=False) -> str:
    if isinstance(item, _Slot):
        return format_array(values[item.index], summarize)
    if isinstance(item, str):
        return item if top else repr(item)
    if isinstance(item, dict):
        return "{" + ", ".join(f"{k!r}: {_format(v, values, summarize)}"
                               for k, v in item.items()) + "}"
    if isinstance(item, tuple):
        inner = ", ".join(_format(v, values, summarize) for v in item)
        return f"({inner},)" if len(item) == 1 else f"({inner})"
    if isinstance(item, list):
        return "[" + ", ".join(_format(v, values, summarize) for v in item) + "]"
    return str(item)


def _scalar(x) -> str:
    if isinstance(x, (bytes, np.bytes_)):
        return '"' + bytes(x).decode("utf-8", "replace") + '"'
    if isinstance(x, str):
        return '"' + x + '"'
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, np.floating):
        # TensorFlow's float printing: the short form when it reads back exactly, else full
        short, full = (15, 17) if x.dtype.itemsize >= 8 else (6, 9)
        text = f"{float(x):.{short}g}"
        return text if x.dtype.type(text) == x else f"{float(x):.{full}g}"
    if isinstance(x, np.complexfloating):
        return f"({x.real:g},{x.imag:g})"
    return str(x)


def format_array(a: np.ndarray, summarize: int = 3) -> str:
    """TensorFlow's print format: `[1 2 ... 9]`, nested rows on new lines, floats to 9 digits."""
    if a.ndim == 0:
        return _scalar(a[()])
    summarize = None if summarize is None or summarize < 0 else summarize

    def rows(x, depth):
        n = x.shape[0]
        if summarize is not None and n > 2 * summarize:
            idx = list(range(summarize)) + [None] + list(range(n - summarize, n))
        else:
            idx = list(range(n))
        if x.ndim == 1:
            return "[" + " ".join("..." if i is None else _scalar(x[i]) for i in idx) + "]"
        sep = "\n" * (x.ndim - 1) + " " * (depth + 1)
        parts = ["..." if i is None else rows(x[i], depth + 1) for i in idx]
        return "[" + sep.join(parts) + "]"

    return rows(a, 0)


def print_v2(*inputs, output_stream=None, summarize: int = 3, sep: str = " ", end: str = "\n",
             name=None):
    """Prints the inputs (tensors formatted as TensorFlow does) when the program runs
    (`tf.print`). `output_stream`: sys.stderr (default), sys.stdout or 'file://<path>'.

    >>> import tensorweave as tf
    >>> import sys
    >>> tf.print(tf.constant([1, 2]), "done", output_stream=sys.stdout)
    [1 2] done
    """
    if output_stream is None or output_stream is sys.stderr:
        stream = "stderr"
    elif output_stream is sys.stdout:
        stream = "stdout"
    else:
        stream = output_stream
    tensors = []

    def slot(x):
        if isinstance(x, Tensor):
            tensors.append(x)
            return _Slot(len(tensors) - 1)
        if hasattr(x, "__tf_tensor__"):
            return slot(x.__tf_tensor__())
        return x

    structure = [nest.map_structure(slot, x) if nest.is_nested(x) else slot(x) for x in inputs]
    template = _Template(structure, len(tensors))
    attrs = {"template": template, "stream": stream, "summarize": summarize, "sep": sep,
             "end": end}
    if ctx.graph is None and not any(type(t) is SymbolicTensor for t in tensors):
        _print.kernel(ctx.device.xp, *[t.numpy() if hasattr(t, "numpy") else t for t in tensors],
               **attrs)
        return None
    execute(_print, tuple(tensors), attrs)
    return None


def _infer_assert(*specs, **attrs):
    return ()


@op("Assert", infer=_infer_assert, num_outputs=0, stateful=True, differentiable=False)
def _assert(xp, condition, *data, summarize):
    """Raises InvalidArgumentError, showing `data`, when `condition` is false."""
    if not bool(condition):
        values = [np.asarray(a.get() if hasattr(a, "get") else a) for a in data]
        shown = []
        for v in values:  # TensorFlow's layout: each item in brackets, strings bare
            text = _scalar(v[()]).strip('"') if v.dtype == object and v.ndim == 0 else \
                format_array(v, summarize)
            shown.append(text if text.startswith("[") else f"[{text}]")
        raise errors.InvalidArgumentError(None, None, "assertion failed: " + " ".join(shown))


def assert_(condition, data, summarize=None, name=None):
    """Raises InvalidArgumentError showing `data` when `condition` is false (`tf.Assert`); in a
    traced function the check runs at every call, in program order."""
    cond = condition if isinstance(condition, Tensor) else convert_to_tensor(condition)
    if cond.dtype.name != "bool" or (cond.shape.rank not in (0, None)):
        raise ValueError(f"tf.Assert: condition must be a boolean scalar, got {cond!r}")
    items = [d if isinstance(d, Tensor) else convert_to_tensor(
        d.__tf_tensor__() if hasattr(d, "__tf_tensor__") else d) for d in data]
    execute(_assert, (cond, *items), {"summarize": 3 if summarize is None else summarize})
    return None
