"""Graph optimization passes, each a function Graph -> Graph in its own module, run in order.

    level 0: none
    level 1: arithmetic simplification (and exact layer-gradient rewrites), constant folding,
             common-subexpression elimination, dead-code elimination
    level 2: level 1, then remapping (Conv2D + BiasAdd + Relu as one op), elementwise fusion
             and buffer reuse (what tf.function runs)

Each pass can be switched off with `tf.config.optimizer.set_experimental_options({name: False})`
(TensorFlow's grappler names where they exist). The graph a traced function was recorded as is
never changed: passes build new graphs, used by the executor only, so gradients and inspection
see the program as traced.
"""

from __future__ import annotations

from tensorweave.graph import config
from tensorweave.graph.graph import Graph
from tensorweave.graph.passes.arithmetic import arithmetic
from tensorweave.graph.passes.buffer_reuse import buffer_reuse
from tensorweave.graph.passes.constant_folding import constant_folding
from tensorweave.graph.passes.cse import cse
from tensorweave.graph.passes.dce import dce
from tensorweave.graph.passes.fusion import fusion
from tensorweave.graph.passes.layer_grads import relu_pool_grad
from tensorweave.graph.passes.remapper import remapper

# (option name, pass, level it belongs to), in the order they run
PASSES = (
    ("arithmetic_optimization", arithmetic, 1),
    ("arithmetic_optimization", relu_pool_grad, 1),
    ("constant_folding", constant_folding, 1),
    ("common_subexpression_elimination", cse, 1),
    ("dependency_optimization", dce, 1),
    ("remapping", remapper, 2),
    ("elementwise_fusion", fusion, 2),
    ("buffer_reuse", buffer_reuse, 2),
)


def optimize(graph: Graph, level: int = 2, use_config: bool = False) -> Graph:
    """`graph` after the passes of `level` (those switched on in tf.config when `use_config`)."""
    for name, fn, pass_level in PASSES:
        if pass_level <= level and (not use_config or config.option_enabled(name)):
            graph = fn(graph)
    return graph


def optimize_for_run(graph: Graph) -> Graph:
    """The graph the executor runs for a traced function."""
    return optimize(graph, 2, use_config=True)


__all__ = ["optimize", "optimize_for_run", "arithmetic", "constant_folding", "cse", "dce",
           "fusion", "buffer_reuse", "relu_pool_grad", "remapper", "PASSES"]
