#!/usr/bin/env python3
"""A bounded, fixed-rate HTTP load generator for the release drills (stdlib only).

It sends at most --count requests at --rate per second, for at most --seconds, or
until --stop-file exists, each on a fresh connection (a client that never reuses a
stale keep-alive socket is the honest case). Every --eto-every-th request is an ET0
POST; the others GET the health route. It writes one JSON report:
  total, failed, failures (the first 20), longest_failure_gap_s, accepted_eto_ids and
  latency percentiles per phase (a phase is named in --phase-file when sent).
Only loopback and the test networks are addressed: the caller passes the URL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import ssl
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

FAILURE_KEYS = ("i", "at", "kind", "status", "error")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--url", required=True, help="base URL of nginx, e.g. http://127.0.0.1")
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--count", type=int, default=6000)
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--timeout", type=float, default=10.0, help="per request")
    p.add_argument("--health-path", default="/api/v1/health")
    p.add_argument("--eto-body", type=Path, required=True)
    p.add_argument("--eto-every", type=int, default=10)
    p.add_argument("--stop-file", type=Path)
    p.add_argument("--phase-file", type=Path)
    p.add_argument("--out", type=Path, required=True)
    return p.parse_args()


class Target:
    """Opens a new connection per request to one base URL."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if self.https else 80)
        self.timeout = timeout
        # The test CA is not in the host's store; these runs only measure availability.
        self.context = ssl._create_unverified_context() if self.https else None

    def request(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        if self.https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            headers = {"Content-Type": "application/json", "Connection": "close"}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def current_phase(phase_file: Path | None) -> str:
    if phase_file is None:
        return "run"
    try:
        return phase_file.read_text().strip() or "run"
    except OSError:
        return "run"


def one(target: Target, args: argparse.Namespace, body: bytes, i: int, t0: float) -> dict[str, Any]:
    is_eto = args.eto_every > 0 and i % args.eto_every == 0
    method, path = ("POST", "/api/v1/eto") if is_eto else ("GET", args.health_path)
    record: dict[str, Any] = {"i": i, "kind": "eto" if is_eto else "health"}
    record["phase"] = current_phase(args.phase_file)
    started = time.monotonic()
    record["at"] = round(started - t0, 3)
    try:
        status, data = target.request(method, path, body if is_eto else None)
        record["status"] = status
        ok_status = 202 if is_eto else 200
        record["ok"] = status == ok_status
        if is_eto and record["ok"]:
            record["id"] = json.loads(data)["id"]
        if not record["ok"]:
            record["error"] = data[:200].decode(errors="replace")
    except Exception as exc:  # resets, timeouts, refusals: all are failures
        record["ok"] = False
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["latency"] = time.monotonic() - started
    return record


def longest_gap(records: list[dict[str, Any]]) -> float:
    """The longest time between the first and last of consecutive failed requests."""
    best = 0.0
    start: float | None = None
    for rec in sorted(records, key=lambda r: r["i"]):
        if rec["ok"]:
            start = None
            continue
        start = rec["at"] if start is None else start
        best = max(best, rec["at"] + rec["latency"] - start)
    return round(best, 2)


def report(records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    failed = [r for r in records if not r["ok"]]
    phases: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r["phase"] for r in records):
        mine = [r for r in records if r["phase"] == name]
        lat = [r["latency"] for r in mine if r["ok"]]
        phases[name] = {
            "requests": len(mine),
            "failed": sum(1 for r in mine if not r["ok"]),
            "p50_ms": percentile(lat, 0.50),
            "p99_ms": percentile(lat, 0.99),
        }
    return {
        "total": len(records),
        "failed": len(failed),
        "seconds": round(seconds, 1),
        "longest_failure_gap_s": longest_gap(records),
        "failures": [{k: r.get(k) for k in FAILURE_KEYS} for r in failed[:20]],
        "phases": phases,
        "accepted_eto_ids": [r["id"] for r in records if r.get("id")],
    }


def main() -> None:
    args = parse_args()
    target = Target(args.url, args.timeout)
    body = args.eto_body.read_bytes()
    records: list[dict[str, Any]] = []
    lock = threading.Lock()
    t0 = time.monotonic()

    def run(i: int) -> None:
        rec = one(target, args, body, i, t0)
        with lock:
            records.append(rec)

    with ThreadPoolExecutor(max_workers=64) as pool:
        for i in range(args.count):
            due = t0 + i / args.rate
            if due - t0 > args.seconds or (args.stop_file and args.stop_file.exists()):
                break
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(run, i)
    args.out.write_text(json.dumps(report(records, time.monotonic() - t0), indent=1) + "\n")


if __name__ == "__main__":
    main()
