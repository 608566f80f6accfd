"""A full or read-only disk: writes answer a retryable 5xx in their
protocol's envelope and change nothing, reads keep working, health says
`degraded` with the reason, and tasknet recovers by itself once space
returns -- also after a restart on a full disk.

The state lives on a small tmpfs that the test fills; this needs root
(CI runs as root).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import time
from pathlib import Path

import botocore.exceptions
import pytest

from harness import AwsClients, TasknetServer, http_request

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


class StateOnTmpfs(TasknetServer):
    """A server whose --data-dir is `state_dir` (the log stays outside it,
    so it can be read when the disk is full); it may start degraded."""

    def __init__(self, data_dir: Path, state_dir: Path):
        super().__init__(data_dir=data_dir)
        self.state_dir = state_dir
        self.allow_degraded = False

    def command(self) -> list[str]:
        cmd = super().command()
        cmd[cmd.index("--data-dir") + 1] = str(self.state_dir)
        return cmd

    def _wait_healthy(self) -> None:
        if not self.allow_degraded:
            return super()._wait_healthy()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = http_request(f"{self.url}/_tasknet/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        pytest.fail(f"no health answer\n{self.log()[-4000:]}")


@pytest.fixture
def tmpfs(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def health(srv) -> dict:
    status, body = http_request(f"{srv.url}/_tasknet/health")
    assert status == 200
    return json.loads(body)


def fill(mnt: Path) -> Path:
    """Write a file until the filesystem is full (down to its last block)."""
    filler = mnt / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (256 * 1024, 4096, 512):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as e:
                assert e.errno == errno.ENOSPC
    return filler


def free(mnt: Path) -> None:
    (mnt / "filler").unlink(missing_ok=True)


def wait_for(pred, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def write_until_refused(ec2) -> tuple[list[str], dict]:
    """Create VPCs until one is refused; (created ids, the refusal's response)."""
    created = []
    for i in range(5000):
        try:
            created.append(ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"])
        except botocore.exceptions.ClientError as e:
            return created, e.response
    pytest.fail("writes never failed on a full disk")


def vpc_ids(ec2) -> set[str]:
    return {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}


def test_full_disk_refuses_writes_serves_reads_and_recovers(tmp_path, tmpfs):
    srv = StateOnTmpfs(tmp_path / "log", tmpfs / "state")
    (tmp_path / "log").mkdir()
    srv.start()
    try:
        aws = AwsClients(srv.url, srv.region)
        ec2, ecs = aws.ec2(), aws.ecs()
        first = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        assert health(srv)["status"] == "ok"
        fill(tmpfs)

        created, refusal = write_until_refused(ec2)
        err = refusal["Error"]
        status = refusal["ResponseMetadata"]["HTTPStatusCode"]
        assert status == 503, refusal
        # EC2's own envelope and a code botocore retries.
        assert err["Code"] == "Unavailable", err
        assert "cannot write its state" in err["Message"], err
        assert "not applied" in err["Message"], err

        # Reads go on; the refused VPC is not there, every acknowledged one is.
        ids = vpc_ids(ec2)
        assert first in ids and set(created) <= ids
        h = wait_for(lambda: (lambda x: x if x["status"] == "degraded" else None)(health(srv)),
                     "health to say degraded")
        assert h["writable"] is False
        store = [p for p in h["problems"] if p["component"] == "store"]
        assert store and ("full" in store[0]["reason"] or "disk" in store[0]["reason"]), h
        count = len(ids)

        # Other protocols: ECS answers in its JSON envelope, retryably.
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ecs.create_cluster(clusterName="refused")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert e.value.response["Error"]["Code"] == "ServerException"
        assert ecs.list_clusters()["clusterArns"] == []
        assert len(vpc_ids(ec2)) == count

        # Space returns: tasknet recovers by itself.
        free(tmpfs)
        wait_for(lambda: health(srv)["status"] == "ok", "health to recover")
        after = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
        assert after in vpc_ids(ec2)
        ecs.create_cluster(clusterName="after")
        assert len(ecs.list_clusters()["clusterArns"]) == 1
    finally:
        srv.stop(check=False)
        free(tmpfs)


def test_restart_on_a_full_disk_serves_reads(tmp_path, tmpfs):
    (tmp_path / "log").mkdir()
    srv = StateOnTmpfs(tmp_path / "log", tmpfs / "state")
    srv.start()
    try:
        ec2 = AwsClients(srv.url, srv.region).ec2()
        mine = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
        srv.stop(check=True)
        fill(tmpfs)
        srv.allow_degraded = True
        srv.start()
        ec2 = AwsClients(srv.url, srv.region).ec2()
        assert mine in vpc_ids(ec2), "reads are served after a restart on a full disk"
        created, refusal = write_until_refused(ec2)
        assert refusal["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert set(created) <= vpc_ids(ec2)
        h = wait_for(lambda: (lambda x: x if x["status"] == "degraded" else None)(health(srv)),
                     "health to say degraded")
        assert any(p["component"] == "store" for p in h["problems"]), h
        free(tmpfs)
        wait_for(lambda: health(srv)["status"] == "ok", "health to recover")
        assert ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"] in vpc_ids(ec2)
    finally:
        srv.stop(check=False)
        free(tmpfs)


def test_read_only_disk_serves_reads_and_recovers_when_writable(tmp_path, tmpfs):
    """A data directory on a read-only filesystem (remounted while tasknet
    is stopped: the kernel refuses a read-only remount under open files)."""
    (tmp_path / "log").mkdir()
    srv = StateOnTmpfs(tmp_path / "log", tmpfs / "state")
    srv.start()
    try:
        ec2 = AwsClients(srv.url, srv.region).ec2()
        mine = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
        srv.stop(check=True)
        subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
        srv.allow_degraded = True
        srv.start()
        ec2 = AwsClients(srv.url, srv.region).ec2()
        before = vpc_ids(ec2)
        assert mine in before
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ec2.create_vpc(CidrBlock="10.6.0.0/16")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert e.value.response["Error"]["Code"] == "Unavailable"
        assert vpc_ids(ec2) == before
        h = health(srv)
        assert h["status"] == "degraded" and not h["writable"], h
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
        wait_for(lambda: health(srv)["status"] == "ok", "health to recover")
        assert ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"] in vpc_ids(ec2)
        assert mine in vpc_ids(ec2)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=False)
        srv.stop(check=False)
