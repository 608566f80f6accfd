"""`aws` (CLI v1) with the strict response validator hooked in.

Does exactly what the `aws` entry point does (awscli.clidriver.main), plus
one `before-parse` handler on the CLI's botocore session; clients copy the
session's event emitter when created, so every API call is validated.  The
CLI turns any exception into exit code 255 with the message on stderr, so a
violation is wrapped in a marker that the `cli` fixture looks for (otherwise
`cli.err(...)` would mistake it for the expected failure).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import strict  # noqa: E402
from awscli.clidriver import create_clidriver  # noqa: E402

MARKER = "TASKNET-STRICT-VIOLATION"  # harness.STRICT_MARKER


def _validate(**kwargs):
    try:
        strict.before_parse_handler(**kwargs)
    except strict.StrictViolation as e:
        sys.stderr.write(f"\n{MARKER}\n{e}\n{MARKER}-END\n")
        sys.stderr.flush()
        raise


def main() -> int:
    driver = create_clidriver()
    driver.session.register("before-parse", _validate,
                            unique_id="tasknet-strict-validator")
    return driver.main()


if __name__ == "__main__":
    sys.exit(main())
