import pytest

from tensorweave import TensorShape


def test_known_and_partial():
    s = TensorShape([None, 128])
    assert s.rank == 2 and s.as_list() == [None, 128] and not s.is_fully_defined()
    assert str(s) == "(None, 128)" and repr(s) == "TensorShape([None, 128])"
    assert str(TensorShape([3])) == "(3,)"
    assert TensorShape([2, 3]).num_elements() == 6


def test_unknown_rank():
    s = TensorShape(None)
    assert s.rank is None and str(s) == "<unknown>"
    with pytest.raises(ValueError):
        s.as_list()
    assert s.is_compatible_with([1, 2])


def test_compatibility_and_merge():
    a, b = TensorShape([None, 3]), TensorShape([4, None])
    assert a.is_compatible_with(b)
    assert a.merge_with(b) == TensorShape([4, 3])
    assert not a.is_compatible_with([4, 5])
    with pytest.raises(ValueError):
        a.merge_with([1, 2, 3])
    assert a.most_specific_compatible_shape([5, 3]) == [None, 3]


def test_sequence_protocol_and_equality():
    s = TensorShape([2, 2, 1])
    assert s == (2, 2, 1) and s == [2, 2, 1] and s != [2, 2]
    assert list(s) == [2, 2, 1] and s[1:] == TensorShape([2, 1]) and s[-1] == 1
    assert s.concatenate([5]) == [2, 2, 1, 5]
    with pytest.raises(ValueError):
        TensorShape([1]).with_rank(2)
