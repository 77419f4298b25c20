"""Issue 18: each environment's infrastructure code binds the right key, by reference, under the naming rule."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from byok_ci.exitcodes import exit_code
from byok_ci.manifest import check_manifest
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.manifest.conftest import TODAY

MANIFEST = """\
version: 1
project: acme
keys:
{keys}"""
ENTRY = """\
  - name: acme-{env}-openai
    env: {env}
    provider: openai
    secret: {scheme}://{location}
    owner: ml-team
    models: [gpt-4o]
    rotated: 2026-11-01
"""


def repo(tmp_path: Path, files: dict[str, str], scheme: str = "aws-sm", location: str = "acme-{env}-openai",
         envs: tuple[str, ...] = ("staging", "prod")) -> Path:
    keys = "".join(ENTRY.format(env=e, scheme=scheme, location=location.format(env=e)) for e in envs)
    (tmp_path / "byok.yaml").write_text(MANIFEST.format(keys=keys), encoding="utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "byok.yaml"


def run(manifest: Path):  # type: ignore[no-untyped-def]
    report = check_manifest(manifest, today=TODAY)
    iac = [c for c in report.checks if "iac-" in c.name]
    return report, iac


def outcomes(checks, rule: str, outcome: str) -> list:  # type: ignore[no-untyped-def]
    return [c for c in checks if c.name.endswith(rule) and c.outcome == outcome]


# --- Terraform: one module, workspaces named by *.tfvars files --------------------------------

TF_MAIN = """\
variable "openai_secret" {
  type    = string
  default = "acme-${terraform.workspace}-openai"
}

data "aws_secretsmanager_secret_version" "openai" {
  secret_id = var.openai_secret
}
"""


def test_terraform_workspaces_bind_each_environment_s_own_key(tmp_path: Path) -> None:
    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN, "infra/prod.tfvars": 'region = "eu-west-1"\n',
                               "infra/staging.tfvars": 'region = "eu-west-1"\n'})
    report, iac = run(manifest)
    assert not [c for c in iac if c.outcome not in ("passed", "skipped")], [(c.name, c.detail) for c in iac]
    bound = [c for c in iac if c.name.startswith("acme-") and c.outcome == "passed"]
    assert {(c.path, c.line) for c in bound} == {("infra/main.tf", 6)}
    assert len(bound) == 2
    assert exit_code(report) == 0


def test_terraform_staging_tfvars_pointing_at_the_prod_secret_fails(tmp_path: Path) -> None:
    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN, "infra/prod.tfvars": 'region = "eu-west-1"\n',
                               "infra/staging.tfvars": 'openai_secret = "acme-prod-openai"\n'})
    report, iac = run(manifest)
    isolation = outcomes(iac, "iac-isolation", "failed")
    assert len(isolation) == 1 and isolation[0].suite == "manifest/staging"
    assert (isolation[0].path, isolation[0].line) == ("infra/main.tf", 6)
    assert "names environment 'prod'" in isolation[0].detail
    binding = outcomes(iac, "iac-binding", "failed")
    assert [c.name for c in binding] == ["acme-staging-openai: iac-binding"]
    assert outcomes(iac, "iac-naming", "failed")
    assert exit_code(report) == 1


def test_terraform_per_environment_directories_and_undeclared_secret(tmp_path: Path) -> None:
    module = 'data "aws_secretsmanager_secret" "k" {\n  name = "acme-%s-anthropic"\n}\n'
    manifest = repo(tmp_path, {"envs/prod/main.tf": module % "prod", "envs/staging/main.tf": module % "staging"})
    _, iac = run(manifest)
    undeclared = outcomes(iac, "iac-binding", "failed")
    assert {c.path for c in undeclared} >= {"envs/prod/main.tf", "envs/staging/main.tf"}
    assert any("does not declare" in c.detail for c in undeclared)


def test_terraform_workspace_without_a_known_workspace_is_inconclusive(tmp_path: Path) -> None:
    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN})
    report, iac = run(manifest)
    inconclusive = outcomes(iac, "iac-binding", "inconclusive")
    assert inconclusive and "terraform.workspace" in inconclusive[0].detail
    assert not [c for c in iac if c.outcome == "failed"]
    assert exit_code(report) == 4


def test_terraform_key_in_a_variable_default_fails_inline(tmp_path: Path, shipped_rules: RuleSet,
                                                         rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    text = f'variable "openai_api_key" {{\n  sensitive = false\n  default = "{key}"\n}}\n'
    manifest = repo(tmp_path, {"infra/main.tf": text})
    report, iac = run(manifest)
    inline = outcomes(iac, "iac-inline", "failed")
    assert len(inline) == 1 and (inline[0].path, inline[0].line) == ("infra/main.tf", 3)
    assert "variable 'openai_api_key' (not sensitive)" in inline[0].detail
    assert key not in json.dumps([c.detail for c in report.checks] + [f.message for f in report.findings])


def test_unparseable_hcl_is_an_error_naming_the_file(tmp_path: Path) -> None:
    manifest = repo(tmp_path, {"infra/main.tf": 'data "x" {\n  = = \n'})
    report, _ = run(manifest)
    assert any(e.path == "infra/main.tf" for e in report.errors)
    assert exit_code(report) == 2


# --- CloudFormation: parameters per environment, intrinsic tags, dynamic references ------------

CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Environment:
    Type: String
    AllowedValues: [staging, prod]
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          OPENAI_API_KEY: !Sub "{{resolve:secretsmanager:acme-${Environment}-openai:SecretString:key}}"
          REGION: !If [IsProd, eu-west-1, eu-west-2]
"""


def test_cloudformation_parameter_files_per_environment(tmp_path: Path) -> None:
    files = {
        "stack/template.yaml": CFN,
        "stack/params/prod.json": json.dumps([{"ParameterKey": "Environment", "ParameterValue": "prod"}]),
        "stack/params/staging.json": json.dumps({"Parameters": {"Environment": "staging"}}),
    }
    report, iac = run(repo(tmp_path, files))
    assert not [c for c in iac if c.outcome in ("failed", "inconclusive")], [(c.name, c.detail) for c in iac]
    bound = [c for c in iac if c.name.startswith("acme-")]
    assert {(c.path, c.line, c.outcome) for c in bound} == {("stack/template.yaml", 14, "passed")}


def test_cloudformation_staging_parameters_reading_prod_fail(tmp_path: Path) -> None:
    files = {
        "stack/template.yaml": CFN,
        "stack/params/staging.json": json.dumps([{"ParameterKey": "Environment", "ParameterValue": "prod"}]),
    }
    # The file is named staging but sets Environment=prod: the parameter value decides.
    _, iac = run(repo(tmp_path, files))
    assert not outcomes(iac, "iac-isolation", "failed")
    text = CFN.replace("acme-${Environment}-openai", "acme-prod-openai")
    (tmp_path / "b").mkdir()
    _, iac = run(repo(tmp_path / "b", {"stack/template.yaml": text}))
    failed = outcomes(iac, "iac-isolation", "failed")
    assert [c.suite for c in failed] == ["manifest/staging"] and failed[0].line == 14


def test_cloudformation_refuses_tags_that_are_not_intrinsics(tmp_path: Path) -> None:
    text = CFN.replace("!If [IsProd, eu-west-1, eu-west-2]", "!!python/object:os.system [x]")
    report, _ = run(repo(tmp_path, {"stack/template.yaml": text}))
    assert any(e.path == "stack/template.yaml" and e.line == 15 and "not a CloudFormation" in e.message
               for e in report.errors)


def test_cloudformation_unresolvable_reference_is_inconclusive(tmp_path: Path) -> None:
    text = CFN.replace("acme-${Environment}-openai", "acme-${AWS::Region}-openai")
    report, iac = run(repo(tmp_path, {"stack/template.yaml": text}))
    inconclusive = outcomes(iac, "iac-binding", "inconclusive")
    assert inconclusive and "AWS::Region" in inconclusive[0].detail
    assert exit_code(report) == 4


# --- Pulumi: a YAML program with three stacks ---------------------------------------------------

PULUMI = """\
name: acme
runtime: yaml
variables:
  openai:
    fn::invoke:
      function: aws:secretsmanager:getSecretVersion
      arguments:
        secretId: acme-${pulumi.stack}-openai
"""


def test_pulumi_three_stacks(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    files = {
        "deploy/Pulumi.yaml": PULUMI,
        "deploy/Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
        "deploy/Pulumi.staging.yaml": "config:\n  acme:openaiKey:\n    secure: AAABAJxyz\n",
        "deploy/Pulumi.prod.yaml": f"config:\n  aws:region: eu-west-1\n  acme:openaiKey: {key}\n",
    }
    report, iac = run(repo(tmp_path, files, envs=("dev", "staging", "prod")))
    bound = [c for c in iac if c.name.startswith("acme-") and c.outcome == "passed"]
    assert len(bound) == 3 and {(c.path, c.line) for c in bound} == {("deploy/Pulumi.yaml", 8)}
    inline = outcomes(iac, "iac-inline", "failed")
    assert [(c.path, c.line) for c in inline] == [("deploy/Pulumi.prod.yaml", 3)]
    assert "pulumi config set --secret" in inline[0].detail
    assert key not in json.dumps([c.detail for c in report.checks])


def test_pulumi_program_in_another_language_is_inconclusive(tmp_path: Path) -> None:
    files = {"deploy/Pulumi.yaml": "name: acme\nruntime: python\n", "deploy/Pulumi.prod.yaml": "config: {}\n"}
    report, iac = run(repo(tmp_path, files))
    assert any("python is not read" in c.detail for c in outcomes(iac, "iac-binding", "inconclusive"))
    assert exit_code(report) == 4


# --- Helm: ExternalSecret with values-prod / values-staging ------------------------------------

EXTERNAL_SECRET = """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: openai
spec:
  secretStoreRef:
    name: aws
    kind: ClusterSecretStore
  data:
    - secretKey: OPENAI_API_KEY
      remoteRef:
        key: {{ .Values.openai.secret }}
"""
STORE = """\
apiVersion: external-secrets.io/v1beta1
kind: ClusterSecretStore
metadata:
  name: aws
spec:
  provider:
    aws:
      service: SecretsManager
      region: eu-west-1
"""


def helm(values_staging: str) -> dict[str, str]:
    return {
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
        "chart/values.yaml": "openai:\n  secret: acme-dev-openai\n",
        "chart/values-prod.yaml": "openai:\n  secret: acme-prod-openai\n",
        "chart/values-staging.yaml": values_staging,
        "chart/templates/external-secret.yaml": EXTERNAL_SECRET,
        "cluster/store.yaml": STORE,
    }


def test_helm_values_per_environment_bind_the_declared_secrets(tmp_path: Path) -> None:
    report, iac = run(repo(tmp_path, helm("openai:\n  secret: acme-staging-openai\n")))
    assert not [c for c in iac if c.outcome in ("failed", "inconclusive")], [(c.name, c.detail) for c in iac]
    bound = [c for c in iac if c.name.startswith("acme-")]
    assert {(c.path, c.line, c.outcome) for c in bound} == {("chart/templates/external-secret.yaml", 12, "passed")}
    assert exit_code(report) == 0


def test_helm_staging_values_reading_prod_fail(tmp_path: Path) -> None:
    _, iac = run(repo(tmp_path, helm("openai:\n  secret: acme-prod-openai\n")))
    failed = outcomes(iac, "iac-isolation", "failed")
    assert [c.suite for c in failed] == ["manifest/staging"]
    assert "binds to 'acme-prod-openai'" in failed[0].detail or "names environment 'prod'" in failed[0].detail


def test_helm_value_from_a_template_expression_is_inconclusive(tmp_path: Path) -> None:
    files = helm("openai:\n  secret: acme-staging-openai\n")
    files["chart/templates/external-secret.yaml"] = EXTERNAL_SECRET.replace(
        "{{ .Values.openai.secret }}", "{{ printf \"acme-%s-openai\" .Values.env }}")
    report, iac = run(repo(tmp_path, files))
    assert any("not rendered" in c.detail for c in outcomes(iac, "iac-binding", "inconclusive"))
    assert exit_code(report) == 4


def test_iac_settings_are_validated_with_their_line(tmp_path: Path) -> None:
    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN})
    (tmp_path / ".byok-ci.yaml").write_text("iac:\n  environments:\n    infra/*: qa\n  pathz: [x]\n", encoding="utf-8")
    from byok_ci.config import load_config

    settings = load_config(tmp_path / ".byok-ci.yaml")
    report = check_manifest(manifest, today=TODAY, settings=settings)
    messages = [(e.line, e.message) for e in report.errors]
    assert any(line == 2 and "'qa'" in m for line, m in messages), messages
    assert any(line == 4 and "iac.pathz" in m for line, m in messages), messages


def test_iac_environments_override(tmp_path: Path) -> None:
    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN.replace("${terraform.workspace}", "prod")})
    (tmp_path / ".byok-ci.yaml").write_text("iac:\n  environments:\n    infra: prod\n", encoding="utf-8")
    from byok_ci.config import load_config

    report = check_manifest(manifest, today=TODAY, settings=load_config(tmp_path / ".byok-ci.yaml"))
    passed = [c for c in report.checks if c.name == "acme-prod-openai: iac-binding"]
    assert passed and passed[0].outcome == "passed"


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif"])
def test_iac_results_reach_every_report_format(tmp_path: Path, fmt: str) -> None:
    from byok_ci.report import WRITERS
    import io

    report, _ = run(repo(tmp_path, {"infra/main.tf": TF_MAIN, "infra/prod.tfvars": "",
                                    "infra/staging.tfvars": 'openai_secret = "acme-prod-openai"\n'}))
    stream = io.StringIO()
    WRITERS[fmt](report, stream)
    assert "manifest.iac-isolation" in stream.getvalue() and "infra/main.tf" in stream.getvalue()


SPC = """\
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: openai
  namespace: {namespace}
spec:
  provider: aws
  parameters:
    objects: |
      - objectName: "{secret}"
        objectType: "secretsmanager"
"""


def test_secret_provider_class_in_a_namespace_per_environment(tmp_path: Path) -> None:
    files = {"k8s/prod/spc.yaml": SPC.format(namespace="app-prod", secret="acme-prod-openai"),
             "k8s/staging/spc.yaml": SPC.format(namespace="app-staging", secret="acme-prod-openai")}
    _, iac = run(repo(tmp_path, files))
    bound = [c for c in iac if c.name == "acme-prod-openai: iac-binding"]
    assert bound and bound[0].outcome == "passed" and bound[0].line == 10
    failed = outcomes(iac, "iac-isolation", "failed")
    assert [(c.path, c.line, c.suite) for c in failed] == [("k8s/staging/spc.yaml", 10, "manifest/staging")]


def test_external_secret_whose_store_is_not_in_the_repository_is_inconclusive(tmp_path: Path) -> None:
    files = helm("openai:\n  secret: acme-staging-openai\n")
    del files["cluster/store.yaml"]
    report, iac = run(repo(tmp_path, files))
    assert any("SecretStore 'aws' is not in the repository" in c.detail
               for c in outcomes(iac, "iac-binding", "inconclusive"))
    assert not outcomes(iac, "iac-isolation", "failed")
    assert exit_code(report) == 4


def test_helm_values_file_with_a_key_fails_inline_but_other_yaml_is_left_to_the_scanner(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    files = helm(f"openai:\n  secret: acme-staging-openai\n  apiKey: {key}\n")
    files["app/settings.yaml"] = f"openai_api_key: {key}\n"
    _, iac = run(repo(tmp_path, files))
    inline = outcomes(iac, "iac-inline", "failed")
    assert [(c.path, c.line) for c in inline] == [("chart/values-staging.yaml", 3)]


def test_cloudformation_environment_tag_names_the_environment(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: acme-prod-openai
      Tags:
        - Key: Environment
          Value: staging
"""
    _, iac = run(repo(tmp_path, {"stack.yaml": text}))
    failed = outcomes(iac, "iac-isolation", "failed")
    assert [(c.path, c.line, c.suite) for c in failed] == [("stack.yaml", 6, "manifest/staging")]
    assert "creates 'aws-sm://acme-prod-openai'" in failed[0].detail


def test_manifest_init_proposes_the_references_the_iac_binds(tmp_path: Path) -> None:
    from byok_ci.manifest import starter_manifest
    from byok_ci.manifest.policy import Policy
    from byok_ci.rules import load_rules

    repo(tmp_path, {"infra/main.tf": TF_MAIN, "infra/prod.tfvars": "", "infra/staging.tfvars": ""})
    (tmp_path / "byok.yaml").unlink()
    text = starter_manifest(tmp_path, "acme", load_rules().providers, Policy())
    assert "secret: aws-sm://acme-prod-openai  # TODO: confirm; bound by infra/main.tf:6" in text
    assert "secret: aws-sm://acme-staging-openai  # TODO: confirm; bound by infra/main.tf:6" in text
    (tmp_path / "byok.yaml").write_text(text, encoding="utf-8")
    report = check_manifest(tmp_path / "byok.yaml", today=TODAY)
    bound = [c for c in report.checks if c.name.endswith(": iac-binding") and c.name.startswith("acme-")]
    assert {c.outcome for c in bound if "dev" not in c.name} == {"passed"}


@pytest.mark.parametrize("path, runs", [
    ("byok.yaml", True), (".byok-ci.yaml", True), (".github/workflows/deploy.yml", True),
    ("infra/main.tf", True), ("envs/prod/terraform.tfvars", True), ("infra/staging.tfvars", True),
    ("stack/template.yaml", True), ("stack/params/prod.json", True), ("sam/template.template", True),
    ("deploy/Pulumi.prod.yaml", True), ("chart/values-staging.yaml", True),
    ("chart/templates/external-secret.yaml", True), ("k8s/spc.yml", True),
    ("src/app.py", False), ("README.md", False),
])
def test_the_manifest_hook_runs_for_iac_files(path: str, runs: bool) -> None:
    import re

    import yaml

    from tests.conftest import REPO

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "byok-ci-manifest")
    # pre-commit matches `files` with re.search on the repository-relative path.
    assert bool(re.search(hook["files"], path)) is runs


def test_without_the_hcl_parser_terraform_is_inconclusive_not_skipped(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "hcl2", None)  # `import hcl2` now raises ImportError
    report, iac = run(repo(tmp_path, {"infra/main.tf": TF_MAIN, "infra/prod.tfvars": ""}))
    inconclusive = outcomes(iac, "iac-binding", "inconclusive")
    assert inconclusive and all("install byok-ci[iac]" in c.detail for c in inconclusive)
    assert {c.path for c in inconclusive} == {"infra/main.tf", "infra/prod.tfvars"}
    assert exit_code(report) == 4


def test_iac_false_turns_the_reading_off(tmp_path: Path) -> None:
    from byok_ci.config import load_config

    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN})
    (tmp_path / ".byok-ci.yaml").write_text("iac: false\n", encoding="utf-8")
    report = check_manifest(manifest, today=TODAY, settings=load_config(tmp_path / ".byok-ci.yaml"))
    assert not [c for c in report.checks if "iac-" in c.name] and exit_code(report) == 0


@pytest.mark.parametrize("block, expected", [
    ('data "aws_ssm_parameter" "k" {\n  name = "/acme-prod-openai"\n}', "aws-ssm://acme-prod-openai"),
    ('data "vault_kv_secret_v2" "k" {\n  mount = "kv"\n  name = "acme-prod-openai"\n}', "vault://kv/acme-prod-openai"),
    ('data "vault_generic_secret" "k" {\n  path = "secret/data/acme-prod-openai"\n}', "vault://secret/acme-prod-openai"),
    ('data "azurerm_key_vault" "v" {\n  name = "acme-kv"\n  resource_group_name = "rg"\n}\n'
     'data "azurerm_key_vault_secret" "k" {\n  name = "acme-prod-openai"\n  key_vault_id = data.azurerm_key_vault.v.id\n}',
     "azure-kv://acme-kv/acme-prod-openai"),
    ('data "google_secret_manager_secret_version" "k" {\n  secret = "projects/acme-ml/secrets/acme-prod-openai/versions/latest"\n}',
     "gcp-sm://acme-ml/acme-prod-openai"),
    ('resource "google_secret_manager_secret" "k" {\n  project = "acme-ml"\n  secret_id = "acme-prod-openai"\n}',
     "gcp-sm://acme-ml/acme-prod-openai"),
    ('data "doppler_secrets" "k" {\n  project = "acme"\n  config = "prd"\n}', "doppler://acme/prd"),
    ('data "onepassword_item" "k" {\n  vault = "acme-prod"\n  title = "acme-prod-openai"\n}', "op://acme-prod/acme-prod-openai"),
    ('resource "aws_secretsmanager_secret" "s" {\n  name = "acme-prod-openai"\n}\n'
     'resource "aws_secretsmanager_secret_version" "k" {\n  secret_id = aws_secretsmanager_secret.s.id\n}',
     "aws-sm://acme-prod-openai"),
])
def test_terraform_store_blocks_become_references(block: str, expected: str) -> None:
    from byok_ci.manifest.iac.settings import IacSettings
    from byok_ci.manifest.iac.terraform import read_terraform
    from byok_ci.manifest.policy import Policy

    reads, _, _, problems = read_terraform([("envs/prod/main.tf", block + "\n")], Policy(), IacSettings())
    assert not problems
    assert {str(r.ref) for r in reads} == {expected}
    assert all(r.env == "prod" and r.line >= 1 for r in reads)


def test_cloudformation_json_template_and_ssm_secure_reference(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {
            "OPENAI_API_KEY": {"Fn::Sub": "{{resolve:ssm-secure:/acme-${Stage}-openai:1}}"}}}}}},
    }
    manifest = repo(tmp_path, {"cfn/stack.json": json.dumps(template, indent=2)}, scheme="aws-ssm", envs=("prod",))
    _, iac = run(manifest)
    bound = [c for c in iac if c.name == "acme-prod-openai: iac-binding"]
    assert bound and bound[0].outcome == "passed" and bound[0].path == "cfn/stack.json" and bound[0].line == 15


# --- Every failure for every tool: staging's templates read `staging`, prod's read `prod` ----

def layout(tool: str, staging: str, prod: str, extra: str = "") -> dict[str, str]:
    """The tool's layout with the secret names each environment reads, plus ``extra`` text in staging's file."""
    if tool == "terraform":
        block = 'data "aws_secretsmanager_secret_version" "openai" {\n  secret_id = "%s"\n}\n'
        return {"envs/staging/main.tf": block % staging + extra, "envs/prod/main.tf": block % prod}
    if tool == "cloudformation":
        template = ('AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n  SecretName: {Type: String}\n'
                    '  Environment: {Type: String}\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n'
                    '    Properties:\n      Environment:\n        Variables:\n'
                    '          KEY: !Sub "{{resolve:secretsmanager:${SecretName}}}"\n' + extra)
        params = '[{"ParameterKey": "Environment", "ParameterValue": "%s"}, {"ParameterKey": "SecretName", "ParameterValue": "%s"}]'
        return {"cfn/app.yaml": template, "cfn/parameters/staging.json": params % ("staging", staging),
                "cfn/parameters/prod.json": params % ("prod", prod)}
    if tool == "pulumi":
        program = ("name: acme\nruntime: yaml\nvariables:\n  openai:\n    fn::invoke:\n"
                   "      function: aws:secretsmanager:getSecretVersion\n      arguments:\n        secretId: ${openaiSecret}\n")
        return {"pulumi/Pulumi.yaml": program,
                "pulumi/Pulumi.staging.yaml": f"config:\n  acme:openaiSecret: {staging}\n" + extra,
                "pulumi/Pulumi.prod.yaml": f"config:\n  acme:openaiSecret: {prod}\n"}
    files = helm(f"openai:\n  secret: {staging}\n" + extra)
    files["chart/values-prod.yaml"] = f"openai:\n  secret: {prod}\n"
    return files


INLINE_LINE = {"terraform": ("envs/staging/main.tf", 5), "cloudformation": ("cfn/app.yaml", 12),
               "pulumi": ("pulumi/Pulumi.staging.yaml", 3), "helm": ("chart/values-staging.yaml", 3)}
READ_LINE = {"terraform": ("envs/staging/main.tf", 1), "cloudformation": ("cfn/app.yaml", 11),
             "pulumi": ("pulumi/Pulumi.yaml", 8), "helm": ("chart/templates/external-secret.yaml", 12)}
TOOLS = ["terraform", "cloudformation", "pulumi", "helm"]


@pytest.mark.parametrize("tool", TOOLS)
def test_each_tool_binds_correctly(tmp_path: Path, tool: str) -> None:
    report, iac = run(repo(tmp_path, layout(tool, "acme-staging-openai", "acme-prod-openai")))
    assert not [c for c in iac if c.outcome in ("failed", "inconclusive")], [(c.name, c.detail) for c in iac]
    assert {c.name for c in iac if c.outcome == "passed" and c.name.startswith("acme-")} == {
        "acme-staging-openai: iac-binding", "acme-prod-openai: iac-binding"}
    assert exit_code(report) == 0


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("staging, failing", [
    ("acme-prod-openai", {"iac-isolation", "iac-binding", "iac-naming"}),  # reads prod's key
    ("acme-staging-anthropic", {"iac-binding"}),  # an undeclared provider secret (and staging's own unbound)
    ("openai-key-staging", {"iac-binding", "iac-naming"}),  # off the naming pattern
])
def test_each_tool_reports_each_failure_at_the_template(tmp_path: Path, tool: str, staging: str,
                                                        failing: set[str]) -> None:
    report, iac = run(repo(tmp_path, layout(tool, staging, "acme-prod-openai")))
    failed = [c for c in iac if c.outcome == "failed"]
    assert {c.name.rsplit(": ", 1)[-1] for c in failed} == failing
    at_template = [c for c in failed if not c.name.startswith("acme-")]
    assert at_template and all((c.path, c.line) == READ_LINE[tool] and c.suite == "manifest/staging"
                               for c in at_template)
    assert exit_code(report) == 1


@pytest.mark.parametrize("tool", TOOLS)
def test_each_tool_reports_a_key_in_its_files(tmp_path: Path, tool: str, shipped_rules: RuleSet,
                                              rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    extra = {"terraform": f'variable "openai_key" {{\n  default = "{key}"\n}}\n',
             "cloudformation": f"          OTHER: {key}\n",
             "pulumi": f"  acme:openaiKey: {key}\n",
             "helm": f"  apiKey: {key}\n"}[tool]
    report, iac = run(repo(tmp_path, layout(tool, "acme-staging-openai", "acme-prod-openai", extra)))
    inline = outcomes(iac, "iac-inline", "failed")
    assert [(c.path, c.line) for c in inline] == [INLINE_LINE[tool]]
    assert {"terraform": "variable 'openai_key' (not sensitive) holds it", "cloudformation": "{{resolve:secretsmanager:",
            "pulumi": "pulumi config set --secret", "helm": "ExternalSecret"}[tool] in inline[0].detail
    assert key not in json.dumps([c.detail for c in report.checks] + [f.message for f in report.findings])
    assert exit_code(report) == 1


def test_the_cli_reports_an_inconclusive_run_as_skipped_testcases_and_exit_4(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from junitparser import JUnitXml

    from byok_ci.cli import main

    manifest = repo(tmp_path, {"infra/main.tf": TF_MAIN})
    junit = tmp_path / "m.xml"
    result = CliRunner().invoke(main, ["manifest", "check", "--manifest", str(manifest), "--today", "2026-11-27",
                                       "--junit", str(junit)], env={"BYOK_CI_CONFIG": None, "NO_COLOR": "1"})
    assert result.exit_code == 4, result.output
    cases = [case for suite in JUnitXml.fromfile(str(junit)) for case in suite if "iac-binding" in case.name]
    assert cases and all(case.result and case.result[0]._tag == "skipped" for case in cases)
    assert "terraform.workspace" in result.output


def test_charts_directory_layout_is_read_but_a_chart_s_vendored_charts_are_not(tmp_path: Path) -> None:
    files = {f"charts/app/{name[len('chart/'):]}": text
             for name, text in helm("openai:\n  secret: acme-staging-openai\n").items() if name.startswith("chart/")}
    files["cluster/store.yaml"] = STORE
    files["charts/app/charts/redis/templates/es.yaml"] = EXTERNAL_SECRET.replace(
        "{{ .Values.openai.secret }}", "acme-prod-openai")
    report, iac = run(repo(tmp_path, files))
    assert {c.name for c in iac if c.outcome == "passed" and c.name.startswith("acme-")} == {
        "acme-staging-openai: iac-binding", "acme-prod-openai: iac-binding"}
    assert not [c for c in iac if "charts/app/charts/" in c.path]
    assert exit_code(report) == 0


def test_iac_paths_must_stay_inside_the_repository_and_links_are_not_followed(tmp_path: Path) -> None:
    from byok_ci.config import load_config

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text(TF_MAIN.replace("${terraform.workspace}", "prod"), encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    manifest = repo(project, {})
    (project / "infra").mkdir()
    (project / "infra" / "main.tf").symlink_to(outside / "main.tf")
    (project / ".byok-ci.yaml").write_text("iac:\n  paths: [../outside]\n", encoding="utf-8")
    report = check_manifest(manifest, today=TODAY, settings=load_config(project / ".byok-ci.yaml"))
    assert any(e.line == 2 and "inside the repository" in e.message for e in report.errors)
    assert not [c for c in report.checks if "iac-" in c.name]


def test_terraform_module_called_per_environment_is_evaluated_with_the_caller_s_inputs(tmp_path: Path) -> None:
    child = ('variable "openai_secret" {\n  type = string\n}\n\n'
             'data "aws_secretsmanager_secret_version" "openai" {\n  secret_id = var.openai_secret\n}\n')
    caller = 'module "app" {\n  source        = "../../modules/app"\n  openai_secret = "%s"\n}\n'
    files = {"modules/app/main.tf": child, "envs/prod/main.tf": caller % "acme-prod-openai",
             "envs/staging/main.tf": caller % "acme-prod-openai"}
    report, iac = run(repo(tmp_path, files))
    failed = outcomes(iac, "iac-isolation", "failed")
    assert [(c.path, c.line, c.suite) for c in failed] == [("modules/app/main.tf", 5, "manifest/staging")]
    assert [c.outcome for c in iac if c.name == "acme-prod-openai: iac-binding"] == ["passed"]
    assert not outcomes(iac, "iac-binding", "inconclusive")  # the module is not also judged on its own


def test_cloudformation_dynamic_reference_to_a_secret_the_template_creates(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Environment: {Type: String, AllowedValues: [staging, prod]}
Resources:
  OpenAISecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub acme-${Environment}-openai
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          OPENAI_API_KEY: !Sub "{{resolve:secretsmanager:${OpenAISecret}:SecretString:key}}"
"""
    report, iac = run(repo(tmp_path, {"app.yaml": text}))
    assert not [c for c in iac if c.outcome in ("failed", "inconclusive")], [(c.name, c.detail) for c in iac]
    assert len([c for c in iac if c.name.startswith("acme-") and c.outcome == "passed"]) == 2
    assert exit_code(report) == 0


ODD_SHAPES = {
    'cfn/t.yaml': 'AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n  Environment: {Type: String, AllowedValues: [prod, 3, null]}\nConditions:\n  C: !Equals [a]\nResources:\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      Name: !Select [x, [a]]\n  T:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      Name: !Select [9, [a]]\n  U:\n    Type: AWS::Lambda::Function\n    Properties:\n      X: !Sub ["{{resolve:secretsmanager:${a}}}", 5]\n      Y: !If [C, "{{resolve:ssm:x}}", "b"]\n      Z: !FindInMap [[a], b, c]\n      W: !Join [",", "{{resolve:ssm:y}}"]\n      Tags: 5\n',
    'chart/Chart.yaml': 'apiVersion: v2\nname: c\n',
    'chart/templates/es.yaml': 'kind: ExternalSecret\nspec:\n  data:\n    - remoteRef:\n        key: {{ .Values.a }}\n---\nkind: SecretProviderClass\nspec:\n  provider: gcp\n  parameters:\n    secrets: |\n      - resourceName: "projects/x"\n',
    'chart/values-prod.yaml': 'a: [1]\n',
    'envs/prod/main.tf': 'locals {\n  l = [1, 2]\n  m = { a = [1] }\n}\ndata "aws_secretsmanager_secret_version" "a" {\n  secret_id = local.l\n}\ndata "vault_kv_secret_v2" "b" {\n  mount = local.m\n  name = lookup(local.m, "zz")\n}\ndata "aws_ssm_parameter" "c" {\n  name = local.l[5]\n}\ndata "onepassword_item" "d" {\n  vault = 3\n  title = true\n}\n',
    'p/Pulumi.prod.yaml': 'config: [1, 2]\n',
    'p/Pulumi.yaml': 'name: x\nruntime: {name: yaml}\nvariables: [1]\nresources:\n  r: {type: aws:ssm:Parameter, properties: {name: [1]}}\n',
}


def test_constructs_of_unexpected_shapes_are_inconclusive_never_a_crash(tmp_path: Path) -> None:
    report, iac = run(repo(tmp_path, ODD_SHAPES, envs=("prod",)))
    assert not [c for c in iac if c.outcome == "failed"], [(c.name, c.detail) for c in iac if c.outcome == "failed"]
    details = " ".join(c.detail for c in outcomes(iac, "iac-binding", "inconclusive"))
    for reason in ("is not a string", "cannot be evaluated (ValueError)",
                   "cannot be evaluated (IndexError)", "Fn::Sub takes a string"):
        assert reason in details
    assert exit_code(report) == 4
