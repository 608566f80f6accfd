"""`tasknet-load`, the bench program: both of its modes run against the real
server, and `--rate` offers the rate it is given (open loop)."""

import re
import subprocess

from harness import tasknet_binary


def run_load(server, *args: str) -> str:
    binary = tasknet_binary().with_name("tasknet-load")
    out = subprocess.run(
        [str(binary), "--endpoint", server.url, "--warmup-seconds", "0", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return out.stdout


def summary(out: str) -> dict:
    m = re.search(
        r"(\w+): (\d+) requests in ([\d.]+) s over (\d+) connections = (\d+) req/s"
        r"(?: \(offered (\d+) req/s\))?; latency p50 ([\d.]+) ms, p90 ([\d.]+) ms, "
        r"p99 ([\d.]+) ms, p99\.9 ([\d.]+) ms, max ([\d.]+) ms; errors (\d+)",
        out,
    )
    assert m, out
    keys = ["op", "requests", "seconds", "connections", "rps", "offered",
            "p50", "p90", "p99", "p999", "max", "errors"]
    return dict(zip(keys, m.groups()))


def test_closed_loop_describe_tasks(fresh):
    s = summary(run_load(fresh, "--op", "describe-tasks", "--connections", "4", "--seconds", "1"))
    assert s["op"] == "DescribeTasks"
    assert s["errors"] == "0"
    assert int(s["requests"]) > 0
    assert s["offered"] is None
    assert float(s["p50"]) <= float(s["p90"]) <= float(s["p99"]) <= float(s["p999"]) <= float(s["max"])


def test_open_loop_offers_the_given_rate(fresh):
    out = run_load(fresh, "--op", "run-task", "--connections", "2", "--seconds", "2", "--rate", "100")
    s = summary(out)
    assert s["op"] == "RunTask" and s["offered"] == "100" and s["errors"] == "0"
    # 100/s for 2 s: about 200 answers, not as many as the server could take.
    assert 150 <= int(s["requests"]) <= 210, out
    assert "overdueTransitions" in out


def test_a_negative_rate_is_refused(fresh):
    binary = tasknet_binary().with_name("tasknet-load")
    out = subprocess.run([str(binary), "--endpoint", fresh.url, "--rate=-1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "--rate -1: a number of requests per second, 0 or more" in out.stderr
