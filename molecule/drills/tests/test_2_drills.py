"""Reliability drills, in order, on one deployed stack.

Each drill ends with the stack healthy and every ET0 row written so far intact
(the ledger). Figures (recovery times) go to the journal, printed at the end.
"""

from __future__ import annotations

import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from conftest import (
    APP_SERVICES,
    EPHEMERAL,
    PROJECT,
    STACK_DIR,
    TOP,
    Journal,
    Ledger,
    Server,
    containers,
    finishes,
    load,
    playbook,
    sql,
    stack_snapshot,
    submit,
    wait_healthy,
    wait_until,
)

BACKUP_DIR = "/var/backups/evaonline"
SERVICE_LABEL = "label=com.docker.compose.service"
VVV_LOG = EPHEMERAL / "site-vvv.log"


def app_copy(name: str, line: str) -> Path:
    """The bundled app with one line appended to backend/__init__.py."""
    dest = EPHEMERAL / name
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(TOP / "app", dest, ignore=shutil.ignore_patterns("__pycache__"))
    with (dest / "backend" / "__init__.py").open("a") as init:
        init.write(line + "\n")
    return dest


def ok(run: Any, what: str) -> None:
    assert run.rc == 0, f"{what} failed:\n{run.out[-3000:]}"


def finish(server: Server, ledger: Ledger) -> float:
    """The end of every drill: healthy, and no row lost or changed."""
    seconds = wait_healthy(server)
    ledger.assert_intact(server)
    return seconds


def under_load(server: Server, ledger: Ledger, report: dict[str, Any]) -> dict[str, Any]:
    """Zero failed requests, and every ET0 request accepted under load finished once."""
    assert report["total"] > 0, report
    if report["failed"]:  # what nginx and the api containers said, for the failure message
        report["nginx_log"] = server.run(
            f"docker logs --tail 15 $(docker ps -q --filter {SERVICE_LABEL}=nginx) 2>&1"
        ).stdout.decode()[-2000:]
        report["api_containers"] = server.run(
            f"docker ps -a --filter {SERVICE_LABEL}=api --format '{{{{.Names}}}} {{{{.Status}}}}'"
        ).stdout.decode()
    assert report["failed"] == 0, (
        f"{report['failed']} of {report['total']} requests failed: {report['failures'][:5]}"
        f" api: {report.get('api_containers')} nginx: {report.get('nginx_log')}"
    )
    assert report["beat_max_running"] == 1, f"{report['beat_max_running']} beats ran at once"
    ids = report["accepted_eto_ids"]
    assert ids, "the load generator got no ET0 request accepted"
    ledger.wait_done(server, ids)
    twice = {i: n for i, n in finishes(server, ids).items() if n != 1}
    assert not twice, f"ET0 requests not finished exactly once: {list(twice.items())[:5]}"
    phases = report["phases"]
    return {
        "requests": report["total"],
        "failed": report["failed"],
        "eto_tasks": len(ids),
        **{f"{name}_p50_ms": phases.get(name, {}).get("p50_ms") for name in ("before", "during")},
        **{f"{name}_p99_ms": phases.get(name, {}).get("p99_ms") for name in ("before", "during")},
    }


def api_container(server: Server) -> str:
    return server.check_output(
        "docker ps -q --filter label=com.docker.compose.project=evaonline"
        " --filter label=com.docker.compose.service=api"
    )


def test_redeploy_with_a_new_app_tag(server: Server, ledger: Ledger, journal: Journal) -> None:
    before = containers(server)
    with load(server) as report:
        run = playbook(
            "deploy.yml", extra={"evaonline_app_src": str(app_copy("app-v2", "RELEASE = 'v2'"))}
        )
    ok(run, "deploy.yml of the changed app")
    figures = under_load(server, ledger, report)
    after = containers(server)
    assert after["api"]["image"] != before["api"]["image"]
    recreated = {name for name in after if after[name]["id"] != before[name]["id"]}
    assert recreated == APP_SERVICES
    out = server.check_output(
        f"docker exec {api_container(server)} python3 -c 'import backend; print(backend.RELEASE)'"
    )
    assert out == "v2"
    finish(server, ledger)
    journal.record(
        "1 redeploy with a new app tag, under load",
        result="passed",
        seconds=run.seconds,
        image=after["api"]["image"],
        recreated=sorted(recreated),
        **figures,
    )


def test_rollback_on_demand(server: Server, ledger: Ledger, journal: Journal) -> None:
    serving = containers(server)["api"]["image"]
    refused = playbook("rollback.yml", extra={"evaonline_rollback_to": "0123456789ab"})
    assert refused.rc != 0, "rollback.yml accepted a tag that is not kept"
    assert re.search(
        r"evaonline_rollback_to: 0123456789ab is not a kept release; kept: \S+ \(built", refused.out
    )
    assert containers(server)["api"]["image"] == serving, "a refused rollback changed the stack"
    with load(server) as report:
        run = playbook("rollback.yml")
    ok(run, "rollback.yml to the previous release")
    figures = under_load(server, ledger, report)
    back = containers(server)["api"]["image"]
    assert back != serving
    assert re.search(rf"rolling back to {re.escape(back)}", run.out), run.out[-2000:]
    finish(server, ledger)
    journal.record(
        "1b rollback on demand to the previous release, under load",
        result="passed",
        seconds=run.seconds,
        image=back,
        **figures,
    )


def test_compose_down_then_up_keeps_the_volumes(
    server: Server, ledger: Ledger, journal: Journal
) -> None:
    t0 = time.monotonic()
    server.check_output(f"cd {STACK_DIR} && docker compose down")
    assert containers(server) == {}
    server.check_output(f"cd {STACK_DIR} && docker compose up -d")
    seconds = round(time.monotonic() - t0 + finish(server, ledger), 1)
    journal.record("2 docker compose down, then up", result="passed", recovery_seconds=seconds)


def test_docker_daemon_restart(server: Server, ledger: Ledger, journal: Journal) -> None:
    before = containers(server)
    t0 = time.monotonic()
    server.check_output("systemctl restart docker")
    back = wait_until(lambda: server.run("docker info").returncode == 0, 60, "dockerd answering")
    seconds = round(time.monotonic() - t0 + finish(server, ledger), 1)
    after = containers(server)
    # live-restore (the docker role's default) keeps the containers running meanwhile.
    kept = all(after[name]["started"] == before[name]["started"] for name in before)
    journal.record(
        "3 restart the Docker daemon",
        result="passed",
        daemon_back_seconds=back,
        healthy_seconds=seconds,
        containers_kept_running=kept,
    )
    assert kept


def wait_restarted(server: Server, service: str, restarts: int) -> float:
    """Seconds until Docker's restart policy has started the killed container again."""
    return wait_until(
        lambda: containers(server)[service]["restarts"] > restarts,
        60,
        f"{service} restarted by its restart policy",
    )


def test_kill_9_worker(server: Server, ledger: Ledger, journal: Journal) -> None:
    before = containers(server)["worker"]
    server.check_output(f"kill -9 {before['pid']}")
    t0 = time.monotonic()
    # Queued while the killed worker's replacement boots; the api does not need it.
    queued = submit(server, 3)
    submitted = round(time.monotonic() - t0, 1)
    restarted = wait_restarted(server, "worker", before["restarts"])
    done = ledger.wait_done(server, queued)
    seconds = round(time.monotonic() - t0 + finish(server, ledger), 1)
    journal.record(
        "4a kill -9 worker",
        result="passed",
        queued_tasks=len(queued),
        queued_within_seconds=submitted,
        restarted_after_seconds=restarted,
        tasks_done_after_seconds=done,
        healthy_after_seconds=seconds,
    )


def test_kill_9_postgres(server: Server, ledger: Ledger, journal: Journal) -> None:
    before = containers(server)["postgres"]
    # Stored and queued with no worker consuming, so the tasks meet the crashed database.
    server.check_output(f"cd {STACK_DIR} && docker compose stop worker")
    queued = submit(server, 3)
    since = server.check_output("date -u +%Y-%m-%dT%H:%M:%SZ")
    server.check_output(f"kill -9 {before['pid']}")
    t0 = time.monotonic()
    server.check_output(f"cd {STACK_DIR} && docker compose start worker")
    restarted = wait_restarted(server, "postgres", before["restarts"])
    done = ledger.wait_done(server, queued)
    seconds = round(time.monotonic() - t0 + finish(server, ledger), 1)
    logs = server.run(f"docker logs --since {since} evaonline-worker-1 2>&1").stdout.decode()
    journal.record(
        "4b kill -9 postgres",
        result="passed",
        queued_tasks=len(queued),
        restarted_after_seconds=restarted,
        task_retries_seen=logs.count("Retry in"),
        tasks_done_after_seconds=done,
        healthy_after_seconds=seconds,
    )


def test_failed_release_is_rolled_back(server: Server, ledger: Ledger, journal: Journal) -> None:
    good = containers(server)["api"]["image"]
    bad_app = app_copy(
        "app-bad",
        "import os\nif os.environ.get('SERVICE') == 'api':\n"
        "    raise SystemExit('drill: this release cannot start its api')",
    )
    with load(server) as report:
        run = playbook(
            "deploy.yml", extra={"evaonline_app_src": str(bad_app), "stack_wait_timeout": 60}
        )
    assert run.rc != 0, "deploy.yml accepted a release whose api cannot start"
    assert re.search(rf"rolled back to {re.escape(good)}", run.out), run.out[-3000:]
    figures = under_load(server, ledger, report)
    assert containers(server)["api"]["image"] == good
    finish(server, ledger)
    journal.record(
        "5 failed release, rolled back, under load", result="passed", seconds=run.seconds, **figures
    )


def newest_dump(server: Server) -> str:
    return server.check_output(f"ls -1 {BACKUP_DIR}/evaonline-*.dump | sort | tail -n 1")


def test_backup_teardown_deploy_restore(server: Server, ledger: Ledger, journal: Journal) -> None:
    figures: dict[str, Any] = {}
    run = playbook("backup.yml")
    ok(run, "backup.yml")
    figures["backup_seconds"] = run.seconds
    dump = newest_dump(server)
    assert "pg_restore --list" in run.out

    refused = playbook("restore.yml", extra={"backup_restore_file": dump})
    assert refused.rc != 0 and "refusing to restore over database evaonline" in refused.out
    missing = playbook("restore.yml", extra={"backup_restore_file": f"{BACKUP_DIR}/nope.dump"})
    assert missing.rc != 0 and f"{BACKUP_DIR}/nope.dump does not exist" in missing.out

    run = playbook("teardown.yml", extra={"stack_remove_volumes": True})
    ok(run, "teardown.yml with volumes removed")
    assert containers(server) == {}
    assert (
        server.check_output(
            "docker volume ls -q --filter label=com.docker.compose.project=evaonline"
        )
        == ""
    )
    stopped = playbook("backup.yml")
    assert stopped.rc != 0 and "the stack is not running" in stopped.out

    # A fresh server apart from Docker's image store: the stack directory goes too.
    server.check_output(f"rm -rf {STACK_DIR}")
    run = playbook("site.yml", "-vvv")
    VVV_LOG.write_text(run.out)  # the secret audit reads it
    ok(run, "site.yml on the emptied server")
    figures["fresh_deploy_seconds"] = run.seconds
    assert sql(server, "SELECT count(*) FROM eto_requests") == "0"

    run = playbook("restore.yml", extra={"backup_restore_file": dump})
    ok(run, "restore.yml")
    figures["restore_seconds"] = run.seconds
    finish(server, ledger)
    journal.record(
        "6 backup, teardown -v, fresh deploy, restore",
        result="passed",
        rows=len(ledger.rows),
        dump=dump,
        **figures,
    )


def said(out: str, pattern: str) -> str:
    """The message an operator reads that starts with pattern, in output whose long lines
    the YAML callback wraps; empty when absent."""
    flat = " ".join(out.split())
    match = re.search(pattern, flat)
    if not match:
        return ""
    text = flat[match.start() : match.start() + 240]
    return re.split(r"['\"]| Origin: | TASK \[", text)[0].strip()


def api_count(server: Server) -> int:
    return len(api_container(server).split())


def test_postgres_stopped_during_a_release(
    server: Server, ledger: Ledger, journal: Journal
) -> None:
    """docker kill postgres 2 s after the new api starts: the release names postgres, starts
    it again, waits once more and goes on."""
    app = app_copy("app-v3", "RELEASE = 'v3'")
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(playbook, "deploy.yml", extra={"evaonline_app_src": str(app)})
        wait_until(lambda: api_count(server) >= 2, 400, "the new api container beside the old")
        time.sleep(2)
        server.check_output(f"docker kill {PROJECT}-postgres-1")
        killed = time.monotonic()
        run = running.result()
    after_kill = round(time.monotonic() - killed, 1)
    ok(run, "deploy.yml with postgres killed during the release")
    message = said(run.out, r"postgres stopped: exited \(exit code 137\) while the new api started")
    assert message, run.out[-3000:]
    out = server.check_output(
        f"docker exec {api_container(server)} python3 -c 'import backend; print(backend.RELEASE)'"
    )
    assert out == "v3"
    healthy_after = round(after_kill + finish(server, ledger), 1)
    journal.record(
        "7 postgres killed 2 s after the new api started",
        result="passed",
        message=message,
        deploy_seconds=run.seconds,
        release_done_after_kill_seconds=after_kill,
        healthy_after_kill_seconds=healthy_after,
    )


def free_mib(server: Server) -> int:
    blocks, size = server.check_output("stat -f -c '%a %S' /var/lib/docker").split()
    return int(blocks) * int(size) // 2**20


def fill_to(server: Server, leave_mib: int) -> None:
    """Grow /var/lib/docker/drill-fill until leave_mib MiB are free (the data root is a tmpfs)."""
    server.check_output("rm -f /var/lib/docker/drill-fill")
    size = free_mib(server) - leave_mib
    assert size > 0, f"the data root already has less than {leave_mib} MiB free"
    server.check_output(f"fallocate -l {size}M /var/lib/docker/drill-fill")


def test_a_full_disk_refuses_the_build_and_fails_verify(
    server: Server, ledger: Ledger, journal: Journal
) -> None:
    """A size-limited tmpfs data root filled to the margin: deploy.yml refuses the build
    before any change, verify.yml fails naming the disk; freed, the stack is healthy."""
    assert server.check_output("stat -f -c %T /var/lib/docker") == "tmpfs"
    figures: dict[str, Any] = {}
    try:
        fill_to(server, 2000)  # below 600 (the test build) + 2048 (the margin)
        before = stack_snapshot(server)
        images = server.check_output("docker images -q evaonline-runtime | sort")
        run = playbook("deploy.yml", extra={"evaonline_app_src": str(app_copy("app-v4", "X = 4"))})
        assert run.rc != 0, "deploy.yml built on a full disk"
        refusal = said(
            run.out, r"the Docker data root /var/lib/docker has \d+ MiB free, needs 2648 MiB"
        )
        assert refusal, run.out[-3000:]
        assert "runtime_image_min_free_margin_mb=2048 MiB" in refusal
        assert stack_snapshot(server) == before, "the refused release changed the stack"
        assert server.check_output("docker images -q evaonline-runtime | sort") == images
        figures["deploy_message"] = refusal

        fill_to(server, 500)  # below stack_min_free_mb (1024)
        run = playbook("verify.yml")
        assert run.rc != 0, "verify.yml reported a healthy stack with 500 MiB free"
        below = said(
            run.out,
            r"the Docker data root /var/lib/docker has \d+ MiB free, below min_free_mb=1024",
        )
        assert below, run.out[-3000:]
        figures["verify_message"] = below
    finally:
        server.check_output("rm -f /var/lib/docker/drill-fill")
    freed = time.monotonic()
    ok(playbook("verify.yml"), "verify.yml once the disk is freed")
    figures["healthy_after_free_seconds"] = round(
        time.monotonic() - freed + finish(server, ledger), 1
    )
    journal.record("8 full disk on a tmpfs data root", result="passed", **figures)
