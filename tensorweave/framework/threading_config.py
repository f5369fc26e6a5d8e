"""`tf.config.threading`: how many threads the kernels use.

Intra-op parallelism is the BLAS thread pool under NumPy's matmul (the GEMMs of dense layers
and convolutions), set through threadpoolctl. One thread per BLAS call is often the faster
choice on a machine whose cores are busy with other processes: a BLAS pool waiting for a core
it cannot get spins instead of computing. Inter-op parallelism is recorded for TensorFlow
compatibility; tensorweave's executor runs a graph's ops in order on one thread.
"""

from __future__ import annotations

_settings = {"intra": 0, "inter": 0}
_limiter = []  # the threadpoolctl limiter in force, kept alive


def _set_blas_threads(n: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise ImportError("Setting the intra-op (BLAS) thread count needs threadpoolctl: "
                          "pip install threadpoolctl") from None
    for limiter in _limiter:  # back to the library's own default first
        limiter.restore_original_limits()
    _limiter[:] = [threadpool_limits(limits=n, user_api="blas")] if n > 0 else []


def set_intra_op_parallelism_threads(num_threads: int) -> None:
    """Threads for one op's kernel (the BLAS pool); 0 lets the system choose (all cores)."""
    num_threads = int(num_threads)
    if num_threads < 0:
        raise ValueError(f"num_threads must be >= 0, got {num_threads}")
    _set_blas_threads(num_threads)
    _settings["intra"] = num_threads


def get_intra_op_parallelism_threads() -> int:
    return _settings["intra"]


def set_inter_op_parallelism_threads(num_threads: int) -> None:
    """Threads for running independent ops at once (recorded; ops run in program order)."""
    num_threads = int(num_threads)
    if num_threads < 0:
        raise ValueError(f"num_threads must be >= 0, got {num_threads}")
    _settings["inter"] = num_threads


def get_inter_op_parallelism_threads() -> int:
    return _settings["inter"]
