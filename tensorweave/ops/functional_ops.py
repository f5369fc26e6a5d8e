"""tf.map_fn, tf.scan, tf.foldl, tf.foldr, and the loop over a tf.data.Dataset in a traced
function (`ForDataset`).

Eagerly they are Python loops over the rows (so tapes see every op). Traced, map_fn and scan are
a `while_loop` writing TensorArrays, and the folds a `while_loop` over an accumulator; gradients
come from those ops. A `for` over a Dataset inside a tf.function (AutoGraph) is one `ForDataset`
node: its kernel iterates the dataset at every call and runs the body's sub-graph per element.
"""

from __future__ import annotations

from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.graph import subgraph
from tensorweave.graph.graph import Graph
from tensorweave.graph.subgraph import SubFunction, outer_graph_of, union_captures
from tensorweave.ops._infer import Spec
from tensorweave.ops.array_ops import shape, stack, stop_gradient, unstack
from tensorweave.ops.binary_ops import less
from tensorweave.ops.control_flow_ops import _as_tensor, while_loop
from tensorweave.ops.fill_ops import zeros
from tensorweave.ops.tensor_array import TensorArray, _read
from tensorweave.util import nest

__all__ = ["map_fn", "scan", "foldl", "foldr"]


# --- map_fn, scan, folds -----------------------------------------------------------------------
def _rows(elems):
    """The flat elements as tensors and their common (static) length, or None when unknown."""
    flat = [_as_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must not be empty")
    for e in flat:
        if e.shape.rank == 0:
            raise ValueError(f"elems must be tensors of rank >= 1 to iterate over, got a scalar "
                             f"of shape {e.shape}")
    n = flat[0].shape[0]
    return flat, n


def _count(flat, n):
    return convert_to_tensor(n) if n is not None else shape(flat[0])[0]


def _read_row(e, i):
    return execute(_read, (e, i), {})


def _probe(fn, args_structure, specs, outer):
    """The structure and specs `fn` returns, from tracing it once in a throwaway graph."""
    _, result, flat = subgraph.trace(fn, specs, outer, "probe", arg_structure=args_structure,
                                     hoist_reads=False)
    return result, flat


def _stopped(result, back_prop: bool):
    """`back_prop=False`: no gradient flows back through the loop's results."""
    if back_prop:
        return result
    return nest.map_structure(lambda t: stop_gradient(t) if isinstance(t, Tensor) else t, result)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """`fn` applied to each row of `elems` (nested), results stacked (`tf.map_fn`).

    >>> import tensorweave as tf
    >>> tf.map_fn(lambda x: x * 2, tf.constant([1, 2, 3])).numpy()
    array([2, 4, 6], dtype=int32)
    """
    return _stopped(_map_fn(fn, elems), back_prop)


def _map_fn(fn, elems):
    flat, n = _rows(elems)
    outer = outer_graph_of(flat)
    if outer is None:
        columns = [unstack(e) for e in flat]
        results = [fn(nest.pack_sequence_as(elems, list(row))) for row in zip(*columns)]
        if not results:
            return _empty_map(fn, elems, flat)
        first = results[0]
        stacked = [stack([_as_tensor(leaf) for leaf in leaves])
                   for leaves in zip(*[nest.flatten(r) for r in results])]
        return nest.pack_sequence_as(first, stacked)
    specs = [(e.shape.as_tuple()[1:] if e.shape.rank is not None else None, e.dtype)
             for e in flat]
    probe, probe_flat = _probe(lambda *xs: fn(nest.pack_sequence_as(elems, list(xs))), None,
                               specs, outer)
    count = _count(flat, n)
    tas = [TensorArray(o.dtype, size=n, dynamic_size=n is None,
                       element_shape=o.shape if o.shape.is_fully_defined() else None)
           for o in probe_flat]

    def body(i, *tas):
        row = nest.pack_sequence_as(elems, [_read_row(e, i) for e in flat])
        out = [_as_tensor(o) for o in nest.flatten(fn(row))]
        return (i + 1, *[ta.write(i, o) for ta, o in zip(tas, out)])

    _, *tas = while_loop(lambda i, *_: less(i, count), body, (convert_to_tensor(0), *tas))
    return nest.pack_sequence_as(probe, [ta.stack() for ta in tas])


def _empty_map(fn, elems, flat):
    specs = [(e.shape.as_tuple()[1:], e.dtype) for e in flat]
    result, out = _probe(lambda *xs: fn(nest.pack_sequence_as(elems, list(xs))), None, specs,
                         Graph("map_fn_probe"))
    return nest.pack_sequence_as(result, [zeros([0] + o.shape.as_list(), dtype=o.dtype)
                                          for o in out])


def _eager_scan(fn, flat, elems, initializer, reverse, collect):
    columns = [unstack(e) for e in flat]
    rows = [nest.pack_sequence_as(elems, list(r)) for r in zip(*columns)]
    if reverse:
        rows = rows[::-1]
    if initializer is None:
        if not rows:
            raise ValueError("scan/fold of empty elems needs an initializer")
        acc, rows = rows[0], rows[1:]
        outs = [acc]
    else:
        acc, outs = initializer, []
    for row in rows:
        acc = fn(acc, row)
        outs.append(acc)
    if not collect:
        return acc
    if reverse:
        outs = outs[::-1]
    if not outs:
        return nest.map_structure(lambda a: _as_tensor(a)[None][:0], initializer)
    stacked = [stack([_as_tensor(leaf) for leaf in leaves])
               for leaves in zip(*[nest.flatten(o) for o in outs])]
    return nest.pack_sequence_as(outs[0], stacked)


def _graph_scan(fn, flat, n, elems, initializer, reverse, collect):
    count = _count(flat, n)
    start = 0
    if initializer is None:
        first = count - 1 if reverse else convert_to_tensor(0)
        acc = nest.pack_sequence_as(elems, [_read_row(e, first) for e in flat])
        start = 1
    else:
        acc = nest.map_structure(_as_tensor, initializer)
    acc_flat = nest.flatten(acc)
    tas = [TensorArray(a.dtype, size=n, dynamic_size=n is None,
                       element_shape=a.shape if a.shape.is_fully_defined() else None)
           for a in acc_flat] if collect else []
    if collect and start:
        pos = count - 1 if reverse else convert_to_tensor(0)
        tas = [ta.write(pos, a) for ta, a in zip(tas, acc_flat)]
    k = len(acc_flat)

    def body(i, *state):
        accs, tas = state[:k], state[k:]
        j = count - 1 - i if reverse else i
        row = nest.pack_sequence_as(elems, [_read_row(e, j) for e in flat])
        new = [_as_tensor(a) for a in nest.flatten(fn(nest.pack_sequence_as(acc, list(accs)),
                                                     row))]
        return (i + 1, *new, *[ta.write(j, a) for ta, a in zip(tas, new)])

    out = while_loop(lambda i, *_: less(i, count), body,
                     (convert_to_tensor(start), *acc_flat, *tas))
    accs, tas = out[1:1 + k], out[1 + k:]
    if not collect:
        return nest.pack_sequence_as(acc, list(accs))
    return nest.pack_sequence_as(acc, [ta.stack() for ta in tas])


def _scan_like(fn, elems, initializer, reverse, collect):
    flat, n = _rows(elems)
    if outer_graph_of(flat, nest.flatten(initializer) if initializer is not None else []) is None:
        return _eager_scan(fn, flat, elems, initializer, reverse, collect)
    return _graph_scan(fn, flat, n, elems, initializer, reverse, collect)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """Every intermediate `acc = fn(acc, row)` over the rows of `elems`, stacked (`tf.scan`).

    >>> import tensorweave as tf
    >>> tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3])).numpy()
    array([1, 3, 6], dtype=int32)
    """
    return _stopped(_scan_like(fn, elems, initializer, reverse, collect=True), back_prop)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """The final `acc = fn(acc, row)` over the rows of `elems`, first to last (`tf.foldl`)."""
    return _stopped(_scan_like(fn, elems, initializer, reverse=False, collect=False), back_prop)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """The final `acc = fn(acc, row)` over the rows of `elems`, last to first (`tf.foldr`)."""
    return _stopped(_scan_like(fn, elems, initializer, reverse=True, collect=False), back_prop)


# --- for over a Dataset ------------------------------------------------------------------------
class DatasetRef:
    """A dataset held in a node's attrs (hashed by identity)."""

    __slots__ = ("dataset",)

    def __init__(self, dataset):
        self.dataset = dataset

    def __repr__(self) -> str:
        return f"<dataset {type(self.dataset).__name__}>"


def _infer_for_dataset(*specs, dataset, body, n_vars, stops):
    return tuple(Spec(s.shape, s.dtype) for s in specs[:n_vars])


@op("ForDataset", infer=_infer_for_dataset, num_outputs=None, stateful=True)
def _for_dataset(xp, *args, dataset, body, n_vars, stops):
    """Runs `body` for each element of the dataset, threading the loop values."""
    device = ctx.device
    values = args[:n_vars]
    for element in dataset.dataset:
        arrays = []
        for t in nest.flatten(element):
            a = t._array
            if t._device is not device:
                a = device.backend.asarray(t._device.backend.to_numpy(a))
            arrays.append(a)
        values = body.run((*arrays, *values), args)
        if any(bool(values[k]) for k in stops):
            break
    return tuple(values)


def for_dataset(dataset, loop_vars: list, body_fn, stops=()) -> list:
    """Adds a ForDataset node: `body_fn(element, *loop_vars) -> new loop_vars` per element.

    `stops` are positions of boolean loop values that end the loop when true (break/return).
    """
    loop_vars = [_as_tensor(v) for v in loop_vars]
    elem_spec = dataset.element_spec
    elem_specs = [(s.shape.as_tuple(), s.dtype) for s in nest.flatten(elem_spec)]
    n_e = len(elem_specs)
    specs = elem_specs + [(v.shape.as_tuple(), v.dtype) for v in loop_vars]
    outer = outer_graph_of(loop_vars)

    def traced(*phs):
        element = nest.pack_sequence_as(elem_spec, list(phs[:n_e])) if nest.is_nested(
            elem_spec) else phs[0]
        return list(body_fn(element, *phs[n_e:]))

    graph, _, outs = subgraph.trace(traced, specs, outer, "dataset_body")
    for k, (v, o) in enumerate(zip(loop_vars, outs)):
        if o.dtype is not v.dtype or not o.shape.is_compatible_with(v.shape) or (
                v.shape.as_tuple() != o.shape.as_tuple() and o.shape.rank is not None
                and any(a is not None and a != b for a, b in zip(v.shape.as_tuple() or (),
                                                                  o.shape.as_tuple() or ()))):
            raise ValueError(f"Loop variable {k} of a for loop over a dataset enters with "
                             f"{v.dtype.name}{v.shape} and leaves the body with "
                             f"{o.dtype.name}{o.shape}; it must keep its dtype and shape.")
    caps, (pos,) = union_captures(graph)
    n = len(loop_vars)
    body = SubFunction(graph, n_e + n, [n + p for p in pos])
    outs = outer.add_op(_for_dataset, (*loop_vars, *caps), {
        "dataset": DatasetRef(dataset), "body": body, "n_vars": n, "stops": tuple(stops)})
    return list(outs)
