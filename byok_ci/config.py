"""Settings from `.byok-ci.yaml`, the environment and the command line.

Precedence: command line > environment (``BYOK_CI_*``) > config file > shipped defaults.
Lists (excludes, extra rule files, disabled rules, allowed fingerprints) from each layer
extend the ones below; scalars replace them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from byok_ci._version import PROJECT_URL
from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import ConfigError, MalformedYaml
from byok_ci.model import ScanError

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
CONFIG_NAME = ".byok-ci.yaml"
IGNORE_NAME = ".byok-ci-ignore"
_SIZE = re.compile(r"(?i)\s*(\d+)\s*([kmg]i?b?|b)?\s*")
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_KNOWN = {
    "version", "exclude", "rule_files", "disable_rules", "allow_fingerprints", "max_file_size", "jobs",
    "baseline", "ignore_file", "policy", "check", "iac",
}
# Artifact settings: config key -> kind of value. The same names (with dashes) are options.
ARTIFACT_KEYS = {
    "archives": "bool",
    "max_archive_depth": "count",
    "max_archive_member_size": "size",
    "max_archive_bytes": "size",
    "max_archive_ratio": "count",
    "max_archive_members": "count",
    "allow_partial_archives": "bool",
    "max_decode_depth": "count",
}
_KNOWN |= set(ARTIFACT_KEYS)


@dataclass(frozen=True)
class Settings:
    exclude: tuple[str, ...] = ()
    rule_files: tuple[Path, ...] = ()
    disable_rules: tuple[str, ...] = ()
    allow_fingerprints: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int = 0  # worker processes for large scans; 0 = one per CPU
    config_path: Path | None = None
    # byok-ci baselines or detect-secrets `.secrets.baseline` files, and the ignore file.
    baselines: tuple[Path, ...] = ()
    ignore_file: Path | None = None
    # The manifest policy layer, validated by byok_ci.manifest.policy (which names its lines).
    policy: Mapping[str, object] | None = field(default=None, compare=False)
    # The `check:` section: which jobs `byok-ci check` runs (validated by byok_ci.check).
    check: Mapping[str, object] | None = field(default=None, compare=False)
    # The `iac:` section: which infrastructure code `manifest check` reads (validated by byok_ci.manifest.iac).
    iac: object = field(default=None, compare=False)
    # Archives, container images and encoded secrets (see docs/artifacts.md#limits).
    archives: bool = True
    max_archive_depth: int = 3
    max_archive_member_size: int = 50 * 1024 * 1024
    max_archive_bytes: int = 1024 * 1024 * 1024
    max_archive_ratio: int = 200
    max_archive_members: int = 100_000
    allow_partial_archives: bool = False
    max_decode_depth: int = 2
    # What resolving the settings noticed that does not make a run incomplete (a capped
    # `jobs:`); scans report them as warnings.
    notes: tuple[ScanError, ...] = field(default=(), compare=False)

    def extended(
        self,
        *,
        exclude: tuple[str, ...] = (),
        rule_files: tuple[Path, ...] = (),
        disable_rules: tuple[str, ...] = (),
        allow_fingerprints: tuple[str, ...] = (),
        max_file_size: int | None = None,
        jobs: int | None = None,
        baselines: tuple[Path, ...] = (),
    ) -> Settings:
        return replace(
            self,
            baselines=self.baselines + baselines,
            exclude=self.exclude + exclude,
            rule_files=self.rule_files + rule_files,
            disable_rules=self.disable_rules + disable_rules,
            allow_fingerprints=self.allow_fingerprints + allow_fingerprints,
            max_file_size=self.max_file_size if max_file_size is None else max_file_size,
            jobs=self.jobs if jobs is None else jobs,
        )


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def parse_size(text: str | int) -> int:
    """``1048576``, ``512k``, ``10MB``, ``2GiB`` → bytes. Raises ValueError."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text <= 0:
            raise ValueError("must be positive")
        return text
    match = _SIZE.fullmatch(str(text))
    if not match:
        raise ValueError("must be a size such as 1048576, 512k or 10MB")
    number, unit = int(match.group(1)), (match.group(2) or "").lower()[:1]
    if number <= 0:
        raise ValueError("must be positive")
    return number * _UNITS[unit]


def find_config(start: Path) -> Path | None:
    """`.byok-ci.yaml` at the git root, or in ``start`` outside git."""
    root = git_root(start) or start
    candidate = root / CONFIG_NAME
    return candidate if candidate.is_file() else None


def find_ignore_file(start: Path) -> Path | None:
    """`.byok-ci-ignore` at the git root, or in ``start`` outside git."""
    candidate = (git_root(start) or start) / IGNORE_NAME
    return candidate if candidate.is_file() else None


def git_root(start: Path) -> Path | None:
    # Walk up for .git rather than run git: cheaper, and no git needed for a plain scan.
    for directory in (start.resolve(), *start.resolve().parents):
        if (directory / ".git").exists():
            return directory
    return None


def load_config(path: Path, base: Settings | None = None) -> Settings:
    """Read one config file on top of ``base``. Raises ConfigError naming file, line and field."""
    base = base or Settings()
    shown = path.as_posix()
    try:
        data = load_yaml_file(path)
    except MalformedYaml as exc:
        raise ConfigError(shown, exc.line, exc.args[0]) from None
    except OSError as exc:
        raise ConfigError(shown, None, f"cannot read config: {(exc.strerror or str(exc)).lower()}") from None
    if data is None:
        return replace(base, config_path=path)
    if not isinstance(data, LineDict):
        raise ConfigError(shown, 1, "the config must be a mapping")
    for key in data:
        if key not in _KNOWN:
            raise ConfigError(shown, data.line_of(key), f"unknown field '{key}' (known: {', '.join(sorted(_KNOWN))})")

    def strings(name: str) -> tuple[str, ...]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(shown, data.line_of(name), f"field '{name}' must be a list of strings")
        return tuple(value)

    max_size = None
    if "max_file_size" in data:
        try:
            max_size = parse_size(data["max_file_size"])
        except ValueError as exc:
            raise ConfigError(shown, data.line_of("max_file_size"), f"field 'max_file_size' {exc}") from None
    jobs = data.get("jobs")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0):
        raise ConfigError(shown, data.line_of("jobs"), "field 'jobs' must be a non-negative integer")
    notes = base.notes
    cpus = available_cpus()
    if jobs is not None and jobs > cpus:
        # The config file comes with the checkout, and a pull request can change it: it may
        # use every CPU, never start more workers than that (`-j` and BYOK_CI_JOBS may).
        notes += (ScanError(shown, f"field 'jobs' asks for {jobs} worker processes; this machine has {cpus} "
                                   f"CPUs, so {cpus} are used (-j or BYOK_CI_JOBS may choose more)",
                            data.line_of("jobs"), blocking=False),)
        jobs = cpus
    check = data.get("check")
    if check is not None and not isinstance(check, LineDict):
        raise ConfigError(shown, data.line_of("check"), f"field 'check' must be a mapping (see {PROJECT_URL}/blob/main/docs/ci.md#what-it-runs)")
    policy = data.get("policy")
    if policy is not None and not isinstance(policy, LineDict):
        raise ConfigError(shown, data.line_of("policy"), f"field 'policy' must be a mapping (see {PROJECT_URL}/blob/main/docs/manifests.md#policy)")
    rule_files = tuple((path.parent / p) for p in strings("rule_files"))
    _check_rule_ids(strings("disable_rules"), base.rule_files + rule_files, shown, data.line_of("disable_rules"))
    baseline = data.get("baseline", [])
    baselines = strings("baseline") if isinstance(baseline, list) else (baseline,)
    if not all(isinstance(b, str) for b in baselines):
        raise ConfigError(shown, data.line_of("baseline"), "field 'baseline' must be a path or a list of paths")
    ignore_file = data.get("ignore_file")
    if ignore_file is not None and not isinstance(ignore_file, str):
        raise ConfigError(shown, data.line_of("ignore_file"), "field 'ignore_file' must be a path")
    base = replace(base, **artifact_values(data, shown))  # type: ignore[arg-type]
    return replace(
        base.extended(
            exclude=strings("exclude"),
            rule_files=rule_files,
            disable_rules=strings("disable_rules"),
            allow_fingerprints=strings("allow_fingerprints"),
            max_file_size=max_size,
            jobs=jobs,
            baselines=tuple(path.parent / b for b in baselines),
        ),
        config_path=path,
        notes=notes,
        ignore_file=path.parent / ignore_file if ignore_file is not None else base.ignore_file,
        policy=policy if policy is not None else base.policy,
        check=check if check is not None else base.check,
        iac=data["iac"] if "iac" in data else base.iac,
    )


def _check_rule_ids(rule_ids: tuple[str, ...], rule_files: tuple[Path, ...], shown: str, line: int | None) -> None:
    """Raise ConfigError for the first of ``rule_ids`` that names no detection rule."""
    if not rule_ids:
        return
    from byok_ci.rules.ids import detection_problems

    for _, why in detection_problems(rule_ids, rule_files)[:1]:
        raise ConfigError(shown, line, f"field 'disable_rules': {why}")


def artifact_value(kind: str, value: object) -> bool | int:
    """A value of an artifact setting (see ``ARTIFACT_KEYS``). Raises ValueError."""
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind == "size":
        return parse_size(value)  # type: ignore[arg-type]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def artifact_values(data: LineDict, shown: str) -> dict[str, bool | int]:
    values = {}
    for key, kind in ARTIFACT_KEYS.items():
        if key in data:
            try:
                values[key] = artifact_value(kind, data[key])
            except ValueError as exc:
                raise ConfigError(shown, data.line_of(key), f"field '{key}' {exc}") from None
    return values


def _env_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def from_environment(base: Settings, environ: Mapping[str, str]) -> Settings:
    """``BYOK_CI_EXCLUDE``, ``BYOK_CI_DISABLE_RULES`` (comma-separated) and ``BYOK_CI_MAX_FILE_SIZE``."""
    max_size = None
    if environ.get("BYOK_CI_MAX_FILE_SIZE"):
        try:
            max_size = parse_size(environ["BYOK_CI_MAX_FILE_SIZE"])
        except ValueError as exc:
            raise ConfigError("BYOK_CI_MAX_FILE_SIZE", None, f"environment variable {exc}") from None
    jobs = None
    if environ.get("BYOK_CI_JOBS"):
        if not environ["BYOK_CI_JOBS"].isdigit():
            raise ConfigError("BYOK_CI_JOBS", None, "environment variable must be a non-negative integer")
        jobs = int(environ["BYOK_CI_JOBS"])
    disable_rules = _env_list(environ.get("BYOK_CI_DISABLE_RULES"))
    if disable_rules:
        from byok_ci.rules.ids import detection_problems

        for _, why in detection_problems(disable_rules, base.rule_files)[:1]:
            raise ConfigError("BYOK_CI_DISABLE_RULES", None, f"environment variable: {why}")
    return base.extended(
        jobs=jobs,
        exclude=_env_list(environ.get("BYOK_CI_EXCLUDE")),
        disable_rules=disable_rules,
        max_file_size=max_size,
    )


def resolve_settings(
    *,
    config_file: Path | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Settings, list[ScanError]]:
    """Defaults, then the config file (explicit, ``BYOK_CI_CONFIG``, or found), then the environment.

    A broken layer is reported and skipped, so the run goes on with the others. The command
    line applies its own options on top with :meth:`Settings.extended`.
    """
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    settings = Settings()
    errors: list[ScanError] = []
    path = config_file or (Path(environ["BYOK_CI_CONFIG"]) if environ.get("BYOK_CI_CONFIG") else None)
    try:
        if path is None:
            path = find_config(cwd)
        elif not path.is_file():
            raise ConfigError(path.as_posix(), None, "config file not found")
        if path is not None:
            settings = load_config(path, settings)
    except ConfigError as exc:
        errors.append(ScanError(exc.path, exc.reason, exc.line))
    if settings.ignore_file is None:
        settings = replace(settings, ignore_file=find_ignore_file(cwd))
    try:
        settings = from_environment(settings, environ)
    except ConfigError as exc:
        errors.append(ScanError(exc.path, exc.reason, exc.line))
    return settings, errors
