"""Every registered op either has a gradient rule or is declared differentiable=False."""

import tensorweave  # noqa: F401
import tensorweave.keras.optimizers  # noqa: F401
import tensorweave.ops.control_flow_ops  # noqa: F401
from tensorweave.framework.op_def import REGISTRY

# Differentiable ops handled elsewhere or not yet: each entry says why.
NO_RULE = {
    "ReadVariableOp": "variable reads are recorded by Tape.variable_read, not as ops",
    "WhileGrad": "second derivatives through a traced tf.while_loop are not implemented yet "
                 "(eager while loops are plain Python and work)",
    "TruncateMod": "TensorFlow registers no gradient for it (LookupError), and neither do we",
    "ForDataset": "gradients through an AutoGraph `for` over a tf.data.Dataset are not "
                  "implemented yet",
}


def test_every_differentiable_op_has_a_gradient_rule():
    missing = sorted(name for name, op in REGISTRY.items()
                     if op.differentiable and op.grad is None and name not in NO_RULE)
    assert not missing, f"differentiable ops without a gradient rule: {missing}"


def test_no_rule_list_is_current():
    stale = sorted(n for n in NO_RULE if n not in REGISTRY or REGISTRY[n].grad is not None)
    assert not stale, f"NO_RULE entries that now have a rule or no op: {stale}"
