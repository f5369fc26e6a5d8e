"""AutoGraph: Python `if`, `while` and `for` on tensors become graph control flow (`tf.autograph`).

`tf.function` converts the function it traces (not the functions that one calls): its source is
parsed, control-flow statements are rewritten into calls of the runtime in operators.py, and the
result is compiled with the function's own globals and closure. Statements whose test is a Python
value still run as Python, so only tensor-dependent control flow becomes `cond`/`while_loop`, as
in TensorFlow. A function whose source cannot be read (a lambda, a builtin, code typed at a
prompt) runs as written, with a warning when it is not a lambda.

    >>> import tensorweave as tf
    >>> @tf.function
    ... def f(x):
    ...     if tf.reduce_sum(x) > 0:
    ...         x = x * 2
    ...     return x
    >>> f(tf.constant([1, 2])).numpy()
    array([2, 4], dtype=int32)
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types
import warnings

from tensorweave.graph.autograph import operators
from tensorweave.graph.autograph.transformer import ControlFlow

_DO_NOT_CONVERT = "__tw_autograph_do_not_convert__"
_cache: dict = {}


def do_not_convert(func=None):
    """Marks `func` to run as written inside tf.function (`tf.autograph.experimental`)."""
    if func is None:
        return do_not_convert
    setattr(func, _DO_NOT_CONVERT, True)
    return func


def convert(fn, warn: bool = True):
    """`fn` with its control flow converted; `fn` itself when it cannot be converted."""
    target = fn.__func__ if inspect.ismethod(fn) else fn
    if getattr(target, _DO_NOT_CONVERT, False) or not inspect.isfunction(target):
        return fn
    key = target.__code__
    converted = _cache.get(key)
    if converted is None:
        try:
            converted = _cache[key] = _convert_code(target)
        except _NotConvertible as e:
            if warn and target.__name__ != "<lambda>":
                warnings.warn(f"AutoGraph could not transform {target.__qualname__} and will run "
                              f"it as-is: {e}", stacklevel=3)
            _cache[key] = False
            return fn
    if converted is False:
        return fn
    new = _instantiate(converted, target)
    if inspect.ismethod(fn):
        return types.MethodType(new, fn.__self__)
    return new


class _NotConvertible(Exception):
    pass


def _convert_code(fn):
    """The code object of a factory that returns the converted function (cached per code)."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as e:
        raise _NotConvertible(f"its source is not available ({e})") from e
    try:
        module = ast.parse(source)
    except SyntaxError as e:
        raise _NotConvertible(f"its source does not parse on its own ({e})") from e
    node = module.body[0] if module.body else None
    if not isinstance(node, ast.FunctionDef) or node.name != fn.__name__:
        raise _NotConvertible("it is not a plain `def` (a lambda or a generated function)")
    if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)) for n in ast.walk(node)):
        raise _NotConvertible("generators and coroutines are not converted")
    freevars = list(fn.__code__.co_freevars)
    try:
        node = ControlFlow().convert_function(node)
    except NotImplementedError as e:
        raise _NotConvertible(str(e)) from e
    if "__class__" in freevars:  # keep zero-argument super() working
        node.body.insert(0, ast.Expr(ast.Name(id="__class__", ctx=ast.Load())))
    factory = ast.FunctionDef(
        name="ag__factory", decorator_list=[], returns=None, type_params=[],
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="ag__")] + [
            ast.arg(arg=v) for v in freevars], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=[node, ast.Return(value=ast.Name(id=node.name, ctx=ast.Load()))])
    tree = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(tree)
    filename = inspect.getsourcefile(fn) or "<autograph>"
    first = fn.__code__.co_firstlineno
    ast.increment_lineno(tree, first - 1)
    try:
        code = compile(tree, filename, "exec")
    except SyntaxError as e:
        raise _NotConvertible(f"the converted code does not compile ({e})") from e
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == "ag__factory":
            return const, freevars
    raise _NotConvertible("internal: no factory in the converted code")


def _instantiate(converted, fn):
    code, freevars = converted
    factory = types.FunctionType(code, fn.__globals__, "ag__factory")
    cells = [c.cell_contents if _filled(c) else None for c in (fn.__closure__ or ())]
    new = factory(operators, *cells)
    new.__defaults__ = fn.__defaults__
    new.__kwdefaults__ = fn.__kwdefaults__
    functools.update_wrapper(new, fn)
    new.__wrapped__ = fn
    return new


def _filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


operators._convert[0] = convert


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """Options for the loop on a tensor whose body calls this
    (`tf.autograph.experimental.set_loop_options`): `shape_invariants`, a list of
    (loop variable, TensorShape) for values whose shape changes across iterations, and
    `maximum_iterations`. parallel_iterations and swap_memory have no effect here. Outside a
    converted loop on a tensor it does nothing, as in TensorFlow."""
    if operators.loop_options:
        requested = operators.loop_options[-1]
        if shape_invariants is not None:
            requested["shape_invariants"] = list(shape_invariants)
        if maximum_iterations is not None:
            requested["maximum_iterations"] = maximum_iterations


experimental = types.SimpleNamespace(do_not_convert=do_not_convert,
                                     set_loop_options=set_loop_options)


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """The converted version of a Python function (`tf.autograph.to_graph`)."""
    return convert(entity)
