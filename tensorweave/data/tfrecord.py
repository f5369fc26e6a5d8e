"""TFRecord files, byte for byte as TensorFlow writes them, and the CRC32C that guards them.

A TFRecord file is a sequence of records, each framed as::

    uint64 length            little-endian
    uint32 masked_crc32c(length bytes)
    byte   data[length]
    uint32 masked_crc32c(data)

optionally inside one zlib or gzip stream (`compression_type` 'ZLIB' or 'GZIP').

CRC32C (Castagnoli) has no fast implementation in the standard library, so it is computed here:
short inputs (the 8-byte length) by a pure-Python slicing-by-8 loop, longer ones by a NumPy
gather over a table of per-position byte contributions (the CRC is linear over GF(2), so a
message's CRC is the XOR of what each byte contributes from its distance to the end). If the
`google_crc32c` or `crc32c` C extension is installed it is used instead.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.tfrecord")
    >>> with TFRecordWriter(path) as w:
    ...     w.write(b"hello"); w.write(b"world")
    >>> list(read_records(path))
    [b'hello', b'world']
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from collections.abc import Iterator

import numpy as np

from tensorweave.framework.errors import DataLossError

__all__ = [
    "TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "crc32c", "masked_crc32c",
    "read_records", "tf_record_iterator",
]

# --- CRC32C --------------------------------------------------------------------------------------

_POLY = 0x82F63B78  # Castagnoli polynomial, bit-reflected
_MASK_DELTA = 0xA282EAD8


def _byte_table() -> list[int]:
    table = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ (_POLY if c & 1 else 0)
        table.append(c)
    return table


# _T[d][b]: the raw CRC (register 0, no final xor) of byte b followed by d zero bytes. Rows 0..7
# are the slicing-by-8 tables; the NumPy path uses many more rows of the same recurrence.
_T0 = _byte_table()
_T = [_T0]
for _ in range(7):
    _prev = _T[-1]
    _T.append([_T0[c & 0xFF] ^ (c >> 8) for c in _prev])
_T1, _T2, _T3, _T4, _T5, _T6, _T7 = _T[1:]
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_U32X2 = struct.Struct("<II")
_HEAD = struct.Struct("<QI")


def _crc32c_py(data, crc: int = 0) -> int:
    """Slicing-by-8 CRC32C in pure Python: fastest for inputs of a few dozen bytes."""
    crc ^= 0xFFFFFFFF
    n = len(data)
    i = 0
    end8 = n - (n & 7)
    unpack = _U32X2.unpack_from
    while i < end8:
        lo, hi = unpack(data, i)
        x = crc ^ lo
        crc = (_T7[x & 0xFF] ^ _T6[(x >> 8) & 0xFF] ^ _T5[(x >> 16) & 0xFF] ^ _T4[x >> 24]
               ^ _T3[hi & 0xFF] ^ _T2[(hi >> 8) & 0xFF] ^ _T1[(hi >> 16) & 0xFF] ^ _T0[hi >> 24])
        i += 8
    while i < n:
        crc = _T0[(crc ^ data[i]) & 0xFF] ^ (crc >> 8)
        i += 1
    return crc ^ 0xFFFFFFFF


class _NumpyCRC:
    """CRC32C of long inputs as one NumPy gather + XOR-reduce per block of `block` bytes.

    `flat[(block - n + i) * 256 + byte_i]` is what byte i of an n-byte message contributes, so the
    raw CRC of up to `block` bytes is `xor.reduce(flat.take(base[block - n:] + bytes))`. Longer
    inputs are cut into blocks whose CRCs are merged pairwise in a tree, shifting the left one past
    the right one's length with a 4 x 256 table (a linear map on the 32-bit register).
    """

    def __init__(self, block: int = 4096):
        self.block = block
        rows = np.empty((block, 256), dtype=np.uint32)
        t0 = np.array(_T0, dtype=np.uint32)
        rows[block - 1] = t0  # distance 0 lives in the last row, so that rows run in byte order
        for r in range(block - 2, -1, -1):
            prev = rows[r + 1]
            rows[r] = t0[prev & 0xFF] ^ (prev >> 8)
        self.flat = rows.reshape(-1)
        self.base = np.arange(block, dtype=np.intp) * 256
        # Shifting a register x past `block` zero bytes: the 4 bytes of x act like message bytes
        # at distances block-1 .. block-4, i.e. rows 0..3.
        self.shifts = [rows[:4].copy()]

    def _shift_table(self, level: int) -> np.ndarray:
        while len(self.shifts) <= level:
            s = self.shifts[-1]
            x = (np.arange(256, dtype=np.uint32)[None, :] << (np.arange(4, dtype=np.uint32) * 8)[
                :, None]).reshape(-1)
            self.shifts.append(self._apply(s, self._apply(s, x)).reshape(4, 256))
        return self.shifts[level]

    @staticmethod
    def _apply(s: np.ndarray, x: np.ndarray) -> np.ndarray:
        return s[0][x & 0xFF] ^ s[1][(x >> 8) & 0xFF] ^ s[2][(x >> 16) & 0xFF] ^ s[3][x >> 24]

    def __call__(self, data) -> int:
        arr = np.frombuffer(data, dtype=np.uint8)
        n = arr.size
        block = self.block
        if n <= block:
            raw = np.bitwise_xor.reduce(self.flat.take(self.base[block - n:] + arr))
            # The register starts at 0xFFFFFFFF: the same as xoring the first 4 bytes with 0xFF.
            f = self.flat
            k = (block - n) * 256 + 255
            raw ^= f[k] ^ f[k + 256] ^ f[k + 512] ^ f[k + 768]
            return int(raw) ^ 0xFFFFFFFF
        m = -(-n // block)
        buf = np.zeros(m * block, dtype=np.uint8)
        start = m * block - n  # leading zero bytes leave a raw CRC unchanged
        buf[start:] = arr
        buf[start:start + 4] ^= 0xFF
        rows = buf.reshape(m, block)
        crcs = np.empty(m, dtype=np.uint32)
        step = max(1, (1 << 20) // block)  # bound the temporary index array to a few MB
        for r in range(0, m, step):
            crcs[r:r + step] = np.bitwise_xor.reduce(
                self.flat.take(self.base + rows[r:r + step]), axis=1)
        level = 0
        while crcs.size > 1:
            if crcs.size & 1:
                crcs = np.concatenate([np.zeros(1, np.uint32), crcs])
            crcs = self._apply(self._shift_table(level), crcs[0::2]) ^ crcs[1::2]
            level += 1
        return int(crcs[0]) ^ 0xFFFFFFFF


_numpy_crc: _NumpyCRC | None = None
_NUMPY_MIN_BYTES = 48  # below this the pure-Python loop wins (see benchmarks/bench_tfrecord.py)


def _crc32c_fallback(data) -> int:
    global _numpy_crc
    if len(data) < _NUMPY_MIN_BYTES:
        return _crc32c_py(data)
    if _numpy_crc is None:
        _numpy_crc = _NumpyCRC()  # built on first use: ~20 ms and 4 MB
    return _numpy_crc(data)


def _find_accelerator():
    try:
        import google_crc32c
        if getattr(google_crc32c, "implementation", "c") == "c":
            return google_crc32c.value
    except ImportError:
        pass
    try:
        import crc32c as _crc32c_mod
        return _crc32c_mod.crc32c
    except (ImportError, AttributeError):
        return None


_accelerated = _find_accelerator()
crc32c = _accelerated or _crc32c_fallback
crc32c.__doc__ = crc32c.__doc__ or "CRC32C (Castagnoli) of a bytes-like object."


def masked_crc32c(data) -> int:
    """TFRecord's masked CRC32C: rotated right by 15 and offset, so CRCs of CRCs stay distinct.

    Example:
        >>> hex(masked_crc32c(b""))
        '0xa282ead8'
    """
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _masked_header_crc(header: bytes) -> int:
    crc = _crc32c_py(header)  # 8 bytes: the pure loop beats any C call made through ctypes/numpy
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


# --- options -------------------------------------------------------------------------------------


class TFRecordCompressionType:
    """The compression types of `tf.io.TFRecordCompressionType`."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_BY_CODE = {0: "", 1: "ZLIB", 2: "GZIP"}


class TFRecordOptions:
    """Options for a TFRecord file (`tf.io.TFRecordOptions`): its compression.

    Only `compression_type` and `compression_level` change what is written; the buffer and zlib
    tuning arguments are accepted for compatibility.

    Example:
        >>> TFRecordOptions("GZIP").compression_type
        'GZIP'
    """

    compression_type_map = {"": 0, "ZLIB": 1, "GZIP": 2}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.compression_type = _compression_name(compression_type)
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        """'' , 'ZLIB' or 'GZIP' for an options object, a string or None."""
        if isinstance(options, TFRecordOptions):
            return options.compression_type
        return _compression_name(options)

    def __repr__(self) -> str:
        return f"TFRecordOptions(compression_type={self.compression_type!r})"


def _compression_name(value) -> str:
    if isinstance(value, TFRecordOptions):
        return value.compression_type
    if value is None:
        return ""
    if isinstance(value, int) and value in _BY_CODE:
        return _BY_CODE[value]
    if isinstance(value, str) and value.upper() in ("", "ZLIB", "GZIP"):
        return value.upper()
    raise ValueError(f"Unsupported compression_type {value!r}: expected None, '', 'ZLIB' or "
                     "'GZIP'.")


# --- writing -------------------------------------------------------------------------------------


class TFRecordWriter:
    """Writes records to a TFRecord file (`tf.io.TFRecordWriter`).

    Records go to a hidden temporary file beside `path`, which `close()` fsyncs and renames into
    place: the real name only ever holds a complete file. `flush()` therefore makes data durable in
    the temporary file, not visible under `path`. Leaving a `with` block by an exception discards
    the file, since a half-written dataset that looks whole is worse than none.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "x.tfrecord.gz")
        >>> with TFRecordWriter(path, "GZIP") as w:
        ...     w.write(b"\\x00" * 3)
        >>> list(read_records(path, "GZIP"))
        [b'\\x00\\x00\\x00']
    """

    def __init__(self, path, options=None):
        self.path = os.fspath(path)
        if isinstance(self.path, bytes):
            self.path = os.fsdecode(self.path)
        kind = _compression_name(options)
        level = getattr(options, "compression_level", None)
        level = -1 if level is None else level
        directory, name = os.path.split(os.path.abspath(self.path))
        # O_EXCL + a random suffix: no clobbering another writer; mode 0o666 so umask applies,
        # as it would for the file written in place.
        while True:
            self._tmp = os.path.join(directory, f".{name}.tmp-{os.urandom(4).hex()}")
            try:
                fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        self._file = os.fdopen(fd, "wb", buffering=256 * 1024)
        self._zip = None
        if kind:
            wbits = zlib.MAX_WBITS + (16 if kind == "GZIP" else 0)
            self._zip = zlib.compressobj(level, zlib.DEFLATED, wbits)
        self._closed = False

    def write(self, record) -> None:
        """Appends one record (bytes-like, or str encoded as UTF-8)."""
        if self._closed:
            raise ValueError(f"Writer for {self.path} is closed.")
        if isinstance(record, str):
            record = record.encode("utf-8")
        elif not isinstance(record, bytes):
            record = bytes(memoryview(record).cast("B"))
        header = _U64.pack(len(record))
        framed = b"".join((header, _U32.pack(_masked_header_crc(header)), record,
                           _U32.pack(masked_crc32c(record))))
        if self._zip is not None:
            framed = self._zip.compress(framed)
        self._file.write(framed)

    def flush(self) -> None:
        """Pushes buffered records (and a zlib sync point) to the temporary file."""
        if self._closed:
            return
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self) -> None:
        """Finishes the stream, fsyncs it and renames it to `path`. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._zip is not None:
                self._file.write(self._zip.flush(zlib.Z_FINISH))
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        self._closed = True
        try:
            self._file.close()
        finally:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "TFRecordWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._discard()

    def __del__(self):
        # TensorFlow's writer finishes its file when garbage-collected; so do we.
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:
                pass


# --- reading -------------------------------------------------------------------------------------


class _ZlibReader(io.RawIOBase):
    """A readable raw stream over a zlib-format file (TFRecord 'ZLIB'), concatenated streams too."""

    def __init__(self, raw, chunk: int):
        self._raw = raw
        self._chunk = chunk
        self._d = zlib.decompressobj(zlib.MAX_WBITS)
        self._src = b""  # compressed input not yet fed to the decompressor
        self._pending = b""  # decompressed output not yet returned
        self._mid = False  # inside a stream whose end marker has not been seen yet

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._pending:
            if self._d.eof:  # another stream may follow (files concatenated with cat)
                self._src = self._d.unused_data
                self._d = zlib.decompressobj(zlib.MAX_WBITS)
            if not self._src:
                self._src = self._raw.read(self._chunk)
                if not self._src:
                    if self._mid:
                        raise EOFError("compressed stream ended before its end marker")
                    return 0
            self._mid = True
            self._pending = self._d.decompress(self._src, max(len(b), 1 << 16))
            self._src = self._d.unconsumed_tail
            if self._d.eof:
                self._mid = False
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _open_stream(path: str, compression: str, buffer_size: int):
    raw = open(path, "rb", buffering=buffer_size)
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    if compression == "ZLIB":
        return io.BufferedReader(_ZlibReader(raw, buffer_size), buffer_size), raw
    return raw, raw


def read_records(path, compression_type=None, buffer_size: int | None = None) -> Iterator[bytes]:
    """Yields the records of a TFRecord file, checking both CRCs of each.

    Raises `DataLossError` naming the file and the record's byte offset (in the uncompressed
    stream) when a record is truncated or its length or data CRC does not match.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "r.tfrecord")
        >>> with TFRecordWriter(path) as w:
        ...     w.write(b"a")
        >>> next(read_records(path))
        b'a'
    """
    path = os.fsdecode(os.fspath(path))
    compression = _compression_name(compression_type)
    buffer_size = buffer_size or 256 * 1024  # TFRecordDataset's default
    stream, raw = _open_stream(path, compression, buffer_size)
    offset = 0
    read = stream.read
    try:
        while True:
            try:
                head = read(12)
            except (EOFError, zlib.error, OSError) as e:
                raise _data_loss(path, offset, f"corrupted compressed stream ({e})") from e
            if len(head) < 12:
                if head:
                    raise _data_loss(path, offset, f"truncated record header ({len(head)} of 12 "
                                     "bytes)", "truncated")
                return
            length, length_crc = _HEAD.unpack(head)
            if _masked_header_crc(head[:8]) != length_crc:
                raise _data_loss(path, offset, "length CRC mismatch")
            try:
                body = read(length + 4)
            except (EOFError, zlib.error, OSError) as e:
                raise _data_loss(path, offset, f"corrupted compressed stream ({e})") from e
            if len(body) < length + 4:
                raise _data_loss(path, offset, f"truncated record data ({len(body)} of "
                                 f"{length + 4} bytes)", "truncated")
            data = body[:length]
            if masked_crc32c(data) != _U32.unpack_from(body, length)[0]:
                raise _data_loss(path, offset, "data CRC mismatch")
            yield data
            offset += 12 + length + 4
    finally:
        stream.close()
        raw.close()


def _data_loss(path: str, offset: int, detail: str, kind: str = "corrupted") -> DataLossError:
    return DataLossError(None, None, f"{kind} record at {offset} in {path}: {detail}")


def tf_record_iterator(path, options=None) -> Iterator[bytes]:
    """`tf.compat.v1.io.tf_record_iterator`: the records of a file, given TFRecordOptions."""
    return read_records(path, TFRecordOptions.get_compression_type_string(options))
