"""`tasknet-load`, the bench program: both of its modes run against the real
server, their report parses and adds up, and `--rate` offers no more than the
rate it is given (open loop).

Nothing here depends on how fast the machine is: throughput and latency
figures are only checked for consistency (percentiles in order, requests/s =
requests / seconds), and the open-loop bound comes from the pacer's schedule
(at most rate × lifetime + 1 due times), measured against the wall-clock time
of the whole run, which a slow machine only makes longer."""

import json
import math
import re
import subprocess
import time

from harness import tasknet_binary

SUMMARY = re.compile(
    r"(\w+): (\d+) requests in ([\d.]+) s over (\d+) connections = (\d+) req/s"
    r"(?: \(offered (\d+) req/s\))?; latency p50 ([\d.]+) ms, p90 ([\d.]+) ms, "
    r"p99 ([\d.]+) ms, p99\.9 ([\d.]+) ms, max ([\d.]+) ms; errors (\d+)"
)
STATS = re.compile(r"server task stats after the run: (\{.*\})")


def run_load(server, *args: str) -> tuple[str, float]:
    """Run tasknet-load; (stdout, wall-clock seconds of the whole process)."""
    binary = tasknet_binary().with_name("tasknet-load")
    started = time.monotonic()
    out = subprocess.run(
        [str(binary), "--endpoint", server.url, "--warmup-seconds", "0", *args],
        capture_output=True, text=True, timeout=120,
    )
    wall = time.monotonic() - started
    assert out.returncode == 0, (out.returncode, out.stdout, out.stderr)
    # errors are counted in the summary; the first ones are also printed
    assert out.stderr == "", out.stderr
    return out.stdout, wall


def summary(out: str) -> dict:
    """The report, parsed: exactly two lines, the summary and the server's task stats."""
    lines = out.splitlines()
    assert len(lines) == 2, out
    m = SUMMARY.fullmatch(lines[0])
    assert m, out
    keys = ["op", "requests", "seconds", "connections", "rps", "offered",
            "p50", "p90", "p99", "p999", "max", "errors"]
    s = dict(zip(keys, m.groups()))
    st = STATS.fullmatch(lines[1])
    assert st, out
    s["stats"] = json.loads(st.group(1))
    assert {"tasks", "overdueTransitions"} <= set(s["stats"]), s["stats"]
    assert isinstance(s["stats"]["overdueTransitions"], int)
    # the figures are consistent with each other
    requests, seconds = int(s["requests"]), float(s["seconds"])
    assert float(s["p50"]) <= float(s["p90"]) <= float(s["p99"]) <= float(s["p999"]) <= float(s["max"])
    # req/s is requests over the unrounded measuring time, which `seconds` shows to 0.1 s
    low, high = requests / (seconds + 0.05), requests / max(seconds - 0.05, 1e-9)
    assert math.floor(low) - 1 <= int(s["rps"]) <= math.ceil(high) + 1, s
    return s


def test_closed_loop_describe_tasks(fresh):
    out, wall = run_load(fresh, "--op", "describe-tasks", "--connections", "4", "--seconds", "1")
    s = summary(out)
    assert s["op"] == "DescribeTasks" and s["connections"] == "4"
    assert s["errors"] == "0"
    assert s["offered"] is None
    assert int(s["requests"]) > 0
    # it measured for (at least) the second it was asked to, within the run
    assert 1.0 <= float(s["seconds"]) <= wall + 0.05
    # DescribeTasks changes nothing: the one task is the one the setup launched
    assert sum(s["stats"]["tasks"].values()) == 1, s["stats"]


def test_open_loop_offers_the_given_rate(fresh):
    rate = 100
    out, wall = run_load(fresh, "--op", "run-task", "--connections", "2", "--seconds", "2", "--rate", str(rate))
    s = summary(out)
    assert s["op"] == "RunTask" and s["offered"] == str(rate) and s["errors"] == "0"
    assert s["connections"] == "2"
    assert 2.0 <= float(s["seconds"]) <= wall + 0.05
    requests = int(s["requests"])
    assert requests > 0
    # Every RunTask the tool sent made one task (no errors), and the server counts them all.
    launched = sum(s["stats"]["tasks"].values())
    assert launched >= requests, (launched, s)
    # The schedule: the pacer hands out one due time every 1/rate s and a request is only
    # sent for a due time, so the tool can never have sent more than rate × (its lifetime)
    # + 1 requests. A closed loop would send as many as the server answers (thousands).
    assert launched <= rate * wall + 1, (launched, wall, out)
    assert requests <= rate * wall + 1, (requests, wall, out)
    assert isinstance(s["stats"]["overdueTransitions"], int)


def test_a_negative_rate_is_refused(fresh):
    binary = tasknet_binary().with_name("tasknet-load")
    out = subprocess.run([str(binary), "--endpoint", fresh.url, "--rate=-1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "--rate -1: a number of requests per second, 0 or more" in out.stderr
    assert out.stdout == ""
