"""tf.nest: flatten and rebuild nested structures of lists, tuples, dicts and namedtuples."""

from __future__ import annotations

import collections.abc


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(structure) -> bool:
    return isinstance(structure, (list, tuple, dict, collections.abc.Mapping)) or \
        _is_attrs(structure)


def _is_attrs(x) -> bool:
    return hasattr(type(x), "__attrs_attrs__")


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _children(structure):
    if isinstance(structure, collections.abc.Mapping):
        return [structure[k] for k in _sorted_keys(structure)]
    if _is_attrs(structure):
        return [getattr(structure, a.name) for a in type(structure).__attrs_attrs__]
    return list(structure)


def flatten(structure, expand_composites: bool = False) -> list:
    """The leaves of `structure`, dict values in sorted key order (TensorFlow's order)."""
    if not is_nested(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(structure, children):
    if isinstance(structure, collections.abc.Mapping):
        values = dict(zip(_sorted_keys(structure), children))
        if type(structure) is dict:
            return {k: values[k] for k in structure}
        return type(structure)((k, values[k]) for k in structure)
    if _is_namedtuple(structure):
        return type(structure)(*children)
    if _is_attrs(structure):
        return type(structure)(*children)
    if isinstance(structure, tuple):
        return tuple(children)
    return list(children)


def pack_sequence_as(structure, flat_sequence, expand_composites: bool = False):
    """Rebuilds `structure` with the leaves of `flat_sequence`, in order."""
    flat = list(flat_sequence)
    pos = [0]

    def build(s):
        if not is_nested(s):
            v = flat[pos[0]]
            pos[0] += 1
            return v
        return _rebuild(s, [build(c) for c in _children(s)])

    if not is_nested(structure):
        if len(flat) != 1:
            raise ValueError(f"Structure is a scalar but len(flat_sequence) == {len(flat)} > 1")
        return flat[0]
    result = build(structure)
    if pos[0] != len(flat):
        raise ValueError(f"Could not pack sequence: structure has {pos[0]} leaves but the "
                         f"flat sequence has {len(flat)}.")
    return result


def map_structure(func, *structures, **kwargs):
    """Applies `func` to corresponding leaves of the structures, which must match."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def assert_same_structure(nest1, nest2, check_types: bool = True, expand_composites=False):
    def sig(s):
        if not is_nested(s):
            return "."
        kind = type(s).__name__ if check_types else ("dict" if isinstance(
            s, collections.abc.Mapping) else "seq")
        keys = tuple(_sorted_keys(s)) if isinstance(s, collections.abc.Mapping) else None
        return (kind, keys, tuple(sig(c) for c in _children(s)))

    a, b = sig(nest1), sig(nest2)
    if a != b:
        if check_types and _strip_types(a) == _strip_types(b) and _lists_vs_tuples(nest1, nest2):
            raise TypeError(f"The two structures don't have the same sequence type. Input "
                            f"structure has type {type(nest1)}, while shallow structure has "
                            f"type {type(nest2)}.")
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")


def _strip_types(sig):
    if sig == ".":
        return sig
    return (sig[1], tuple(_strip_types(c) for c in sig[2]))


def _lists_vs_tuples(a, b) -> bool:
    return type(a) is not type(b)


def flatten_with_paths(structure):
    """[(path, leaf)] where path is the tuple of keys/indices leading to the leaf."""
    out = []

    def walk(s, path):
        if not is_nested(s):
            out.append((path, s))
            return
        if isinstance(s, collections.abc.Mapping):
            for k in _sorted_keys(s):
                walk(s[k], path + (k,))
        else:
            for i, c in enumerate(_children(s)):
                walk(c, path + (i,))

    walk(structure, ())
    return out
