"""Model.summary(): Keras 3's table of layers, output shapes and parameter counts.

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ dense (Dense)                   │ (None, 128)            │       100,480 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 100,480 (392.50 KB)
"""

from __future__ import annotations

import math

from tensorweave.framework.tensor import SymbolicTensor
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine.naming import to_snake_case

_LINE = 76


def readable_size(nbytes: float) -> str:
    """'397.54 KB': bytes in powers of 1024, two decimals, as Keras prints them."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes / 1024 < 1:
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} EB"


def _count(weights) -> tuple:
    n = sum(math.prod(w.shape.as_tuple()) for w in weights)
    size = sum(math.prod(w.shape.as_tuple()) * w.dtype.size for w in weights)
    return int(n), size


def _wrap(text: str, width: int, ellipsis: bool) -> list:
    stripped = text.lstrip(" ")
    indent = text[:len(text) - len(stripped)]
    if indent:  # nested rows keep their indentation on the first line
        lines = _wrap(stripped, width - len(indent), ellipsis)
        return [indent + lines[0]] + lines[1:]
    lines, current = [], ""
    for word in text.split(" "):
        candidate = word if not current else f"{current} {word}"
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    out = []
    for line in lines:
        while len(line) > width:
            if ellipsis:
                line = line[:width - 1] + "…"
                break
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return out


class _Table:
    def __init__(self, headers: list, widths: list, align: list, ellipsis: list):
        self.headers, self.widths, self.align, self.ellipsis = headers, widths, align, ellipsis
        self.rows: list = []

    def _border(self, left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * w for w in self.widths) + right

    def _cells(self, values: list, bar: str) -> list:
        cols = [_wrap(str(v), w - 2, e) for v, w, e in zip(values, self.widths, self.ellipsis)]
        height = max(len(c) for c in cols)
        lines = []
        for i in range(height):
            parts = []
            for col, w, a in zip(cols, self.widths, self.align):
                text = col[i] if i < len(col) else ""
                text = text.rjust(w - 2) if a == "right" else (
                    text.center(w - 2) if a == "center" else text.ljust(w - 2))
                parts.append(f" {text} ")
            lines.append(bar + bar.join(parts) + bar)
        return lines

    def render(self) -> list:
        out = [self._border("┏", "━", "┳", "┓")]
        out += self._cells(self.headers, "┃")
        out.append(self._border("┡", "━", "╇", "┩"))
        for i, row in enumerate(self.rows):
            if i:
                out.append(self._border("├", "─", "┼", "┤"))
            out += self._cells(row, "│")
        out.append(self._border("└", "─", "┴", "┘"))
        return out


def _shape_text(shapes) -> str:
    if shapes is None:
        return "?"
    if isinstance(shapes, tuple):
        return str(shapes)
    if len(shapes) == 1:
        return str(shapes[0])
    return "[" + ", ".join(str(s) for s in shapes) + "]"


def _layer_shapes(layer, model):
    """The layer's output shapes in `model` (its node there), or None when unknown."""
    graph = getattr(model, "_graph", None)
    nodes = graph.layer_nodes(layer) if graph is not None else []
    if not nodes:
        nodes = [n for n in layer._inbound_nodes if getattr(n, "outputs", None)]
    if not nodes:
        return None
    outs = [tuple(t.shape.as_tuple()) for t in nodes[-1].outputs]
    return outs[0] if len(outs) == 1 else outs


def _sequential_like(model) -> bool:
    graph = getattr(model, "_graph", None)
    if graph is None or type(model).__name__ == "Sequential" or hasattr(model, "_stack"):
        return True
    if len(graph.flat_inputs) != 1 or len(graph.flat_outputs) != 1:
        return False
    consumed = set()
    for node in graph.nodes:
        if isinstance(node, kt.InputNode):
            continue
        if len(node.inputs) != 1 or len(node.outputs) != 1 or id(node.inputs[0]) in consumed:
            return False
        consumed.add(id(node.inputs[0]))
    return True


def _op_names(graph) -> dict:
    """Display names of ops applied to symbolic tensors outside layers ('concat_v2', ...)."""
    names, counts = {}, {}
    for node in graph.nodes:
        if isinstance(node, kt.OpNode):
            base = to_snake_case(node.op.name)
            n = counts.get(base, 0)
            counts[base] = n + 1
            names[id(node)] = base if n == 0 else f"{base}_{n}"
    return names


def _inputs_text(graph, nodes, op_names: dict) -> str:
    names = []
    for node in nodes:
        for t in node.inputs:
            if not isinstance(t, SymbolicTensor):
                continue
            parent = getattr(t.node, "layer", None)
            if parent is None:
                names.append(f"{op_names.get(id(t.node), t.node.name)}[0][{t.value_index}]")
                continue
            index = graph.layer_nodes(parent).index(t.node) if t.node in graph.layer_nodes(
                parent) else 0
            names.append(f"{parent.name}[{index}][{t.value_index}]")
    return ", ".join(names) if names else "-"


def _connections(layer, model) -> str:
    graph = model._graph
    names = []
    for node in graph.layer_nodes(layer):
        for t in node.inputs:
            parent = getattr(t.node, "layer", None)
            if parent is None:
                names.append(f"{_op_names(graph).get(id(t.node), t.node.name)}[0]"
                             f"[{t.value_index}]")
                continue
            index = graph.layer_nodes(parent).index(t.node) if t.node in graph.layer_nodes(
                parent) else 0
            names.append(f"{parent.name}[{index}][{t.value_index}]")
    return ", ".join(names) if names else "-"


def _param_text(layer) -> str:
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None) -> None:
    """Prints (or passes line by line to print_fn) the model's summary table."""
    sequential_like = _sequential_like(model)
    if sequential_like:
        headers, widths = ["Layer (type)", "Output Shape", "Param #"], [33, 24, 15]
        align, ellipsis = ["left", "left", "right"], [False, False, False]
        if show_trainable:
            widths = [29, 23, 12]
    else:
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        widths, align = [21, 19, 12, 19], ["left", "left", "right", "left"]
        ellipsis = [False, False, False, True]
        if show_trainable:
            widths = [19, 17, 11, 16]
    if show_trainable:
        headers, widths = headers + ["Trai…"], widths + [7]
        align, ellipsis = align + ["center"], ellipsis + [False]
    if line_length:
        extra = line_length - (sum(widths) + len(widths) + 1)
        widths[0] = max(widths[0] + extra, 12)
    table = _Table(headers, widths, align, ellipsis)
    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        start, end = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[start:end + 1]

    def add(layer, owner, depth):
        name = f"{layer.name} ({type(layer).__name__})"
        if depth:
            name = "   " * depth + "└ " + name
        row = [name, _shape_text(_layer_shapes(layer, owner)), _param_text(layer)]
        if not sequential_like:
            row.append(_connections(layer, owner) if depth == 0 else "")
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        table.rows.append(row)
        if expand_nested and hasattr(layer, "compile") and hasattr(layer, "layers"):
            for inner in layer.layers:
                add(inner, layer, depth + 1)

    graph = getattr(model, "_graph", None)
    op_names = _op_names(graph) if graph is not None and layer_range is None else {}
    if op_names:  # ops applied outside layers get rows of their own, in graph order
        seen = set()
        for node in graph.nodes:
            layer = getattr(node, "layer", None)
            if layer is not None:
                if id(layer) not in seen:
                    seen.add(id(layer))
                    add(layer, model, 0)
            elif isinstance(node, kt.OpNode):
                shapes = [tuple(t.shape.as_tuple()) for t in node.outputs]
                row = [f"{op_names[id(node)]} (TFOpLambda)",
                       _shape_text(shapes[0] if len(shapes) == 1 else shapes), "0"]
                if not sequential_like:
                    row.append(_inputs_text(graph, [node], op_names))
                if show_trainable:
                    row.append("-")
                table.rows.append(row)
    else:
        for layer in layers:
            add(layer, model, 0)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    opt = (0, 0)
    if optimizer is not None and getattr(optimizer, "built", False):
        variables = getattr(optimizer, "variables", [])
        opt = _count(variables() if callable(variables) else variables)
    # Keras 3 counts the optimizer's variables in the total once it is built.
    total = (trainable[0] + non_trainable[0] + opt[0], trainable[1] + non_trainable[1] + opt[1])
    lines = [f'Model: "{model.name}"'] + table.render()
    lines.append(f" Total params: {total[0]:,} ({readable_size(total[1])})")
    lines.append(f" Trainable params: {trainable[0]:,} ({readable_size(trainable[1])})")
    lines.append(f" Non-trainable params: {non_trainable[0]:,} "
                 f"({readable_size(non_trainable[1])})")
    if opt[0]:
        lines.append(f" Optimizer params: {opt[0]:,} ({readable_size(opt[1])})")
    emit = print_fn or print
    if print_fn is None:
        print("\n".join(lines))
        return
    for line in lines:
        emit(line)
