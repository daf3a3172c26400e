"""Unpacking a partner's uploaded package archive (.zip or .tar.gz) safely.

A package made with `commonground contribute --local` is a folder; a partner's platform sends
it as one archive. The archive is untrusted: only regular files and folders are unpacked,
under relative paths without `..`, never links or devices, and never more than the limits
below, counted as the bytes are written (an archive's own sizes may lie).
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from commonground.errors import InvalidInput

MAX_ARCHIVE_BYTES = 2 * 1024**3  # what a partner may send in one request
MAX_UNPACKED_BYTES = 8 * 1024**3  # what it may unpack to (Parquet compresses little further)
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024


class UnsafeArchive(InvalidInput):
    """The upload is not an archive this hub will unpack (nothing from it is kept)."""


def _safe_name(name: str) -> PurePosixPath:
    """A member's name as a relative path that stays inside the target folder."""
    if "\\" in name or "\x00" in name:
        raise UnsafeArchive(f"the archive holds a name with a backslash or NUL: {name[:80]!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchive(f"the archive holds a path outside its folder: {name[:80]!r}")
    return path


class _Budget:
    """Counts members and bytes as they are written; refuses past the limits."""

    def __init__(self, max_bytes: int, max_members: int) -> None:
        self.max_bytes, self.max_members = max_bytes, max_members
        self.left, self.members_left = max_bytes, max_members

    def member(self) -> None:
        self.members_left -= 1
        if self.members_left < 0:
            raise UnsafeArchive(f"the archive holds more than {self.max_members:,} files")

    def copy(self, source: IO[bytes], target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            while chunk := source.read(CHUNK):
                self.left -= len(chunk)
                if self.left < 0:
                    raise UnsafeArchive("the archive unpacks to more than the hub accepts "
                                        f"({_size(self.max_bytes)})")
                out.write(chunk)


def _unzip(archive: Path, target: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            budget.member()
            path = _safe_name(info.filename)
            # Unix file type bits, when the zip has them (many tools give permissions only).
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeArchive(f"the archive holds a link or special file: "
                                    f"{info.filename[:80]!r}")
            if info.is_dir():
                (target / path).mkdir(parents=True, exist_ok=True)
                continue
            with opened.open(info) as source:
                budget.copy(source, target / path)


def _untar(archive: Path, target: Path, budget: _Budget) -> None:
    with tarfile.open(archive, mode="r:*") as opened:
        for member in opened:
            budget.member()
            path = _safe_name(member.name)
            if member.isdir():
                (target / path).mkdir(parents=True, exist_ok=True)
                continue
            if not member.isfile():
                raise UnsafeArchive(f"the archive holds a link or special file: "
                                    f"{member.name[:80]!r}")
            source = opened.extractfile(member)
            assert source is not None  # a regular file always has content
            with source:
                budget.copy(source, target / path)


def unpack(archive: Path, target: Path, *, max_bytes: int = MAX_UNPACKED_BYTES,
           max_members: int = MAX_MEMBERS) -> None:
    """Unpack `archive` (zip or gzip'd tar, told apart by their first bytes) into `target`."""
    with archive.open("rb") as fh:
        magic = fh.read(4)
    budget = _Budget(max_bytes, max_members)
    target.mkdir(parents=True, exist_ok=True)
    try:
        if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
            _unzip(archive, target, budget)
        elif magic.startswith(b"\x1f\x8b"):
            _untar(archive, target, budget)
        else:
            raise UnsafeArchive("send the package as a .zip or .tar.gz archive of the folder "
                                "`commonground contribute --local` made")
    except UnsafeArchive:
        raise
    # What a damaged or hostile archive makes zipfile, tarfile, gzip and zlib raise: encrypted
    # or unknown compression (RuntimeError, NotImplementedError), truncated streams, bad CRCs.
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, RuntimeError,
            NotImplementedError, ValueError) as exc:
        if isinstance(exc, FileExistsError):
            raise UnsafeArchive("the archive holds the same file twice") from None
        raise UnsafeArchive(f"the archive is damaged or incomplete ({type(exc).__name__})"
                            ) from None


def package_folder(unpacked: Path, manifest: str) -> Path:
    """The folder holding the package's manifest: the archive's root or its one folder."""
    if (unpacked / manifest).is_file():
        return unpacked
    inner = [p for p in unpacked.iterdir() if p.is_dir()]
    if len(inner) == 1 and (inner[0] / manifest).is_file():
        return inner[0]
    raise UnsafeArchive(f"the archive holds no {manifest} at its top or in its one folder; "
                        "archive the package folder `commonground contribute --local` made")


def save_upload(source: IO[bytes], path: Path, *, max_bytes: int = MAX_ARCHIVE_BYTES) -> None:
    """Copy an upload to `path`, refusing it past `max_bytes`."""
    written = 0
    with path.open("xb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise UnsafeArchive(f"the archive is larger than the hub accepts "
                                    f"({_size(max_bytes)})")
            out.write(chunk)


def _size(count: int) -> str:
    return f"{count / 1024**3:g} GiB" if count >= 1024**3 else f"{count / 1024**2:g} MiB"


def discard(folder: Path) -> None:
    """Remove a received package's working folder, whatever state it is in."""
    shutil.rmtree(folder, ignore_errors=True)
