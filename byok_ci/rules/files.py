"""Which files of a directory are rule files, and which ids a rule file defines."""

from __future__ import annotations

from pathlib import Path

# The shipped policy lives beside the rules; files starting with "_" are data, not rules.
_NOT_RULE_FILES = {"policy.yaml"}


def rule_files_in(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.glob("*.yaml") if p.name not in _NOT_RULE_FILES and not p.name.startswith("_")
    )


def rule_ids_in(path: Path) -> list[str]:
    """The rule ids a rule file (or a directory of them) defines, without building the rules.
    A file that cannot be read or parsed defines none here; loading it says why."""
    from byok_ci._yaml import load_yaml_file  # YAML only here: listing rule files needs none
    from byok_ci.errors import MalformedYaml

    ids: list[str] = []
    for file in rule_files_in(path) if path.is_dir() else [path]:
        try:
            data = load_yaml_file(file)
        except (OSError, MalformedYaml):
            continue
        raw_rules = data.get("rules") if isinstance(data, dict) else None
        for raw in raw_rules if isinstance(raw_rules, list) else []:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                ids.append(raw["id"])
    return ids
