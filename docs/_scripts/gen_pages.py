"""Pages generated at build time (mkdocs-gen-files runs this file on every build).

- ``reference/scenario.md``: the scenario file format, from the JSON Schema the loader
  publishes (`decide.scenario.scenario_schema`, the same as ``decide schema``);
- ``reference/cli.md``: every ``decide`` subcommand, from the argparse parser itself
  (`decide.cli.build_parser`);
- ``api/*.md``: one page per public package, rendered by mkdocstrings from docstrings;
  the top-level page maps every name in ``decide.__all__`` to the page documenting it;
- ``notebooks/*.py``: copies of the example notebooks (jupytext percent scripts in
  ``notebooks/``, outside docs_dir), rendered by mkdocs-jupyter, and their index page.

Nothing here is written to the repository: mkdocs-gen-files keeps the pages in a
temporary directory that only the build sees.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
#: Public packages documented from their docstrings, in reading order: (module, page, title).
PACKAGES = [
    ("decide.scenario", "api/scenario.md", "decide.scenario"),
    ("decide.optimization", "api/optimization.md", "decide.optimization"),
    ("decide.analyses", "api/analyses.md", "decide.analyses"),
    ("decide.reporting", "api/reporting.md", "decide.reporting"),
]
MODELS = ["models.response", "models.timing", "models.deaths", "models.population",
          "models.violence"]


def cell(text) -> str:
    """``text`` made safe for one Markdown table cell."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    # Pipes inside code spans are fine in Python-Markdown tables; escape the others.
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else p.replace("|", "\\|") for p in parts)


def code(value) -> str:
    """A value as inline code, JSON-spelled (``true``, ``"pert"``)."""
    return "`" + json.dumps(value) + "`"


def number(x) -> str:
    """``1000``, ``0.99``, ``1e+09``: short, exact for the schema's limits."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e6:
        x = int(x)
    return str(x) if isinstance(x, int) and abs(x) < 1e6 else f"{x:g}"


# -- scenario file reference ----------------------------------------------------------------

def is_param(node) -> bool:
    props = node.get("properties", {}) if isinstance(node, dict) else {}
    return {"base", "low", "high", "unit", "source", "confidence"} <= set(props)


def kind(node) -> str:
    if is_param(node):
        return "parameter"
    if "enum" in node:
        return "one of"
    if "const" in node:
        return "constant"
    t = node.get("type", "")
    if t == "array" and isinstance(node.get("items"), dict):
        inner = node["items"].get("type", "")
        return f"array of {inner}s" if inner else "array"
    return t


def allowed(node) -> str:
    """The values a key takes, in words: an enum, a range, a length or a pattern."""
    if "enum" in node:
        return ", ".join(code(v) for v in node["enum"])
    lo = ("(", node["exclusiveMinimum"]) if "exclusiveMinimum" in node else \
        ("[", node.get("minimum"))
    hi = (")", node["exclusiveMaximum"]) if "exclusiveMaximum" in node else \
        ("]", node.get("maximum"))
    if is_param(node):
        base = node["properties"]["base"]
        return allowed(base)
    parts = []
    if lo[1] is not None or hi[1] is not None:
        low = "-inf" if lo[1] is None else number(lo[1])
        high = "inf" if hi[1] is None else number(hi[1])
        parts.append(f"{lo[0]}{low}, {high}{hi[0]}")
    for key, word in (("minItems", "at least"), ("maxItems", "at most"),
                      ("minProperties", "at least"), ("maxProperties", "at most")):
        if key in node:
            what = "entr" + ("y" if node[key] == 1 else "ies") if "Items" in key else \
                "key" + ("" if node[key] == 1 else "s")
            parts.append(f"{word} {node[key]} {what}")
    if node.get("pattern") and node["pattern"] != r"\S":
        parts.append(f"matches {code(node['pattern'])}")
    if node.get("pattern") == r"\S":
        parts.append("not blank")
    return "; ".join(parts)


def describe(node, path) -> str:
    """A node's description without what the other columns say: the ``path: `` prefix
    and the range the schema repeats (``[0, 1e+09] $M per year`` -> ``$M per year``)."""
    text = node.get("description", "")
    prefix = re.match(r"([\w.]+): ", text)
    if prefix and path.endswith(prefix.group(1)):
        text = text[prefix.end():]
    text = re.sub(r"^[\[(][^\])]*[\])]\s*", "", text)
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
    if is_param(node):
        unit = describe(node["properties"]["base"], f"{path}.base")
        text = f"uncertain parameter in {unit}" if unit else "uncertain parameter"
    return text


def rows(node, path, required, out):
    """One table row per key under ``node`` (depth first), parameters as one row each."""
    for key, child in node.get("properties", {}).items():
        if child is False:
            continue
        here = f"{path}.{key}" if path else key
        default = code(child["default"]) if "default" in child else ""
        out.append((here, kind(child), "yes" if key in required else "",
                    allowed(child), default, describe(child, here)))
        if is_param(child):
            continue
        if isinstance(child.get("properties"), dict):
            rows(child, here, set(child.get("required", [])), out)
        items = child.get("items")
        if isinstance(items, dict) and isinstance(items.get("properties"), dict):
            rows(items, f"{here}[]", set(items.get("required", [])), out)
        extra = child.get("additionalProperties")
        if isinstance(extra, dict) and isinstance(extra.get("properties"), dict):
            rows(extra, f"{here}.<name>", set(extra.get("required", [])), out)


def conditional_rules(node, path) -> list[str]:
    """The schema's if/then rules (``allOf`` or one ``if``) in words."""
    rules = []
    for clause in node.get("allOf", []) + ([node] if "if" in node else []):
        cond = clause["if"].get("properties", {})
        (key, test), = cond.items()
        need = clause["then"].get("required", [])
        banned = [k for k, v in clause["then"].get("properties", {}).items() if v is False]
        text = f"when `{key}` is {code(test['const'])}"
        if need:
            text += ": " + ", ".join(f"`{k}`" for k in need) + " required"
        if banned:
            text += ("; " if need else ": ") + ", ".join(f"`{k}`" for k in banned) + \
                " not allowed"
        rules.append(text)
        if "else" in clause:
            other = clause["else"].get("required", [])
            rules.append(f"otherwise: {', '.join(f'`{k}`' for k in other)} required")
    return [f"- in `{path}`, {r}" for r in rules]


def all_rules(node, path, out):
    out += conditional_rules(node, path)
    for key, child in node.get("properties", {}).items():
        if isinstance(child, dict):
            all_rules(child, f"{path}.{key}" if path else key, out)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        all_rules(extra, f"{path}.<name>", out)


#: What a table is for, where the schema gives no description (docs/model.md has more).
TABLES = {
    "name": "shown in the app, the briefing and exports",
    "market": "the illicit market: baseline deaths and how deaths respond to supply",
    "levers": "one `[levers.<name>]` table per policy lever; the name is the key used by "
              "`--set levers.<name>.<key>`, constraints and the other tables",
    "phasing": "the envelope and yearly limits of a year-by-year plan "
               "(`decide solve --phasing`)",
    "mexico": "additional homicides in Mexico: caused by leadership removals, averted by "
              "gun-flow enforcement (`max_mexico_homicides` caps them)",
    "outcomes": "years of life lost per death and money values, for the `life_years` and "
                "`net_benefit` objectives",
    "interactions": "complementarity (one lever's effective spend boosted by another's) "
                    "and a balloon cap on two supply levers' combined effect",
}


def scenario_page() -> str:
    from decide.scenario import scenario_schema

    schema = scenario_schema()
    props = schema["properties"]
    required = set(schema.get("required", []))
    lines = [
        "# Scenario file reference", "",
        "A scenario is a TOML file (or a `.json` file exported by `decide`). This page is "
        "**generated at build time** from the JSON Schema that the loader publishes, "
        "`decide.scenario.scenario_schema()`: the same schema `decide schema --out "
        "scenario.schema.json` writes for editors. It cannot drift from what "
        "`decide.load_scenario` accepts.", "",
        f"> {schema.get('description', '')}", "",
        "Money is in $M per year in dollars of the scenario's `dollar_year`; fractions are "
        "written as fractions (15% as `0.15`). Ranges use `[` `]` for inclusive and "
        "`(` `)` for exclusive ends. The shipped scenarios in `inputs/` "
        "(`baseline.toml`, ...) are worked examples, each with a header comment.", "",
        "## Top-level keys", "",
        "| key | type | required | values | default | description |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, node in props.items():
        default = code(node["default"]) if "default" in node else ""
        lines.append(f"| [`{key}`](#{key}) | {cell(kind(node))} | "
                     f"{'yes' if key in required else ''} | {cell(allowed(node))} | "
                     f"{cell(default)} | {cell(describe(node, key))} |")
    lines.append("")
    for key, node in props.items():
        lines += [f"## `{key}` {{ #{key} }}", ""]
        text = describe(node, key) or TABLES.get(key, "")
        facts = [kind(node).capitalize() + (", required" if key in required else "")]
        if allowed(node):
            facts.append(f"values {allowed(node)}")
        if "default" in node:
            facts.append(f"default {code(node['default'])}")
        lines += ["; ".join(facts) + (f". {sentence(text)}" if text else "."), ""]
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("description"):
            lines += [f"Each `[{key}.<name>]` table: {extra['description']}.", ""]
        if isinstance(node.get("propertyNames"), dict):
            lines += [f"Names match {code(node['propertyNames']['pattern'])}.", ""]
        table = []
        rows(node, key, set(node.get("required", [])), table)
        if isinstance(extra, dict) and isinstance(extra.get("properties"), dict):
            rows(extra, f"{key}.<name>", set(extra.get("required", [])), table)
        if isinstance(node.get("items"), dict):
            items = node["items"]
            if isinstance(items.get("properties"), dict):
                rows(items, f"{key}[]", set(items.get("required", [])), table)
            else:
                lines += [f"Each entry: {cell(kind(items))}"
                          f"{', ' + allowed(items) if allowed(items) else ''}.", ""]
        if table:
            lines += ["| key | type | required | values | default | description |",
                      "| --- | --- | --- | --- | --- | --- |"]
            lines += [f"| `{p}` | {cell(t)} | {r} | {cell(a)} | {cell(d)} | {cell(s)} |"
                      for p, t, r, a, d, s in table]
            lines.append("")
        rules = []
        all_rules(node, key, rules)
        if rules:
            lines += ["Conditional rules:", "", *rules, ""]
    # The shape every uncertain parameter shares (read from one of them).
    example = next(n for n in props["market"]["properties"].values() if is_param(n))
    lines += [
        "## Uncertain parameters { #parameters }", "",
        "Every row of type *parameter* above is an inline table with the same keys "
        "(the range in the tables applies to `base`, `low` and `high`; the loader also "
        "checks `low <= base <= high`):", "",
        "| key | type | required | values | default |",
        "| --- | --- | --- | --- | --- |",
    ]
    req = set(example.get("required", []))
    for k, child in example["properties"].items():
        values = "as the parameter's range" if k in ("base", "low", "high") else \
            allowed(child)
        default = code(child["default"]) if "default" in child else ""
        lines.append(f"| `{k}` | {cell(kind(child))} | {'yes' if k in req else ''} | "
                     f"{cell(values)} | {cell(default)} |")
    lines += ["", "For example (from `inputs/baseline.toml`, source shortened):", "",
              "```toml",
              "[market]",
              'substitution = { base = 0.15, low = 0.0, high = 0.5, unit = "fraction", '
              'confidence = "judgement", source = "Judgement; Pitt, Humphreys & Brandeau, '
              'AJPH 108(10):1394-1400, 2018 ..." }',
              "```", "",
              "See [How to cite the evidence](../cite.md) for what `unit`, `source` and "
              "`confidence` promise.", ""]
    return "\n".join(lines)


# -- CLI reference --------------------------------------------------------------------------

def sentence(text) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


def usage(parser, width=88) -> str:
    formatter = argparse.HelpFormatter(parser.prog, width=width)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def expand_help(parser, action) -> str:
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    formatter = argparse.HelpFormatter(parser.prog)
    return formatter._expand_help(action)


def option_rows(parser) -> list[str]:
    out = ["| argument | value | default | description |", "| --- | --- | --- | --- |"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        name = ", ".join(action.option_strings) or action.dest
        if action.nargs == 0:
            value = ""
        elif action.choices is not None:
            value = ", ".join(code(c) for c in action.choices)
        else:
            value = action.metavar or (action.dest.upper() if action.option_strings
                                       else "")
            value = f"`{value}`" if value else ""
            if action.type not in (None, str):
                value += f" ({action.type.__name__})"
        default = action.default
        default = "" if default is None or default is argparse.SUPPRESS \
            or action.nargs == 0 else code(default)
        words = expand_help(parser, action)
        flags = []
        if action.required and action.option_strings:
            flags.append("required")
        if isinstance(action, argparse._AppendAction):
            flags.append("repeatable")
        if flags and "repeatable" in flags and "repeatable" in words:
            flags.remove("repeatable")
        if flags:
            words = f"*{', '.join(flags)}*" + (f": {words}" if words else "")
        out.append(f"| `{name}` | {cell(value)} | {cell(default)} | {cell(words)} |")
    return out


def cli_page() -> str:
    from decide.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    lines = [
        "# Command line reference", "",
        "**Generated at build time** from the `decide` command's own argparse parser "
        "(`decide.cli.build_parser`), so it lists exactly what the installed command "
        "accepts; `decide <command> --help` prints the same. Run `. .venv/bin/activate` "
        "first, or call `.venv/bin/decide`.", "",
        "```text", usage(parser), "```", "",
        parser.description or "", "",
        "Exit codes: 0 success; 2 invalid input or infeasible constraints (one line on "
        "stderr); 3 solver failure; 1 internal error; 130 interrupted. Files given to "
        "`--out` and `--plot` are written atomically: a failed run leaves none.", "",
        "## Commands", "",
        "| command | what it does |", "| --- | --- |",
    ]
    for name in sub.choices:
        lines.append(f"| [`{name}`](#{name}) | {cell(helps.get(name, ''))} |")
    lines.append("")
    for name, p in sub.choices.items():
        lines += [f"## `decide {name}` {{ #{name} }}", "",
                  sentence(helps.get(name) or ""), "",
                  "```text", usage(p), "```", ""]
        if p.description:
            lines += [p.description, ""]
        lines += option_rows(p) + [""]
    return "\n".join(lines)


# -- API reference --------------------------------------------------------------------------

def comment_before(package: str, name: str) -> str:
    """The ``#:`` comment above ``name = ...`` in the package's modules (mkdocstrings
    reads docstrings, not these comments), or ``""``."""
    import ast

    file = Path(importlib.import_module(package).__file__)
    paths = sorted(file.parent.glob("*.py")) if file.name == "__init__.py" else [file]
    for path in paths:
        source = path.read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                lines = source.splitlines()[:node.lineno - 1]
                comment = []
                while lines and lines[-1].lstrip().startswith("#:"):
                    comment.insert(0, lines.pop().lstrip()[2:].strip())
                return " ".join(comment)
    return ""


def constants_section(package: str, heading="## Constants") -> list[str]:
    """A table of the package's exported values (not classes or functions)."""
    module = importlib.import_module(package)
    names = [n for n in module.__all__ if not callable(getattr(module, n))]
    if not names:
        return []
    out = [heading, "", "| name | value | meaning |", "| --- | --- | --- |"]
    for name in names:
        value = getattr(module, name)
        text = repr(value)
        if len(text) > 60 and not hasattr(value, "__len__"):
            text = f"a `{type(value).__name__}`"
        elif len(text) > 60:
            kind_ = type(value).__name__
            keys = list(value)[:6] if isinstance(value, dict) else []
            text = f"{kind_} of {len(value)}" + (
                ": " + ", ".join(f"`{k}`" for k in keys) + (", ..." if len(value) > 6
                                                              else "") if keys else "")
        else:
            text = f"`{text}`"
        out.append(f"| <a id=\"{package}.{name}\"></a>`{package}.{name}` | {cell(text)} | "
                   f"{cell(comment_before(package, name))} |")
    return out + [""]


def api_pages() -> dict[str, str]:
    import decide

    pages = {}
    where = {}
    for module, page, _ in PACKAGES:
        for name in importlib.import_module(module).__all__:
            where.setdefault(name, (module, page))
    lines = [
        "# API reference", "",
        "Rendered from the docstrings (numpydoc style) by mkdocstrings at build time. "
        "`import decide` gives the names below; each is documented on the page of the "
        "package it lives in, with everything else that package exports (its `__all__`).",
        "",
        "::: decide",
        "    options:",
        "      members: false",
        "      show_root_heading: false",
        "      show_root_toc_entry: false",
        "",
        "## `decide.__all__`", "",
        "| name | kind | documented in |", "| --- | --- | --- |",
    ]
    for name in sorted(decide.__all__, key=str.lower):
        obj = getattr(decide, name)
        what = "class" if isinstance(obj, type) else "function" if callable(obj) else "value"
        module, page = where.get(name, ("decide.errors", "api/index.md"))
        target = f"{module}.{name}"
        rel = Path(page).name
        lines.append(f"| [`decide.{name}`]({rel}#{target}) | {what} | `{module}` |")
    lines += ["", "Also: `decide.__version__` (the toolkit's version, recorded in every "
              "export) and the packages below.", "",
              "| package | what lives there |", "| --- | --- |"]
    for module, page, _ in PACKAGES:
        doc = (importlib.import_module(module).__doc__ or "").strip().split("\n\n")[0]
        lines.append(f"| [`{module}`]({Path(page).name}) | {cell(doc)} |")
    lines.append("| [`models`](models.md) | the science, numpy only: response curves, "
                 "timing, the deaths kernel, the population model, Mexican violence |")
    lines += ["", "## Errors", "",
              "Every error `decide` raises on purpose derives from `DecideError`.", "",
              "::: decide.errors",
              "    options:",
              "      show_root_heading: false",
              "      show_root_toc_entry: false",
              "      heading_level: 3", ""]
    pages["api/index.md"] = "\n".join(lines)
    for module, page, title in PACKAGES:
        pages[page] = "\n".join([
            f"# `{title}`", "",
            f"::: {module}",
            "    options:",
            "      show_root_heading: false",
            "      show_root_toc_entry: false",
            "", *constants_section(module)])
    models = ["# `models`: the projected-deaths model", "",
              "Pure numpy, no solver and no pandas: the science the optimiser and the "
              "analyses build on. The equations are in [The model](../model.md).", ""]
    for module in MODELS:
        models += [f"::: {module}", "",
                   *constants_section(module, f"### Constants of `{module}`")]
    pages["api/models.md"] = "\n".join(models)
    return pages


# -- notebooks ------------------------------------------------------------------------------

def notebook_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s+#\s+(.+)", line)
        if m:
            return m.group(1).strip()
    return path.stem.replace("_", " ")


def executed_copy(path: Path) -> Path | None:
    """The executed copy of notebook ``path`` (``$DECIDE_EXECUTED_NOTEBOOKS/<stem>.ipynb``,
    written by ``python -m tests.run_notebooks``), or None."""
    folder = os.environ.get("DECIDE_EXECUTED_NOTEBOOKS")
    copy = Path(folder) / f"{path.stem}.ipynb" if folder else None
    return copy if copy is not None and copy.is_file() else None


def page_name(path: Path) -> str:
    """The notebook's file in the site's sources: its executed copy if there is one."""
    return f"{path.stem}.ipynb" if executed_copy(path) is not None else path.name


def notebook_copy(path: Path, execute: bool) -> str:
    """The notebook as the site renders it: unchanged when executed; otherwise with a
    note after its title cell that the page shows no outputs, and how to get them."""
    text = path.read_text(encoding="utf-8")
    if execute:
        return text
    import jupytext

    nb = jupytext.reads(text, fmt="py:percent")
    note = jupytext.reads(
        "# %% [markdown]\n"
        "# > **Rendered without running.** This page shows the notebook's code and text, "
        "not its outputs: the site does not run the notebooks (see "
        # nbconvert renders this cell, not MkDocs: link to the built page itself.
        "[Notebooks](index.html)). Run it with "
        f"`python notebooks/{path.name}` or open it in Jupyter.\n", fmt="py:percent")
    at = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    nb.cells.insert(at, note.cells[0])
    return jupytext.writes(nb, fmt="py:percent")


def notebooks_page(execute: bool, executed: int = 0) -> str:
    lines = [
        "# Notebooks", "",
        "Worked examples, written as [jupytext](https://jupytext.readthedocs.io) percent "
        "scripts in `notebooks/` (plain Python files that open as notebooks in Jupyter, "
        "and run as they are with `python notebooks/<name>.py`). The site renders them with "
        "mkdocs-jupyter.", "",
    ]
    if execute or (NOTEBOOKS and executed == len(NOTEBOOKS)):
        lines += ["They were **run for this build** (`python -m tests.run_notebooks`, which "
                  "`make docs` and `make test` call), so their outputs are the ones this "
                  "version of `decide` produces; each checks numbers it shows with "
                  "`assert`.", ""]
    else:
        lines += ["They are rendered **without executing them** (code and text only, no "
                  "outputs): executing the four notebooks added about 95 s to a build that "
                  "otherwise takes about 10 s (measured on two CPU cores), and `make test` "
                  "runs them anyway (`tests/test_notebooks.py`). For the outputs, run one "
                  "yourself after `. .venv/bin/activate`: `python notebooks/<name>.py`, or "
                  "`jupytext --to ipynb --output <name>.ipynb notebooks/<name>.py` and open "
                  "that in Jupyter (outside `notebooks/`, which holds the scripts only).", ""]
    if NOTEBOOKS:
        lines += [f"- [{notebook_title(p)}]({page_name(p)})" for p in NOTEBOOKS]
    else:
        lines.append("No notebook yet: `notebooks/*.py` is empty.")
    lines.append("")
    return "\n".join(lines)


def main():
    cfg = mkdocs_gen_files.config
    plugin = cfg.plugins.get("mkdocs-jupyter")
    execute = bool(plugin and plugin.config["execute"])
    executed = {nb: executed_copy(nb) for nb in NOTEBOOKS}
    pages = {"reference/scenario.md": scenario_page(), "reference/cli.md": cli_page(),
             "notebooks/index.md": notebooks_page(
                 execute, sum(c is not None for c in executed.values())), **api_pages()}
    for path, text in pages.items():
        with mkdocs_gen_files.open(path, "w") as fh:
            fh.write(text)
    for nb, copy in executed.items():
        if copy is not None:  # run already: its outputs are shown as they came
            with mkdocs_gen_files.open(f"notebooks/{nb.stem}.ipynb", "w") as fh:
                fh.write(copy.read_text(encoding="utf-8"))
        else:
            with mkdocs_gen_files.open(f"notebooks/{nb.name}", "w") as fh:
                fh.write(notebook_copy(nb, execute))


main()
