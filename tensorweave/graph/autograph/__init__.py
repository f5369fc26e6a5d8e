"""AutoGraph: Python control flow on tensors becomes graph control flow."""

from __future__ import annotations


def convert(fn):
    """`fn` with its tensor-dependent `if`/`while`/`for` rewritten (identity for now)."""
    return fn
