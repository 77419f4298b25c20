"""Tests that cannot run on Windows or macOS, each with the reason, applied by
``tests/conftest.py`` when the suite runs there (the CI matrix of .github/workflows/tests.yml).

A key is a test module or one test (``path::name``, without parameters). What a test stands
on is what the reason says: a POSIX file kind (FIFO, socket, device, a symlink, which
Windows makes only with a privilege), POSIX file modes, signals and resource limits, a
``bash`` running a workflow's or hook's script, or Linux's ``/proc``. docs/platforms.md
says what the emulations in tests/platforms/ stand for instead.
"""

from __future__ import annotations

_SYMLINKS = "makes symlinks (Windows needs a privilege or developer mode for them)"
_BASH_SCRIPTS = "runs a workflow's, the Action's or a hook's shell script with bash as a Linux runner does"
_PROC = "watches the scan through Linux's /proc"

WINDOWS: dict[str, str] = {
    # Whole modules.
    "tests/report/test_output.py": "report files that are FIFOs, symlinks and device nodes (POSIX file kinds)",
    "tests/test_report_faults.py": "file size limits (RLIMIT_FSIZE, SIGXFSZ), SIGPIPE and SIGINT are POSIX",
    "tests/test_sweep_workflow.py": _BASH_SCRIPTS,
    "tests/test_action.py": _BASH_SCRIPTS,
    "tests/realclient": _BASH_SCRIPTS + "; git hooks made executable with chmod",
    "tests/test_huge_yaml.py": "caps the child's memory with RLIMIT_AS (POSIX)",
    "tests/usage/test_usage.py": "writes the audit log to /dev/null",
    "tests/usage/test_inventory.py": "writes the audit log to /dev/null",
    # One test each.
    "tests/test_cli.py::test_interrupted_scan_leaves_no_report": "stops the scan with SIGTERM; " + _PROC,
    "tests/test_cli_baseline.py::test_a_baseline_that_is_a_committed_symlink_is_not_written_through": _SYMLINKS,
    "tests/manifest/test_iac.py::test_iac_paths_must_stay_inside_the_repository_and_links_are_not_followed": _SYMLINKS,
    "tests/sources/git/test_history_state.py::test_a_committed_state_reached_through_a_committed_directory_link_is_not_trusted": _SYMLINKS,
    "tests/sources/test_files.py::test_symlinks_are_not_followed_in_walks": _SYMLINKS,
    "tests/sources/test_files.py::test_bad_inputs_are_one_line_errors_and_the_rest_still_scans": "symlinks, a FIFO and a Unix socket",
    "tests/sources/test_files.py::test_permission_denied": "chmod 0 does not stop reading on Windows",
    "tests/sources/test_hostile_files.py::test_a_directory_that_cannot_be_listed_is_reported_and_the_rest_scanned":
        "builds a tree through directory descriptors (dir_fd is POSIX)",
    "tests/sources/test_hostile_files.py::test_an_unreadable_directory": "chmod 0 does not stop listing on Windows",
    "tests/sources/test_hostile_files.py::test_a_file_replaced_by_a_fifo_after_listing_does_not_hang": "makes a FIFO",
    "tests/sources/test_hostile_archives.py::test_ten_thousand_members": "measures the child's peak memory with resource (POSIX)",
    "tests/property/test_hostile_input.py::test_device_and_path_given_twice": "scans /dev/zero",
    "tests/drift/test_workflow_only.py::test_a_secret_file_is_read_only_when_regular_and_small": "reads /dev/zero",
    "tests/detect/test_prefilters.py::test_a_planted_database_is_not_read_on_a_ci_machine":
        "POSIX file modes decide whether a cache file is trusted",
}

MACOS: dict[str, str] = {
    "tests/test_cli.py::test_interrupted_scan_leaves_no_report": _PROC,
    "tests/test_report_faults.py::test_ctrl_c_mid_scan_leaves_no_report": _PROC,
    "tests/sources/test_hostile_archives.py::test_ten_thousand_members": "reads the child's peak memory from /proc",
    "tests/test_huge_yaml.py": "macOS does not enforce RLIMIT_AS",
}


def reason_to_skip(nodeid: str, table: dict[str, str]) -> str | None:
    """The reason ``table`` gives for the test ``nodeid`` (its module's, or its own), if any."""
    test = nodeid.split("[", 1)[0]
    for key, reason in table.items():
        if test == key or test.startswith(key + "::") or test.startswith(key.rstrip("/") + "/"):
            return reason
    return None
