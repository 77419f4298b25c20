"""Detection rules as data: load them, and everything else that reads ``rules/``.

    model      the typed, immutable records (Rule, RuleSet, Provider, Context)
    keygen     key formats: parse a rule's ``format``, generate keys in it, describe it
    strength   whether a candidate could be a key of a rule (entropy, placeholders)
    fixtures   fake keys detection never reports
    redos      the static check that refuses patterns that backtrack catastrophically
    files      which files are rule files, and the ids they define
    load       rule files -> validated Rules (a bad rule is reported, the others load), cached
    parse      one rule file's YAML -> checked Rules (only when the cache misses)
    ids        the registry of every id (rules/_ids.yaml), aliases, manifest and drift rule data
    examples   run each rule's positive and negative examples (`byok-ci rules test`)
    docs       the generated reference in docs/rules.md (`byok-ci rules docs`)

Nothing here knows of detection: :mod:`byok_ci.detect` runs these rules.
"""

from byok_ci.rules.files import rule_files_in, rule_ids_in
from byok_ci.rules.load import load_rule_file, load_rules
from byok_ci.rules.model import (
    RULES_DOC_URL,
    Context,
    Examples,
    Provider,
    Rule,
    RuleSet,
    default_rules_dir,
    rule_anchor,
    rule_help_uri,
)

__all__ = [
    "RULES_DOC_URL",
    "Context",
    "Examples",
    "Provider",
    "Rule",
    "RuleSet",
    "default_rules_dir",
    "load_rule_file",
    "load_rules",
    "rule_anchor",
    "rule_files_in",
    "rule_help_uri",
    "rule_ids_in",
]
