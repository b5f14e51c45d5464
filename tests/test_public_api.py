"""The public API: what it is, and that it does not change by accident.

The public API is every name in ``decide.__all__`` and in the ``__all__`` of the
subpackages ``decide.scenario``, ``decide.optimization``, ``decide.analyses`` and
``decide.reporting`` (and of ``models``, should it ever declare one), with, for each
function and class, its parameters, and, for each class, its public methods, properties
and enum members. Everything else (submodules' own helpers, underscored names, the CLI's
internals) may change in any release.

``tests/data/public_api.txt`` stores that surface, one entry a line. The tests below fail
when a stored name disappears, a function or method loses or renames a parameter, a
parameter moves (a positional one changes place, or becomes keyword-only), a parameter
with a default loses it, or a new parameter arrives without a default: each of these
breaks someone's code, and under the versioning policy in ``CHANGELOG.md`` it needs a new
MAJOR version (a MINOR one while the version is 0.x) and a line under "Removed" or
"Changed". Adding names, parameters with defaults, methods or properties is fine: the
test then warns that the stored list is behind. After any intended change, regenerate
the list and commit it with the change::

    .venv/bin/python -m tests.test_public_api --update

Other checks: every ``__all__`` lists only names that exist, once each, none private; a
public module exposes no other public-looking name, except submodules (``decide.cli``,
``decide.analyses.sampling``, ...: namespaces, whose own ``__all__`` is the submodule's
business, not the package's) and dunders such as ``__version__``; names imported for
internal use must be underscored or dropped, because users reach whatever
``decide.<name>`` offers and will depend on it. Every public function and class has a
numpydoc ``Examples`` section with a doctest that ``pytest --doctest-modules`` runs, so
the examples cannot rot. ``decide.__version__`` equals ``pyproject.toml``'s version, is
MAJOR.MINOR.PATCH (semantic versioning) and has its section in ``CHANGELOG.md``.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import inspect
import re
import sys
import tomllib
import types
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "tests" / "data" / "public_api.txt"
PACKAGES = ("decide", "decide.scenario", "decide.optimization", "decide.analyses",
            "decide.reporting", "models")
UPDATE = ".venv/bin/python -m tests.test_public_api --update"

#: Public callables whose examples another change is adding (the file writing rework):
#: remove a name from here once its docstring has an Examples section.
EXAMPLES_PENDING = {"decide.reporting.export_bytes", "decide.reporting.write_atomic"}

_HEADER = f"""\
# The public API of decide, checked by tests/test_public_api.py (read its docstring).
# One entry a line: <name> <kind> [<parameters>]; a parameter with a default ends in
# "=", "*" starts the keyword-only ones, "/" ends the positional-only ones.
# Regenerate after an intended change: {UPDATE}
"""


# -- the surface ------------------------------------------------------------------------
def public_modules():
    """The packages above that declare ``__all__``, in that order."""
    out = []
    for name in PACKAGES:
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            out.append(module)
    return out


def _parameters(obj):
    """``sc, *, n, seed=`` for a callable (``self``/``cls`` left out); ``*args,
    **kwargs`` when it has no signature that inspect can read (an exception class)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "*args, **kwargs"
    parts, star = [], False
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    for k, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star = True
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        else:
            parts.append(p.name + ("=" if p.default is not p.empty else ""))
        if p.kind is p.POSITIONAL_ONLY and (k + 1 == len(params)
                                            or params[k + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    return ", ".join(parts)


def _own_members(cls):
    """Public methods, properties and other attributes defined by ``cls`` or its bases
    inside this project (not by ``object``, ``Exception`` or ``Enum``), dataclass fields
    aside (they are the constructor's parameters)."""
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) \
        else set()
    out = {}
    for base in reversed(cls.__mro__):
        if base.__module__.split(".")[0] not in ("decide", "models"):
            continue
        for name, value in vars(base).items():
            if name.startswith("_") or name in fields:
                continue
            if isinstance(cls, enum.EnumMeta) and name in cls.__members__:
                continue
            out[name] = value
    return out


def surface():
    """Every public entry as ``{name: (kind, parameters or "")}``."""
    entries = {}
    seen_classes = set()
    for module in public_modules():
        for name in module.__all__:
            obj = getattr(module, name)
            full = f"{module.__name__}.{name}"
            if inspect.isclass(obj):
                if isinstance(obj, enum.EnumMeta):
                    entries[full] = ("enum", "")
                else:
                    entries[full] = ("class", _parameters(obj))
                if id(obj) in seen_classes:  # members under the first name only
                    continue
                seen_classes.add(id(obj))
                if isinstance(obj, enum.EnumMeta):
                    for member in obj.__members__:
                        entries[f"{full}.{member}"] = ("member", "")
                for member, value in _own_members(obj).items():
                    key = f"{full}.{member}"
                    if isinstance(value, property | functools.cached_property):
                        entries[key] = ("property", "")
                    elif isinstance(value, classmethod | staticmethod):
                        entries[key] = ("method", _parameters(getattr(obj, member)))
                    elif callable(value):
                        entries[key] = ("method", _parameters(value))
                    else:
                        entries[key] = ("attribute", "")
            elif callable(obj):
                entries[full] = ("function", _parameters(obj))
            else:
                entries[full] = ("constant", "")
    return entries


def render(entries):
    lines = [f"{name} {kind}" + (f" ({params})" if kind in ("function", "class", "method")
                                 else "")
             for name, (kind, params) in sorted(entries.items())]
    return _HEADER + "\n".join(lines) + "\n"


_LINE = re.compile(r"^(?P<name>\S+) (?P<kind>\w+)(?: \((?P<params>.*)\))?$")


def stored():
    out = {}
    for line in STORED.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = _LINE.match(line)
        assert m, f"{STORED.name}: unreadable line {line!r}; regenerate it: {UPDATE}"
        out[m["name"]] = (m["kind"], m["params"] or "")
    return out


# -- comparing two signatures ---------------------------------------------------------
def _split(params):
    """(positional, keyword-only, has *args, has **kwargs, names with a default) of a
    stored parameter list."""
    positional, keyword, var_pos, var_kw, defaults = [], [], False, False, set()
    star = False
    for part in [p.strip() for p in params.split(",") if p.strip()]:
        if part == "/":
            continue
        if part == "*":
            star = True
            continue
        if part.startswith("**"):
            var_kw = True
            continue
        if part.startswith("*"):
            var_pos = star = True
            continue
        name = part.rstrip("=")
        if part.endswith("="):
            defaults.add(name)
        (keyword if star else positional).append(name)
    return positional, keyword, var_pos, var_kw, defaults


def incompatibilities(old, new, *, by_position=True):
    """Why a call that works with the ``old`` parameters may fail with the ``new`` ones
    (an empty list when none). ``by_position=False`` (class constructors: the results
    are built by the library, by keyword) checks names and defaults, not places."""
    o_pos, o_kw, o_var_pos, o_var_kw, o_def = _split(old)
    n_pos, n_kw, n_var_pos, n_var_kw, n_def = _split(new)
    problems = []
    for k, name in enumerate(o_pos):
        if name not in n_pos and name not in n_kw:
            if not n_var_kw:
                problems.append(f"parameter '{name}' was removed or renamed")
        elif not by_position:
            continue
        elif name in n_kw:
            problems.append(f"parameter '{name}' is now keyword-only (was place {k + 1})")
        elif n_pos.index(name) != k:
            problems.append(f"parameter '{name}' moved from place {k + 1} to "
                            f"{n_pos.index(name) + 1}")
    for name in o_kw:
        if name not in n_kw and name not in n_pos and not n_var_kw:
            problems.append(f"parameter '{name}' was removed or renamed")
    for name in o_def:
        if (name in n_pos or name in n_kw) and name not in n_def:
            problems.append(f"parameter '{name}' lost its default (now required)")
    for name in n_pos[len(o_pos):] + n_kw:
        if name not in o_pos and name not in o_kw and name not in n_def:
            problems.append(f"new parameter '{name}' has no default (old calls lack it)")
    if o_var_pos and not n_var_pos:
        problems.append("*args was removed")
    if o_var_kw and not n_var_kw:
        problems.append("**kwargs was removed")
    return problems


# -- the tests ---------------------------------------------------------------------------
def test_no_public_name_or_parameter_disappears():
    """The stored surface still holds: names, kinds and compatible parameters."""
    before, now = stored(), surface()
    problems = []
    for name, (kind, params) in sorted(before.items()):
        if name not in now:
            problems.append(f"{name}: removed (was a {kind})")
            continue
        new_kind, new_params = now[name]
        if new_kind != kind:
            problems.append(f"{name}: was a {kind}, is now a {new_kind}")
        elif kind in ("function", "class", "method"):
            problems += [f"{name}: {p}" for p in incompatibilities(
                params, new_params, by_position=kind != "class")]
    assert not problems, (
        "the public API changed incompatibly:\n  " + "\n  ".join(problems)
        + "\nIf this is intended, it is a breaking change (CHANGELOG.md, versioning "
        f"policy): record it in CHANGELOG.md, bump the version, then run {UPDATE}")
    added = sorted(set(now) - set(before))
    changed = sorted(n for n in set(now) & set(before) if now[n] != before[n])
    if added or changed:
        warnings.warn(f"tests/data/public_api.txt is behind ({len(added)} new, "
                      f"{len(changed)} extended: {', '.join((added + changed)[:5])}...): "
                      f"run {UPDATE}", stacklevel=1)


def test_the_stored_list_is_readable_and_sorted():
    text = STORED.read_text()
    assert text.startswith(_HEADER), f"regenerate {STORED.name}: {UPDATE}"
    names = list(stored())
    assert names == sorted(names)
    assert {n.split(".")[0] for n in names} <= {"decide", "models"}


def test_the_comparison_catches_breaking_changes():
    assert incompatibilities("sc, *, n, seed=", "sc, *, n, seed=, chunk=") == []
    assert incompatibilities("sc, *, n, seed=", "sc, n, seed=") == []  # more permissive
    assert incompatibilities("a, b=", "a, b=, c=") == []
    assert incompatibilities("sc, *, n, seed=", "sc, *, draws, seed=")  # renamed
    assert incompatibilities("sc, *, n, seed=", "sc, *, n, seed")  # default lost
    assert incompatibilities("sc, *, n", "sc, *, n, extra")  # a new required parameter
    assert incompatibilities("a, b", "b, a")  # positional order
    assert incompatibilities("a, b=", "a, *, b=")  # positional -> keyword-only
    assert incompatibilities("*args, **kwargs", "message")
    assert incompatibilities("a, b, c=", "b, a, d=, c=", by_position=False) == []
    assert incompatibilities("a, b, c=", "a, c=", by_position=False)


@pytest.mark.parametrize("module", [m.__name__ for m in public_modules()])
def test_all_lists_existing_public_names_once(module):
    mod = importlib.import_module(module)
    names = list(mod.__all__)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"{module}.__all__ repeats {duplicates}"
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ lists missing {missing}"
    private = [n for n in names if n.startswith("_")]
    assert not private, f"{module}.__all__ lists private names {private}"


@pytest.mark.parametrize("module", [m.__name__ for m in public_modules()])
def test_no_unlisted_public_looking_names(module):
    """``decide.X`` is public unless X is in ``__all__``, private, a dunder or a
    submodule (see the module docstring)."""
    mod = importlib.import_module(module)
    stray = sorted(n for n, v in vars(mod).items()
                   if n not in mod.__all__ and not n.startswith("_")
                   and not isinstance(v, types.ModuleType))
    assert not stray, (f"{module} exposes {stray} without listing them in __all__: add "
                       "them to __all__ (with docs and an example) or underscore them")


def _public_callables():
    out, seen = [], set()
    for module in public_modules():
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                out.append(pytest.param(obj, id=f"{module.__name__}.{name}"))
    return out


@pytest.mark.parametrize("obj", _public_callables())
def test_every_public_function_and_class_has_a_runnable_example(obj, request):
    name = request.node.callspec.id
    doc = inspect.getdoc(obj) or ""
    has = bool(re.search(r"^Examples\n-{8,}\n(.*\n)*?>>> ", doc + "\n", re.M))
    if name in EXAMPLES_PENDING:
        if has:
            warnings.warn(f"{name} has its example now: remove it from EXAMPLES_PENDING",
                          stacklevel=1)
        return
    assert has, f"{name}: no numpydoc 'Examples' section with a doctest (>>>)"
    # the docstring must live where `pytest --doctest-modules decide models` collects it
    module = obj.__module__
    assert module.split(".")[0] in ("decide", "models"), module
    source = Path(inspect.getsourcefile(obj)).resolve()
    assert ROOT in source.parents, source
    assert obj.__doc__ and ">>>" in obj.__doc__  # its own docstring, not inherited


def test_version_is_semantic_and_matches_pyproject():
    import decide

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert decide.__version__ == project["version"]
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", decide.__version__), (
        f"{decide.__version__!r} is not MAJOR.MINOR.PATCH")


def test_changelog_has_the_current_version():
    import decide

    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(decide.__version__)}\]", text, re.M), (
        f"CHANGELOG.md has no section for {decide.__version__}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {UPDATE}")
    STORED.write_text(render(surface()))
    print(f"wrote {STORED.relative_to(ROOT)} ({len(surface())} entries)")
