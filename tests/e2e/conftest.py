"""Fixtures for tasknet end-to-end tests.

    server  (session)  one `tasknet serve` for the whole run: .url .port
                       .data_dir .account_id .region .restart() .stop()
                       .reset() .log()
    fresh   (function) server.reset() first, then the server: a clean account
    aws     (function) boto3 clients: aws.ec2("eu-west-1"), aws.ecs(),
                       aws.iam(), aws.sts(), aws.client("name", region)
    cli     (function) real AWS CLI v1: cli(*args) -> CliResult(.rc .json
                       .stdout .stderr); cli.ok(*args) -> json;
                       cli.err(*args, code=None) -> stderr

Every boto3 client and CLI call validates responses strictly against the
botocore model (strict.py); a violation fails the test.
Tests that need no binary (the harness self-checks) carry the `selfcheck`
marker: `python -m pytest tests/e2e -m selfcheck`.
"""

from __future__ import annotations

import os

import pytest

from harness import AwsClients, AwsCli, TasknetServer, isolated_aws_env


@pytest.fixture(scope="session", autouse=True)
def _isolated_aws_env():
    """Keep the host's AWS config, profiles, credentials and proxies out of
    the in-process boto3 clients (the CLI gets the same env explicitly)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(isolated_aws_env(saved))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> TasknetServer:
    # pytest keeps the last few basetemp dirs, so the data dir and its
    # tasknet.log survive the run for post-mortems.
    srv = TasknetServer(data_dir=tmp_path_factory.mktemp("tasknet-data"))
    srv.start()
    try:
        yield srv
    finally:
        # Fails teardown if SIGTERM did not give a clean exit; always kills.
        srv.stop(check=True)


@pytest.fixture
def fresh(server: TasknetServer) -> TasknetServer:
    server.reset()
    return server


@pytest.fixture
def aws(server: TasknetServer) -> AwsClients:
    return AwsClients(server.url, server.region)


@pytest.fixture
def cli(server: TasknetServer) -> AwsCli:
    return AwsCli(server.url, server.region)
