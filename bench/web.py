"""The web app under load: 100 people signed in at once, reading pages and the API.

    .venv/bin/python bench/web.py [--hub HUB] [--clients 100] [--requests 20] [--workers N]

Starts `commonground serve` on a copy of a demo hub (without --hub: a 2,500-person demo hub
built first, as `commonground demo --people 2500 --seed 3` builds it), signs in `--clients`
clients at once (each one of the demo's people: a browser session via POST /login for the
pages, a Bearer token for the API), and has each send `--requests` GETs over a mix of the
pages its roles use and the API's reads, with --think seconds between them on average (a
person reading a page). Prints the latency per kind of route and per route
(p50, p95, errors) against the targets: p95 of page GETs at most 100 ms, and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

from commonground.governance import actor_for, issue_token
from commonground.server import create_app
from commonground.server.app import served_routes
from commonground.server.render import SECTIONS
from commonground.store import open_hub

PASSWORD = "commonground-demo"
PROJECT = "modern-slavery-signals"
PAGE_P95_MS = 100.0
ERRORS_SEEN: dict[str, int] = defaultdict(int)  # what the errors were: status or exception
# The demo's people the clients take turns being, by the role each brings.
PEOPLE = ("police-analyst", "uni-researcher", "board-chair", "police-steward",
          "police-ig-lead", "police-output-checker")
# API reads by role: quick reads a partner's platform or a page's script would poll.
API_READS = {
    "analyst": ("/api/risk/lists", "/api/interventions", "/api/link/reviews?limit=5",
                "/api/projects"),
    "researcher": ("/api/projects", f"/api/projects/{PROJECT}",
                   f"/api/projects/{PROJECT}/views"),
    "board": ("/api/projects", "/api/interventions"),
    "steward": ("/api/projects", "/api/interventions"),
    "governance_lead": ("/api/projects", "/api/risk/lists"),
    "output_checker": ("/api/projects", "/api/outputs/1"),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _hub(given: Path | None, work: Path) -> Path:
    """A copy of the given hub (sessions and audit entries go into the copy), or a new one."""
    target = work / "hub"
    if given is not None:
        shutil.copytree(given, target)
        return target
    from commonground.demo.run import run_demo

    print("building a 2,500-person demo hub…", file=sys.stderr)
    run_demo(target, people=2500, seed=3)
    return target


def _plan(hub_path: Path) -> dict[str, tuple[list[str], list[str], str]]:
    """Per person: the pages and API reads to mix, and a Bearer token."""
    served = {key.split(" ", 1)[1] for key in served_routes(create_app(hub_path))
              if key.startswith("GET ")}
    hub = open_hub(hub_path)
    try:
        admin = actor_for(hub, "admin")
        plans = {}
        for username in PEOPLE:
            roles = actor_for(hub, username).roles
            pages = ["/"] + [href for _, href, who in SECTIONS
                             if (not who or who & roles) and href in served]
            if "researcher" in roles and "/research/{slug}" in served:
                pages.append(f"/research/{PROJECT}")
            reads = [url for role in sorted(roles) for url in API_READS.get(role, ())
                     if _route_of(url, served)]
            plans[username] = (pages, reads, issue_token(hub, username, actor=admin))
        return plans
    finally:
        hub.close()


def _route_of(url: str, served: set[str]) -> bool:
    """Is `url` served (a path parameter matches any one segment)?"""
    parts = url.split("?")[0].strip("/").split("/")
    for route in served:
        pattern = route.strip("/").split("/")
        if len(pattern) == len(parts) and all(
                p == u or p.startswith("{") for p, u in zip(pattern, parts, strict=True)):
            return True
    return False


def _start(hub_path: Path, port: int, workers: int | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from commonground.cli import main; main()", "serve",
               "--hub", str(hub_path), "--port", str(port)]
    command += ["--workers", str(workers)] if workers else []
    server = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start in 60 s")


Timings = dict[tuple[str, str], list[float]]


async def _client(base: str, username: str, plan: tuple[list[str], list[str], str],
                  requests: int, seed: int, timings: Timings, errors: dict[tuple[str, str], int],
                  everyone_in: asyncio.Barrier, think: float) -> None:
    pages, reads, token = plan
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30) as browser, \
            httpx.AsyncClient(base_url=base, timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) as script:
        started = time.perf_counter()
        signed = await browser.post("/login", data={"username": username,
                                                    "password": PASSWORD})
        timings[("sign-in", "POST /login")].append((time.perf_counter() - started) * 1000)
        await everyone_in.wait()  # the GETs start once every client has signed in
        if signed.status_code != 303:  # a good sign-in redirects to the home page
            errors[("sign-in", "POST /login")] += 1
            return
        for _ in range(requests):
            if think:  # a person reads the page before the next click
                await asyncio.sleep(rng.expovariate(1 / think))
            kind = "page" if not reads or rng.random() < 0.6 else "api"
            url = rng.choice(pages if kind == "page" else reads)
            client = browser if kind == "page" else script
            started = time.perf_counter()
            why = ""
            try:
                answer = await client.get(url)
                why = "" if answer.status_code == 200 else f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            key = (kind, url.split("?")[0])
            timings[key].append((time.perf_counter() - started) * 1000)
            errors[key] += bool(why)
            if why:
                ERRORS_SEEN[why] += 1


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else (values[0] if values else 0.0)


def _table(title: str, rows: dict[str, list[float]], errors: dict[str, int]) -> None:
    print(f"\n{title}\n")
    print("| route | requests | p50 ms | p95 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for name, values in rows.items():
        print(f"| {name} | {len(values)} | {_p(values, 50):.1f} | {_p(values, 95):.1f} | "
              f"{errors.get(name, 0)} |")


def report(timings: Timings, errors: dict[tuple[str, str], int], seconds: float) -> bool:
    by_kind: dict[str, list[float]] = defaultdict(list)
    kind_errors: dict[str, int] = defaultdict(int)
    for (kind, _), values in sorted(timings.items()):
        by_kind[kind] += values
    for (kind, _), count in errors.items():
        kind_errors[kind] += count
    total = len(by_kind["page"]) + len(by_kind["api"])
    _table(f"{total} GETs and {len(by_kind['sign-in'])} sign-ins in {seconds:.1f} s",
           dict(by_kind),
           dict(kind_errors))
    _table("By route", {f"{kind} {url}": v for (kind, url), v in sorted(timings.items())},
           {f"{kind} {url}": n for (kind, url), n in errors.items()})
    page_p95 = _p(by_kind["page"], 95)
    checks = [(f"page GETs p95 {page_p95:.1f} ms <= {PAGE_P95_MS:.0f} ms",
               page_p95 <= PAGE_P95_MS),
              (f"errors {sum(errors.values())} == 0", sum(errors.values()) == 0)]
    if ERRORS_SEEN:
        print("\nErrors: " + ", ".join(f"{why} x{n}" for why, n in sorted(ERRORS_SEEN.items())))
        ERRORS_SEEN.clear()
    print("\n| target | result |\n|---|---|")
    for text, passed in checks:
        print(f"| {text} | {'PASS' if passed else 'FAIL'} |")
    return all(passed for _, passed in checks)


async def _load(base: str, plans: dict[str, tuple[list[str], list[str], str]], clients: int,
                requests: int, think: float
                ) -> tuple[Timings, dict[tuple[str, str], int], float]:
    timings: Timings = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    people = list(plans)
    everyone_in = asyncio.Barrier(clients)
    started = time.perf_counter()
    await asyncio.gather(*(
        _client(base, people[i % len(people)], plans[people[i % len(people)]], requests, i,
                timings, errors, everyone_in, think) for i in range(clients)))
    return timings, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hub", type=Path, help="A demo hub to copy (default: build one).")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20, help="GETs per client.")
    parser.add_argument("--workers", type=int,
                        help="Server processes (default: serve's own, one per core up to 4).")
    parser.add_argument("--think", default="2,0",
                        help="Mean seconds a client waits between its GETs, one run per "
                             "value (2: people reading pages, the targets' case; 0: every "
                             "client sends its next GET at once, the server's capacity).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cg-bench-web-") as work:
        hub_path = _hub(args.hub, Path(work))
        plans = _plan(hub_path)
        port = _free_port()
        server = _start(hub_path, port, args.workers)
        processes = args.workers or max(1, min(os.cpu_count() or 1, 4))
        passed = []
        try:
            for think in (float(value) for value in args.think.split(",")):
                timings, errors, seconds = asyncio.run(_load(
                    f"http://127.0.0.1:{port}", plans, args.clients, args.requests, think))
                print(f"\n## {args.clients} clients signed in at once, {args.requests} GETs "
                      f"each, think time {think:g} s; `commonground serve` with {processes} "
                      f"process{'es' if processes > 1 else ''} on {os.cpu_count()} cores, "
                      "the load generator on the same cores")
                passed.append(report(timings, errors, seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
    sys.exit(0 if passed and passed[0] else 1)  # the first run (people reading) is judged


if __name__ == "__main__":
    main()
