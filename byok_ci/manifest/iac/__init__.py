"""Infrastructure as code: which secrets each environment's templates read (issue 18).

Readers (one module per tool) turn Terraform/OpenTofu, CloudFormation/SAM, Pulumi and
Kubernetes/Helm files into :class:`~byok_ci.manifest.iac.model.Read` records, one per secret
location a template reads or creates, in one environment, with its file:line. The checks
(:mod:`byok_ci.manifest.iac.checks`) compare them with the manifest. What cannot be resolved
statically stays a ``Read`` with a reason, never a guess.
"""

from __future__ import annotations

from byok_ci.manifest.iac.model import IacReading, Read
from byok_ci.manifest.iac.discover import read_iac

__all__ = ["IacReading", "Read", "read_iac"]
