"""The AST rewrite: `if`, `while`, `for`, `break`, `continue` and `return` into operator calls.

Each statement becomes local functions for its bodies plus a call to the runtime (operators.py),
which picks Python or graph control flow once it sees the test's value:

    if x > 0:                       def ag__if_body_1():
        y = x                           nonlocal y
    else:                               y = x
        y = -x             ->       def ag__else_body_1(): ...
                                    ag__.if_stmt(x > 0, ag__if_body_1, ag__else_body_1,
                                                 ag__get_1, ag__set_1, ('y',))

`get`/`set` read and write the variables the statement modifies, so the runtime can thread them
through tf.cond / tf.while_loop. `break` and `continue` become flags that guard the rest of the
loop body (and end the loop); a `return` that is not the function's last statement sets a return
flag and value, guarding what follows; the function then returns the value at its end.
`and`, `or` and `not` in tests become lazy operators that work on tensors.
"""

from __future__ import annotations

import ast
import itertools

_counter = itertools.count(1)


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _call(func: str, args: list, keywords=None) -> ast.Call:
    value = ast.Attribute(value=_name("ag__"), attr=func, ctx=ast.Load())
    return ast.Call(func=value, args=args, keywords=keywords or [])


def _assign(name: str, value) -> ast.Assign:
    return ast.Assign(targets=[_name(name, True)], value=value)


def _const(v) -> ast.Constant:
    return ast.Constant(value=v)


class _Stores(ast.NodeVisitor):
    """Names a statement list binds in its own scope (and `nonlocal` ones of generated defs)."""

    def __init__(self):
        self.names: list = []

    def add(self, n):
        if n not in self.names and not n.startswith("ag__fn"):
            self.names.append(n)

    def visit_Name(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.add(node.id)

    def visit_FunctionDef(self, node):
        self.add(node.name)
        for stmt in node.body:  # generated bodies declare what they modify as nonlocal
            if isinstance(stmt, ast.Nonlocal):
                for n in stmt.names:
                    self.add(n)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_ClassDef(self, node):
        self.add(node.name)

    def _comp(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp

    def visit_NamedExpr(self, node):
        self.add(node.target.id)
        self.generic_visit(node)


def modified(stmts) -> list:
    v = _Stores()
    for s in stmts:
        v.visit(s)
    return [n for n in v.names if not n.startswith("ag__fn")]


def _contains(stmts, kinds, into_loops=False) -> bool:
    for s in stmts:
        for node in _walk_no_scopes(s, into_loops):
            if isinstance(node, kinds):
                return True
    return False


def _walk_no_scopes(node, into_loops):
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if not into_loops and isinstance(child, (ast.For, ast.While, ast.AsyncFor)):
            continue
        yield from _walk_no_scopes(child, into_loops)


class ControlFlow(ast.NodeTransformer):
    """Rewrites one function's body. See the module docstring."""

    def __init__(self, global_names=()):
        self.global_names = set(global_names)
        self.loop_flags = []  # (break flag, continue flag) of the enclosing loops
        self.ret = None  # (flag, value) names when returns are converted

    # --- the function ------------------------------------------------------------------------
    def convert_function(self, fn: ast.FunctionDef) -> ast.FunctionDef:
        for node in ast.walk(fn):
            if isinstance(node, ast.Global):
                self.global_names.update(node.names)
        body = [Calls().visit(stmt) for stmt in fn.body]
        needs_ret = _non_tail_return(body)
        if needs_ret:
            k = next(_counter)
            self.ret = (f"ag__ret_{k}", f"ag__retval_{k}")
        body = self.block(body)
        if needs_ret:
            flag, value = self.ret
            body = [_assign(flag, _const(False)), _assign(value, _const(None))] + body + [
                ast.Return(value=_name(value))]
        fn.body = body
        fn.decorator_list = []
        return fn

    # --- statement lists: guards after break/continue/return -------------------------------------
    def block(self, stmts) -> list:
        out = []
        for i, stmt in enumerate(stmts):
            new = self.statement(stmt)
            out.extend(new)
            rest = stmts[i + 1:]
            if rest and self._may_jump(stmt):
                guard = self._guard_test()
                if guard is not None:
                    inner = self.block(rest)
                    out.extend(self.convert_if(ast.If(test=guard, body=inner, orelse=[]),
                                               already=True))
                    return out
        return out

    def _may_jump(self, stmt) -> bool:
        if self.loop_flags and _contains([stmt], (ast.Break, ast.Continue)):
            return True
        return self.ret is not None and _contains([stmt], (ast.Return,), into_loops=True)

    def _guard_test(self):
        flags = []
        if self.loop_flags:
            flags += [f for f in self.loop_flags[-1] if f]
        if self.ret is not None:
            flags.append(self.ret[0])
        if not flags:
            return None
        return _call("not_", [_call("or_", [ast.Lambda(args=_no_args(), body=_name(f))
                                           for f in flags])]) if len(flags) > 1 else \
            _call("not_", [_name(flags[0])])

    def statement(self, stmt) -> list:
        if isinstance(stmt, ast.If):
            return self.convert_if(stmt)
        if isinstance(stmt, ast.While):
            return self.convert_while(stmt)
        if isinstance(stmt, ast.For):
            return self.convert_for(stmt)
        if isinstance(stmt, ast.Break) and self.loop_flags:
            return [_assign(self.loop_flags[-1][0], _const(True))]
        if isinstance(stmt, ast.Continue) and self.loop_flags:
            return [_assign(self.loop_flags[-1][1], _const(True))]
        if isinstance(stmt, ast.Return) and self.ret is not None:
            flag, value = self.ret
            out = [_assign(value, stmt.value or _const(None)), _assign(flag, _const(True))]
            return out
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [stmt]  # nested definitions are left as written
        if isinstance(stmt, (ast.With, ast.Try)):
            stmt.body = self.block(stmt.body)
            if isinstance(stmt, ast.Try):
                stmt.orelse = self.block(stmt.orelse)
                stmt.finalbody = self.block(stmt.finalbody)
                for h in stmt.handlers:
                    h.body = self.block(h.body)
            return [stmt]
        return [stmt]

    # --- if ------------------------------------------------------------------------------------
    def convert_if(self, node: ast.If, already: bool = False) -> list:
        body = node.body if already else self.block(node.body)
        orelse = self.block(node.orelse) if node.orelse else []
        test = self.test(node.test)
        names = [n for n in modified(body + orelse) if n not in self.global_names]
        k = next(_counter)
        b_name, e_name = f"ag__fn_if_body_{k}", f"ag__fn_else_body_{k}"
        out = self._bind(names)
        out += self._state_fns(names, k)
        out.append(self._def(b_name, [], names, body))
        out.append(self._def(e_name, [], names, orelse))
        out.append(ast.Expr(_call("if_stmt", [test, _name(b_name), _name(e_name),
                                              _name(f"ag__fn_get_{k}"),
                                              _name(f"ag__fn_set_{k}"),
                                              ast.Tuple([_const(n) for n in names],
                                                        ast.Load())])))
        return out

    # --- loops -----------------------------------------------------------------------------------
    def _loop_body(self, body):
        k = next(_counter)
        brk = f"ag__brk_{k}" if _contains(body, (ast.Break,)) else None
        cont = f"ag__cont_{k}" if _contains(body, (ast.Continue,)) else None
        ret = self.ret[0] if self.ret is not None and _contains(
            body, (ast.Return,), into_loops=True) else None
        self.loop_flags.append((brk, cont))
        try:
            new_body = self.block(body)
        finally:
            self.loop_flags.pop()
        pre = [_assign(cont, _const(False))] if cont else []
        return brk, ret, new_body, pre

    def _stop_flags(self, brk, ret) -> list:
        return [f for f in (brk, ret) if f]

    def convert_while(self, node: ast.While) -> list:
        if node.orelse:
            raise NotImplementedError("AutoGraph: `while ... else` is not converted; move the "
                                      "else block after the loop.")
        brk, ret, body, pre = self._loop_body(node.body)
        test = self.test(node.test)
        for flag in self._stop_flags(brk, ret):
            test = _call("and_", [ast.Lambda(args=_no_args(), body=_call("not_", [_name(flag)])),
                                  ast.Lambda(args=_no_args(), body=test)])
        body = pre + body
        names = [n for n in modified(body) if n not in self.global_names]
        if brk and brk not in names:
            names.append(brk)
        k = next(_counter)
        out = ([_assign(brk, _const(False))] if brk else []) + self._bind(names)
        out += self._state_fns(names, k)
        t_name, b_name = f"ag__fn_test_{k}", f"ag__fn_body_{k}"
        out.append(ast.FunctionDef(name=t_name, args=_no_args(), body=[ast.Return(value=test)],
                                   decorator_list=[], returns=None, type_params=[]))
        out.append(self._def(b_name, [], names, body))
        out.append(ast.Expr(_call("while_stmt", [_name(t_name), _name(b_name),
                                                 _name(f"ag__fn_get_{k}"),
                                                 _name(f"ag__fn_set_{k}"),
                                                 ast.Tuple([_const(n) for n in names],
                                                           ast.Load())])))
        return out

    def convert_for(self, node: ast.For) -> list:
        if node.orelse:
            raise NotImplementedError("AutoGraph: `for ... else` is not converted; move the "
                                      "else block after the loop.")
        brk, ret, body, pre = self._loop_body(node.body)
        k = next(_counter)
        item = f"ag__item_{k}"
        assign_target = ast.Assign(targets=[node.target], value=_name(item))
        body = [assign_target] + pre + body
        flags = self._stop_flags(brk, ret)
        if flags:
            stop = _call("or_", [ast.Lambda(args=_no_args(), body=_name(f)) for f in flags]) \
                if len(flags) > 1 else _name(flags[0])
            body = self.convert_if(ast.If(test=_call("not_", [stop]), body=body, orelse=[]),
                                   already=True)
        names = [n for n in modified(body) if n not in self.global_names and n != item]
        if brk and brk not in names:
            names.append(brk)
        out = ([_assign(brk, _const(False))] if brk else []) + self._bind(names)
        out += self._state_fns(names, k)
        b_name = f"ag__fn_body_{k}"
        out.append(self._def(b_name, [item], names, body))
        out.append(ast.Expr(_call("for_stmt", [node.iter, _name(b_name),
                                               _name(f"ag__fn_get_{k}"),
                                               _name(f"ag__fn_set_{k}"),
                                               ast.Tuple([_const(n) for n in names],
                                                         ast.Load())])))
        return out

    # --- helpers ---------------------------------------------------------------------------------
    def test(self, node):
        return _Bool().visit(node)

    def _bind(self, names) -> list:
        """`try: n / except NameError: n = Undefined` so that each name is bound in this scope
        (nested bodies declare it nonlocal) without changing its value."""
        out = []
        for n in names:
            out.append(ast.Try(
                body=[ast.Expr(_name(n))],
                handlers=[ast.ExceptHandler(type=_name("NameError"), name=None, body=[
                    _assign(n, _call("Undefined", [_const(n)]))])],
                orelse=[], finalbody=[]))
        return out

    def _state_fns(self, names, k) -> list:
        getter = ast.FunctionDef(
            name=f"ag__fn_get_{k}", args=_no_args(), decorator_list=[], returns=None,
            type_params=[],
            body=[ast.Return(value=ast.Tuple(
                [_call("ld", [ast.Lambda(args=_no_args(), body=_name(n)), _const(n)])
                 for n in names], ast.Load()))])
        setter_body = []
        if names:
            setter_body.append(ast.Nonlocal(names=list(names)))
            setter_body.append(ast.Assign(
                targets=[ast.Tuple([_name(n, True) for n in names], ast.Store())],
                value=_name("ag__values")))
        else:
            setter_body.append(ast.Pass())
        setter = ast.FunctionDef(
            name=f"ag__fn_set_{k}", decorator_list=[], returns=None, type_params=[],
            args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="ag__values")], kwonlyargs=[],
                               kw_defaults=[], defaults=[]),
            body=setter_body)
        return [getter, setter]

    def _def(self, name, params, names, body) -> ast.FunctionDef:
        stmts = [ast.Nonlocal(names=list(names))] if names else []
        stmts += body or [ast.Pass()]
        return ast.FunctionDef(
            name=name, decorator_list=[], returns=None, type_params=[],
            args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params],
                               kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=stmts)


class Calls(ast.NodeTransformer):
    """`f(args)` -> `ag__.converted_call(f, args)`, so that user functions called from converted
    code are converted too (as TensorFlow does); library functions are called as they are."""

    _FRAME_DEPENDENT = {"super", "locals", "globals", "vars", "eval", "exec", "dir"}

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in self._FRAME_DEPENDENT:
            return node
        return ast.Call(func=ast.Attribute(value=_name("ag__"), attr="converted_call",
                                           ctx=ast.Load()),
                        args=[func] + node.args, keywords=node.keywords)

    def visit_FunctionDef(self, node):
        return node  # nested definitions are left as written

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef


class _Bool(ast.NodeTransformer):
    """`a and b`, `a or b`, `not a` in tests -> lazy operators that accept tensors."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        return _call(fn, [ast.Lambda(args=_no_args(), body=v) for v in node.values])

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return _call("not_", [node.operand])
        return node

    def visit_Lambda(self, node):
        return node


def _no_args() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


def _non_tail_return(body) -> bool:
    """True when a `return` appears anywhere but as the last top-level statement."""
    for i, stmt in enumerate(body):
        is_last = i == len(body) - 1
        if isinstance(stmt, ast.Return):
            if not is_last:
                return True
            continue
        if _contains([stmt], (ast.Return,), into_loops=True):
            return True
    return False
