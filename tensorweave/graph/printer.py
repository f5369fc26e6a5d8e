"""A readable text form of a graph, one node a line (what `Graph.as_text()` returns).

    %x: f32[2] = Placeholder()
    %Mul: f32[2] = Mul(%x, %Const)
    return (%Mul)
"""

from __future__ import annotations

_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "bfloat16": "bf16",
          "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "u8",
          "bool": "bool", "complex64": "c64", "complex128": "c128", "string": "str"}


def type_text(t) -> str:
    shape = t.shape.as_tuple()
    dims = "?" if shape is None else ",".join("?" if d is None else str(d) for d in shape)
    return f"{_SHORT.get(t.dtype.name, t.dtype.name)}[{dims}]"


def _ref(graph, t) -> str:
    return "%" + (t.node.name if t.value_index == 0 else f"{t.node.name}:{t.value_index}")


def _attr_text(value) -> str:
    name = getattr(value, "name", None)
    if hasattr(value, "_uid") and name:  # a variable
        return f"<var {name}>"
    if hasattr(value, "nodes") and hasattr(value, "outputs"):  # a sub-graph
        return f"<graph {value.name}>"
    return repr(value)


def graph_text(graph, indent: str = "") -> str:
    lines = []
    for node in graph.nodes:
        outs = ", ".join(type_text(o) for o in node.outputs)
        head = f"%{node.name}: {outs} = " if node.outputs else f"%{node.name} = "
        args = ", ".join(_ref(graph, t) for t in node.inputs)
        attrs = {k: v for k, v in node.attrs.items() if k not in ("shape", "dtype")
                 or node.type not in ("Placeholder",)}
        attr = (" {" + ", ".join(f"{k}={_attr_text(v)}" for k, v in attrs.items()) + "}"
                if attrs else "")
        lines.append(f"{indent}{head}{node.type}({args}){attr}")
        for v in node.attrs.values():
            for sub in (v if isinstance(v, tuple) else (v,)):
                if hasattr(sub, "nodes") and hasattr(sub, "outputs") and hasattr(sub, "captures"):
                    lines.append(f"{indent}  graph {sub.name}:")
                    lines.append(graph_text(sub, indent + "    "))
    outs = ", ".join(_ref(graph, t) for t in graph.outputs)
    lines.append(f"{indent}return ({outs})")
    return "\n".join(lines)
