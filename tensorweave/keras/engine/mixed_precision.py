"""keras.mixed_precision: dtype policies (compute in float16/bfloat16, keep float32 variables)."""

from tensorweave.keras.engine.naming import DTypePolicy, global_policy, set_global_policy

Policy = DTypePolicy

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy"]
