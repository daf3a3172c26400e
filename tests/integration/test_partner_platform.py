"""The county council's platform pushes a contribution over the API: no browser, no CLI at the
hub, only HTTP with an API token.

At the council: `commonground contribute --local` pseudonymises an extract of trading
standards cases into a package, which the platform archives and POSTs to the hub. The hub
answers 202 with a job, which the platform polls until the new version is stored; the
catalogue (JSON and DCAT) then shows it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonground.contribute import create_key
from commonground.contribute.submit import KEY_FINGERPRINT
from commonground.governance import actor_for, issue_token
from commonground.governance.audit import entries
from commonground.server import create_app
from commonground.simulate import contracts_folder
from commonground.store import HubSetting, open_hub

DATASET = "county_council/trading_standards"
PUSH = f"/api/datasets/{DATASET}/packages"
# Four cases, one of them opened on a date that does not exist: quarantined at source.
EXTRACT = """Case No,Date Opened,Business Name,Trader Name,Premises Address,Postcode,Category
TS-9001,03/02/2025,Shiny Nails,Ana Popa,12 High Street Chelmsford,CM1 1AA,Labour exploitation
TS-9002,14/02/2025,Quick Wash,Ion Marin,3 Mill Lane Colchester,CO1 1BB,Unsafe premises
TS-9003,31/02/2025,Fast Car Wash,Radu Ilie,7 Station Road Harlow,CM20 2CC,Labour exploitation
TS-9004,01/03/2025,Fresh Farm Shop,Maria Pop,1 Church Lane Braintree,CM7 3DD,Food standards
"""


@dataclass
class Council:
    client: TestClient
    token: str
    package: Path

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def push(self, archive: bytes, name: str = "package.tar.gz", url: str = PUSH,
             token: str | None = None) -> Any:
        return self.client.post(url, headers=self.headers(token),
                                files={"archive": (name, archive, "application/octet-stream")})

    def wait(self, status_url: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(status_url, headers=self.headers()).json()
            if job["status"] in ("done", "failed"):
                return job  # type: ignore[no-any-return]
            time.sleep(0.2)
        raise AssertionError(f"the job at {status_url} did not finish in {timeout}s")


def prepare_at_the_council(folder: Path, key: Path) -> Path:
    """`commonground contribute --local`, as the council runs it on its own machine."""
    extract = folder / "trading_standards.csv"
    extract.write_text(EXTRACT)
    contract = contracts_folder() / "county_council" / "trading_standards.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "commonground.cli", "contribute", str(extract), "--local",
         "--contract", str(contract), "--out", str(folder / "outbox"), "--key", str(key),
         "--json"], capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != "COMMONGROUND_KEY_FILE"})
    assert done.returncode == 0, done.stderr
    prepared = json.loads(done.stdout)
    assert (prepared["rows_in"], prepared["rows_accepted"], prepared["rows_quarantined"]) == (
        4, 3, 1)
    return Path(prepared["package"])


def tar_gz(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname="package")
    return buffer.getvalue()


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())  # no top folder
    return buffer.getvalue()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The council's key's fingerprint and its package, made once for these tests."""
    folder = tmp_path_factory.mktemp("council")
    fingerprint = create_key(folder / "partnership.key").fingerprint
    return fingerprint, prepare_at_the_council(folder, folder / "partnership.key")


@pytest.fixture
def council(demo_hub_path: Path, tmp_path: Path, prepared: tuple[str, Path]
            ) -> Iterator[Council]:
    fingerprint, package = prepared
    hub_path = tmp_path / "hub"
    shutil.copytree(demo_hub_path, hub_path)
    hub = open_hub(hub_path)
    try:
        # The demo's partnership key stayed beside the hub it was built with, which this copy
        # lacks: stand in the council's new key, as an operator would after rotating it.
        with hub.sessions().begin() as session:
            setting = session.get(HubSetting, KEY_FINGERPRINT)
            assert setting is not None
            setting.value = fingerprint
        token = issue_token(hub, "county_council-steward", actor=actor_for(hub, "admin"))
    finally:
        hub.close()
    with TestClient(create_app(hub_path)) as client:
        yield Council(client, token, package)


def catalogue_entry(council: Council) -> dict[str, Any]:
    datasets = council.client.get("/api/catalogue", headers=council.headers()).json()
    return next(d for d in datasets["datasets"] if d["dataset"] == DATASET)


def test_the_council_s_platform_pushes_a_package_and_sees_it_in_the_catalogue(
        council: Council) -> None:
    before = catalogue_entry(council)

    started = council.push(tar_gz(council.package))
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["status_url"] == f"/api/jobs/{body['job']}"
    assert started.headers["location"] == body["status_url"]

    job = council.wait(body["status_url"])
    assert job["status"] == "done", job
    assert job["kind"] == "contribution.submit"
    result = job["result"]
    version = before["latest_version"] + 1
    assert result["status"] == "accepted" and result["dataset"] == DATASET
    assert (result["version"], result["rows_in"], result["rows_accepted"],
            result["rows_quarantined"]) == (version, 4, 3, 1)

    after = catalogue_entry(council)
    assert (after["latest_version"], after["rows"], after["versions"]) == (
        version, 3, before["versions"] + 1)
    assert after["rows_quarantined_total"] == before["rows_quarantined_total"] + 1

    dcat = council.client.get("/api/catalogue.jsonld", headers=council.headers())
    assert dcat.status_code == 200
    assert dcat.headers["content-type"].startswith("application/ld+json")
    node = next(d for d in dcat.json()["dcat:dataset"] if d["dct:identifier"] == DATASET)
    assert node["dcat:version"] == str(version) and node["cg:rows"] == 3
    assert node["dcat:distribution"][0]["cg:version"] == version
    assert node["dct:publisher"]["dct:identifier"] == "county_council"

    # The same package again, zipped without its top folder: recognised, not stored twice.
    again = council.wait(council.push(zipped(council.package), "package.zip").json()[
        "status_url"])
    assert again["status"] == "done" and again["result"]["status"] == "duplicate"
    assert catalogue_entry(council)["versions"] == after["versions"]


def test_another_organisation_s_steward_is_refused_at_once(council: Council) -> None:
    hub = open_hub(council.client.app.state.hub_path)  # type: ignore[attr-defined]
    try:
        police = issue_token(hub, "police-steward", actor=actor_for(hub, "admin"))
        before = len(entries(hub, 10_000))
    finally:
        hub.close()
    refused = council.push(tar_gz(council.package), token=police)
    # Refused before a job is queued or the archive unpacked, not after a 202.
    assert refused.status_code == 403 and "job" not in refused.json()
    hub = open_hub(council.client.app.state.hub_path)  # type: ignore[attr-defined]
    try:
        after = entries(hub, 10_000)
        new = after[: len(after) - before]  # newest first
    finally:
        hub.close()
    assert [(e["actor"], e["action"], e["outcome"]) for e in new] == [
        ("police-steward", "contribution.create", "refused")]


def test_what_is_not_a_package_is_refused_at_once(council: Council, tmp_path: Path) -> None:
    assert council.client.post(PUSH, files={"archive": ("p.zip", b"x")}).status_code == 401
    not_archive = council.push(b"Case No,Date Opened\nTS-1,01/01/2025\n", "extract.csv")
    assert not_archive.status_code == 400 and ".zip or .tar.gz" in not_archive.json()["error"]

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escape.txt", "outside")
    escaping = council.push(buffer.getvalue(), "evil.zip")
    assert escaping.status_code == 400 and "outside its folder" in escaping.json()["error"]

    no_manifest = tmp_path / "not-a-package"
    (no_manifest / "data").mkdir(parents=True)
    (no_manifest / "data" / "part-0.parquet").write_bytes(b"PAR1")
    empty = council.push(tar_gz(no_manifest))
    assert empty.status_code == 400 and "package.json" in empty.json()["error"]

    forged = tmp_path / "forged"
    shutil.copytree(council.package, forged)
    (forged / "package.json").write_text('{"format": 2, "rows_in": "many"}')
    assert council.push(tar_gz(forged)).status_code == 400
    (forged / "package.json").write_text("{not json")
    assert council.push(tar_gz(forged)).status_code == 400

    bad_name = council.push(tar_gz(council.package),
                            url="/api/datasets/county_council/Bad Name/packages")
    assert bad_name.status_code == 422
    assert council.client.post(PUSH, headers=council.headers()).status_code == 422
