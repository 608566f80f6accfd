"""Building blocks of the e2e fixtures (see conftest.py for the fixtures).

Kept out of conftest.py so the self-check tests can import and exercise
them without a tasknet binary.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3.session
import botocore.session
import pytest
from botocore.config import Config

import strict

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
HEALTH_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 10.0
LOG_TAIL_CHARS = 6000

# total_max_attempts=1 really means "no retries".  Note that the older
# `max_attempts` key counts *retries*, so {"max_attempts": 1} would still
# retry once and hide flaky responses.
CLIENT_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=60,
)

# Marker strict_cli.py prints around a validator failure inside the CLI.
STRICT_MARKER = "TASKNET-STRICT-VIOLATION"


def _tail(text: str, limit: int = LOG_TAIL_CHARS) -> str:
    return text if len(text) <= limit else "[...]\n" + text[-limit:]


def free_port() -> int:
    """A loopback port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tasknet_binary() -> Path:
    """TASKNET_BIN, else <repo>/target/release/tasknet."""
    override = os.environ.get("TASKNET_BIN")
    return Path(override) if override else REPO_ROOT / "target" / "release" / "tasknet"


# Direct connections only: a developer's HTTP(S)_PROXY must not intercept
# loopback traffic.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_request(url: str, method: str = "GET", timeout: float = 5.0,
                 data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """(status, body) of a plain HTTP request; non-2xx is not an exception."""
    if data is None and method == "POST":
        data = b""
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with _NO_PROXY_OPENER.open(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ---------------------------------------------------------------------------
# The tasknet process
# ---------------------------------------------------------------------------

_LIVE_SERVERS: set["TasknetServer"] = set()


@atexit.register
def _kill_leftover_servers() -> None:
    # Last resort if pytest dies before fixture teardown (e.g. a second ^C).
    for srv in list(_LIVE_SERVERS):
        srv._kill_hard()


class TasknetServer:
    """One `tasknet serve` process bound to 127.0.0.1:<port>.

    The process runs in its own process group so that anything it spawns
    can be cleaned up too; stdout and stderr go to <data_dir>/tasknet.log
    (appended across restarts).
    """

    def __init__(self, data_dir: Path, port: int | None = None,
                 binary: Path | None = None,
                 account_id: str = DEFAULT_ACCOUNT_ID,
                 region: str = DEFAULT_REGION,
                 extra_args: tuple[str, ...] = ()):
        self.binary = Path(binary) if binary else tasknet_binary()
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.account_id = account_id
        self.region = region
        self.extra_args = tuple(extra_args)
        self.log_path = self.data_dir / "tasknet.log"
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __repr__(self) -> str:
        return f"<TasknetServer {self.url} data_dir={self.data_dir}>"

    # -- lifecycle ----------------------------------------------------------

    def command(self) -> list[str]:
        # The control-plane tests run without a data plane (no namespaces,
        # even as root); data-plane tests ask for `--dataplane linux`.
        dataplane = () if "--dataplane" in self.extra_args else ("--dataplane", "none")
        return [
            str(self.binary), "serve",
            "--listen", f"127.0.0.1:{self.port}",
            "--data-dir", str(self.data_dir),
            "--account-id", self.account_id,
            "--region", self.region,
            *dataplane,
            *self.extra_args,
        ]

    def start(self) -> None:
        """Spawn the binary and block until /_tasknet/health says ok."""
        if self.alive():
            raise RuntimeError(f"{self} is already running")
        if not self.binary.is_file():
            pytest.fail(
                f"tasknet binary not found at {self.binary}; build it with "
                "`cargo build --release` or point TASKNET_BIN at it",
                pytrace=False,
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TASKNET_")}
        env.setdefault("RUST_BACKTRACE", "1")
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== harness: starting {' '.join(self.command())}\n".encode())
            log.flush()
            # The child gets its own copy of the log fd; ours closes here.
            self._proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, cwd=self.data_dir,
                start_new_session=True,
            )
        _LIVE_SERVERS.add(self)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        last = "no response yet"
        while time.monotonic() < deadline:
            rc = self._proc.poll()
            if rc is not None:
                self._reap()
                pytest.fail(
                    f"tasknet exited with code {rc} before becoming healthy.\n"
                    f"command: {' '.join(self.command())}\n"
                    f"--- log ({self.log_path}) ---\n{_tail(self.log())}",
                    pytrace=False,
                )
            try:
                status, body = http_request(f"{self.url}/_tasknet/health", timeout=2)
                if status == 200 and _is_ok_status(body):
                    return
                last = f"HTTP {status}: {body[:200]!r}"
            except OSError as e:  # refused / reset while it is starting up
                last = f"{type(e).__name__}: {e}"
            time.sleep(0.05)
        self._kill_hard()
        pytest.fail(
            f"tasknet did not become healthy within {HEALTH_TIMEOUT_S:.0f}s "
            f"(last health check: {last}).\n"
            f"command: {' '.join(self.command())}\n"
            f"--- log ({self.log_path}) ---\n{_tail(self.log())}",
            pytrace=False,
        )

    def stop(self, check: bool = True) -> int | None:
        """SIGTERM and wait for exit; SIGKILL after SHUTDOWN_TIMEOUT_S.

        Returns the exit code (None if it was not running).  With `check`,
        a shutdown that needed SIGKILL or exited non-zero fails the test:
        tasknet promises a clean SIGTERM shutdown.
        """
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            rc = None
        self._kill_hard()  # also sweeps up any children left in the group
        if check and timed_out:
            pytest.fail(
                f"tasknet did not exit within {SHUTDOWN_TIMEOUT_S:.0f}s of SIGTERM "
                f"(killed).\n--- log ---\n{_tail(self.log())}"
            )
        if check and rc != 0:
            pytest.fail(
                f"tasknet exited with code {rc} after SIGTERM (expected 0).\n"
                f"--- log ---\n{_tail(self.log())}"
            )
        return rc

    def restart(self) -> None:
        """Clean stop, then start again on the same port and data dir."""
        self.stop(check=True)
        self.start()

    def _kill_hard(self) -> None:
        """SIGKILL the whole process group and reap; never raises."""
        proc = self._proc
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # pgid == pid (new session)
        except (ProcessLookupError, PermissionError):
            pass
        self._reap()

    def _reap(self) -> None:
        proc, self._proc = self._proc, None
        _LIVE_SERVERS.discard(self)
        if proc is not None:
            try:
                proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass  # unkillable (D state); nothing more we can do

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- control API ----------------------------------------------------------

    def reset(self) -> None:
        """POST /_tasknet/reset: a fresh account, same process."""
        self._require_alive("reset")
        # Admin POSTs take JSON only (a web page's form cannot send it).
        status, body = http_request(f"{self.url}/_tasknet/reset", method="POST", timeout=30,
                                    data=b"{}", headers={"Content-Type": "application/json"})
        if status != 200:
            pytest.fail(f"POST /_tasknet/reset returned HTTP {status}: {body[:500]!r}\n"
                        f"--- log ---\n{_tail(self.log())}")

    def health(self) -> tuple[int, bytes]:
        return http_request(f"{self.url}/_tasknet/health")

    def log(self) -> str:
        """Everything the server wrote to stdout/stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _require_alive(self, action: str) -> None:
        if not self.alive():
            rc = self._proc.poll() if self._proc else None
            pytest.fail(f"cannot {action}: tasknet is not running (exit code {rc}).\n"
                        f"--- log ---\n{_tail(self.log())}")


def _is_ok_status(body: bytes) -> bool:
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("status") == "ok"


# ---------------------------------------------------------------------------
# boto3-style clients
# ---------------------------------------------------------------------------


class AwsClients:
    """Factory of boto3 clients aimed at one endpoint, each with the strict
    validator installed, signing with the given access key (any works
    unless tasknet verifies signatures)."""

    def __init__(self, endpoint_url: str, default_region: str = DEFAULT_REGION,
                 access_key: str = "test", secret_key: str = "test"):
        self.endpoint_url = endpoint_url
        self.default_region = default_region
        self.access_key = access_key
        self.secret_key = secret_key
        # One shared session caches loaded service models (EC2's is large);
        # each client still gets its own copy of the event emitter, so the
        # validator installed below stays per-client.
        self._session = boto3.session.Session(
            botocore_session=botocore.session.get_session())

    def client(self, service: str, region: str | None = None, validate: bool = True):
        client = self._session.client(
            service,
            region_name=region or self.default_region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=CLIENT_CONFIG,
        )
        return strict.install(client) if validate else client

    def ec2(self, region: str | None = None):
        return self.client("ec2", region)

    def ecs(self, region: str | None = None):
        return self.client("ecs", region)

    def iam(self):
        # IAM is global; its SigV4 scope region is always us-east-1.
        return self.client("iam", "us-east-1")

    def sts(self, region: str | None = None):
        return self.client("sts", region)


# ---------------------------------------------------------------------------
# The AWS CLI (v1, from PyPI) as a subprocess
# ---------------------------------------------------------------------------


@dataclass
class CliResult:
    args: list[str]
    rc: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        """Parsed stdout, or None when it is empty or not JSON."""
        try:
            return json.loads(self.stdout) if self.stdout.strip() else None
        except ValueError:
            return None

    def describe(self) -> str:
        return (f"$ aws {' '.join(self.args)}\nexit code: {self.rc}\n"
                f"--- stdout ---\n{_tail(self.stdout)}\n--- stderr ---\n{_tail(self.stderr)}")


def isolated_aws_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) without any AWS_* setting of the host, with
    dummy credentials and config files that do not exist."""
    env = {k: v for k, v in (base or os.environ).items() if not k.startswith("AWS_")}
    missing = str(HERE / "nonexistent-aws-config")
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_CONFIG_FILE=missing,
        AWS_SHARED_CREDENTIALS_FILE=missing,
        AWS_EC2_METADATA_DISABLED="true",
    )
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1,localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    return env


class AwsCli:
    """Runs `aws ... --endpoint-url URL --region R --output json`.

    By default the CLI runs through strict_cli.py: the unmodified awscli
    driver plus the strict validator on its botocore session.  A validator
    failure fails the test even when the command was expected to fail.
    """

    def __init__(self, endpoint_url: str, default_region: str = DEFAULT_REGION,
                 timeout: float = 120.0, access_key: str = "test", secret_key: str = "test"):
        self.endpoint_url = endpoint_url
        self.default_region = default_region
        self.timeout = timeout
        self.access_key = access_key
        self.secret_key = secret_key

    def __call__(self, *args: str, region: str | None = None,
                 input: str | None = None, validate: bool = True) -> CliResult:
        argv = [
            "--endpoint-url", self.endpoint_url,
            "--region", region or self.default_region,
            "--output", "json",
            *map(str, args),
        ]
        entry = [str(HERE / "strict_cli.py")] if validate else ["-m", "awscli"]
        proc = subprocess.run(
            [sys.executable, *entry, *argv],
            input=input, capture_output=True, text=True,
            env={**isolated_aws_env(), "AWS_ACCESS_KEY_ID": self.access_key,
                 "AWS_SECRET_ACCESS_KEY": self.secret_key},
            timeout=self.timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        result = CliResult(list(map(str, args)), proc.returncode, proc.stdout, proc.stderr)
        if STRICT_MARKER in result.stderr:
            report = result.stderr.split(STRICT_MARKER, 2)[1].strip()
            pytest.fail(f"$ aws {' '.join(result.args)}\n"
                        f"strict validator rejected a response the AWS CLI received:\n{report}")
        return result

    def ok(self, *args: str, **kwargs) -> Any:
        """Run, assert exit code 0, return parsed JSON (None if no output)."""
        result = self(*args, **kwargs)
        assert result.rc == 0, f"expected success\n{result.describe()}"
        return result.json

    def err(self, *args: str, code: str | None = None, **kwargs) -> str:
        """Run, assert a non-zero exit code, return stderr.  With `code`,
        also assert the AWS error code appears as `An error occurred (code)`."""
        result = self(*args, **kwargs)
        assert result.rc != 0, f"expected failure\n{result.describe()}"
        if code is not None:
            assert f"An error occurred ({code})" in result.stderr, (
                f"expected error code {code}\n{result.describe()}")
        return result.stderr
