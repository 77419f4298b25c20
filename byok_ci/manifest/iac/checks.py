"""The IaC checks: binding, isolation, naming and inline keys (docs/iac.md#checks).

Each returns :class:`IacResult` records the manifest runner turns into ``Check`` and
``Finding`` records at the template's file:line. A read that did not resolve is an
inconclusive outcome of the check it blocks, with the reason; nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from byok_ci.manifest.checks import Issue, Verdict
from byok_ci.manifest.iac.envs import foreign_env, tokens
from byok_ci.manifest.iac.model import IacReading, Read
from byok_ci.manifest.init import provider_of_read
from byok_ci.manifest.model import KeyEntry, Manifest
from byok_ci.manifest.refs import SecretRef

BINDING, ISOLATION, NAMING, INLINE = "manifest.iac-binding", "manifest.iac-isolation", "manifest.iac-naming", "manifest.iac-inline"
IAC_CHECK_IDS = (BINDING, ISOLATION, NAMING, INLINE)
_BOUND_BY_IAC = ("vault", "aws-sm", "aws-ssm", "azure-kv", "gcp-sm", "doppler", "op")


@dataclass(frozen=True)
class IacResult:
    rule_id: str
    verdict: Verdict
    env: str
    name: str
    path: str
    pos: tuple[int, int]
    key: KeyEntry | None = None
    provider: str = ""


def matches(read: SecretRef, declared: SecretRef) -> bool:
    """Same store, same location (a read of a whole item or config covers the fields in it)."""
    if read.scheme != declared.scheme:
        return False
    a, b = read.path.strip("/"), declared.path.strip("/")
    if read.scheme == "azure-kv":
        a, b = a.lower(), b.lower()
    return a == b or b.startswith(a + "/") and read.scheme in ("doppler", "op")


def _declared(manifest: Manifest) -> list[KeyEntry]:
    return [k for k in manifest.keys if k.secret is not None and k.secret.scheme in _BOUND_BY_IAC]


def _label(read: Read) -> str:
    verb = "creates" if read.creates else "reads"
    return f"{read.path}:{read.line} {read.construct} {verb} {read.ref or read.text or 'an unresolved location'}"


def check_reads(reading: IacReading, manifest: Manifest, providers: tuple[str, ...]) -> list[IacResult]:
    policy = manifest.policy
    declared = _declared(manifest)
    out: list[IacResult] = []
    for read in reading.reads:
        pos = (read.line, read.column)
        provider = provider_of_read(read.text, providers)
        owners = [k for k in declared if read.ref is not None and k.secret is not None and matches(read.ref, k.secret)]
        if not provider and not owners and not read.unresolved and not read.store_unknown:
            continue  # not an AI-provider secret (a database password): not the manifest's business
        provider = provider or (owners[0].provider if owners else "")
        env = read.env
        where = f"{read.construct} ({read.env or 'environment unknown'})"
        suite = env
        # binding: what it reads is declared
        if read.unresolved:
            binding = Verdict(inconclusive=f"{where}: {read.unresolved}")
        elif read.store_unknown:
            binding = Verdict(inconclusive=f"{where}: {read.store_unknown}")
        elif owners:
            binding = Verdict(detail=f"declared as {', '.join(k.label for k in owners)}")
        elif read.creates:
            binding = Verdict(detail="creates a secret; the manifest keys bound to it are checked per key")
        else:
            binding = Verdict((Issue(f"{read.construct} reads {read.ref}, a {provider} secret the manifest does not "
                                     f"declare: add it to the manifest or read the declared reference", pos,
                                     path=read.path, identity=f"undeclared:{read.ref}"),))
        out.append(IacResult(BINDING, binding, suite, _label(read) + ": iac-binding", read.path, pos, provider=provider))
        # isolation: only this environment's secrets
        if not env:
            isolation = Verdict(skipped="the template's environment is not known (see iac.environments)")
        else:
            other = foreign_env(read.text, env, policy)
            elsewhere = [k for k in owners if k.env and k.env != env and not k.organization]
            if other:
                isolation = Verdict((Issue(f"the {env} template {('creates' if read.creates else 'reads')} "
                                           f"'{read.ref or read.text}', which names environment '{other}'", pos,
                                           path=read.path, identity=f"foreign-env:{env}:{read.text}"),))
            elif elsewhere and not [k for k in owners if k.env == env]:
                isolation = Verdict((Issue(f"the {env} template reads {read.ref}, which the manifest binds to "
                                           f"'{elsewhere[0].label}' of environment '{elsewhere[0].env}'", pos,
                                           path=read.path, identity=f"other-key:{env}:{read.ref}"),))
            elif read.unresolved:
                isolation = Verdict(inconclusive=f"{where}: {read.unresolved}")
            else:
                isolation = Verdict(detail=f"reads only {env}'s secrets")
        out.append(IacResult(ISOLATION, isolation, suite, _label(read) + ": iac-isolation", read.path, pos,
                             provider=provider))
        # naming
        if not provider:
            naming = Verdict(inconclusive=f"{where}: {read.unresolved or read.store_unknown}")
        elif read.unresolved:
            naming = Verdict(inconclusive=f"{where}: {read.unresolved}")
        else:
            known = {"project": manifest.project, "env": env, "provider": provider}
            pattern = policy.naming_regex(known)
            parts = [p for p in re.split(r"[/:#]", read.text) if p]
            if pattern.fullmatch(read.text) or any(pattern.fullmatch(p) for p in parts):
                naming = Verdict(detail=f"name follows '{policy.naming}'")
            else:
                example = policy.naming_example(known)
                hint = f" (expected a name like '{example}')" if example else ""
                naming = Verdict((Issue(f"secret '{read.text}' does not follow the naming pattern "
                                        f"'{policy.naming}'{hint}", pos, path=read.path, identity=f"naming:{read.text}"),))
        out.append(IacResult(NAMING, naming, suite, _label(read) + ": iac-naming", read.path, pos, provider=provider))
    return out


def check_keys(reading: IacReading, manifest: Manifest) -> list[IacResult]:
    """Each manifest key of an environment that has templates is bound by them to its reference."""
    envs = reading.envs()
    out: list[IacResult] = []
    for entry in _declared(manifest):
        if entry.organization or not entry.env or entry.env not in envs or entry.secret is None:
            continue
        mine = [r for r in reading.reads if r.env == entry.env]
        name = f"{entry.label}: iac-binding"
        bound = [r for r in mine if r.ref is not None and matches(r.ref, entry.secret)]
        if bound:
            verdict = Verdict(detail=f"bound by {bound[0].where} ({bound[0].construct})")
            out.append(IacResult(BINDING, verdict, entry.env, name, bound[0].path, (bound[0].line, bound[0].column),
                                 key=entry, provider=entry.provider))
            continue
        unread = [t for t in reading.templates if t.inconclusive and (entry.env in t.envs or not t.envs)]
        if unread:
            verdict = Verdict(inconclusive=f"{unread[0].path}: {unread[0].inconclusive}")
            out.append(IacResult(BINDING, verdict, entry.env, name, unread[0].path, (1, 1), key=entry,
                                 provider=entry.provider))
            continue
        open_reads = [r for r in mine if r.unresolved or r.store_unknown]
        if open_reads:
            first = open_reads[0]
            verdict = Verdict(inconclusive=f"{first.where}: {first.unresolved or first.store_unknown}")
            out.append(IacResult(BINDING, verdict, entry.env, name, first.path, (first.line, first.column), key=entry,
                                 provider=entry.provider))
            continue
        same = [r for r in mine if r.ref is not None and r.ref.scheme == entry.secret.scheme
                and entry.provider in tokens(r.text)]
        if same:
            read = same[0]
            issue = Issue(f"the {entry.env} templates bind {read.ref} where the manifest declares {entry.secret} for "
                          f"'{entry.label}'", (read.line, read.column), path=read.path, identity=f"wrong:{read.ref}")
        else:
            issue = Issue(f"no {entry.env} template binds {entry.secret}, the reference the manifest declares for "
                          f"'{entry.label}'", entry.at("secret"), identity="unbound")
        out.append(IacResult(BINDING, Verdict((issue,)), entry.env, name, issue.path or manifest.path, issue.pos,
                             key=entry, provider=entry.provider))
    return out


def check_missing(reading: IacReading) -> list[IacResult]:
    """Templates that could not be read at all: every check they would feed is inconclusive."""
    out = []
    for template in reading.templates:
        if template.inconclusive:
            for rule_id in (BINDING, ISOLATION, NAMING):
                out.append(IacResult(rule_id, Verdict(inconclusive=template.inconclusive), "",
                                     f"{template.path}: {rule_id.removeprefix('manifest.')}", template.path, (1, 1)))
    return out
