"""byok_ci._precompiled: the hook's records get the methods @dataclass writes, compiled with the package."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from types import CodeType
from typing import Any

import pytest

from byok_ci import _precompiled
from byok_ci._precompiled import generate, key_of, methods_1, methods_2, methods_3

COMPILED = {**methods_1.CODE, **methods_2.CODE, **methods_3.CODE}


@pytest.fixture(scope="module")
def recorded() -> tuple[str, list[str]]:
    return generate.recorded_texts()


@pytest.fixture(scope="module")
def texts(recorded: tuple[str, list[str]]) -> list[str]:
    """What this Python's dataclasses write for the hook's records; a test that needs the
    modules to hold them is skipped where they write texts of another format (3.12, 3.13)."""
    text_format, texts = recorded
    if text_format != generate.written_format():
        pytest.skip(f"this Python's dataclasses write texts of format {text_format}, "
                    f"the modules hold format {generate.written_format()}")
    return texts


def _create_fn(text: str, filename: str = "<string>") -> CodeType:
    """The code of the one function a text of dataclasses defines."""
    # dont_inherit: as dataclasses compiles it, without this module's __future__ import
    (code,) = [c for c in compile(text, filename, "exec", dont_inherit=True).co_consts if isinstance(c, CodeType)]
    return code


def _same_code(left: CodeType, right: CodeType) -> None:
    """The same code, but for where it was compiled from (file name, lines)."""
    for name in ("co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_flags",
                 "co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_name", "co_stacksize"):
        assert getattr(left, name) == getattr(right, name), name
    assert getattr(left, "co_qualname", None) == getattr(right, "co_qualname", None)
    assert len(left.co_consts) == len(right.co_consts)
    for mine, theirs in zip(left.co_consts, right.co_consts):
        if isinstance(mine, CodeType):
            _same_code(mine, theirs)
        else:
            assert type(mine) is type(theirs) and mine == theirs


def test_every_compiled_text_is_the_code_of_that_text(texts: list[str]) -> None:
    """Looked up by its text's SHA-256, the code is what compiling the text gives."""
    held = [text for text in texts if key_of(text) in COMPILED]  # all, when the modules are up to date
    assert held
    for text in held:
        _same_code(COMPILED[key_of(text)], _create_fn(text))


def test_the_modules_are_up_to_date(texts: list[str]) -> None:
    """Every text is there, and no other (the first line names the Python that wrote them)."""
    written = [(generate.HERE / name).read_text().split("\n", 1)[1] for name in generate.PARTS]
    wanted = [content.split("\n", 1)[1] for content in generate.module_texts(generate.written_format(), texts)]
    assert wanted == written, "run: python -m byok_ci._precompiled.generate"


_PROBE = """
import dataclasses, sys
sys.argv = [sys.argv[1], "scan"]
compiled = []
create_fn = dataclasses._create_fn
def counted(name, *args, **kwargs):
    made = create_fn(name, *args, **kwargs)
    if made.__code__.co_filename == "<string>":
        compiled.append(name)
    return made
dataclasses._create_fn = counted
import byok_ci.cli.scan, byok_ci.scan, byok_ci.scan_git, byok_ci.sources.git.staged, byok_ci.report.text
from byok_ci.model import Finding
init = Finding.__init__
print(init.__module__, init.__qualname__, init.__code__.co_filename.rsplit("/", 1)[-1], len(compiled),
      "exec" in vars(dataclasses))
"""


def _probe(argv0: str) -> tuple[str, str, str, int, str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, argv0], capture_output=True, text=True, check=True)
    module, qualname, filename, compiled, installed = done.stdout.split()
    return module, qualname, filename, int(compiled), installed


def test_the_scan_command_compiles_none_of_its_records_methods(texts: list[str]) -> None:
    assert _probe("byok-ci") == ("byok_ci.model", "Finding.__init__", "methods_1.py", 0, "True")


def test_any_other_process_compiles_as_dataclasses_does() -> None:
    module, qualname, filename, compiled, installed = _probe("python")
    assert (module, qualname, filename, installed) == ("byok_ci.model", "Finding.__init__", "<string>", "False")
    assert compiled > 0


def _define(source: str) -> Any:
    namespace: dict[str, Any] = {"dataclass": dataclasses.dataclass}
    exec(source, namespace)
    return namespace["Item"]


def test_records_made_from_compiled_texts_behave_as_dataclasses_make_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """One class defined both ways: the same fields, equality, hash and text, and no change allowed."""
    source = "@dataclass(frozen=True)\nclass Item:\n    name: str\n    size: int = 0\n"
    seen: list[str] = []

    def recording(text: str, globals: dict[str, Any], locals: dict[str, Any]) -> None:  # noqa: A002
        seen.append(text)
        exec(compile(text, "<string>", "exec", dont_inherit=True), globals, locals)

    monkeypatch.setitem(vars(dataclasses), "exec", recording)
    plain = _define(source)
    monkeypatch.setattr(_precompiled, "_code", {key_of(text): _create_fn(text, "<precompiled>") for text in seen})
    _precompiled.install()
    try:
        precompiled = _define(source)
    finally:
        _precompiled.uninstall()
    assert "exec" not in vars(dataclasses)
    for name in ("__init__", "__setattr__", "__delattr__", "__repr__", "__eq__", "__hash__"):
        method = getattr(precompiled, name)
        assert getattr(method, "__wrapped__", method).__code__.co_filename == "<precompiled>", name
        assert method.__qualname__ == f"Item.{name}" and method.__module__ == getattr(plain, name).__module__
    assert repr(precompiled("a", 2)) == repr(plain("a", 2)) == "Item(name='a', size=2)"
    assert precompiled("a") == precompiled("a", 0) and hash(precompiled("a")) == hash(plain("a"))
    assert [f.name for f in dataclasses.fields(precompiled)] == ["name", "size"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        precompiled("a").size = 3
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'name'"):
        precompiled()


def test_exec_of_anything_else_is_dataclasses_exec() -> None:
    """Compiled as dataclasses compiles it: annotations evaluated, not strings (no __future__)."""
    namespace: dict[str, Any] = {}
    _precompiled._exec("x = 6 * 7\ndef f(a: int) -> None: pass", namespace, namespace)
    assert namespace["x"] == 42 and namespace["f"].__annotations__ == {"a": int, "return": None}
