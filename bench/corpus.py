"""Generate a realistic scan corpus with planted AI-provider keys for the byok-ci benchmark.

The corpus mixes Python/JS/TS/Go sources, YAML/JSON/TOML/.env configs, Markdown docs,
Jupyter notebooks, minified JS bundles with very long lines and CSS, plus noise that
stresses keyword prefilters (``task-``/``disk-``/``risk-`` words, ``sk-button-primary``,
identifiers holding ``hf_``, git SHAs, UUIDs, base64 blobs).

Keys are made at run time by ``byok_ci.keygen.generate_key`` from the loaded rules; this
file holds no key. The manifest ``DIR/../<name>.manifest.json`` (outside the scanned tree)
lists each planted key's file, line and rule id, never the key.

Usage: python bench/corpus.py --size-mb 100 --out /tmp/byok-bench/corpus --seed 1 --keys 100
       python bench/corpus.py --small --out /tmp/byok-bench/small3
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import string
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

# --------------------------------------------------------------------------- rules & keys


class ContextLike(Protocol):
    @property
    def pattern(self) -> Any: ...
    @property
    def before(self) -> int: ...
    @property
    def after(self) -> int: ...


class RuleLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def format(self) -> Any: ...
    @property
    def context(self) -> ContextLike | None: ...


def load_key_rules(rules_dir: str | None) -> tuple[list[RuleLike], dict[str, str], str]:
    """The rules to plant keys for, provider id -> display name, and the rule set's digest."""
    try:
        from byok_ci import load_rules
    except ImportError:  # the package's top level may not re-export it (yet)
        from byok_ci.rules import load_rules
    ruleset = load_rules([rules_dir]) if rules_dir else load_rules()
    rules: list[RuleLike] = sorted(ruleset.rules, key=lambda r: r.id)
    if not rules:
        sys.exit("corpus: no rules loaded; nothing to plant")
    providers = getattr(ruleset, "providers", {}) or {}
    names = {pid: getattr(p, "name", pid) for pid, p in providers.items()}
    return rules, names, str(getattr(ruleset, "digest", ""))


def make_key(rule: RuleLike, rng: random.Random) -> str:
    from byok_ci.keygen import generate_key

    return str(generate_key(cast(Any, rule), rng))


# --------------------------------------------------------------------------- noise

_WORDS_TEXT = (
    "the a of to and in is for on with that by this be are from as at or an it not we can "
    "you will data file user request response value model token client service config "
    "error cache index build deploy release test task disk risk mask desk ask flask kiosk "
    "batch queue worker stream event metric report policy cluster node route schema record "
    "payload buffer handler session account order invoice ledger shard asset image layout "
    "button primary secondary panel modal header footer sidebar grid column row table list "
    "embedding prompt completion chat vector retrieval dataset training inference pipeline"
)
WORDS = _WORDS_TEXT.split()
SK_WORDS = ("task", "disk", "risk", "mask", "desk", "ask", "flask", "kiosk", "whisk", "brisk", "tusk", "husk")
CSS_PROPS = (
    "display:flex", "margin:0 auto", "padding:4px 8px", "color:#{color}", "background:#{color}",
    "border-radius:{num}px", "font-size:{num}px", "line-height:1.{num}", "z-index:{num}", "gap:{num}px",
    "mask-image:linear-gradient(#000,transparent)", "transition:opacity .{num}s ease-in-out",
)


class Noise:
    """Cheap random building blocks for source text."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.idents = [self._compound() for _ in range(3000)]

    def _compound(self) -> str:
        parts = self.rng.choices(WORDS[20:] + list(SK_WORDS), k=self.rng.randint(1, 3))
        if self.rng.random() < 0.04:
            parts.insert(self.rng.randint(0, len(parts)), "hf")
        return "_".join(parts)

    def snake(self) -> str:
        return self.rng.choice(self.idents)

    def camel(self) -> str:
        head, *rest = self.snake().split("_")
        return head + "".join(p.capitalize() for p in rest)

    def pascal(self) -> str:
        return "".join(p.capitalize() for p in self.snake().split("_"))

    def kebab(self) -> str:
        return self.snake().replace("_", "-")

    def upper(self) -> str:
        return self.snake().upper()

    def sha(self) -> str:
        return self.rng.randbytes(20).hex()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def blob(self, low: int = 24, high: int = 96) -> str:
        return base64.b64encode(self.rng.randbytes(self.rng.randint(low, high))).decode()

    def color(self) -> str:
        return self.rng.randbytes(3).hex()

    def num(self) -> int:
        return self.rng.randint(0, 4096)

    def text(self, low: int = 6, high: int = 18) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def url(self) -> str:
        return f"https://{self.kebab()}.example.com/{self.kebab()}/{self.sha()[:8]}"

    def hf_ident(self) -> str:
        return self.rng.choice(("hf_hub_download", "load_hf_dataset", "use_hf_token", "hf_cache_dir",
                                "push_to_hf_hub", "hf_transfer_enabled", "is_hf_model", "graph_hf_"))

    def short(self) -> str:
        return self.rng.choice(string.ascii_letters) + self.rng.choice(string.ascii_letters + "$_")

    def props(self) -> str:
        picks = self.rng.sample(CSS_PROPS, k=self.rng.randint(2, 5))
        return ";".join(render(p, self) for p in picks)

    def css_class(self) -> str:
        if self.rng.random() < 0.5:
            return f"{self.rng.choice(SK_WORDS)}-{self.kebab()}"
        return self.rng.choice(("sk-button-primary", "sk-button-secondary", "task-list-item",
                                "disk-usage-bar", "risk-badge", "desk-layout", "ask-panel"))


class Fill(dict):  # type: ignore[type-arg]
    """``str.format_map`` filler: ``{kind}`` or ``{kind2}`` makes a value, memoised per template."""

    def __init__(self, noise: Noise) -> None:
        super().__init__()
        self.noise = noise

    def __missing__(self, name: str) -> str:
        kind = name.rstrip("0123456789")
        value = str(getattr(self.noise, kind)())
        self[name] = value
        return value


def render(template: str, noise: Noise) -> str:
    return template.format_map(Fill(noise))


# --------------------------------------------------------------------------- templates

PY_BLOCKS = (
    ('def {snake}({snake2}: str, {snake3}: int = {num}) -> dict[str, object]:\n'
    '    """{text}"""\n'
    '    {snake4} = {{"{snake5}": {snake2}, "id": "{uuid}", "rev": "{sha}"}}\n'
    '    if {snake3} > {num2}:\n'
    '        raise ValueError("{text2}")\n'
    '    return {snake4}\n'),
    ('class {pascal}({pascal2}):\n'
    '    """{text}"""\n\n'
    '    {snake}: str = "{kebab}"\n'
    '    {snake2}: int = {num}\n\n'
    '    def {snake3}(self, {snake4}):\n'
    '        self.{snake5} = {snake4}.{hf_ident}(revision="{sha}")\n'
    '        return self.{snake5}\n'),
    ('{upper} = os.environ.get("{upper2}", "{kebab}")\n'
    '{upper3}_ID = "{uuid}"\n'),
    ('# {text}\n'
    'for {snake} in {snake2}:\n'
    '    logger.info("%s: {text2}", {snake})\n'
    '    {snake3}.append({snake}.{snake4})\n'),
    'ICON_{upper} = "data:image/png;base64,{blob}"\n',
    ('@app.route("/{kebab}/<{snake}>")\n'
    'async def {snake2}({snake}: str) -> Response:\n'
    '    {snake3} = await {snake4}.fetch({snake}, timeout={num})\n'
    '    return json_response({{"{snake5}": {snake3}, "task_id": "{uuid}"}})\n'),
    'api_key = os.environ["{upper}_API_KEY"]  # never hard-code: {text}\n',
)
PY_HEADER = '"""{text}"""\n\nfrom __future__ import annotations\n\nimport logging\nimport os\n\nlogger = logging.getLogger(__name__)\n\n'

JS_BLOCKS = (
    ('export function {camel}({camel2}, {camel3} = {num}) {{\n'
    '  const {camel4} = {{ id: "{uuid}", rev: "{sha}", kind: "{kebab}" }};\n'
    '  if ({camel3} > {num2}) throw new Error("{text}");\n'
    '  return {camel2}.map((x) => x.{camel5} ?? {camel4});\n'
    '}}\n'),
    ('const {camel} = document.querySelector(".{css_class}");\n'
    '{camel}.classList.toggle("{css_class2}", {camel2}.length > {num});\n'),
    ('// {text}\n'
    'export const {upper} = process.env.{upper2} || "{kebab}";\n'),
    ('export default {{\n'
    '  name: "{kebab}",\n'
    '  data() {{ return {{ {camel}: [], {camel2}: "{uuid}" }}; }},\n'
    '  methods: {{ async {camel3}() {{ await fetch("{url}"); }} }},\n'
    '}};\n'),
    'const apiKey = process.env.{upper}_API_KEY; // {text}\n',
)
TS_BLOCKS = (
    'export interface {pascal} {{\n  {camel}: string;\n  {camel2}?: number;\n  {camel3}: {pascal2}[];\n}}\n',
    ('export async function {camel}({camel2}: {pascal}): Promise<{pascal2}> {{\n'
    '  const res = await fetch(`{url}/${{{camel2}.{camel3}}}`, {{ method: "POST" }});\n'
    '  // {text}\n'
    '  return (await res.json()) as {pascal2};\n'
    '}}\n'),
    'export const {upper}: Record<string, string> = {{ "{kebab}": "{sha}", "{kebab2}": "{uuid}" }};\n',
    'type {pascal} = "{kebab}" | "{kebab2}" | "{css_class}";\n',
)
GO_BLOCKS = (
    'type {pascal} struct {{\n\t{pascal2} string `json:"{snake}"`\n\t{pascal3} int    `json:"{snake2}"`\n}}\n',
    ('func ({camel} *{pascal}) {pascal2}(ctx context.Context, {camel2} string) error {{\n'
    '\t// {text}\n'
    '\tif {camel2} == "" {{\n\t\treturn fmt.Errorf("{text2}")\n\t}}\n'
    '\t{camel}.{pascal3} = "{sha}"\n\treturn nil\n}}\n'),
    'const {pascal}ID = "{uuid}"\n',
    'var {camel} = os.Getenv("{upper}_API_KEY") // {text}\n',
)
YAML_BLOCKS = (
    '{snake}:\n  enabled: true\n  replicas: {num}\n  image: "registry.example.com/{kebab}@sha256:{sha}{sha2}"\n',
    ('jobs:\n  {kebab}:\n    runs-on: ubuntu-latest\n    steps:\n'
    '      - uses: actions/checkout@{sha}\n      - run: make {kebab2}\n'
    '        env:\n          {upper}_API_KEY: ${{{{ secrets.{upper}_API_KEY }}}}\n'),
    '# {text}\n{snake}: "{uuid}"\n{snake2}: {num}\n',
)
TOML_BLOCKS = (
    '[tool.{snake}]\nname = "{kebab}"\nversion = "{num}.{num2}.0"\nrevision = "{sha}"\n',
    '[{snake}]\n# {text}\nenabled = true\nid = "{uuid}"\nretries = {num}\n',
)
ENV_BLOCKS = (
    '# {text}\n{upper}={kebab}\n',
    '{upper}_ID={uuid}\n{upper2}_REV={sha}\n',
    'HF_HOME=/data/{kebab}\nDATABASE_URL=postgres://app@db.internal:5432/{snake}\n',
    'OPENAI_API_KEY=\nANTHROPIC_API_KEY=your-key-here\n',
)
MD_BLOCKS = (
    '## {pascal}\n\n{text} {text2} {text3}\n\n',
    '```python\nfrom {snake} import {pascal}\nclient = {pascal}(api_key=os.environ["{upper}_API_KEY"])\n```\n\n',
    '| id | revision | status |\n|----|----------|--------|\n| `{uuid}` | `{sha}` | ok |\n| `{uuid2}` | `{sha2}` | {css_class} |\n\n',
    '- {text}\n- {text2}\n- See [{kebab}]({url}).\n\n',
    '```bash\nexport OPENAI_API_KEY=sk-...\ncurl {url} -H "Authorization: Bearer $OPENAI_API_KEY"\n```\n\n',
)
CSS_BLOCK = ".{css_class} {{ {props} }}\n.{css_class2}:hover, .{css_class3} > .{kebab} {{ {props2} }}\n"
MIN_JS = (
    'function {short}(e,t){{return e.{camel}(t)||"{kebab}"}}',
    'var {short}={{{camel}:"{text}",{camel2}:{num},id:"{uuid}"}}',
    '{short}.className="{css_class} {css_class2}"',
    'if(!{short}.{camel})throw new Error("{text}")',
    'const {short}="{sha}"',
    '{short}.push(["{kebab}",{num},"{blob}"])',
    'return{short}({short2},{{{camel}:!0,{camel2}:"{hf_ident}"}})',
)


# --------------------------------------------------------------------------- planting

@dataclass(frozen=True)
class Plant:
    rule: RuleLike
    key: str
    provider_name: str


AZURE_ENDPOINT = "https://acme-prod.openai.azure.com/"
ASSIGN: dict[str, str] = {  # how each syntax assigns a string to a name
    "env": "{name}={value}",
    "py": '{name} = "{value}"',
    "js": 'const {camel} = "{value}";',
    "go": '{camel} := "{value}"',
    "yaml": "{lower}: {value}",
    "toml": '{lower} = "{value}"',
}


def assign(syntax: str, name: str, value: str) -> str:
    return ASSIGN[syntax].format(name=name, camel=camel_of(name), lower=name.lower(), value=value)


def is_azure(rule: RuleLike) -> bool:
    return rule.provider.startswith("azure")


def is_aws_secret(rule: RuleLike) -> bool:
    return rule.provider == "aws" and "secret" in rule.id


def env_name(rule: RuleLike) -> str:
    """The variable name code would use for this provider's key."""
    if is_aws_secret(rule):
        return "AWS_SECRET_ACCESS_KEY"
    if is_azure(rule):
        return "AZURE_OPENAI_API_KEY"
    return rule.provider.upper().replace("-", "_") + "_API_KEY"


def key_name(plant: Plant, rng: random.Random) -> str:
    """Name for the key's variable: the provider's for context rules, varied for prefixed ones."""
    if plant.rule.context is not None or rng.random() < 0.6:
        return env_name(plant.rule)
    return rng.choice(("API_KEY", "LLM_API_KEY", "SECRET_TOKEN", "DEFAULT_KEY", "MODEL_KEY"))


def camel_of(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(p.capitalize() for p in rest)


def class_name(plant: Plant) -> str:
    return "".join(c for c in plant.provider_name if c.isalnum()) or "Client"


def lead(plant: Plant, syntax: str) -> str:
    """The line placed just before the key line, if the provider's keys come with one."""
    if is_azure(plant.rule):
        return assign(syntax, "AZURE_OPENAI_ENDPOINT", AZURE_ENDPOINT) + "\n"
    return ""


def snippet_env(plant: Plant, rng: random.Random) -> str:
    name = key_name(plant, rng)
    if is_aws_secret(plant.rule):
        return rng.choice((f"{name}={plant.key}\n", f"aws_secret_access_key = {plant.key}\n"))
    line = rng.choice((f"{name}={plant.key}", f'export {name}="{plant.key}"'))
    return lead(plant, "env") + line + "\n"


def snippet_py(plant: Plant, rng: random.Random) -> str:
    name = key_name(plant, rng)
    choices = [assign("py", name, plant.key), f'os.environ["{name}"] = "{plant.key}"']
    if plant.rule.context is None:
        choices += [f'client = {class_name(plant)}(api_key="{plant.key}")',
                    f'headers = {{"Authorization": "Bearer {plant.key}"}}']
    return lead(plant, "py") + rng.choice(choices) + "\n"


def snippet_js(plant: Plant, rng: random.Random) -> str:
    name = key_name(plant, rng)
    choices = [assign("js", name, plant.key), f"process.env.{name} ??= '{plant.key}';"]
    if plant.rule.context is None:
        choices += [f'  headers: {{ Authorization: "Bearer {plant.key}" }},',
                    f"export const DEFAULT_KEY = `{plant.key}`;"]
    return lead(plant, "js") + rng.choice(choices) + "\n"


def snippet_go(plant: Plant, rng: random.Random) -> str:
    name = key_name(plant, rng)
    choices = [assign("go", name, plant.key), f'os.Setenv("{name}", "{plant.key}")']
    return lead(plant, "go") + rng.choice(choices) + "\n"


def snippet_yaml(plant: Plant, rng: random.Random) -> str:
    name = key_name(plant, rng)
    return lead(plant, "yaml") + rng.choice((assign("yaml", name, plant.key), f'{name}: "{plant.key}"')) + "\n"


def snippet_toml(plant: Plant, rng: random.Random) -> str:
    return lead(plant, "toml") + assign("toml", key_name(plant, rng), plant.key) + "\n"


def snippet_md(plant: Plant, rng: random.Random) -> str:
    if plant.rule.context is None and rng.random() < 0.5:
        return f'```bash\ncurl https://api.example.com/v1/models -H "Authorization: Bearer {plant.key}"\n```\n'
    body = lead(plant, "env") + f"export {key_name(plant, rng)}={plant.key}\n"
    return f"```bash\n{body}```\n"


def snippet_min_js(plant: Plant, rng: random.Random) -> str:
    name = camel_of(key_name(plant, rng))
    if is_azure(plant.rule):
        return f'var Az={{endpoint:"{AZURE_ENDPOINT}",{name}:"{plant.key}"}}'
    if plant.rule.context is not None:
        return f'var Ck={{{name}:"{plant.key}"}}'
    return rng.choice((
        f'var Ck={{apiKey:"{plant.key}",baseURL:"https://api.example.com/v1"}}',
        f'headers:{{Authorization:"Bearer {plant.key}"}}',
        f'{name}:"{plant.key}"',
    ))


# --------------------------------------------------------------------------- file kinds


@dataclass
class FileKind:
    name: str
    ext: str
    dirs: tuple[str, ...]
    share: float  # fraction of corpus bytes
    size: tuple[int, int]  # target bytes per file
    build: Callable[[Noise, int, list[Plant]], str]
    key_weight: float  # how likely a planted key lands in this kind


def blocks_file(header: str, blocks: Sequence[str], snippet: Callable[[Plant, random.Random], str]
                ) -> Callable[[Noise, int, list[Plant]], str]:
    """A builder that renders random blocks up to the target size and slots in the plants."""

    def build(noise: Noise, target: int, plants: list[Plant]) -> str:
        parts = [render(header, noise)] if header else []
        size = len(parts[0]) if parts else 0
        while size < target:
            part = render(noise.rng.choice(blocks), noise) + "\n"
            parts.append(part)
            size += len(part)
        for plant in plants:
            parts.insert(noise.rng.randint(1, len(parts)), snippet(plant, noise.rng) + "\n")
        return "".join(parts)

    return build


def build_css(noise: Noise, target: int, plants: list[Plant]) -> str:
    parts, size = [], 0
    while size < target:
        part = render(CSS_BLOCK, noise)
        parts.append(part)
        size += len(part)
    return "".join(parts)


def build_json(noise: Noise, target: int, plants: list[Plant]) -> str:
    data: dict[str, Any] = {"name": noise.kebab(), "version": "1.0.0", "dependencies": {}}
    size = 0
    while size < target:
        section = {noise.camel(): noise.uuid(), "revision": noise.sha(), "enabled": True,
                   noise.camel(): [noise.css_class() for _ in range(3)], "retries": noise.num()}
        data[noise.camel() + str(noise.num())] = section
        size += 220
    for plant in plants:
        section = {}
        if is_azure(plant.rule):
            section["AZURE_OPENAI_ENDPOINT"] = AZURE_ENDPOINT
        name = key_name(plant, noise.rng)
        section[name if noise.rng.random() < 0.5 else camel_of(name)] = plant.key
        data[f"{plant.rule.provider}Settings{noise.num()}"] = section
    items = list(data.items())
    noise.rng.shuffle(items)
    return json.dumps(dict(items), indent=2) + "\n"


def build_notebook(noise: Noise, target: int, plants: list[Plant]) -> str:
    cells: list[dict[str, Any]] = []
    size = 0
    while size < target:
        if noise.rng.random() < 0.3:
            source = render(noise.rng.choice(MD_BLOCKS), noise)
            cells.append({"cell_type": "markdown", "metadata": {}, "source": source.splitlines(True)})
        else:
            source = render(noise.rng.choice(PY_BLOCKS), noise)
            cells.append(code_cell(source, noise))
        size += len(json.dumps(cells[-1]))
    for plant in plants:
        source = snippet_py(plant, noise.rng) + "client = make_client()\n"
        cells.insert(noise.rng.randint(0, len(cells)), code_cell(source, noise, outputs=False))
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1) + "\n"


def code_cell(source: str, noise: Noise, outputs: bool = True) -> dict[str, Any]:
    outs: list[dict[str, Any]] = []
    if outputs and noise.rng.random() < 0.5:
        outs.append({"output_type": "stream", "name": "stdout", "text": [noise.text() + "\n", noise.uuid() + "\n"]})
    if outputs and noise.rng.random() < 0.25:
        png = base64.b64encode(noise.rng.randbytes(noise.rng.randint(2_000, 40_000))).decode()
        outs.append({"output_type": "display_data", "metadata": {}, "data": {"image/png": png, "text/plain": ["<Figure>"]}})
    return {"cell_type": "code", "execution_count": noise.num(), "metadata": {}, "id": noise.sha()[:8],
            "source": source.splitlines(True), "outputs": outs}


def build_bundle(noise: Noise, target: int, plants: list[Plant]) -> str:
    """A minified bundle: a banner line, a few very long lines, a base64 source map."""
    lines_wanted = max(noise.rng.randint(1, 4), len(plants))  # one key per line at most
    per_line = max(target // (lines_wanted + 1), 1000)
    lines = [f"/*! {noise.kebab()} v{noise.num()}.0.0 | MIT */"]
    for _ in range(lines_wanted):
        stmts, size = [], 0
        while size < per_line:
            stmt = render(noise.rng.choice(MIN_JS), noise)
            stmts.append(stmt)
            size += len(stmt) + 1
        lines.append(";".join(stmts) + ";")
    for plant, index in zip(plants, noise.rng.sample(range(1, len(lines)), len(plants))):
        stmts = lines[index].split(";")
        stmts.insert(noise.rng.randint(0, len(stmts)), snippet_min_js(plant, noise.rng))
        lines[index] = ";".join(stmts)
    sourcemap = base64.b64encode(noise.rng.randbytes(per_line * 3 // 4)).decode()
    lines.append(f"//# sourceMappingURL=data:application/json;charset=utf-8;base64,{sourcemap}")
    return "\n".join(lines) + "\n"


def is_json_fragment(key: str) -> bool:
    """Keys such as a service account's ``"private_key": "..."`` member, not a bare token."""
    return key.startswith('"')


def build_service_account(noise: Noise, target: int, plants: list[Plant]) -> str:
    """A Google service-account key file around each JSON-member key."""
    project = f"{noise.kebab()}-{noise.num()}"
    lines = ['{', '  "type": "service_account",', f'  "project_id": "{project}",',
             f'  "private_key_id": "{noise.sha()}",']
    lines += [f"  {plant.key}," for plant in plants]
    lines += [f'  "client_email": "deployer@{project}.iam.gserviceaccount.com",',
              f'  "client_id": "{noise.rng.randrange(10**20, 10**21)}",',
              '  "auth_uri": "https://accounts.google.com/o/oauth2/auth",',
              '  "token_uri": "https://oauth2.googleapis.com/token"', '}']
    return "\n".join(lines) + "\n"


SERVICE_ACCOUNT = FileKind("service-account", ".json", ("secrets", "deploy/{a}", "config/gcp"), 0.0, (0, 0),
                           build_service_account, 0.0)

KINDS: tuple[FileKind, ...] = (
    FileKind("python", ".py", ("services/{a}/src/{b}", "libs/{a}", "scripts"), 0.22, (2_000, 40_000),
             blocks_file(PY_HEADER, PY_BLOCKS, snippet_py), 0.20),
    FileKind("javascript", ".js", ("web/src/{a}", "web/src/components/{b}"), 0.08, (2_000, 30_000),
             blocks_file("'use strict';\n", JS_BLOCKS, snippet_js), 0.08),
    FileKind("typescript", ".ts", ("web/src/{a}", "packages/{a}/src"), 0.08, (2_000, 30_000),
             blocks_file("import {{ {pascal} }} from './{kebab}';\n", TS_BLOCKS, snippet_js), 0.08),
    FileKind("go", ".go", ("cmd/{a}", "internal/{a}/{b}"), 0.07, (2_000, 30_000),
             blocks_file("package {snake}\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os\"\n)\n\n", GO_BLOCKS,
                         snippet_go), 0.06),
    FileKind("yaml", ".yaml", ("deploy/{a}", ".github/workflows", "config"), 0.04, (400, 6_000),
             blocks_file("", YAML_BLOCKS, snippet_yaml), 0.10),
    FileKind("json", ".json", ("config/{a}", "web/{a}"), 0.04, (500, 8_000), build_json, 0.08),
    FileKind("toml", ".toml", ("services/{a}", "config"), 0.01, (300, 4_000),
             blocks_file("", TOML_BLOCKS, snippet_toml), 0.05),
    FileKind("env", ".env", ("services/{a}", "deploy/{a}", "."), 0.004, (100, 1_500),
             blocks_file("", ENV_BLOCKS, snippet_env), 0.12),
    FileKind("markdown", ".md", ("docs/{a}", "docs"), 0.08, (1_500, 25_000),
             blocks_file("# {pascal}\n\n", MD_BLOCKS, snippet_md), 0.08),
    FileKind("notebook", ".ipynb", ("notebooks/{a}", "research"), 0.14, (20_000, 400_000), build_notebook, 0.07),
    FileKind("bundle", ".min.js", ("web/dist/assets", "static/js"), 0.16, (150_000, 2_000_000), build_bundle, 0.08),
    FileKind("css", ".css", ("web/src/styles", "static/css"), 0.06, (3_000, 60_000), build_css, 0.0),
)


# --------------------------------------------------------------------------- corpus plan


@dataclass
class PlannedFile:
    path: str
    kind: FileKind
    target: int
    plants: list[Plant] = field(default_factory=list)


@dataclass(frozen=True)
class PlantedRecord:
    file: str
    line: int
    rule: str
    provider: str
    kind: str
    context: bool
    context_verified: bool | None
    bounded: bool  # no letter, digit or _ right before or after the key


def plan_files(rng: random.Random, noise: Noise, total: int) -> list[PlannedFile]:
    files: list[PlannedFile] = []
    seen: set[str] = set()
    for kind in KINDS:
        budget = int(total * kind.share)
        while budget > 0:
            target = min(rng.randint(*kind.size), max(budget, kind.size[0]))
            path = unique_path(rng, noise, kind, seen)
            files.append(PlannedFile(path, kind, target))
            budget -= target
    rng.shuffle(files)
    return files


def unique_path(rng: random.Random, noise: Noise, kind: FileKind, seen: set[str]) -> str:
    while True:
        folder = rng.choice(kind.dirs).format(a=noise.kebab(), b=noise.snake())
        stem = noise.snake() if kind.name != "env" else rng.choice((".env", ".env.local", ".env.production"))
        name = stem if kind.name == "env" else stem + kind.ext
        path = f"{folder}/{name}".removeprefix("./")
        if path not in seen:
            seen.add(path)
            return path


def assign_plants(rng: random.Random, noise: Noise, files: list[PlannedFile], plants: list[Plant]) -> None:
    """Spread the plants over the files by kind; JSON-fragment keys get a credentials file each."""
    by_kind: dict[str, list[PlannedFile]] = {}
    for planned in files:
        by_kind.setdefault(planned.kind.name, []).append(planned)
    kinds = [k for k in KINDS if k.key_weight > 0 and k.name in by_kind]
    weights = [k.key_weight for k in kinds]
    seen = {f.path for f in files}
    for plant in plants:
        if is_json_fragment(plant.key):
            path = unique_path(rng, noise, SERVICE_ACCOUNT, seen)
            files.append(PlannedFile(path, SERVICE_ACCOUNT, 0, [plant]))
            continue
        kind = rng.choices(kinds, weights)[0]
        rng.choice(by_kind[kind.name]).plants.append(plant)


def make_plants(rng: random.Random, rules: list[RuleLike], names: dict[str, str], count: int) -> list[Plant]:
    """``count`` keys, cycling through the rules in a shuffled order so each rule gets its share."""
    order = list(rules)
    rng.shuffle(order)
    return [
        Plant(rule, make_key(rule, rng), names.get(rule.provider, rule.provider.capitalize()))
        for rule in (order[i % len(order)] for i in range(count))
    ]


# --------------------------------------------------------------------------- writing


def locate(text: str, plant: Plant, path: str, kind: str) -> PlantedRecord:
    pos = text.find(plant.key)
    if pos < 0:
        raise RuntimeError(f"planted key for {plant.rule.id} missing from {path}")
    line = text.count("\n", 0, pos) + 1
    end = pos + len(plant.key)
    glued = (pos > 0 and is_word(text[pos - 1])) or (end < len(text) and is_word(text[end]))
    return PlantedRecord(path, line, plant.rule.id, plant.rule.provider, kind,
                         plant.rule.context is not None, context_seen(plant, text, pos), not glued)


def is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def context_seen(plant: Plant, text: str, pos: int) -> bool | None:
    """Whether the rule's context pattern occurs in its window around the key (None: no context)."""
    ctx = plant.rule.context
    if ctx is None:
        return None
    pattern = getattr(ctx, "pattern", None)
    if pattern is None:
        return None
    end = pos + len(plant.key)
    window = text[max(0, pos - getattr(ctx, "before", 200)):pos] + " " + text[end:end + getattr(ctx, "after", 80)]
    search = pattern.search if hasattr(pattern, "search") else None
    if search is None:
        import re

        search = re.compile(str(pattern)).search
    return search(window) is not None


def write_corpus(out: Path, files: list[PlannedFile], noise: Noise) -> tuple[list[PlantedRecord], int]:
    records: list[PlantedRecord] = []
    total = 0
    for planned in files:
        text = planned.kind.build(noise, planned.target, planned.plants)
        target = out / planned.path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        target.write_bytes(data)
        total += len(data)
        records.extend(locate(text, p, planned.path, planned.kind.name) for p in planned.plants)
    records.sort(key=lambda r: (r.file, r.line))
    places = [(r.file, r.line) for r in records]
    if len(set(places)) != len(places):
        raise RuntimeError("two planted keys share a line; matching by file and line would be ambiguous")
    return records, total


def small_plan(plants: list[Plant]) -> list[PlannedFile]:
    """The startup-dominated case: three small source files, one holding a key."""
    by_name = {k.name: k for k in KINDS}
    return [
        PlannedFile("app.py", by_name["python"], 2_500, plants[:1]),
        PlannedFile("web/client.ts", by_name["typescript"], 2_000),
        PlannedFile("cmd/main.go", by_name["go"], 1_500),
    ]


def small_rule(rules: list[RuleLike]) -> RuleLike:
    """The small case's key: an OpenAI one if there is such a rule, else any prefixed one."""
    prefixed = [r for r in rules if r.context is None] or rules
    return next((r for r in prefixed if r.provider == "openai"), prefixed[0])


def manifest_path(out: Path) -> Path:
    return out.parent / f"{out.name}.manifest.json"


def generate(out: Path, size_mb: float, keys: int, seed: int, small: bool, rules_dir: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    rng = random.Random(seed)
    noise = Noise(rng)
    rules, names, digest = load_key_rules(rules_dir)
    if small:
        plants = [Plant(rule := small_rule(rules), make_key(rule, rng), names.get(rule.provider, rule.provider))]
        files = small_plan(plants)
    else:
        plants = make_plants(rng, rules, names, keys)
        files = plan_files(rng, noise, int(size_mb * 1024 * 1024))
        assign_plants(rng, noise, files, plants)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    records, total = write_corpus(out, files, noise)
    manifest = {
        "corpus": str(out.resolve()),
        "seed": seed,
        "size_mb_requested": 0 if small else size_mb,
        "bytes": total,
        "files": len(files),
        "rules_available": len(rules),
        "rules_digest": digest,
        "generation_seconds": round(time.perf_counter() - started, 2),
        "planted": [asdict(r) for r in records],
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def summarize(manifest: dict[str, Any]) -> str:
    planted = manifest["planted"]
    unverified = [p for p in planted if p["context_verified"] is False]
    text = (f"corpus: {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB, {len(planted)} keys "
            f"({sum(p['context'] for p in planted)} context-rule keys) in {manifest['generation_seconds']} s")
    if unverified:
        ids = sorted({p["rule"] for p in unverified})
        text += f"\nwarning: {len(unverified)} context keys without their context in range: {', '.join(ids)}"
    glued = [p for p in planted if not p["bounded"]]
    if glued:
        text += f"\nwarning: {len(glued)} keys glued to a word character: {', '.join(sorted({p['rule'] for p in glued}))}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="corpus directory (recreated)")
    parser.add_argument("--size-mb", type=float, default=100.0, help="approximate corpus size")
    parser.add_argument("--keys", type=int, default=100, help="number of keys to plant")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="write the 3-small-files corpus (1 key)")
    parser.add_argument("--rules", help="rules directory (default: byok-ci's shipped rules)")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.size_mb, args.keys, args.seed, args.small, args.rules)
    print(summarize(manifest), file=sys.stderr)
    print(manifest_path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
