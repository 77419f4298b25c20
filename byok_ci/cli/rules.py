"""`byok-ci rules`: list, show, document, test the detection rules, and make fixture keys."""

from __future__ import annotations

from pathlib import Path

import click

from byok_ci.cli.options import finish, format_option, say_error
from byok_ci.exitcodes import decide
from byok_ci.outbound import escape_terminal

_rules_option = click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path),
                             help="Extra rule file or directory.")


@click.group()
def rules() -> None:
    """List, show and test detection rules."""


def _loaded(rule_files: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    from byok_ci.rules import load_rules

    ruleset = load_rules(extra=rule_files)
    for error in ruleset.errors:
        say_error(error)
    return ruleset


def _rule_named(ruleset, rule_id: str):  # type: ignore[no-untyped-def]
    """The rule ``rule_id`` names (a renamed id still works), or a usage error saying what was meant."""
    from byok_ci.rules.ids import load_registry, quoted

    known = load_registry().with_detection(r.id for r in ruleset.rules)
    rule = ruleset.get(known.canonical(rule_id))
    if rule is None:
        raise click.UsageError(known.unknown_detection(rule_id) or f"rule {quoted(rule_id)} did not load (see the errors above)")
    return rule


@rules.command("list")
@_rules_option
@format_option("Output format.", choices=("text", "json"))
def rules_list(rule_files: tuple[Path, ...], fmt: str) -> None:
    """List the rules in force, grouped by provider (--format json: one flat list)."""
    import json

    from byok_ci.outbound import defuse_json

    ruleset = _loaded(rule_files)
    if fmt == "json":
        rows = [{"id": r.id, "provider": r.provider, "severity": r.severity, "description": r.description}
                for r in ruleset.rules]
        click.echo(defuse_json(json.dumps(rows, indent=2)))
    else:
        for line in _grouped(ruleset):
            click.echo(line)
    finish(decide(incomplete=bool(ruleset.errors)))


def _grouped(ruleset) -> list[str]:  # type: ignore[no-untyped-def]
    """The rules under a header line per provider (its name and id), providers by id: with
    80-odd rules a flat list is hard to read. The last line counts both."""
    by_provider: dict[str, list] = {}  # type: ignore[type-arg]
    for rule in ruleset.rules:
        by_provider.setdefault(rule.provider, []).append(rule)
    width = max((len(r.id) for r in ruleset.rules), default=10)
    lines = []
    for provider_id in sorted(by_provider):
        provider = ruleset.providers.get(provider_id)
        name = provider.name if provider is not None and provider.name else provider_id
        lines.append(escape_terminal(f"{name} [{provider_id}]" if name != provider_id else provider_id))
        lines += [f"  {r.id:<{width}}  {r.severity:<7}  {escape_terminal(r.description)}" for r in by_provider[provider_id]]
    lines.append(f"{len(ruleset.rules)} rules, {len(by_provider)} providers")
    return lines


@rules.command("show")
@click.argument("rule_id")
@_rules_option
def rules_show(rule_id: str, rule_files: tuple[Path, ...]) -> None:
    """Show a rule: its key format, context, and where to revoke such keys."""
    from byok_ci.rules.keygen import describe_format

    ruleset = _loaded(rule_files)
    rule = _rule_named(ruleset, rule_id)
    provider = ruleset.providers.get(rule.provider)
    lines = [
        f"id:          {rule.id}",
        f"provider:    {provider.name if provider else rule.provider} ({rule.provider})",
        f"description: {rule.description}",
        f"severity:    {rule.severity}",
        f"format:      {describe_format(rule.format)}",
        f"keywords:    {', '.join(rule.keywords)}",
        f"pattern:     {rule.pattern.pattern}",
    ]
    if rule.context is not None:
        lines.append(
            f"context:     {rule.context.pattern.pattern} within {rule.context.before} chars before, "
            f"{rule.context.after} after"
        )
    if rule.entropy is not None or rule.require:
        floor = f"entropy >= {rule.entropy}" if rule.entropy is not None else ""
        classes = f"needs {', '.join(sorted(rule.require))}" if rule.require else ""
        lines.append(f"strength:    {'; '.join(x for x in (floor, classes) if x)}")
    lines.append(f"revoke at:   {rule.key_management or 'see the provider console'}")
    lines.append(f"defined in:  {rule.source}")
    click.echo("\n".join(escape_terminal(line) for line in lines))


@rules.command("docs")
@click.option("--write", "write_path", is_flag=False, flag_value="docs/rules.md", default=None,
              help="Refresh the generated section of FILE (default docs/rules.md) instead of printing it.")
def rules_docs(write_path: str | None) -> None:
    """Print (or refresh in docs/rules.md) the per-rule reference that SARIF help links point to."""
    from byok_ci.drift.probes import load_probes
    from byok_ci.rules import docs as rulesdoc
    from byok_ci.rules import load_rules

    ruleset, probes = load_rules(), load_probes()[0]
    if write_path is None:
        click.echo(rulesdoc.render(ruleset, probes), nl=False)
        return
    changed = rulesdoc.write(Path(write_path), ruleset, probes)
    click.echo(escape_terminal(f"{write_path}: {'updated' if changed else 'already up to date'}"))


@rules.command("test")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=None, help="Seed for generated example keys.")
def rules_test(files: tuple[Path, ...], seed: int | None) -> None:
    """Run the examples of rule FILES (default: the shipped rules); report which fail."""
    from byok_ci.detect.engine import Detector
    from byok_ci.rules import default_rules_dir, load_rules, rule_files_in
    from byok_ci.rules.examples import DEFAULT_SEED, run_examples

    # The tested files come first, so their rules win over shipped rules of the same id;
    # the shipped rules stay loaded so overlaps resolve as they would in a scan.
    tested = [f.resolve() for path in files for f in (rule_files_in(path) if path.is_dir() else [path])]
    ruleset = load_rules([*tested, default_rules_dir()])
    only = {r.id for r in ruleset.rules if Path(r.source).resolve() in tested} if files else None
    own_errors = [e for e in ruleset.errors if not files or Path(e.path).resolve() in tested]
    for error in own_errors:
        say_error(error)
    results = run_examples(ruleset, Detector(ruleset).detect, only, seed if seed is not None else DEFAULT_SEED)
    failed = [r for r in results if not r.passed]
    for result in failed:
        click.echo(f"FAIL {escape_terminal(result.describe())}\n     template: {escape_terminal(result.template)}")
    rules_run = len({r.rule_id for r in results})
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({rules_run} rules)")
    finish(decide(failed=bool(failed), incomplete=bool(own_errors)))


@rules.command("fixture")
@click.argument("rule_id")
@click.option("--seed", type=int, default=None, help="Seed, for the same fake key every time.")
def rules_fixture(rule_id: str, seed: int | None) -> None:
    """Print a realistic fake key for RULE_ID that byok-ci never reports (a test fixture)."""
    import random

    from byok_ci.rules.fixtures import fixture_key

    rule = _rule_named(_loaded(()), rule_id)
    try:
        click.echo(fixture_key(rule, random.Random(seed)))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
