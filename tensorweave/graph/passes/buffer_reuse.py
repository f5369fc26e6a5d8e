"""Buffer reuse: an elementwise op whose input array dies at that op, and has the output's
shape and dtype, writes its result into that array (`xp.add(a, b, out=a)`) instead of
allocating a new one. Only arrays the graph itself allocated are reused: never an input, a
constant, a variable's value or a view returned by a shape op."""

from __future__ import annotations

from tensorweave.framework.op_def import OpDef
from tensorweave.graph.graph import Graph
from tensorweave.graph.passes._rewrite import KEEP, rewrite, use_counts
from tensorweave.ops.tensor_array import _write as WRITE

# ops computed by one ufunc of the array namespace, which accepts `out=`
UFUNCS = {"AddV2": "add", "Sub": "subtract", "Mul": "multiply", "RealDiv": "divide",
          "Neg": "negative", "Abs": "absolute", "Exp": "exp", "Log": "log", "Sqrt": "sqrt",
          "Square": "square", "Tanh": "tanh", "Maximum": "maximum", "Minimum": "minimum",
          "Sin": "sin", "Cos": "cos"}
# ops whose result is always a freshly allocated array (or a view of one nothing else holds)
_FRESH = set(UFUNCS) | {"MatMul", "BatchMatMulV2", "InplaceUfunc", "InplaceLayerOp", "BiasAdd",
                        "Relu", "ReluGrad", "Conv2D", "Conv2DBackpropInput", "MaxPoolGrad"}
# in-place GEMM epilogues and activations need no temporaries for these dtypes
_INPLACE_DTYPES = ("float16", "float32", "float64")


def _inplace_kernel(xp, *args, ufunc, into):
    return getattr(xp, ufunc)(*args, out=args[into])


INPLACE = OpDef("InplaceUfunc", _inplace_kernel, None, elementwise=True, differentiable=False)


def _inplace_layer_kernel(xp, x, *args, kind, data_format="NHWC"):
    """BiasAdd, Relu and ReluGrad written into their first input: a convolution's or a GEMM's
    output takes its bias and activation, and dy its Relu mask, without a new array."""
    if kind == "BiasAdd":
        (b,) = args
        if data_format == "NCHW":
            b = b.reshape((1, -1) + (1,) * (x.ndim - 2))
        return xp.add(x, b, out=x)
    if kind == "Relu":
        return xp.maximum(x, x.dtype.type(0), out=x)
    (y,) = args  # ReluGrad(dy, y): dy * (y > 0), as the kernel
    return xp.multiply(x, y > 0, out=x)


INPLACE_LAYER = OpDef("InplaceLayerOp", _inplace_layer_kernel, None, differentiable=False)
_LAYER_OPS = ("BiasAdd", "Relu", "ReluGrad")


def _fresh(node) -> bool:
    if node.type == "FusedElementwise":  # fresh when its last step is a ufunc
        return node.attrs["steps"].steps[-1][0].name in UFUNCS
    return node.type in _FRESH


def _reusable(t, out, uses) -> bool:
    shape = t.shape.as_tuple()
    return (_fresh(t.node) and uses.get(id(t), 0) == 1 and t.dtype is out.dtype
            and shape is not None and None not in shape and len(shape) >= 1
            and shape == out.shape.as_tuple() and t.dtype.is_floating)


def buffer_reuse(graph: Graph) -> Graph:
    """Rewrites elementwise ufunc ops into in-place ones where an input buffer dies there."""
    uses = use_counts(graph)

    def visit(b, node):
        if node.type in _LAYER_OPS:
            return _layer_inplace(b, node, uses)
        ufunc = UFUNCS.get(node.type)
        if ufunc is None or node.op_def.stateful or node.attrs:
            return KEEP
        out = node.outputs[0]
        if any(t.dtype is not out.dtype for t in node.inputs):
            return KEEP
        for k, t in enumerate(node.inputs):
            if _reusable(t, out, uses) and sum(x is t for x in node.inputs) == 1:
                new = b.emit(INPLACE, [b.value(x) for x in node.inputs],
                             {"ufunc": ufunc, "into": k}, [(out.shape.as_tuple(), out.dtype)],
                             f"{node.name}/inplace", node.location)
                b.alias(out, new.outputs[0])
                return None
        return KEEP

    return rewrite(graph, visit)


def _layer_inplace(b, node, uses):
    out, x = node.outputs[0], node.inputs[0]
    if (node.op_def.stateful or out.dtype.name not in _INPLACE_DTYPES
            or any(t.dtype is not out.dtype for t in node.inputs)
            or not _reusable(x, out, uses) or any(t is x for t in node.inputs[1:])):
        return KEEP
    attrs = {"kind": node.type}
    if node.type == "BiasAdd":
        attrs["data_format"] = node.attrs.get("data_format", "NHWC")
    new = b.emit(INPLACE_LAYER, [b.value(t) for t in node.inputs], attrs,
                 [(out.shape.as_tuple(), out.dtype)], f"{node.name}/inplace", node.location)
    b.alias(out, new.outputs[0])
    return None


def _write_inplace_kernel(xp, buf, index, value, *, size, dynamic):
    i = int(index)
    if buf.ndim >= 1 and buf.shape[1:] == value.shape and 0 <= i < buf.shape[0]:
        buf[i] = value
        return buf
    return WRITE.kernel(xp, buf, index, value, size=size, dynamic=dynamic)


WRITE_INPLACE = OpDef("TensorArrayWriteInPlace", _write_inplace_kernel, None,
                      differentiable=False)


def inplace_writes(graph: Graph, owned: tuple) -> Graph:
    """TensorArray writes into buffers the loop owns (its `owned` inputs, or an earlier write's
    result) that die at the write update them in place instead of copying them."""
    uses = use_counts(graph)
    owned_ids = {id(graph.inputs[i]) for i in owned if i < len(graph.inputs)}

    def visit(b, node):
        if node.op_def is not WRITE:
            return KEEP
        buf = node.inputs[0]
        if uses.get(id(buf), 0) != 1 or not (
                id(buf) in owned_ids or buf.node.op_def in (WRITE, WRITE_INPLACE)):
            return KEEP
        out = node.outputs[0]
        new = b.emit(WRITE_INPLACE, [b.value(t) for t in node.inputs], node.attrs,
                     [(out.shape.as_tuple(), out.dtype)], f"{node.name}/inplace", node.location)
        b.alias(out, new.outputs[0])
        return None

    return rewrite(graph, visit)
