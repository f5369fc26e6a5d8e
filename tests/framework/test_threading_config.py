import pytest

import tensorweave as tf

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads():
    infos = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    return {i["num_threads"] for i in infos}


def test_intra_op_threads_set_the_blas_pool():
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1
        if _blas_threads():
            assert _blas_threads() == {1}
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0


def test_inter_op_threads_are_recorded_and_checked():
    tf.config.threading.set_inter_op_parallelism_threads(2)
    assert tf.config.threading.get_inter_op_parallelism_threads() == 2
    tf.config.threading.set_inter_op_parallelism_threads(0)
    with pytest.raises(ValueError):
        tf.config.threading.set_intra_op_parallelism_threads(-1)
