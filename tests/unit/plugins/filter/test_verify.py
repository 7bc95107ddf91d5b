"""Unit tests for the verify playbook's table."""

from __future__ import annotations

from ansible_collections.evaonline.deploy.plugins.filter.verify import verify_table


def test_the_table_lists_images_then_services():
    images = {
        "images": [
            {"name": "nginx:1", "size_human": "55 MB", "budget": 60e6, "within": True},
            {"name": "app:1", "size_human": "1 GB", "budget": 9e8, "within": False, "over_by": 1e8},
        ],
        "dedup_total": 1.0e9,
        "naive_total": 1.1e9,
    }
    health = {
        "services": {
            "redis": {
                "state": "running",
                "health": "healthy",
                "restarts": 0,
                "uptime": 9.6,
                "ports": [],
            },
            "api": {
                "state": "running",
                "health": None,
                "restarts": 2,
                "uptime": 3,
                "ports": ["80/tcp"],
            },
        },
        "healthy": True,
        "elapsed": 1.25,
        "disk": {"free_mb": 9000, "root": "/var/lib/docker", "min_free_mb": 1024},
    }
    lines = verify_table(images, health)
    assert lines[1].split() == ["nginx:1", "55", "MB", "60", "MB", "within"]
    assert lines[2].endswith("OVER by 100 MB")
    assert "naive sum 1100 MB" in lines[3]
    assert lines[4] == ""
    assert lines[6].split() == ["api", "running", "-", "2", "3", "80/tcp"]
    assert lines[7].split() == ["redis", "running", "healthy", "0", "10", "-"]
    assert lines[-2] == "healthy: True in 1.2 s"
    assert lines[-1] == "disk: 9000 MiB free on /var/lib/docker (minimum 1024)"


def test_missing_results_still_give_a_table():
    lines = verify_table({}, {})
    assert lines[-2] == "healthy: False in 0.0 s"
    assert lines[-1] == "disk: ? MiB free on ? (minimum ?)"


def test_swarm_rows_give_tasks_and_nodes_instead_of_restarts():
    health = {
        "services": {
            "api": {
                "state": "running",
                "health": "healthy",
                "restarts": 0,
                "uptime": 12.4,
                "ports": [],
                "replicas": "2/2",
                "nodes": ["evaonline-m1", "evaonline-w1"],
                "update_state": "completed",
            },
        },
        "healthy": True,
    }
    lines = verify_table({}, health)
    head = lines.index(next(x for x in lines if x.startswith("SERVICE")))
    assert lines[head].split() == [
        "SERVICE",
        "STATE",
        "HEALTH",
        "TASKS",
        "UP",
        "s",
        "NODES",
        "PORTS",
    ]
    assert lines[head + 1].split() == [
        "api",
        "running",
        "healthy",
        "2/2",
        "12",
        "evaonline-m1,evaonline-w1",
        "-",
    ]
