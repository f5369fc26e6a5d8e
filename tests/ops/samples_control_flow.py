"""Samples for the control-flow, TensorArray, print, assert and Python-function ops
(ops/control_flow_ops.py, ops/functional_ops.py, ops/tensor_array.py, ops/logging_ops.py,
ops/script_ops.py). Branches and loop bodies are traced here into
sub-graphs fed by the op's own inputs."""

import io

import numpy as np

import tensorweave as tf
from tensorweave.graph import subgraph
from tensorweave.graph.subgraph import SubFunction
from tensorweave.ops import control_flow_ops as cf
from tensorweave.ops.logging_ops import _Slot, _Template
from tensorweave.ops.script_ops import PyFunc


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _branches(shape):
    spec = [(shape, tf.float64)]
    g_then, _, _ = subgraph.trace(lambda x: tf.sin(x) * x, spec, None, "then")
    g_else, _, _ = subgraph.trace(lambda x: x * x * x, spec, None, "else")
    return {"then_branch": SubFunction(g_then, 1), "else_branch": SubFunction(g_else, 1)}


def _if(pred):
    return lambda r: ([np.array(pred), _n(r, 3)], _branches((3,)))


def _loop(shape=(2,)):
    specs = [((), tf.int32), (shape, tf.float64), (shape, tf.float64)]
    g_cond, _, _ = subgraph.trace(lambda i, x, w: i < 3, specs, None, "cond")
    g_body, _, _ = subgraph.trace(lambda i, x, w: (i + 1, tf.sin(x) * w + x, w), specs, None,
                                  "body")
    return {"cond": SubFunction(g_cond, 3), "body": SubFunction(g_body, 3), "n_vars": 3,
            "shapes": ((), shape, shape)}


def _while(r):
    return [np.array(0, np.int32), _n(r, 2), _n(r, 2)], _loop()


def _while_grad(r):
    attrs = _loop()
    specs = [((), tf.int32), ((2,), tf.float64), ((2,), tf.float64)]
    body_grad = cf._grad_graph(attrs["body"], specs, [((2,), tf.float64), ((2,), tf.float64)],
                               [1, 2], "body_grad",
                               lambda body, args: cf._replay_body(3)(body, args)[1:])
    attrs = dict(attrs, body_grad=body_grad, n_caps=0, wrt_vars=(1, 2), wrt_caps=())
    return [np.array(0, np.int32), _n(r, 2), _n(r, 2), _n(r, 2), _n(r, 2)], attrs


def _for_dataset(r):
    from tensorweave.ops.functional_ops import DatasetRef

    data = tf.data.Dataset.from_tensor_slices(_n(r, 4, 2))
    specs = [((2,), tf.float64), ((2,), tf.float64)]
    graph, _, _ = subgraph.trace(lambda row, acc: acc * 0.5 + row, specs, None, "body")
    return [_n(r, 2)], {"dataset": DatasetRef(data), "body": SubFunction(graph, 2),
                        "n_vars": 1, "stops": ()}


def _print(r):
    return [_n(r, 2)], {"template": _Template(["value:", _Slot(0)], 1),
                        "stream": io.StringIO(), "summarize": 3, "sep": " ", "end": "\n"}


SAMPLES = {
    "If": [_if(True)],
    "StatelessIf": [_if(True), _if(False)],
    "While": [_while],
    "StatelessWhile": [_while],
    "WhileGrad": [_while_grad],
    "TensorArrayWrite": [lambda r: ([_n(r, 3, 2), np.array(1, np.int32), _n(r, 2)],
                                    {"size": 3, "dynamic": False}),
                         lambda r: ([_n(r, 1, 2), np.array(2, np.int32), _n(r, 2)],
                                    {"size": None, "dynamic": True})],
    "TensorArrayRead": [lambda r: ([_n(r, 3, 2), np.array(2, np.int32)], {})],
    "TensorArrayZeroRow": [lambda r: ([_n(r, 3, 2), np.array(0, np.int32), _n(r, 3, 2)], {}),
                           lambda r: ([_n(r, 3, 2), np.array(2, np.int32), _n(r, 2, 2)], {})],
    "TensorArrayScatterRow": [lambda r: ([_n(r, 3, 2), np.array(1, np.int32), _n(r, 2)], {})],
    "PrintV2": [_print],
    "ForDataset": [_for_dataset],
    "Assert": [lambda r: ([np.array(True), _n(r, 2)], {"summarize": 3})],
    "EagerPyFunc": [lambda r: ([_n(r, 3)], {"func": PyFunc(lambda a: a * 2, False),
                                            "Tout": (tf.float64,)})],
}
