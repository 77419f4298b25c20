"""`byok-ci schema NAME`: print a shipped JSON Schema (for editors and validators)."""

from __future__ import annotations

import click

from byok_ci.schemas import NAMES


@click.command()
@click.argument("name", type=click.Choice(NAMES))
def schema(name: str) -> None:
    """Print the JSON Schema of NAME: config (.byok-ci.yaml), manifest (byok.yaml) or
    report (the JSON report).

    Editors validate a file as it is typed with a first line such as
    `# yaml-language-server: $schema=<URL of the schema>` (docs/configuration.md).
    """
    from byok_ci.schemas import schema_text

    click.echo(schema_text(name), nl=False)
