"""Background jobs are supervised: a job that fails or panics is logged,
shown in health as `degraded` with the reason, restarted with back-off, and
healthy again once it makes progress. Faults are injected through
`POST /_tasknet/faults`, served only with `--fault-injection`."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from ecs_support import make_vpc, register, run_one, setup_cluster, wait_status
from harness import AwsClients, TasknetServer, http_request


def post_json(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def health(srv) -> dict:
    status, body = http_request(f"{srv.url}/_tasknet/health")
    assert status == 200
    return json.loads(body)


@pytest.fixture
def faulty(tmp_path):
    srv = TasknetServer(data_dir=tmp_path / "data", extra_args=("--fault-injection",))
    srv.start()
    yield srv
    srv.stop(check=True)


@pytest.mark.parametrize("fault,reason", [("panic", "panicked: injected panic in job reconciler"),
                                          ("error", "injected fault")])
def test_a_failing_reconciler_is_reported_restarted_and_recovers(faulty, fault, reason):
    status, body = post_json(f"{faulty.url}/_tasknet/faults", {"job": "reconciler", "fault": fault})
    assert status == 200, body
    assert body == {"injected": {"job": "reconciler", "fault": fault}}
    seen = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        h = health(faulty)
        problems = [p for p in h["problems"] if p["component"] == "reconciler"]
        if problems:
            seen = problems[0]
            break
        time.sleep(0.01)
    assert seen is not None, "health never reported the failed job"
    assert reason in seen["reason"], seen
    assert seen["restarts"] >= 1 and seen["since"] > 0
    # It comes back by itself, and the task lifecycle goes on.
    deadline = time.monotonic() + 10
    while health(faulty)["status"] != "ok":
        assert time.monotonic() < deadline, health(faulty)
        time.sleep(0.02)
    aws = AwsClients(faulty.url, faulty.region)
    ec2, ecs = aws.ec2(), aws.ecs()
    _, subnets = make_vpc(ec2)
    setup_cluster(ecs)
    register(ecs)
    task = run_one(ecs, "c1", "web", [subnets[0]["SubnetId"]])
    assert wait_status(ecs, "c1", task["taskArn"], "RUNNING")["lastStatus"] == "RUNNING"
    assert "background job failed; restarting it" in faulty.log()


def test_fault_injection_is_off_by_default(server):
    status, body = post_json(f"{server.url}/_tasknet/faults", {"job": "reconciler", "fault": "panic"})
    assert status == 404
    assert "fault injection is off" in body["message"]
    assert health(server)["status"] == "ok"


def test_bad_fault_request_is_refused(faulty):
    status, body = post_json(f"{faulty.url}/_tasknet/faults", {"job": "reconciler", "fault": "explode"})
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert health(faulty)["status"] == "ok"
