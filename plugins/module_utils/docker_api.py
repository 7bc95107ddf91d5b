# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker SDK client creation with a guarded import, shared by the evaonline.deploy modules."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import docker
    from docker.errors import DockerException

    HAS_DOCKER = True
    DOCKER_IMPORT_ERROR = None
except ImportError:
    docker = None
    HAS_DOCKER = False
    DOCKER_IMPORT_ERROR = traceback.format_exc()

    class DockerException(Exception):
        """Stand-in so ``except DockerException`` works without the SDK."""


DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"

DOCKER_COMMON_ARGS = {
    "docker_host": {
        "type": "str",
        "default": DEFAULT_DOCKER_HOST,
        "aliases": ["docker_url"],
    },
    "api_timeout": {"type": "int", "default": 60, "aliases": ["docker_timeout"]},
}


def docker_client(module: object) -> object:
    """Return a low-level ``docker.APIClient`` for ``docker_host`` or fail the module cleanly."""
    if not HAS_DOCKER:
        module.fail_json(msg=missing_required_lib("docker"), exception=DOCKER_IMPORT_ERROR)
    params = module.params
    try:
        client = docker.APIClient(
            base_url=params["docker_host"], version="auto", timeout=params["api_timeout"]
        )
        client.ping()
    except DockerException as exc:
        module.fail_json(
            msg="Cannot talk to the Docker daemon at docker_host=%s: %s"
            % (params["docker_host"], exc)
        )
    except Exception as exc:  # requests/urllib3 connection errors
        module.fail_json(
            msg="Cannot talk to the Docker daemon at docker_host=%s: %s"
            % (params["docker_host"], exc)
        )
    return client
