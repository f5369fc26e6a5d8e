"""get_file: Keras's download cache ($KERAS_HOME/<cache_subdir>, default ~/.keras/datasets).

A file already in the cache is used without any network access. A missing one is downloaded to
a temporary name beside its target, checked against `file_hash` (SHA-256 or MD5) and only then
renamed into place, so the cache never holds half a download. A cached file whose checksum
differs from the published one is used as it is, with a warning, and never replaced (Keras
would download over it); offline, a missing file is an error that names the path to fill.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

_CHUNK = 1 << 16


def keras_home() -> str:
    """$KERAS_HOME, or ~/.keras (read at each call, so a program may set it first)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def resolve_hasher(algorithm: str, file_hash: str | None = None):
    """hashlib's constructor for 'sha256', 'md5' or 'auto' (SHA-256 for 64-digit hashes)."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("auto", "md5"):
        return hashlib.md5()
    raise ValueError(f"Unknown hash algorithm {algorithm!r}: expected 'auto', 'sha256' or 'md5'")


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = _CHUNK) -> str:
    """The hex digest of a file."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = _CHUNK) -> bool:
    """Whether the file's SHA-256 (or MD5) digest is `file_hash`."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash)


def _download(origin: str, target: str) -> None:
    """Downloads `origin` to a temporary file beside `target`, renamed into place at the end."""
    directory = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(origin, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                done += len(chunk)
                if total and sys.stdout.isatty():
                    print(f"\r{done}/{total} bytes", end="", flush=True)
            if total and sys.stdout.isatty():
                print()
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _safe_members(archive: tarfile.TarFile, dest: str):
    root = os.path.realpath(dest)
    for member in archive.getmembers():
        path = os.path.realpath(os.path.join(dest, member.name))
        if os.path.commonpath([root, path]) != root or member.issym() or member.islnk():
            raise ValueError(f"Refusing to extract {member.name!r}: it points outside {dest}")
        yield member


def extract_archive(file_path: str, path: str = ".", archive_format="auto") -> bool:
    """Extracts a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`, refusing members
    that would land outside it. Returns whether an archive was extracted."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    os.makedirs(path, exist_ok=True)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                archive.extractall(path, members=list(_safe_members(archive, path)))
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                root = os.path.realpath(path)
                for name in archive.namelist():
                    target = os.path.realpath(os.path.join(path, name))
                    if os.path.commonpath([root, target]) != root:
                        raise ValueError(f"Refusing to extract {name!r}: it points outside "
                                         f"{path}")
                archive.extractall(path)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False) -> str:
    """The local path of `origin`, downloading it into Keras's cache when it is missing.

    >>> path = get_file("mnist.npz", origin="https://storage.googleapis.com/"
    ...                 "tensorflow/tf-keras-datasets/mnist.npz")  # doctest: +SKIP
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    if os.path.isdir(base) and not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    fname = os.fspath(fname) if fname else ""
    provided = bool(fname)
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                             "Please specify the `fname` argument.")
    elif os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the "
                         f"file's parent directory, use the `cache_dir` argument. Received: "
                         f"fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    if os.path.exists(target) and not force_download:
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            warnings.warn(f"The cached file {target} does not match the published checksum "
                          f"{file_hash}: using it as it is (it is never replaced; delete it to "
                          "download the published file).", stacklevel=2)
    else:
        os.makedirs(datadir, exist_ok=True)
        print(f"Downloading data from {origin}")
        try:
            _download(origin, target)
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            raise OSError(f"URL fetch failure on {origin}: {reason}. The file is not in the "
                          f"cache either: put it at {target} (or point KERAS_HOME at a folder "
                          f"whose {cache_subdir}/ holds it) to work offline.") from e
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            bad = target + ".corrupt"
            shutil.move(target, bad)
            raise ValueError(f"Incomplete or corrupted file detected: the download of {origin} "
                             f"does not match the published checksum {file_hash} (kept as "
                             f"{bad}).")
    if extraction_dir is not None:
        if untar:
            archive_format = "tar"
        if not os.path.isdir(extraction_dir) or force_download or not os.listdir(
                extraction_dir):
            # Extract beside, then rename: a half extraction never looks complete.
            tmp_dir = tempfile.mkdtemp(prefix=".extract.", dir=datadir)
            try:
                if not extract_archive(target, tmp_dir, archive_format):
                    warnings.warn("Could not extract archive.", stacklevel=2)
                if os.path.isdir(extraction_dir):
                    shutil.rmtree(extraction_dir)
                os.replace(tmp_dir, extraction_dir)
            finally:
                if os.path.isdir(tmp_dir):
                    shutil.rmtree(tmp_dir, ignore_errors=True)
        return extraction_dir
    return target
