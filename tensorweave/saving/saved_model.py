"""`tf.saved_model.save` / `load`: an object's variables and traced functions in a folder.

    export_dir/saved_model.json            functions and signatures as serialized graphs
    export_dir/variables/variables.*       the variables (and graph constants), a tensor bundle

The loaded object needs neither the original class nor its Python code: its functions run the
saved graphs through the executor, its variables are restored from the bundle. Variables keep
their paths (`loaded.dense.kernel`), and `signatures['serving_default']` takes keyword tensors
and returns a dict, as in TensorFlow.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import numpy as np

from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.module import Module
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework.variables import Variable
from tensorweave.saving import graph_serialization as gs
from tensorweave.saving import object_graph, tensor_bundle
from tensorweave.util import nest

FORMAT = "tensorweave-saved-model"
MANIFEST = "saved_model.json"
VARIABLES = os.path.join("variables", "variables")
DEFAULT_SIGNATURE = "serving_default"


# --- saving ---------------------------------------------------------------------------------

def _function_type():
    from tensorweave.graph.function import ConcreteFunction, Function

    return Function, ConcreteFunction


def _concretes_of(fn) -> list:
    """The concrete functions a tf.function has traced (tracing its input_signature if none)."""
    Function, ConcreteFunction = _function_type()
    if isinstance(fn, ConcreteFunction):
        return [fn]
    traced = [c for _, _, c in fn._traces]
    if not traced and fn.input_signature is not None:
        traced = [fn.get_concrete_function()]
    return traced


def _functions_of(obj) -> dict:
    """{attribute: tf.function} on the object and its class (methods bound to `obj`)."""
    Function, _ = _function_type()
    found = {}
    for name, value in vars(type(obj)).items():
        if isinstance(value, Function):
            found[name] = getattr(obj, name)
    for name, value in vars(obj).items():
        if isinstance(value, Function) and not name.startswith("__"):
            found[name] = value
    return found


def _default_signatures(obj, signatures):
    Function, ConcreteFunction = _function_type()
    if signatures is None:
        if hasattr(obj, "inputs") and hasattr(obj, "compile") and getattr(obj, "inputs", None):
            return {DEFAULT_SIGNATURE: _keras_serving_function(obj)}
        with_signature = [f for f in _functions_of(obj).values() if f.input_signature is not None]
        if len(with_signature) == 1:
            return {DEFAULT_SIGNATURE: with_signature[0].get_concrete_function()}
        return {}
    if isinstance(signatures, (Function, ConcreteFunction)):
        signatures = {DEFAULT_SIGNATURE: signatures}
    out = {}
    for name, fn in signatures.items():
        if isinstance(fn, Function):
            if fn.input_signature is None:
                raise ValueError(f"The signature {name!r} is a tf.function without an "
                                 "input_signature: pass fn.get_concrete_function(specs) instead.")
            fn = fn.get_concrete_function()
        out[name] = fn
    return out


def _keras_serving_function(model):
    from tensorweave.graph.function import function

    specs = [TensorSpec(t.shape, t.dtype, name=getattr(t, "name", None) and
                        str(t.name).split(":")[0].replace("/", "_"))
             for t in nest.flatten(model.inputs)]
    structure = specs[0] if len(specs) == 1 else specs

    def serve(inputs):
        return model(inputs, training=False)

    return function(serve, input_signature=[structure]).get_concrete_function()


def _encode_concrete(writer: gs.Writer, concrete) -> dict:
    outputs = gs.encode_structure(concrete.structured_outputs, list(concrete.graph.outputs))
    graph = writer.graph(concrete.graph)
    return {"name": concrete.name, "graph": graph,
            "arg_names": list(concrete._arg_names),
            "args": [gs.encode_structure(v) for v in concrete._arg_values],
            "outputs": outputs}


def export(functions: dict, signatures: dict, variable_keys: dict) -> tuple:
    """(manifest dict, {key: array} to add to the bundle) for the given concrete functions."""
    writer = gs.Writer(dict(variable_keys))
    manifest = {"format": FORMAT, "version": 1,
                "functions": {name: [_encode_concrete(writer, c) for c in concretes]
                              for name, concretes in functions.items()},
                "signatures": {name: _encode_concrete(writer, c)
                               for name, c in signatures.items()}}
    tensors = dict(writer.constants)
    for key, var in writer.extra_variables.items():
        tensors[key] = var.numpy()
    manifest["variables"] = {key: {"trainable": bool(var.trainable), "name": str(var.name)}
                             for key, var in writer.extra_variables.items()}
    return manifest, tensors


def save(obj, export_dir, signatures=None, options=None) -> None:
    """Writes `obj`'s variables and traced functions to `export_dir` (`tf.saved_model.save`)."""
    export_dir = os.fspath(export_dir)
    by_path = object_graph.variables_by_path(obj)
    variable_keys = {id(v): path + object_graph.SUFFIX for path, v in by_path.items()}
    functions = {name: _concretes_of(fn) for name, fn in _functions_of(obj).items()}
    functions = {name: cs for name, cs in functions.items() if cs}
    manifest, tensors = export(functions, _default_signatures(obj, signatures), variable_keys)
    for path, var in by_path.items():
        key = path + object_graph.SUFFIX
        tensors[key] = var.numpy()
        manifest["variables"][key] = {"trainable": bool(var.trainable), "name": str(var.name)}
    write_folder(export_dir, manifest, tensors)


def write_folder(export_dir: str, manifest: dict, tensors: dict, extra_files: dict = ()) -> None:
    """Writes the folder under a temporary name, then renames it into place."""
    parent = os.path.dirname(os.path.abspath(export_dir))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(export_dir)}.", dir=parent)
    try:
        os.makedirs(os.path.join(staging, "variables"))
        tensor_bundle.write(os.path.join(staging, VARIABLES), tensors)
        with open(os.path.join(staging, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f)
        for name, text in dict(extra_files).items():
            with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
                f.write(text)
        old = None
        if os.path.exists(export_dir):
            old = staging + ".old"
            os.replace(export_dir, old)
        os.replace(staging, export_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# --- loading --------------------------------------------------------------------------------

class _LoadedConcrete:
    """One saved trace: binds arguments like the original, runs the graph with the executor."""

    def __init__(self, data: dict, reader: gs.Reader):
        self.name = data["name"]
        self.graph = reader.graph(data["graph"])
        self._arg_names = data["arg_names"]
        self._args = [gs.decode_structure(a) for a in data["args"]]
        self._outputs = data["outputs"]
        self._executors = {}

    @property
    def structured_input_signature(self):
        return tuple(self._args), {}

    def _flat_inputs(self, args, kwargs):
        if len(args) > len(self._arg_names):
            raise TypeError(f"{self.name} takes {len(self._arg_names)} arguments, "
                            f"got {len(args)}.")
        given = dict(zip(self._arg_names, args))
        for k, v in kwargs.items():
            if k not in self._arg_names:
                raise TypeError(f"{self.name} got an unexpected keyword argument {k!r}.")
            given[k] = v
        flat = []
        for name, saved in zip(self._arg_names, self._args):
            if name not in given:
                if any(isinstance(s, TensorSpec) for s in nest.flatten(saved)):
                    raise TypeError(f"{self.name} is missing the argument {name!r}.")
                continue
            saved_leaves = nest.flatten(saved)
            value_leaves = nest.flatten(given[name]) if nest.is_nested(saved) else [given[name]]
            if len(saved_leaves) != len(value_leaves):
                raise TypeError(f"{self.name}: argument {name!r} does not match the saved "
                                f"structure {saved!r}.")
            for spec, value in zip(saved_leaves, value_leaves):
                if isinstance(spec, TensorSpec):
                    t = convert_to_tensor(value, dtype=spec.dtype)
                    if not spec.shape.is_compatible_with(t.shape):
                        raise ValueError(f"{self.name}: argument {name!r} has shape "
                                         f"{tuple(t.shape)}, the saved function takes {spec}.")
                    flat.append(t)
                elif spec != value:
                    raise ValueError(f"{self.name}: argument {name!r} was saved with the Python "
                                     f"value {spec!r}, got {value!r}.")
        return flat

    def matches(self, args, kwargs) -> bool:
        try:
            self._flat_inputs(args, kwargs)
            return True
        except (TypeError, ValueError):
            return False

    def __call__(self, *args, **kwargs):
        from tensorweave.graph.executor import Executor

        flat = self._flat_inputs(args, kwargs)
        device = ctx.device
        run = self._executors.get(device)
        if run is None:
            run = self._executors[device] = Executor(self.graph, device).run
        arrays = run(*[t._array if t._device is device else device.backend.asarray(t.numpy())
                       for t in flat])
        outs = [Tensor(a, device) for a in arrays]
        return gs.decode_structure(self._outputs, outs)


class _LoadedFunction:
    """A saved tf.function: dispatches a call to the saved trace whose signature it matches."""

    def __init__(self, name: str, concretes: list):
        self.__name__ = name
        self.concrete_functions = concretes

    def __call__(self, *args, **kwargs):
        for concrete in self.concrete_functions:
            if concrete.matches(args, kwargs):
                return concrete(*args, **kwargs)
        signatures = ", ".join(repr(c.structured_input_signature[0])
                               for c in self.concrete_functions)
        raise ValueError(f"Could not find a saved trace of {self.__name__} matching the "
                         f"arguments {args!r} {kwargs!r}. Saved signatures: {signatures}")

    def get_concrete_function(self, *args, **kwargs):
        for concrete in self.concrete_functions:
            if not args and not kwargs or concrete.matches(args, kwargs):
                return concrete
        raise ValueError(f"No saved trace of {self.__name__} matches {args!r}.")


class _SignatureFunction:
    """`signatures[name]`: keyword tensors in, a dict of named tensors out (TF's convention)."""

    def __init__(self, concrete: _LoadedConcrete):
        self._concrete = concrete
        specs = [s for a in concrete._args for s in nest.flatten(a) if isinstance(s, TensorSpec)]
        self._input_names = [s.name or (concrete._arg_names[i] if i < len(concrete._arg_names)
                                        else f"input_{i}") for i, s in enumerate(specs)]
        self.structured_input_signature = ((), {n: s for n, s in zip(self._input_names, specs)})

    @property
    def graph(self):
        return self._concrete.graph

    def __call__(self, *args, **kwargs):
        if args:
            flat = list(args)
        else:
            missing = [n for n in self._input_names if n not in kwargs]
            if missing:
                raise TypeError(f"The signature takes keyword arguments {self._input_names}; "
                                f"missing {missing}.")
            flat = [kwargs[n] for n in self._input_names]
        structure = [a for a in self._concrete._args]
        leaves = iter(flat)
        args = [nest.pack_sequence_as(a, [next(leaves) if isinstance(s, TensorSpec) else s
                                          for s in nest.flatten(a)]) if nest.is_nested(a)
                else (next(leaves) if isinstance(a, TensorSpec) else a) for a in structure]
        result = self._concrete(*args)
        if isinstance(result, dict):
            return dict(result)
        return {f"output_{i}": t for i, t in enumerate(nest.flatten(result))}


class _LoadedObject(Module):
    """What `tf.saved_model.load` returns: variables at their paths, functions, signatures."""

    def __init__(self):
        super().__init__(name="loaded")

    def __call__(self, *args, **kwargs):
        fn = self.__dict__.get("_call")
        if fn is None:
            raise TypeError("This loaded object was saved without a __call__ function.")
        return fn(*args, **kwargs)


def _attach(root, path: str, value) -> None:
    parts = path.split("/")
    node = root
    for part in parts[:-1]:
        child = getattr(node, part, None) if part.isidentifier() else None
        if child is None:
            child = _LoadedObject()
            if part.isidentifier():
                object.__setattr__(node, part, child)
            else:
                node.__dict__.setdefault("_items", {})[part] = child
        node = child
    last = parts[-1]
    if last.isidentifier():
        object.__setattr__(node, last, value)
    else:
        node.__dict__.setdefault("_items", {})[last] = value


def load(export_dir, tags=None, options=None):
    """Loads a folder written by `tf.saved_model.save` (or a Keras model's `save('dir')`)."""
    export_dir = os.fspath(export_dir)
    manifest_path = os.path.join(export_dir, MANIFEST)
    if not os.path.exists(manifest_path):
        raise OSError(f"SavedModel file does not exist at: {export_dir}{os.sep}{{{MANIFEST}}}")
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except ValueError as e:
        raise ValueError(f"{manifest_path} is corrupt: {e}") from None
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{manifest_path} is not a tensorweave SavedModel manifest.")
    bundle = tensor_bundle.BundleReader(os.path.join(export_dir, VARIABLES))
    root = _LoadedObject()
    variables = {}
    for key, info in manifest["variables"].items():
        var = Variable(bundle.get(key), trainable=info["trainable"],
                       name=info["name"].split(":")[0])
        variables[key] = var
        if key.endswith(object_graph.SUFFIX):
            _attach(root, key[:-len(object_graph.SUFFIX)], var)
    reader = gs.Reader(bundle.get, variables)
    for name, concretes in manifest["functions"].items():
        fn = _LoadedFunction(name, [_LoadedConcrete(c, reader) for c in concretes])
        object.__setattr__(root, "_call" if name == "__call__" else name, fn)
    signatures = {name: _SignatureFunction(_LoadedConcrete(c, reader))
                  for name, c in manifest["signatures"].items()}
    object.__setattr__(root, "signatures", signatures)
    object.__setattr__(root, "_loaded_variables", list(variables.values()))
    if "_call" not in root.__dict__ and DEFAULT_SIGNATURE in signatures:
        object.__setattr__(root, "_call", signatures[DEFAULT_SIGNATURE]._concrete)
    return root
