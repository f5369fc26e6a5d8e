"""tf.name_scope: a prefix for the names of ops created inside (used by traced graphs)."""

from __future__ import annotations

from tensorweave.framework.context import ctx


class name_scope:  # noqa: N801 - TensorFlow's public name
    """`with tf.name_scope('block'):` prefixes graph op names with 'block/'."""

    def __init__(self, name: str, default_name=None, values=None):
        if not isinstance(name, str) and name is not None:
            raise TypeError(f"name_scope name must be a string, got {name!r}")
        self._name = name if name is not None else (default_name or "")

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        ctx.name_scopes.append(self._name)
        return "/".join(s for s in ctx.name_scopes if s) + "/"

    def __exit__(self, *exc) -> None:
        ctx.name_scopes.pop()


def current_scope() -> str:
    """The active scope prefix, 'a/b/' (or '' at the top)."""
    scopes = [s for s in ctx.name_scopes if s]
    return "/".join(scopes) + "/" if scopes else ""
