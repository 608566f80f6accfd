"""The README's worked example, run exactly as written (with the AWS CLI from
this environment and the endpoint of the test server)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dataplane_support import host_netns, skip_unless_runnable, start_server
from harness import isolated_aws_env, tasknet_binary

ROOT = Path(__file__).resolve().parents[2]


def run_readme(script: str, url: str, timeout: float) -> subprocess.CompletedProcess:
    """A README script verbatim, but for the endpoint, the installed CLI and
    the built binary in place of `cargo run`."""
    script = script.replace("pip install awscli\n", "")
    script = script.replace("http://127.0.0.1:4566", url)
    binary = f'"{tasknet_binary()}"'
    script = script.replace("cargo run -q --release --", binary).replace("cargo run --release --", binary)
    env = isolated_aws_env(dict(os.environ))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TASKNET_ENDPOINT"] = url
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "shopt -s expand_aliases\n" + script],
        capture_output=True, text=True, env=env, timeout=timeout,
    )


def worked_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## A worked example with the AWS CLI", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 5, "the worked example lost its shell blocks"
    return "\n".join(blocks)


def test_readme_worked_example_runs_as_written(fresh):
    run = run_readme(worked_example(), fresh.url, timeout=120)
    out = run.stdout
    assert run.returncode == 0, f"README example failed:\n{run.stderr}\n{out}"
    # Three interface endpoint ENIs in the private /24 (251 usable).
    assert "\n248\n" in out
    # The first task ran: its attachment details are shown.
    assert "privateIPv4Address" in out and "networkInterfaceId" in out
    # The second could not fetch its layers from S3.
    assert "TaskFailedToStart" in out
    assert (
        "CannotPullContainerError: The task cannot pull 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1 "
        "from the registry 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1." in out
    )
    # explain names the missing hop and the fix.
    assert "Outcome: FAILS TO START" in out
    assert "image pull (layers)" in out and "missing: route" in out
    assert "S3 gateway endpoint" in out


def service_example() -> str:
    text = (ROOT / "README.md").read_text()
    prologue = re.findall(r"```sh\n(.*?)```", text.split("## A worked example with the AWS CLI", 1)[1], flags=re.S)[0]
    section = text.split("## A service behind a load balancer", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 4, "the service example lost its shell blocks"
    return "\n".join([prologue, *blocks])


def test_readme_service_example_runs_as_written(fresh):
    """Issue 12's user story as the README tells it: an ALB-fronted service
    stable with three healthy targets, then a security group that no longer
    admits the load balancer and what explain --service says of it."""
    run = run_readme(service_example(), fresh.url, timeout=180)
    out = run.stdout
    assert run.returncode == 0, f"README service example failed:\n{run.stderr}\n{out}"
    # Three task addresses healthy on the container port.
    healthy = re.findall(r"^(10\.1\.1[01]\.\d+)\s+8080\s+healthy$", out, flags=re.M)
    assert len(healthy) == 3, out
    assert "(service web) has reached a steady state." in out
    # The ALB's checks time out, in ECS's words.
    assert re.search(r"\(service web\) \(task [0-9a-f]{32}\) \(port 8080\) is unhealthy in "
                     r"\(target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/[0-9a-f]{16}\) "
                     r"due to \(reason Request timed out\)\.", out), out
    # explain --service names the blocked check and the missing rule.
    assert "Service arn:aws:ecs:us-east-1:123456789012:service/shop/web (ACTIVE)" in out
    assert "BLOCKED" in out and "missing:" in out and "fix:" in out, out


def dataplane_example() -> str:
    text = (ROOT / "README.md").read_text()
    worked = worked_example()
    section = text.split("## The Linux data plane", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert blocks and "tasknet exec" in blocks[0], "the data-plane example lost its shell block"
    return "\n".join([worked, blocks[0]])


@pytest.mark.dataplane
@skip_unless_runnable
def test_readme_dataplane_example_runs_as_written(tmp_path):
    """Issue 13's user story as the README tells it, on real namespaces:
    task B reaches a listener in task A, loses it when the rule goes,
    explain names the rule, the internet and TMDS answer from inside."""
    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    try:
        run = run_readme(dataplane_example(), srv.url, timeout=300)
        out = run.stdout
        assert run.returncode == 0, f"README data-plane example failed:\n{run.stderr}\n{out}"
        assert re.search(r"^eth0(@\S+)?\s+UP\s+10\.0\.0\.\d+/24", out, flags=re.M), out
        assert "\n200\n" in out
        assert "timed out, as on AWS" in out
        assert "missing:" in out and "sg-" in out, out
        assert re.search(r"tasknet internet: example\.com at [\d.]+:443, seen from [\d.]+", out), out
        assert out.rstrip().endswith("RUNNING"), out
    finally:
        srv.stop(check=True)
    assert host_netns() == []
