"""Level 2 from the command line: propose, approve, query, request, review, release, download."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path


def cg(hub: Path, user: str, *args: str, ok: bool = True) -> dict:
    env = {**os.environ, "COMMONGROUND_HUB": str(hub), "COMMONGROUND_USER": user}
    done = subprocess.run([sys.executable, "-m", "commonground.cli", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    if ok:
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    return {"error": done.stderr.strip().splitlines()[-1]}


def test_a_project_from_proposal_to_download(demo_hub_path: Path, tmp_path: Path) -> None:
    hub = demo_hub_path
    today = date.today()
    (tmp_path / "project.yaml").write_text(f"""
slug: cli-project
title: Council complaints by type
question: Which complaints come from addresses fire crews found overcrowded?
commissioned_by: district_council
purpose: research:modern-slavery
researchers: [uni-researcher]
ethics_reference: UoE-ETH-2026-0200
starts_on: {today.isoformat()}
ends_on: {(today + timedelta(days=30)).isoformat()}
datasets:
  district_council/housing_complaints: {{columns: [Date Received, Complaint Type]}}
""")
    proposed = cg(hub, "uni-researcher", "project", "propose", "--file",
                  str(tmp_path / "project.yaml"))
    assert proposed["status"] == "proposed" and proposed["providers"] == ["district_council"]
    early = cg(hub, "uni-researcher", "workspace", "query", "--project", "cli-project",
               "SELECT 1 AS x", ok=False)
    assert "waiting for every data provider" in early["error"]
    approved = cg(hub, "district_council-ig-lead", "project", "approve", "cli-project")
    assert approved["status"] == "active"
    rows = cg(hub, "uni-researcher", "workspace", "query", "--project", "cli-project",
              'SELECT "Complaint Type" AS kind, count(*) AS n FROM '
              "district_council_housing_complaints GROUP BY 1 ORDER BY 1")
    assert rows["row_count"] >= 1
    escape = cg(hub, "uni-researcher", "workspace", "query", "--project", "cli-project",
                "SELECT * FROM read_csv('/etc/passwd')", ok=False)
    assert "query refused" in escape["error"]
    spec = json.dumps({"view": "district_council_housing_complaints",
                       "rows": ["Complaint Type"], "aggfunc": "count"})
    output = cg(hub, "uni-researcher", "output", "request", "--project", "cli-project",
                "--title", "Complaints by type", "--spec", spec)
    assert output["state"] == "pending"
    number = str(output["id"])
    cg(hub, "uni-researcher", "output", "submit", number)
    cg(hub, "police-output-checker", "output", "review", number, "--decision", "approve")
    reviewed = cg(hub, "county-output-checker", "output", "review", number, "--decision",
                  "approve", "--comment", "fine")
    assert reviewed["state"] == "approved"
    released = cg(hub, "police-output-checker", "output", "release", number)
    assert released["state"] == "released"
    got = cg(hub, "uni-researcher", "output", "download", number, "--out", str(tmp_path / "o"))
    assert (tmp_path / "o" / "output.csv").exists() and len(got["files"]) == 2
    listed = cg(hub, "uni-researcher", "project", "list")["projects"]
    assert {p["project"] for p in listed} >= {"cli-project", "modern-slavery-signals"}
