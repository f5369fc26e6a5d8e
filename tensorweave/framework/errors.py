"""TensorFlow's error classes (`tf.errors`), and the helper that names the user's own line."""

from __future__ import annotations

import os
import sys

OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 0, 1, 2, 3, 4, 5
ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 6, 7, 8, 9
ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS = 10, 11, 12, 13, 14, 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """The base of errors raised while running an op: carries the op and a message."""

    error_code = UNKNOWN

    def __init__(self, node_def=None, op=None, message: str = "", *args):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (self.node_def, None, self.message))


def _error(name: str, code: int, doc: str):
    cls = type(name, (OpError,), {"error_code": code, "__doc__": doc})
    return cls


CancelledError = _error("CancelledError", CANCELLED, "An operation was cancelled.")
UnknownError = _error("UnknownError", UNKNOWN, "An unknown error.")
InvalidArgumentError = _error("InvalidArgumentError", INVALID_ARGUMENT,
                              "An op received an invalid argument.")
DeadlineExceededError = _error("DeadlineExceededError", DEADLINE_EXCEEDED, "A deadline passed.")
NotFoundError = _error("NotFoundError", NOT_FOUND, "A requested entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", ALREADY_EXISTS, "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", PERMISSION_DENIED, "Permission denied.")
ResourceExhaustedError = _error("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                                "A resource (memory, quota) ran out.")
FailedPreconditionError = _error("FailedPreconditionError", FAILED_PRECONDITION,
                                 "The system is not in a state to run the operation.")
AbortedError = _error("AbortedError", ABORTED, "An operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", OUT_OF_RANGE,
                         "An operation iterated past the valid input range.")
UnimplementedError = _error("UnimplementedError", UNIMPLEMENTED, "The operation is not implemented.")
InternalError = _error("InternalError", INTERNAL, "An internal invariant was broken.")
UnavailableError = _error("UnavailableError", UNAVAILABLE, "The runtime is unavailable.")
DataLossError = _error("DataLossError", DATA_LOSS, "Unrecoverable data loss or corruption.")
UnauthenticatedError = _error("UnauthenticatedError", UNAUTHENTICATED, "Not authenticated.")

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_frame(skip_package: bool = True):
    """The innermost stack frame outside tensorweave: the user's own line."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not (skip_package and os.path.abspath(fn).startswith(_PACKAGE_DIR)):
            return f
        f = f.f_back
    return None


def user_location() -> str:
    """'file.py:12' for the user's line that led here, or '' when there is none."""
    f = user_frame()
    if f is None:
        return ""
    return f"{f.f_code.co_filename}:{f.f_lineno}"
