"""`byok-ci drift`: live probes of one environment's keys."""

from __future__ import annotations

import os
from pathlib import Path

import click

from byok_ci.cli.options import (
    allow_hosts_option,
    allow_loopback_option,
    audit_log_option,
    finish,
    no_color_option,
    proxy_option,
    quiet_option,
    report_options,
    say_errors,
    strict_option,
    write_reports,
)


@click.command()
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default="byok.yaml", show_default=True,
              help="The key manifest.")
@click.option("--env", "env", required=True, metavar="ENV", help="Environment whose keys are probed.")
@click.option("--key", "keys", multiple=True, metavar="NAME", help="Probe only this key (repeatable).")
@click.option("--base-url", "base_urls", multiple=True, metavar="NAME=URL",
              help="Base URL for key NAME, trusted (also BYOK_CI_BASE_URL_<NAME>).")
@allow_hosts_option
@allow_loopback_option
@proxy_option
@click.option("--paid-probe", "paid_probes", multiple=True, metavar="PROVIDER=NAME",
              help="Opt into a named probe that costs money, for a provider without a free one.")
@strict_option()
@audit_log_option()
@click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True, metavar="SECONDS",
              help="Read timeout per request, seconds.")
@click.option("--deadline", type=click.FloatRange(min=1), default=120.0, show_default=True, metavar="SECONDS",
              help="Total time for the run, seconds.")
@click.option("--jobs", "-j", type=click.IntRange(1, 32), default=4, show_default=True, help="Keys probed at once.")
@report_options
@quiet_option("Print failed and inconclusive checks only.")
@no_color_option
def drift(manifest: Path, env: str, keys: tuple[str, ...], base_urls: tuple[str, ...], allow_hosts: tuple[str, ...],
          allow_insecure_loopback: bool, proxy: str | None, paid_probes: tuple[str, ...], strict: bool,
          audit_log: str | None, timeout: float, deadline: float, jobs: int, fmt: str, output: str | None,
          json_path: str | None, junit_path: str | None, sarif_path: str | None, quiet: bool, no_color: bool) -> None:
    """Prove each key of ENV works, and that an invalid key and no key are refused.

    Exit codes: 1 a check failed, 4 some inconclusive and none failed, 2 usage or a key
    could not be probed; --strict counts inconclusive as failed.
    """
    from byok_ci.drift import DriftOptions, load_targets, run_drift
    from byok_ci.drift.endpoints import policy_from
    from byok_ci.drift.http import Limits, check_proxy
    from byok_ci.errors import UsageError
    from byok_ci.exitcodes import exit_code
    from byok_ci.model import ScanError
    from byok_ci.paths import report_root, shown_path

    root = report_root([manifest])
    shown = shown_path(manifest, root)
    try:
        targets, errors = load_targets(manifest, env, keys, shown=shown)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        proxy = check_proxy(proxy) if proxy else None
        policy = policy_from(base_urls, allow_hosts, allow_insecure_loopback, os.environ, [t.key_name for t in targets])
        paid = dict(item.split("=", 1) for item in paid_probes if "=" in item)
        if len(paid) != len(paid_probes):
            raise ValueError("--paid-probe takes PROVIDER=NAME")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not targets and not errors:
        errors.append(ScanError(shown, f"no keys for environment {env!r}: nothing was probed"))
    options = DriftOptions(policy=policy, limits=Limits(read_timeout=timeout), deadline=deadline, jobs=jobs,
                           strict=strict, paid_probes=paid, proxy=proxy)
    audit = open(audit_log, "a", encoding="utf-8") if audit_log else None  # noqa: SIM115 - closed below
    try:
        report = run_drift(targets, options, audit_stream=audit, errors=errors, root=str(root))
    finally:
        if audit is not None:
            audit.close()
    say_errors(report)
    report = write_reports(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                           quiet=quiet, no_color=no_color)
    finish(exit_code(report))
