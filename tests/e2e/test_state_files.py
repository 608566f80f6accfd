"""The state is private: a new data directory is created 0700 and every
database file in it (the database, its WAL and shared-memory files) 0600."""

from __future__ import annotations

import stat

from harness import AwsClients, TasknetServer


def mode(p) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_new_state_directory_and_files_are_private(tmp_path):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    state = tmp_path / "nested" / "state"

    class Srv(TasknetServer):
        def command(self):
            cmd = super().command()
            cmd[cmd.index("--data-dir") + 1] = str(state)
            return cmd

    srv = Srv(data_dir=log_dir)
    srv.start()
    try:
        AwsClients(srv.url, srv.region).ec2().create_vpc(CidrBlock="10.0.0.0/16")
        assert mode(state) == 0o700
        files = sorted(p.name for p in state.iterdir())
        assert "tasknet.db" in files and "tasknet.db-wal" in files, files
        for p in state.iterdir():
            assert mode(p) == 0o600, (p.name, oct(mode(p)))
    finally:
        srv.stop(check=True)
    for p in state.iterdir():
        assert mode(p) == 0o600, (p.name, oct(mode(p)))
