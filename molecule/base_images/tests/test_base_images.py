"""Testinfra checks after the base_images converge and side effects."""

import json

import pytest

MIRROR = "evaonline-registry:5000"
# Enabled in converge (grafana and pgadmin disabled: no test double; portainer off by default).
EXPECTED = {
    "postgres": f"{MIRROR}/library/postgres:",
    "redis": f"{MIRROR}/library/redis:",
    "nginx": f"{MIRROR}/library/nginx:",
    "prometheus": f"{MIRROR}/prom/prometheus:",
}


def resolved(host) -> dict:
    return json.loads(host.file("/root/base-images-resolved.json").content_string)


def test_resolved_names_only_the_enabled_images(host):
    assert sorted(resolved(host)) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_image_present_under_mirror_ref_and_is_a_double(host, name):
    ref = resolved(host)[name]
    assert ref.startswith(EXPECTED[name])
    tag = ref.rsplit(":", 1)[1]
    assert tag and tag != "latest"
    labels = json.loads(
        host.check_output("docker image inspect -f '{{json .Config.Labels}}' %s", ref)
    )
    assert labels.get("org.evaonline.test.double"), f"{ref} is not a test double"


def test_no_latest_tags(host):
    tags = host.check_output("docker images --format '{{.Repository}}:{{.Tag}}'").split()
    assert tags, "no images at all"
    assert [t for t in tags if t.endswith(":latest")] == []


def test_disabled_images_absent(host):
    repos = host.check_output("docker images --format '{{.Repository}}'").split()
    assert not [r for r in repos if "grafana" in r or "pgadmin" in r or "portainer" in r]


def test_bundle_images_loaded_alongside(host):
    # side_effect loaded redis and nginx from the bundle under their Docker Hub names.
    manifest = json.loads(host.file("/srv/images/base-images.tar.manifest.json").content_string)
    for entry in manifest["images"].values():
        image_id = host.check_output("docker image inspect -f '{{.Id}}' %s", entry["ref"])
        assert image_id == entry["id"]
