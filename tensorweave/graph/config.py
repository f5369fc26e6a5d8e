"""tf.config switches of the graph layer: running functions eagerly, and the optimizer passes."""

from __future__ import annotations

import types

from tensorweave.framework import context as _context

# The passes and whether each runs: TensorFlow's grappler option names where one exists.
_OPTIMIZER_DEFAULTS = {
    "constant_folding": True,
    "arithmetic_optimization": True,
    "common_subexpression_elimination": True,
    "dependency_optimization": True,  # dead-code elimination
    "remapping": True,
    "elementwise_fusion": True,
    "buffer_reuse": True,
    "disable_meta_optimizer": False,
}
_optimizer_options: dict = {}


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Makes every tf.function run its Python eagerly (for debugging), or not."""
    _context._run_eagerly[0] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether tf.functions run their Python eagerly."""
    return _context._run_eagerly[0]


def set_experimental_options(options: dict) -> None:
    """Switches graph passes on or off: `{'constant_folding': False, ...}`.

    Unknown names raise ValueError (TensorFlow silently ignores some; refusing a typo is kinder).
    """
    for name, value in options.items():
        if name not in _OPTIMIZER_DEFAULTS:
            raise ValueError(f"Unknown graph optimizer option {name!r}; known options: "
                             f"{sorted(_OPTIMIZER_DEFAULTS)}")
        _optimizer_options[name] = bool(value)
    _version[0] += 1


def get_experimental_options() -> dict:
    """The options set by `set_experimental_options` (only those set, as TensorFlow)."""
    return dict(_optimizer_options)


def option_enabled(name: str) -> bool:
    if _optimizer_options.get("disable_meta_optimizer"):
        return False
    return _optimizer_options.get(name, _OPTIMIZER_DEFAULTS[name])


_version = [0]


def options_version() -> int:
    """Bumped whenever the options change, so that optimized graphs are remade."""
    return _version[0]


optimizer = types.SimpleNamespace(set_experimental_options=set_experimental_options,
                                  get_experimental_options=get_experimental_options)
