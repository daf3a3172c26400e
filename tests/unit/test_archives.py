"""Unpacking a partner's package archive: regular files under the target folder, or nothing."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from commonground.server.archives import UnsafeArchive, package_folder, save_upload, unpack


def make_zip(path: Path, members: dict[str, bytes], *, link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def make_tar(path: Path, members: dict[str, bytes], *, kind: bytes = tarfile.REGTYPE,
             link_name: str = "") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link_name
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            archive.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return path


def test_a_package_unpacks_from_zip_and_tar_gz(tmp_path: Path) -> None:
    members = {"package/package.json": b"{}", "package/data/part-0.parquet": b"PAR1"}
    for maker, name in ((make_zip, "p.zip"), (make_tar, "p.tar.gz")):
        target = tmp_path / name.replace(".", "-")
        unpack(maker(tmp_path / name, members), target)
        assert (target / "package" / "data" / "part-0.parquet").read_bytes() == b"PAR1"
        assert package_folder(target, "package.json") == target / "package"
    flat = tmp_path / "flat"
    unpack(make_zip(tmp_path / "flat.zip", {"package.json": b"{}"}), flat)
    assert package_folder(flat, "package.json") == flat


@pytest.mark.parametrize("name", ["../escape", "/etc/cron.d/evil", "a/../../escape",
                                  "C:/windows/evil", "a\\..\\evil"])
def test_paths_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    for maker, suffix in ((make_zip, ".zip"), (make_tar, ".tar.gz")):
        with pytest.raises(UnsafeArchive):
            unpack(maker(tmp_path / f"evil{suffix}", {name: b"x"}), tmp_path / "out")
    assert not (tmp_path / "escape").exists()


def test_links_and_special_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeArchive, match="link"):
        unpack(make_zip(tmp_path / "l.zip", {}, link="package/data"), tmp_path / "a")
    for kind in (tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE, tarfile.CHRTYPE):
        with pytest.raises(UnsafeArchive, match="link or special"):
            unpack(make_tar(tmp_path / "l.tar.gz", {"package/x": b""}, kind=kind,
                            link_name="/etc/passwd"), tmp_path / "b")


def test_the_limits_hold_as_bytes_are_written(tmp_path: Path) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros": b"\0" * 5_000_000})
    assert bomb.stat().st_size < 50_000
    with pytest.raises(UnsafeArchive, match="unpacks to more"):
        unpack(bomb, tmp_path / "c", max_bytes=1_000_000)
    many = make_zip(tmp_path / "many.zip", {f"f{i}": b"" for i in range(20)})
    with pytest.raises(UnsafeArchive, match="more than 10 files"):
        unpack(many, tmp_path / "d", max_members=10)
    with pytest.raises(UnsafeArchive, match="larger than"):
        save_upload(io.BytesIO(b"x" * 2000), tmp_path / "upload", max_bytes=1000)


def test_what_is_not_an_archive_or_is_damaged_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UnsafeArchive, match=".zip or .tar.gz"):
        unpack(tmp_path / "notes.csv", tmp_path / "e")
    whole = make_zip(tmp_path / "whole.zip", {"package.json": b"{}" * 1000}).read_bytes()
    (tmp_path / "cut.zip").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnsafeArchive, match="damaged"):
        unpack(tmp_path / "cut.zip", tmp_path / "f")
    (tmp_path / "cut.tar.gz").write_bytes(
        make_tar(tmp_path / "t.tar.gz", {"package.json": os.urandom(100_000)}).read_bytes()[:5000])
    with pytest.raises(UnsafeArchive, match="damaged"):
        unpack(tmp_path / "cut.tar.gz", tmp_path / "g")
    twice = make_tar(tmp_path / "twice.tar.gz", {"a": b"1"})
    with tarfile.open(twice, "w:gz") as archive:
        for _ in range(2):
            info = tarfile.TarInfo("same")
            info.size = 1
            archive.addfile(info, io.BytesIO(b"1"))
    with pytest.raises(UnsafeArchive, match="same file twice"):
        unpack(twice, tmp_path / "h")
    (tmp_path / "i").mkdir()
    with pytest.raises(UnsafeArchive, match="no package.json"):
        package_folder(tmp_path / "i", "package.json")
