"""Unit tests of module_utils/disk: statvfs on real paths, and the refusal message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ansible_collections.evaonline.deploy.plugins.module_utils.disk import (
    free_mib,
    nearest_existing,
    room_problem,
)

StatFree = Callable[[str], int]


def test_free_mib_agrees_with_stat_f(tmp_path: Path, stat_free_mib: StatFree) -> None:
    # Another writer may change the figure between the two reads: allow 64 MiB.
    assert abs(free_mib(str(tmp_path)) - stat_free_mib(str(tmp_path))) <= 64


def test_tmpfs_counts_like_any_file_system(stat_free_mib: StatFree) -> None:
    # /dev/shm is a tmpfs: Ansible's mount facts skip it, statvfs does not.
    assert abs(free_mib("/dev/shm") - stat_free_mib("/dev/shm")) <= 64


def test_a_path_not_created_yet_is_measured_on_its_nearest_parent(
    tmp_path: Path, stat_free_mib: StatFree
) -> None:
    missing = tmp_path / "docker" / "not" / "yet"
    assert nearest_existing(str(missing)) == str(tmp_path)
    assert abs(free_mib(str(missing)) - stat_free_mib(str(tmp_path))) <= 64


def test_room_problem_names_the_variable_and_the_figures() -> None:
    msg = room_problem("/var/lib/docker", 900, 500, 1024, "base_images_min_free_margin_mb", "redis")
    assert msg == (
        "the Docker data root /var/lib/docker has 900 MiB free, needs 1524 MiB (500 MiB for"
        " redis + base_images_min_free_margin_mb=1024 MiB); free some space or adjust"
        " base_images_min_free_margin_mb"
    )
    assert room_problem("/d", 1524, 500, 1024, "m", "x") is None


def test_room_problem_without_an_estimate_names_the_margin() -> None:
    msg = room_problem("/d", 10, 0, 2048, "runtime_image_min_free_margin_mb", "the build")
    assert msg is not None
    assert "needs 2048 MiB (runtime_image_min_free_margin_mb=2048 MiB, for the build)" in msg
