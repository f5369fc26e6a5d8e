"""The op library: one module per family, every op declared once (see framework/op_def.py)."""
