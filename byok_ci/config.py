"""Settings from `.byok-ci.yaml`, the environment and the command line.

Precedence: command line > environment (``BYOK_CI_*``) > config file > shipped defaults.
Lists (excludes, extra rule files, disabled rules, allowed fingerprints) from each layer
extend the ones below; scalars replace them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci._patterns import lazy_compile
from byok_ci._values import by_value
from byok_ci.model import ScanError

# The YAML loader and the error tree are imported when a config file is read or a setting is
# wrong: a scan with neither (the pre-commit hook's, issue 16 §1) needs neither.
if TYPE_CHECKING:
    from byok_ci._yaml import LineDict
    from byok_ci.errors import ConfigError

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
CONFIG_NAME = ".byok-ci.yaml"
IGNORE_NAME = ".byok-ci-ignore"
_SIZE = lazy_compile(r"(?i)\s*(\d+)\s*([kmg]i?b?|b)?\s*")
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
# Sections read by other modules, which validate them with their part of the schema: a
# mistake inside one fails the commands that use it (`manifest check`, `check`), not every scan.
_SECTIONS = ("policy", "check", "iac")


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Settings:
    """What a run is set to do, every layer applied (see the module's docstring)."""

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
    # Whether `byok-ci: allow` markers in the scanned content hold a finding back. A gate that
    # must not trust the content it judges (a server hook) turns this off.
    inline_allow: bool = True
    # Whether git scans read the printable text of binary files (a NUL byte in the first
    # 8 KiB) rather than skip them: a gate must not be passed by adding one NUL byte.
    scan_binary: bool = False
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
    from byok_ci._yaml import LineDict, load_yaml_file
    from byok_ci.errors import ConfigError, MalformedYaml

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
    _validate(data, shown)

    def strings(name: str) -> tuple[str, ...]:
        value = data.get(name, [])
        return (value,) if isinstance(value, str) else tuple(value)

    max_size = None
    if "max_file_size" in data:
        try:
            max_size = parse_size(data["max_file_size"])
        except ValueError as exc:
            raise ConfigError(shown, data.line_of("max_file_size"), f"field 'max_file_size' {exc}") from None
    jobs = int(data["jobs"]) if "jobs" in data else None
    notes = base.notes
    cpus = available_cpus()
    if jobs is not None and jobs > cpus:
        # The config file comes with the checkout, and a pull request can change it: it may
        # use every CPU, never start more workers than that (`-j` and BYOK_CI_JOBS may).
        notes += (ScanError(shown, f"field 'jobs' asks for {jobs} worker processes; this machine has {cpus} "
                                   f"CPUs, so {cpus} are used (-j or BYOK_CI_JOBS may choose more)",
                            data.line_of("jobs"), blocking=False),)
        jobs = cpus
    check, policy = data.get("check"), data.get("policy")
    rule_files = tuple((path.parent / p) for p in strings("rule_files"))
    _check_rule_ids(strings("disable_rules"), base.rule_files + rule_files, shown, data.line_of("disable_rules"))
    baselines = strings("baseline")
    ignore_file = data.get("ignore_file")
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
        iac=data["iac"] if data.get("iac") is not None else base.iac,
    )


def _validate(data: LineDict, shown: str) -> None:
    """Raise ConfigError for the first (by line) field that breaks the config schema."""
    from byok_ci.errors import ConfigError
    from byok_ci.schemas.validate import describe, position, validate

    problems = [v for v in validate(data, "config")
                if not (v.path and v.path[0] in _SECTIONS and (len(v.path) > 1 or v.path[0] == "iac"))]
    if problems:
        first = min(problems, key=lambda v: position(data, v)[0] or 0)
        raise ConfigError(shown, position(data, first)[0], describe(first))


def _check_rule_ids(rule_ids: tuple[str, ...], rule_files: tuple[Path, ...], shown: str, line: int | None) -> None:
    """Raise ConfigError for the first of ``rule_ids`` that names no detection rule."""
    if not rule_ids:
        return
    from byok_ci.errors import ConfigError
    from byok_ci.rules.ids import detection_problems

    for _, why in detection_problems(rule_ids, rule_files)[:1]:
        raise ConfigError(shown, line, f"field 'disable_rules': {why}")


def artifact_value(kind: str, value: object) -> bool | int:
    """A command-line value of an artifact setting (``bool``, ``size`` or ``count``). Raises ValueError."""
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
    """The archive and decoding settings (docs/artifacts.md#limits) of a validated config: each
    config field named as a true/false or number field of :class:`Settings` (but ``jobs`` and
    ``max_file_size``, which the command line extends)."""
    from byok_ci.errors import ConfigError

    values: dict[str, bool | int] = {}
    for setting in fields(Settings):
        value = data.get(setting.name)
        if value is None or setting.name in ("jobs", "max_file_size") or not isinstance(setting.default, int):
            continue
        try:
            # The schema allows a size as a string (512k) and a whole number as 3.0.
            values[setting.name] = parse_size(value) if isinstance(value, str) else (
                value if isinstance(value, bool) else int(value))
        except ValueError as exc:
            raise ConfigError(shown, data.line_of(setting.name), f"field '{setting.name}' {exc}") from None
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
            raise _config_error()("BYOK_CI_MAX_FILE_SIZE", None, f"environment variable {exc}") from None
    jobs = None
    if environ.get("BYOK_CI_JOBS"):
        if not environ["BYOK_CI_JOBS"].isdigit():
            raise _config_error()("BYOK_CI_JOBS", None, "environment variable must be a non-negative integer")
        jobs = int(environ["BYOK_CI_JOBS"])
    disable_rules = _env_list(environ.get("BYOK_CI_DISABLE_RULES"))
    if disable_rules:
        from byok_ci.rules.ids import detection_problems

        for _, why in detection_problems(disable_rules, base.rule_files)[:1]:
            raise _config_error()("BYOK_CI_DISABLE_RULES", None, f"environment variable: {why}")
    return base.extended(
        jobs=jobs,
        exclude=_env_list(environ.get("BYOK_CI_EXCLUDE")),
        disable_rules=disable_rules,
        max_file_size=max_size,
    )


def _config_error() -> type[ConfigError]:
    """ConfigError, imported when a setting is wrong (to raise it) or an exception reaches an
    ``except _config_error()`` clause: a run whose settings are all fine never imports the error tree."""
    from byok_ci.errors import ConfigError

    return ConfigError


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
            raise _config_error()(path.as_posix(), None, "config file not found")
        if path is not None:
            settings = load_config(path, settings)
    except _config_error() as exc:
        errors.append(ScanError(exc.path, exc.reason, exc.line))
    if settings.ignore_file is None:
        settings = replace(settings, ignore_file=find_ignore_file(cwd))
    try:
        settings = from_environment(settings, environ)
    except _config_error() as exc:
        errors.append(ScanError(exc.path, exc.reason, exc.line))
    return settings, errors
