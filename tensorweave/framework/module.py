"""tf.Module: a named container that finds the variables and submodules in its attributes."""

from __future__ import annotations

import re

from tensorweave.framework.variables import Variable

_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_counts: dict = {}


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class Module:
    """Base class of objects that own variables and other modules (`tf.Module`).

    >>> class Dense(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = Variable([[1.0]])
    >>> len(Dense().trainable_variables)
    1
    """

    def __init__(self, name: str | None = None):
        if name is None:
            base = _camel_to_snake(type(self).__name__)
            n = _counts.get(base, 0)
            _counts[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
        elif not _VALID_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self):
        from tensorweave.framework.name_scope import name_scope

        return name_scope(self._name)

    @property
    def variables(self) -> tuple:
        """Every variable of this module and its submodules, each once, in attribute order."""
        return tuple(self._flatten(lambda v: isinstance(v, Variable)))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda v: isinstance(v, Variable) and v.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda v: isinstance(v, Variable) and not v.trainable))

    @property
    def submodules(self) -> tuple:
        """Every module reachable from this one's attributes (not itself), each once."""
        return tuple(self._flatten(lambda v: isinstance(v, Module), recursive=True))

    def _flatten(self, predicate, recursive: bool = True) -> list:
        found, seen = [], {id(self)}

        def visit(value, depth):
            if id(value) in seen:
                return
            if isinstance(value, (Variable, Module)):
                seen.add(id(value))
                if predicate(value):
                    found.append(value)
                if isinstance(value, Module) and recursive:
                    for child in _attributes(value):
                        visit(child, depth + 1)
            elif isinstance(value, dict):
                for k in sorted(value, key=str):
                    visit(value[k], depth)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item, depth)

        for child in _attributes(self):
            visit(child, 0)
        return found

    @classmethod
    def with_name_scope(cls, method):
        return method

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object named {self._name!r}>"


def _attributes(module: Module):
    """The module's attribute values in sorted-name order (TensorFlow's traversal order)."""
    d = vars(module)
    for key in sorted(d):
        if key in ("_name",) or key.startswith("__"):
            continue
        yield d[key]
