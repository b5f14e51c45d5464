"""The ``decide`` command line: subcommands mirror the library functions.

Exit codes: 0 success; 2 invalid input, infeasible constraints or a file that cannot be
read or written; 3 solver failure; 130 interrupted (Ctrl-C); 141 the reader of standard
output went away (``| head``); 1 internal error. Errors are one line on stderr, never a
traceback.

Files: ``--out -`` (and ``--plot -``) is standard output; the text that would go there
then goes to stderr. Every file is written by `decide.files` (atomically, with the mode a
plain ``open()`` would give; symlinks, devices and FIFOs honoured).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _load(args):
    from .scenario import apply_overrides, load_scenario, parse_overrides

    sc = load_scenario(args.scenario)
    overrides = parse_overrides(getattr(args, "set", None), source="--set")
    extra = getattr(args, "constraint", None)
    if extra:
        overrides["constraints"] = [c.text for c in sc.constraints] + list(extra)
    return apply_overrides(sc, overrides, source=f"{args.scenario} (--set)") if overrides \
        else sc


def _width():
    """Columns of the terminal (``COLUMNS`` first; 100 when not a terminal)."""
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _fmt(value, spec):
    """``value`` formatted by ``spec``, without a minus sign on a zero ("-0.0")."""
    text = format(value, spec)
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]
    return text


def _wrap(text, indent=""):
    """``text`` wrapped to the terminal's width; continuation lines indented."""
    import textwrap

    return textwrap.fill(text, _width(), subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


def _missing(value):
    import math

    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _text_table(columns, rows):
    """A plain-text table: ``columns`` is a list of (header, align) with align ``"l"`` or
    ``"r"``; ``rows`` hold strings. Headers wrap onto several lines (bottom-aligned) so
    that a column is about as wide as its values, not as its header."""
    import textwrap

    widths = []
    heads = []
    for j, (header, align) in enumerate(columns):
        cells = max((len(r[j]) for r in rows), default=0)
        lines = textwrap.wrap(header, max(cells, 11 if align == "r" else 5),
                              break_long_words=False, break_on_hyphens=False) or [""]
        heads.append(lines)
        widths.append(max(cells, *(len(x) for x in lines)))
    depth = max(len(h) for h in heads)
    heads = [[""] * (depth - len(h)) + h for h in heads]

    def line(cells):
        out = [c.ljust(w) if a == "l" else c.rjust(w)
               for c, w, (_, a) in zip(cells, widths, columns)]
        return "  ".join(out).rstrip()

    return "\n".join([line([h[i] for h in heads]) for i in range(depth)]
                     + [line(r) for r in rows])


def _allocation_tables(res):
    """The allocation table (and, with an ``[outcomes]`` table, the outcomes per lever)
    as text, with lever labels and units, and footnotes for the cells left empty."""
    from .optimization.certificate import FUNDED

    t = res.table
    unit = res.objective_unit
    per = f"{unit} per extra $1M/yr"
    # (column, header, format); cost per death and BCR do not exist for an unfunded lever
    main = [("spend", "Spend $M/yr", ",.1f"), ("share", "Share", ".1%"),
            ("deaths_averted", "Deaths averted", ",.1f"),
            ("marginal_deaths_averted_per_musd", "Deaths averted per extra $1M/yr", ".4f"),
            ("marginal_objective_per_musd", per.capitalize(), ".4f"),
            ("cost_per_death_averted", "$M per death averted", ",.2f"),
            ("reduced_cost", "Gain per $1M/yr moved here" + (
                "" if unit == "deaths" else f" ({unit})"), "+.4f")]
    outcomes = [("life_years_averted", "Life-years saved", ",.0f"),
                ("benefit_musd", "Benefit $M (discounted)", ",.1f"),
                ("cost_musd", "Cost $M (discounted)", ",.1f"),
                ("net_benefit_musd", "Net benefit $M", ",.1f"),
                ("benefit_cost_ratio", "Benefit-cost ratio (BCR)", ".2f")]
    unfunded_blank = {"cost_per_death_averted", "benefit_cost_ratio"}
    names = _labels(res.scenario)
    marks = set()

    def table(cols):
        cols = [c for c in cols if c[0] in t]
        rows = []
        for _, r in t.iterrows():
            row = [names.get(r["lever"], str(r["label"]))]
            for col, _, spec in cols:
                v = r[col]
                if not _missing(v):
                    row.append(_fmt(v, spec))
                elif col in unfunded_blank and r["spend"] <= FUNDED:
                    row.append("-")
                    marks.add("-")
                else:
                    row.append("n/a")
                    marks.add("n/a")
            rows.append(row)
        return _text_table([("Lever", "l")] + [(h, "r") for _, h, _ in cols], rows)

    parts = [table(main)]
    if any(c in t for c, _, _ in outcomes):
        parts += ["", "Outcomes per lever (over the horizon):", table(outcomes)]
    notes = []
    if "reduced_cost" in t and t["reduced_cost"].notna().any():
        notes.append(f"Gain per $1M/yr moved here: {unit} gained (+) or lost (-) by moving "
                     "$1M a year from the budget's margin onto the lever.")
    if "-" in marks:
        notes.append("-: not funded (no cost per death averted).")
    if "n/a" in marks:
        notes.append("n/a: not computed for a year-by-year plan." if res.phased else
                     "n/a: not defined (the lever averts almost no deaths).")
    return "\n".join(parts + [""] + [_wrap(n, indent="  ") for n in notes])


def _plan_table(res):
    """Spend per lever per year ($M), levers by label."""
    labels = _labels(res.scenario)
    cols = [("Year", "r")] + [(labels.get(c, c), "r") for c in res.plan.columns]
    rows = [[str(year)] + [_fmt(v, ",.1f") for v in row]
            for year, row in zip(res.plan.index, res.plan.to_numpy())]
    return _text_table(cols, rows)


def _answer_lines(res, out):
    """The answer in words (`decide.reporting.answer`): the app's landing sentences."""
    from .reporting import answer

    lines = ["", "The answer:", _wrap(answer.headline(res, out), "  "),
             _wrap(answer.budget_sentence(res), "  ")]
    if out is not None:
        lines.append(_wrap(answer.uncertainty_sentence(res, out), "  "))
    lines += ["", "Why each lever gets what it gets:"]
    lines += [_wrap("- " + line, "    ").replace("    - ", "  - ", 1)
              for line in answer.lever_reasons(res, out)]
    lines += ["", _wrap(answer.gap_sentence(res), "  ")]
    if out is not None:
        lines.append(_wrap(f"Plausible worlds: {out.n:,} draws of every assumption, seed "
                           f"{out.seed_entropy} (--draws and --seed change them; --draws 0 "
                           "skips them).", "  "))
    return lines


def _format_table(res, out=None):
    from .reporting.outcomes import OBJECTIVE_TEXT, budget_price_sentence
    from .reporting.sentences import decision_sentences, status_sentence

    s = res.summary()
    sc = res.scenario
    lines = [
        f"Scenario: {sc.name}  (budget ${sc.budget:,.0f}M a year, {sc.horizon} years, "
        f"{sc.dollar_year} dollars)",
        f"Objective: {OBJECTIVE_TEXT[res.objective]}",
        "",
        _allocation_tables(res),
        "",
        f"Baseline deaths     {s['baseline_deaths']:>14,.1f}",
        f"Projected deaths    {s['projected_deaths']:>14,.1f}",
        f"Deaths averted      {s['deaths_averted']:>14,.1f}",
    ]
    if res.life_years_averted is not None:
        lines.append(f"Life-years saved    {res.life_years_averted:>14,.0f} (of "
                     f"{res.baseline_life_years:,.0f} lost at baseline; undiscounted)")
    if res.benefit_musd is not None:
        lines += [f"Benefit             {res.benefit_musd:>14,.1f} $M (discounted)",
                  f"Cost                {res.cost_musd:>14,.1f} $M (discounted)",
                  f"Net benefit         {res.net_benefit_musd:>14,.1f} $M",
                  f"Benefit-cost ratio  {res.benefit_cost_ratio:>14.2f}"]
    if res.objective != "deaths":
        lines.append(f"Objective value     {res.objective_value:>14,.2f} {res.objective_unit}")
    cost = s["cost_per_death_averted_musd"]
    lines += [
        f"Certified gap       {res.gap:>14.4f} {res.objective_unit} (the true optimum is "
        f"at most this much better)",
        "Cost per death averted  " + ("-" if _missing(cost) else f"${cost:,.2f}M"),
        f"Status              {res.status}",
        "",
        budget_price_sentence(res),
    ]
    warning = status_sentence(res.status, res.gap)
    if warning is not None:
        lines.append(f"Warning: {warning}")
    if res.mexico_homicides is not None:
        lines.append(f"Additional homicides in Mexico  {res.mexico_homicides:,.0f} over "
                     f"{sc.horizon} years")
    if res.unspent > 0:
        lines.append(f"Unspent             ${res.unspent:,.1f}M a year: {res.unspent_reason}")
    if res.phased:
        lines += ["", "Plan ($M per year):", _plan_table(res)]
        note = getattr(res, "tail_note", "")  # the tail and why it can be negative
        lines.append(_wrap(note, "  ") if note else
                     f"Deaths averted in the {int(sc.phasing.get('tail_years', 3))}-year "
                     f"tail window after the horizon: {res.tail_deaths_averted:,.1f}")
    basis = decision_sentences(res) if res.objective == "deaths" else []
    if res.objective != "deaths":
        lines.append("(What the decision rests on, from the tornado's switching values, is "
                     "computed for the deaths objective.)")
    if basis:
        lines += ["", "What the decision rests on:"] + [f"- {line}" for line in basis] + [""]
    lines += _answer_lines(res, out)
    lines.append(f"Solver: {res.solver}, {res.iterations} linear program(s) solved")
    return "\n".join(lines) + "\n"


#: ``decide.scenario.OBJECTIVES`` (a test checks), without importing the library to
#: build the parser.
_OBJECTIVES = ("deaths", "life_years", "net_benefit")


def _notice(text):
    """One line on stderr about the files (partial files of killed runs removed)."""
    print(f"decide: note: {text}", file=sys.stderr)


def _stdout(args):
    """Where the text of a command goes: stdout, or stderr when ``--out -`` or
    ``--plot -`` puts a file on stdout (one document per stream)."""
    if "-" in (getattr(args, "out", None), getattr(args, "plot", None)):
        return sys.stderr
    return sys.stdout


def _write_file(path, data: bytes, binary=False, announce=True):
    """``data`` to ``path`` (`decide.files.write_output`: atomically, ``"-"`` is stdout);
    ``wrote PATH`` on stderr for a file."""
    from .files import write_output

    write_output(path, data, binary=binary, notice=_notice)
    if announce and path != "-":
        print(f"wrote {path}", file=sys.stderr)


def _write_out(args, data: bytes, announce=True, binary=False):
    """``data`` to ``--out`` (atomically) or to stdout."""
    _write_file(args.out or "-", data, binary=binary, announce=announce)
    return 0


def _ending(path):
    """The file ending of ``--out`` that names a format (``"csv"``, ...), or ``""`` for
    stdout (``-``), a device or a FIFO without one (they get the text default)."""
    if not path or path == "-":
        return ""
    return Path(path).suffix.lstrip(".").lower()


def cmd_solve(args):
    from .optimization import optimize
    from .reporting import export
    from .reporting.sentences import status_sentence

    sc = _load(args)
    fmt = _out_format(args)  # before the work: a wrong --out is refused at once
    res = optimize(sc, solver=args.solver, time_limit=args.time_limit, phasing=args.phasing,
                   objective=args.objective)
    for warning in res.warnings:
        print(f"decide: warning: {warning}", file=sys.stderr)
    status = status_sentence(res.status, res.gap)
    if status is not None:  # on stderr too, whatever the format of stdout
        print(f"decide: warning: {status}", file=sys.stderr)
    if fmt == "table":
        out = None
        if args.draws:
            from .analyses import outlook
            from .optimization.newton import in_scope

            out = outlook(sc, res, n=args.draws, seed=args.seed, reoptimise=in_scope(sc))
        data = _format_table(res, out).encode()
    else:
        data = export.export_bytes(res, fmt)
    return _write_out(args, data, binary=fmt == "xlsx")


def _out_format(args):
    """The format of ``solve`` and ``least-cost``: ``--format``, else ``--out``'s ending
    (a stream without one: the table), else the table."""
    from .files import check_output

    fmt = args.format or _ending(args.out)
    if not fmt:
        if args.out and args.out != "-" and check_output(args.out) == "file":
            raise _UsageError(f"--out {args.out}: no file ending to choose the format by: "
                              "end it in .csv, .json or .xlsx, or give --format")
        fmt = "table"
    if fmt not in ("table", "csv", "json", "xlsx"):
        raise _UsageError(f"unknown format '{fmt}' (table, csv, json, xlsx)")
    if fmt == "xlsx" and not args.out:
        raise _UsageError("--format xlsx needs --out PATH (or --out - with standard "
                          "output redirected)")
    return fmt


def cmd_brief(args):
    from .optimization import optimize
    from .reporting.brief import build_briefing
    from .scenario import load_scenario

    reference = load_scenario(args.scenario)
    sc = _load(args)
    res = optimize(sc, solver=args.solver, objective=args.objective)
    html = build_briefing(res, reference=reference, n=args.draws, seed=args.seed,
                          validate=args.validate, analyses=not args.no_charts,
                          charts=not args.no_charts, discover=not args.no_discover)
    return _write_out(args, html.encode())


def cmd_least_cost(args):
    from .optimization import least_cost
    from .reporting import export

    sc = _load(args)
    fmt = _out_format(args)
    res = least_cost(sc, deaths_averted=args.deaths_averted, solver=args.solver)
    print(f"least cost ${res.spend.sum():,.2f}M a year (at most ${res.cost_gap:,.2f}M more "
          f"than the true least cost) averts {res.deaths_averted:,.1f} deaths",
          file=sys.stderr)
    data = _format_table(res).encode() if fmt == "table" else export.export_bytes(res, fmt)
    return _write_out(args, data, announce=False, binary=fmt == "xlsx")


def cmd_pareto(args):
    from .optimization import pareto
    from .reporting import charts

    sc = _load(args)
    p = pareto(sc, n=args.n)
    _emit(args, p, lambda: charts.pareto_chart(p), extra=_provenance(sc, "pareto"),
          sc=sc,
          title=f"{sc.name}: US overdose deaths against additional homicides in Mexico",
          notes={"what": "Deaths are US overdose deaths over the horizon; a negative "
                         "number of homicides is a net reduction."})
    return 0


def cmd_schema(args):
    """Print (or write) the JSON Schema of scenario files, for editors."""
    import json

    from .scenario import scenario_schema

    return _write_out(args, (json.dumps(scenario_schema(), indent=2) + "\n").encode())


def _params_text(sc, width):
    """Every parameter as a short block that fits ``width`` columns: name; base value,
    range and unit, confidence and distribution; the source wrapped on indented lines."""
    import textwrap

    def number(v):
        return "-" if _missing(v) else _fmt(v, ",.6g")

    def fill(text, first, rest):
        return textwrap.fill(text, max(width, 40), initial_indent=first,
                             subsequent_indent=rest, break_long_words=True,
                             break_on_hyphens=False)

    df = sc.parameters()
    lines = [fill(f"Scenario: {sc.name}. {len(df)} parameters, each with its base value, "
                  "range (low to high) and unit; confidence (measured, derived, or "
                  "judgement: a prior with no empirical estimate); the distribution used by "
                  "the uncertainty analyses; and its source. Change one with --set "
                  "NAME=VALUE.", "", ""), ""]
    for r in df.itertuples(index=False):
        dist = {"pert": "PERT"}.get(r.distribution, r.distribution)
        lines.append(fill(r.name, "", "    "))
        lines.append(fill(f"{number(r.base)} {r.unit} (range {number(r.low)} to "
                          f"{number(r.high)}); {r.confidence}; {dist} distribution",
                          "    ", "    "))
        lines.append(fill(f"Source: {r.source}", "    ", "        "))
        lines.append("")
    return "\n".join(lines)


def cmd_params(args):
    sc = _load(args)
    if args.format == "csv":
        sys.stdout.write(sc.parameters().to_csv(index=False))
    else:
        sys.stdout.write(_params_text(sc, _width()))
    return 0


def _suffix(path, allowed, option="--out"):
    """The ending of ``path`` (``"csv"``, ...), or a usage error naming the allowed ones.
    Standard output (``-``), a device or a FIFO without an ending get the first (a text
    format: CSV, HTML)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in Path(path).name else ""
    if not suffix and _is_stream(path):
        return allowed[0]
    if suffix not in allowed:
        names = [f".{a}" for a in allowed]
        raise _UsageError(f"{option} must end in {', '.join(names[:-1])} or {names[-1]}, "
                          f"got '{path}'")
    return suffix


def _is_stream(path):
    """Whether ``path`` is stdout (``-``), a device, a FIFO or an open descriptor."""
    from .errors import FileError
    from .files import check_output

    try:
        return check_output(path) != "file"
    except FileError:
        return False


def _provenance(sc, command, **items):
    """What a table file records about its run: toolkit, version, command, scenario and
    its hash, and ``items`` (the seed actually used, the number of draws, ...)."""
    from . import __version__

    return {"toolkit": "decide", "version": __version__, "command": command,
            "scenario": sc.name, "scenario_sha256": sc.sha256(), **items}


def cmd_monte_carlo(args):
    import contextlib
    import types

    import pandas as pd

    from .analyses import monte_carlo_chunks
    from .files import check_output, open_output

    fmt = _suffix(args.out, ("csv", "parquet")) if args.out else None
    sc = _load(args)
    n = args.n
    chunks = monte_carlo_chunks(sc, n=n, seed=args.seed, chunk=args.chunk,
                                executor=args.executor)
    summary = _RunningSummary(sc.lever_names, _labels(sc))
    run = types.SimpleNamespace(sc=sc, seed=args.seed, writer=None)
    to_file = bool(args.out) and check_output(args.out) == "file"
    with (open_output(args.out, "w" if fmt == "csv" else "wb", notice=_notice) if args.out
          else contextlib.nullcontext()) as fh:
        try:
            _stream_draws(args, chunks, fh, fmt, summary, run, to_file)
        except BaseException:
            if run.writer is not None:  # closed before its file goes, or it complains
                with contextlib.suppress(Exception):
                    run.writer.close()
            raise
        if run.writer is not None:
            run.writer.close()
        if not args.quiet:
            print(file=sys.stderr)
    if args.out and args.out != "-":
        print(f"wrote {args.out}", file=sys.stderr)
    _stdout(args).write(summary.text(n, run.seed))
    if args.plot:
        from .reporting import charts

        sample = pd.concat(summary.frames, ignore_index=True)
        _save_plot(args, lambda: charts.funded_chart(sample, summary.labels)
                   & charts.averted_histogram(sample),
                   f"{sc.name}: Monte Carlo, {n:,} draws (seed {run.seed})")
    return 0


def _stream_draws(args, chunks, fh, fmt, summary, run, to_file):
    """Monte Carlo rows to ``fh`` (CSV, or Parquet through ``run.writer``) chunk by
    chunk, ``summary`` updated and the progress shown; ``run.seed`` is the seed used."""
    n, done = args.n, 0
    for k, frame in enumerate(chunks):  # streamed: one chunk in memory at a time
        if run.seed is None:  # fresh entropy: print the seed that repeats this run
            run.seed = frame.attrs["seed_entropy"]
        if fh is not None:
            if k == 0 and to_file:
                _warn_size(args.out, frame, n)
            if fmt == "csv":  # the rows alone (a stable format); the seed is printed
                frame.to_csv(fh, index=False, header=(k == 0))
            else:
                import pyarrow as pa

                from .reporting import export

                if run.writer is None:  # the seed goes in the file's metadata
                    run.writer = export.parquet_writer(fh, frame, _provenance(
                        run.sc, "monte-carlo", seed=run.seed, draws=n))
                run.writer.write_table(pa.Table.from_pandas(
                    frame, schema=run.writer.schema, preserve_index=False))
        summary.add(frame)
        done += len(frame)
        if not args.quiet:
            print(f"\rmonte-carlo: {done:,}/{n:,} draws ({done / n:.0%})", end="",
                  file=sys.stderr, flush=True)


def _size(nbytes):
    """A file size in words: kB, MB or GB."""
    if nbytes >= 1e9:
        return f"{nbytes / 1e9:,.1f} GB"
    if nbytes >= 1e6:
        return f"{nbytes / 1e6:,.0f} MB"
    return f"{max(nbytes / 1e3, 1):,.0f} kB"


def _warn_size(path, frame, n, limit=100e6):
    """Warn on stderr when the file will be large (more than ``limit`` bytes): the size of
    the first chunk's rows as CSV and as Parquet, scaled to ``n`` rows. A CSV warning
    suggests ``.parquet`` and says how large that would be."""
    from .reporting import export

    head = frame.head(200)
    csv = len(head.to_csv(index=False)) / max(len(head), 1) * n
    sample = frame.head(5000)
    one = len(export.parquet_bytes(sample.head(1)))  # the footer, schema, ...
    per_row = (len(export.parquet_bytes(sample)) - one) / max(len(sample) - 1, 1)
    parquet = one + max(per_row, 0) * n
    is_parquet = str(path).lower().endswith(".parquet")
    expected = parquet if is_parquet else csv
    if expected > limit:
        text = (f"decide: warning: about {_size(expected)} will be written to {path} "
                f"({n:,} rows)")
        if not is_parquet:
            text += (f"; as Parquet it would be about {_size(parquet)} (--out "
                     f"{Path(path).with_suffix('.parquet').name})")
        print(text, file=sys.stderr)


class _RunningSummary:
    """Streaming summary of Monte Carlo rows: funded share and deaths averted."""

    def __init__(self, levers, labels=None):
        self.levers = levers
        self.labels = labels or {}
        self.funded = {lv: 0 for lv in levers}
        self.spend_sum = {lv: 0.0 for lv in levers}
        self.averted = []
        self.frames = []  # a bounded sample of rows for charts
        self.kept = 0

    def add(self, frame):
        import numpy as np

        from .optimization.certificate import FUNDED

        if self.kept < 200_000:
            keep = frame[[c for c in frame.columns if c.startswith("spend.")]
                         + ["deaths_averted"]].iloc[:200_000 - self.kept]
            self.frames.append(keep)
            self.kept += len(keep)

        for lv in self.levers:
            col = frame[f"spend.{lv}"].to_numpy()
            self.funded[lv] += int((col > FUNDED).sum())
            self.spend_sum[lv] += float(col.sum())
        # keep a bounded reservoir for percentiles (every row up to 200k)
        self.averted.append(np.asarray(frame["deaths_averted"])[:200_000])

    def text(self, n, seed):
        import numpy as np

        averted = np.concatenate(self.averted)
        rows = [[self.labels.get(lv, lv), _fmt(self.funded[lv] / n, ".1%"),
                 _fmt(self.spend_sum[lv] / n, ",.1f")] for lv in self.levers]
        p5, p50, p95 = np.percentile(averted, [5, 50, 95])
        return "\n".join([
            f"{n:,} draws, seed {seed} (--seed {seed} repeats this run)", "",
            _text_table([("Lever", "l"), ("Funded in (share of draws)", "r"),
                         ("Mean spend $M/yr", "r")], rows), "",
            f"Deaths averted over the horizon: median {p50:,.0f} (90% interval "
            f"{p5:,.0f} to {p95:,.0f})"]) + "\n"


#: File endings of analysis tables (``--out``) and of charts (``--plot``).
_TABLES = ("csv", "json", "xlsx", "parquet")
_PLOTS = ("html", "svg", "png")


def _write_table(df, path, extra=None, sc=None, about=None):
    """Write an analysis table to .csv, .json, .xlsx or .parquet (atomically).

    CSV holds the rows alone; JSON (``rows`` and the ``extra`` members), Parquet (its
    key-value metadata) and XLSX (an ``about`` sheet: ``about``, else ``extra``; a
    member that is a list of records gets a sheet of its own) also record ``extra``: the
    seed actually used, the toolkit version, the scenario's hash, ... XLSX headers are
    readable, with units (lever labels from ``sc``)."""
    import json

    from .reporting import export

    suffix = _suffix(path, _TABLES)
    if suffix == "csv":
        data = df.to_csv(index=False).encode()
    elif suffix == "json":
        doc = {"rows": json.loads(df.to_json(orient="records")), **(extra or {})}
        data = (json.dumps(doc, indent=2) + "\n").encode()
    elif suffix == "parquet":
        data = export.parquet_bytes(df, extra)
    else:
        import pandas as pd

        sheets = {"result": df}
        items = dict(about if about is not None else extra or {})
        for key, value in list(items.items()):
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                sheets[key[:31]] = pd.DataFrame(items.pop(key))
        if items:
            sheets = {"result": df, "about": export.summary_frame(items),
                      **{k: v for k, v in sheets.items() if k != "result"}}
        data = export.xlsx_bytes(sheets, sc)
    _write_file(path, data, binary=suffix in ("xlsx", "parquet"))


def _bar(args, label):
    if getattr(args, "quiet", False):
        return None

    def show(done, total):
        end = "\n" if done >= total else ""
        print(f"\r{label}: {done}/{total} ({done / total:.0%})", end=end, file=sys.stderr,
              flush=True)
    return show


#: How analysis tables show their columns on the terminal (others: 4 significant digits).
_SHOW = {"budget": ",.1f", "spend": ",.1f", "deaths": ",.1f", "deaths_averted": ",.1f",
         "marginal_deaths_averted_per_musd": ".4f", "swing": ",.1f", "regret": ",.2f",
         "value": ".4g", "switching_value": ".4g", "evpi_deaths": ",.2f",
         "se_deaths": ",.2f", "evpi_musd_per_year": ",.1f", "se_musd_per_year": ",.1f",
         "expected_deaths": ",.1f", "mean_optimal_deaths": ",.1f", "evppi_deaths": ",.2f",
         "evppi_musd_per_year": ",.1f", "evpi_se_deaths": ",.2f", "S1": ".3f",
         "S1_conf": ".3f", "ST": ".3f", "ST_conf": ".3f", "mexico_homicides": ",.0f",
         "max_mexico_homicides": ",.0f", "gap": ".4f", "mean_deaths": ",.1f",
         "mean_regret": ",.2f", "max_regret": ",.2f", "cvar_deaths": ",.1f",
         "cvar_regret": ",.2f"}


def _show_table(df, sc=None, headers=None, values=None):
    """An analysis table for people: readable headers with units, lever labels, rounded
    numbers, "-" for a missing value. Returns (text, whether a "-" was shown).

    ``headers`` overrides headers by column; ``values`` maps a column's values."""
    import numbers

    from .reporting.export import column_label

    headers = headers or {}
    values = {"lever": _labels(sc) if sc is not None else {}, **(values or {})}
    cols = list(df.columns)
    blank = False
    rows = []
    for rec in df.itertuples(index=False):
        row = []
        for col, v in zip(cols, rec):
            if col in values:
                v = values[col].get(v, v)
            if isinstance(v, bool | numbers.Integral) and not isinstance(v, float):
                text = ("yes" if v else "no") if isinstance(v, bool) or \
                    type(v).__name__ == "bool_" else str(v)
            elif isinstance(v, numbers.Real):
                if _missing(float(v)):
                    text, blank = "-", True
                else:
                    spec = _SHOW.get(col, ",.1f" if str(col).startswith("spend.") else ".4g")
                    text = _fmt(float(v), spec)
            elif v is None:
                text, blank = "-", True
            else:
                text = str(v)
            row.append(text)
        rows.append(row)
    numeric = {c: df[c].dtype.kind in "iuf" for c in cols}
    columns = [(headers.get(c, column_label(c, sc)), "r" if numeric[c] else "l")
               for c in cols]
    return _text_table(columns, rows), blank


def _emit(args, df, chart=None, extra=None, sc=None, title=None, notes=None,
          headers=None, values=None, plain=False, about=None):
    """An analysis table to ``--out`` (machine columns) or to the terminal (readable),
    and its chart to ``--plot``. ``notes`` explain the table; ``"-"`` (a missing
    value) is explained by ``notes["-"]`` when it appears. ``plain`` prints the
    machine columns as they are; ``about`` replaces ``extra`` in an XLSX file."""
    notes = dict(notes or {})
    if args.out:
        _write_table(df, args.out, extra, sc, about)
    elif plain:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", 20,
                               "display.max_rows", 200):
            _stdout(args).write(df.to_string(index=False) + "\n")
    else:
        text, blank = _show_table(df, sc, headers, values)
        dash = notes.pop("-", "-: no value")
        lines = [text] + [_wrap(n, "  ") for n in notes.values()]
        if blank:
            lines.append(_wrap(dash, "  "))
        _stdout(args).write("\n".join(lines) + "\n")
    _save_plot(args, chart, title)


def _save_plot(args, chart, title=None):
    """``chart()`` to ``--plot``, if given: standalone HTML (works offline), SVG or PNG."""
    if getattr(args, "plot", None):
        if chart is None:
            raise _UsageError("this analysis has no chart")
        from .reporting.render import save_chart

        kind = _suffix(args.plot, _PLOTS, "--plot")
        save_chart(chart(), args.plot, title=title, kind=kind, notice=_notice)
        if args.plot != "-":
            print(f"wrote {args.plot}", file=sys.stderr)


def _seed(args):
    """The seed of a run: ``--seed``, or fresh entropy, printed on stderr so that the run
    can be repeated (it is also recorded in JSON, Parquet and XLSX outputs)."""
    if args.seed is not None:
        return args.seed
    import numpy as np

    seed = int(np.random.SeedSequence().entropy)
    print(f"decide: seed {seed} (--seed {seed} repeats this run)", file=sys.stderr)
    return seed


def _labels(sc):
    """Lever key -> label (a readable form of the key for a lever without one)."""
    from .reporting.labels import lever_labels

    return lever_labels(sc)


def cmd_frontier(args):
    import numpy as np

    from . import analyses
    from .reporting import charts

    sc = _load(args)
    budgets = (np.linspace(args.min_budget, args.max_budget, args.points)
               if args.max_budget is not None else None)
    f = analyses.frontier(sc, budgets=budgets, progress=_bar(args, "frontier"))
    _emit(args, f, lambda: charts.frontier_chart(f), extra=_provenance(sc, "frontier"),
          sc=sc, title=f"{sc.name}: optimal allocation across budgets",
          notes={"deaths": "Deaths and deaths averted are over the horizon, with the "
                           "optimal allocation at each budget."})
    return 0


def cmd_tornado(args):
    from . import analyses
    from .reporting import charts

    sc = _load(args)
    t = analyses.tornado(sc, parameters=args.parameter, reoptimize=not args.fixed,
                         progress=_bar(args, "tornado"))
    _emit(args, t, lambda: charts.tornado_chart(t), extra=_provenance(sc, "tornado"),
          sc=sc, title=f"{sc.name}: each assumption at its low and high value",
          notes={"-": "-: the allocation does not change between the base value and this "
                      "side."})
    return 0


def cmd_two_way(args):
    from . import analyses
    from .reporting import charts

    sc = _load(args)
    tw = analyses.two_way(sc, args.x, args.y, n=args.n, executor=args.executor)
    _emit(args, tw, lambda: charts.two_way_heatmap(tw, args.x, args.y),
          extra=_provenance(sc, "two-way"), sc=sc,
          title=f"{sc.name}: deaths averted over {args.x} and {args.y}")
    return 0


def cmd_robust(args):
    from . import analyses

    sc = _load(args)
    seed = _seed(args)
    r = analyses.robust(sc, n=args.n, seed=seed, objective=args.objective,
                        alpha=args.alpha, executor=args.executor)
    table = r.spend.rename("spend").reset_index()
    extra = {**_provenance(sc, "robust", seed=seed, draws=args.n),
             "objective": r.objective, "value_deaths": r.value, "gap_deaths": r.gap,
             "method": r.method, "alpha": r.alpha,
             "out_of_sample": r.out_of_sample.to_dict(orient="records")}
    worst = f"{1 - r.alpha:.0%}"
    from .reporting.labels import objective_label

    what = objective_label(r.objective, r.alpha if "cvar" in r.objective else None)
    about = {k: v for k, v in extra.items() if k != "method"} | {"objective": what}
    print(_wrap(f"One allocation for all {args.n:,} draws, minimising "
                f"{what[:1].lower() + what[1:]}: "
                f"{r.value:,.3f} deaths over the horizon, at most {r.gap:.4f} deaths from "
                "the best such allocation."), file=sys.stderr)
    oos = r.out_of_sample
    text, _ = _show_table(oos, values={"allocation": {
        "robust": "This allocation", "base case": "Base-case optimum"}}, headers={
        "draws": "New draws", "cvar_deaths": f"Mean deaths in the worst {worst}",
        "cvar_regret": f"Mean regret in the worst {worst}"})
    print(f"Tested on {int(oos['draws'].iloc[0]):,} new draws (deaths over the horizon; "
          "regret: deaths above each draw's own optimum):", file=sys.stderr)
    print(text, file=sys.stderr)
    _emit(args, table, extra=extra, sc=sc, about=about)
    return 0


def cmd_evpi(args):
    from . import analyses

    sc = _load(args)
    seed = _seed(args)
    _emit(args, analyses.evpi(sc, n=args.n, seed=seed, executor=args.executor),
          extra=_provenance(sc, "evpi", seed=seed, draws=args.n), sc=sc,
          notes={"what": "Value of perfect information: deaths over the horizon that "
                         "knowing every parameter before deciding would avert; in $M per "
                         "year, the budget increase that would avert as many."})
    return 0


def cmd_evppi(args):
    from . import analyses

    sc = _load(args)
    seed = _seed(args)
    import pandas as pd

    rows = [analyses.evppi(sc, p.split("+"), n=args.n, seed=seed, inner=args.inner,
                           executor=args.executor) for p in args.parameter]
    _emit(args, pd.concat(rows, ignore_index=True),
          extra=_provenance(sc, "evppi", seed=seed, draws=args.n, inner=args.inner),
          sc=sc,
          notes={"what": "Value of partial perfect information: deaths over the horizon "
                         "that knowing these parameters before deciding would avert."})
    return 0


def cmd_sobol(args):
    from . import analyses

    sc = _load(args)
    seed = _seed(args)
    s = analyses.sobol(sc, n=args.n, seed=seed, output=args.output, executor=args.executor)
    print(_wrap(f"{s.attrs['runs']:,} optimisations; {s.attrs['note']}"), file=sys.stderr)
    _emit(args, s, extra=_provenance(sc, "sobol", seed=seed, draws=args.n,
                                     output=args.output), sc=sc,
          notes={"what": "Share of the variance of the output explained by each parameter "
                         "alone (first-order) and with its interactions (total)."})
    return 0


def _records(df):
    """A table as JSON-able records (NaN as None, numpy scalars as Python ones)."""
    import json

    return json.loads(df.to_json(orient="records"))


def _write_tables(args, main_name, df, sheets, extra, sc, about=None):
    """Several tables of one analysis to ``--out``: an XLSX workbook gets ``df`` as sheet
    ``main_name``, each of ``sheets`` and an ``about`` sheet (``about``, else ``extra``);
    JSON gets ``df`` as ``rows`` and ``sheets`` as lists of records beside ``extra``;
    Parquet gets ``df`` and the same members in its metadata; CSV ``df`` alone."""
    if _suffix(args.out, _TABLES) == "xlsx":
        from .reporting import export

        data = export.xlsx_bytes({main_name: df, **sheets, "about": export.summary_frame(
            about if about is not None else extra)}, sc)
        _write_file(args.out, data, binary=True)
    else:
        _write_table(df, args.out,
                     {**extra, **{k: _records(v) for k, v in sheets.items()}}, sc)


def _trajectory_chart(traj, min_density=None):
    """PRIM's peeling trajectory (`Discovery.trajectory`): coverage against density of
    every step of every candidate box, coloured by the number of restricted parameters;
    the step chosen for each box is circled and ``min_density`` is a dashed line."""
    import altair as alt
    import pandas as pd

    df = traj.copy()
    df["box"] = [f"Box {int(b)}" for b in df["box"]]
    df["kept"] = ["kept" if k else "not kept" for k in df["kept"]]
    df["selected"] = df["selected"].astype(bool)
    pct = [("coverage", "Coverage (learning draws)"), ("density", "Density (learning draws)"),
           ("test_coverage", "Coverage (held-out draws)"),
           ("test_density", "Density (held-out draws)"),
           ("mass", "Share of the learning draws in the box")]
    tooltip = ([alt.Tooltip("box:N", title="Candidate"), alt.Tooltip("step:Q", title="Step"),
                alt.Tooltip("res_dim:Q", title="Restricted parameters")]
               + [alt.Tooltip(f"{c}:Q", title=t, format=".1%") for c, t in pct]
               + [alt.Tooltip("kept:N", title="Box")])
    x = alt.X("coverage:Q", title="Coverage: share of all failures inside the box",
              axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("density:Q", title="Density: share of the draws inside the box that fail",
              axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    points = alt.Chart(df).mark_point(filled=True, size=45, opacity=0.85).encode(
        x=x, y=y,
        color=alt.Color("res_dim:O", title="Restricted parameters",
                        scale=alt.Scale(scheme="viridis"),
                        legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("box:N", title="Candidate box", legend=alt.Legend(orient="bottom")),
        tooltip=tooltip)
    chosen = alt.Chart(df[df["selected"]]).mark_point(
        size=260, color="black", strokeWidth=1.5).encode(x=x, y=y, tooltip=tooltip)
    path = alt.Chart(df).mark_line(color="lightgrey", strokeWidth=1).encode(
        x=x, y=y, detail="box:N", order="step:Q")
    layers = [path, points, chosen]
    if min_density is not None:
        layers.append(alt.Chart(pd.DataFrame({"min_density": [float(min_density)]}))
                      .mark_rule(strokeDash=[5, 4], color="grey")
                      .encode(y=alt.Y("min_density:Q")))
    return alt.layer(*layers).properties(height=360, width="container")


def _money(v):
    """$M per year for a table: one decimal, thousands with commas."""
    return _fmt(float(v), ",.1f")


def _discovery_lines(sc, d):
    """`Discovery.describe` with readable parameter names and units."""
    from .reporting.labels import format_number, param_label, unit_text

    lines = [f"Failure: {d.failure.describe()} ({d.base_rate:.0%} of {len(d.draws):,} "
             "draws fail)."]
    spend = ", ".join(f"{label} {_money(d.allocation[lv])}"
                      for lv, label in _labels(sc).items())
    lines.append(f"Reference allocation ($M per year): {spend}.")
    if d.boxes.empty:
        lines.append(f"No box worth keeping: {d.note}.")
        return lines
    for box in d.boxes.itertuples(index=False):
        parts = []
        rows = d.restrictions[d.restrictions["box"] == box.box]
        for r in rows.itertuples(index=False):
            unit = unit_text(r.unit)
            unit = f" {unit}" if unit else ""
            name = param_label(sc, r.parameter)
            lo, hi = format_number(r.low, 4), format_number(r.high, 4)
            rng = (f" (range {format_number(r.range_low, 4)} to "
                   f"{format_number(r.range_high, 4)})")
            if r.side == "above":
                parts.append(f"{name} above {lo}{unit}{rng}")
            elif r.side == "below":
                parts.append(f"{name} below {hi}{unit}{rng}")
            else:
                parts.append(f"{name} between {lo} and {hi}{unit}{rng}")
        lines.append(f"Box {int(box.box)}: " + "; ".join(parts)
                     + f". It holds {box.mass:.0%} of the draws; on the held-out draws "
                     f"{box.density:.0%} of those in it fail and it covers "
                     f"{box.coverage:.0%} of all failures (p = {box.p_value:.2g}).")
    lines.append(f"Search stopped: {d.note}.")
    return lines


def cmd_discover(args):
    from . import analyses
    from .analyses.discovery import Failure
    from .arguments import check_int, check_real
    from .reporting.labels import param_label

    sc = _load(args)
    # the arguments PRIM checks only after the draws are solved: checked before any work
    Failure.parse(args.failure)._check_lever(sc)
    check_int("n", args.n, 100, 10**7, where="discover")
    check_real("min_density", args.min_density, 0, 1, low_open=True, where="discover")
    check_int("max_boxes", args.max_boxes, 1, 20, where="discover")
    seed = _seed(args)
    d = analyses.discover(sc, n=args.n, seed=seed, failure=args.failure,
                          min_density=args.min_density, max_boxes=args.max_boxes,
                          executor=args.executor)
    restrictions = d.restrictions.copy()
    restrictions.insert(2, "parameter_label",
                        [param_label(sc, p) for p in restrictions["parameter"]])
    restrictions = restrictions.infer_objects()
    boxes = d.boxes.infer_objects()
    if args.out:
        extra = {**_provenance(sc, "discover", seed=seed, draws=args.n),
                 "failure": str(d.failure), "failure_text": d.failure.describe(),
                 "base_rate": d.base_rate, "min_density": args.min_density,
                 "max_boxes": args.max_boxes, "note": d.note,
                 "allocation": {k: float(v) for k, v in d.allocation.items()}}
        _write_tables(args, "restrictions", restrictions,
                      {"boxes": boxes, "trajectory": d.trajectory}, extra, sc)
    else:
        text = "\n".join(_wrap(line, "  ") for line in _discovery_lines(sc, d))
        _stdout(args).write(text + f"\n{args.n:,} draws, seed {seed} (--seed {seed} repeats "
                         "this run); half learn the boxes, the other half test them.\n")
    _save_plot(args, lambda: _trajectory_chart(d.trajectory, args.min_density),
               f"{sc.name}: PRIM's peeling trajectory ({d.failure})")
    return 0


def _experts_text(sc, r):
    """Each expert's allocation, the pooled and robust ones, the cross-regret matrix and
    the weights, as plain-text tables."""
    labels = _labels(sc)
    levers = [c for c in r.allocations.columns if c != "gap"]
    names = list(r.experts.index)
    who = {"pooled": "Pooled (weighted mix of beliefs)",
           "robust": "Robust (smallest worst-case cross-regret)"}
    alloc_rows = [[who.get(k, k)] + [_money(row[lv]) for lv in levers]
                  + [_fmt(float(row["gap"]), ".3f")]
                  for k, row in r.allocations.iterrows()]
    alloc = _text_table([("Allocation", "l")] + [(labels.get(lv, lv), "r") for lv in levers]
                        + [("Certified gap (deaths)", "r")], alloc_rows)
    worst = r.worst_case()
    cross_rows = [[who.get(k, k)] + [_fmt(float(row[j]), ",.1f") for j in names]
                  + [_fmt(float(worst[k]), ",.1f")] for k, row in r.cross_regret.iterrows()]
    cross = _text_table([("Allocation \\ beliefs", "l")] + [(j, "r") for j in names]
                        + [("Worst case", "r")], cross_rows)
    cooke = r.weights_method == "cooke"
    w_rows = [[nm, _fmt(float(row["weight"]), ".3f"), str(int(row["parameters"])),
               str(int(r.pool_sizes[nm]))]
              + ([_fmt(float(row["calibration"]), ".3g"),
                  _fmt(float(row["information"]), ".3g")] if cooke else [])
              for nm, row in r.experts.iterrows()]
    weights = _text_table([("Expert", "l"), ("Weight", "r"), ("Parameters set", "r"),
                           ("Draws in the pool", "r")]
                          + ([("Calibration", "r"), ("Information", "r")] if cooke else []),
                          w_rows)
    lines = [_wrap(f"{len(names)} experts, {r.n:,} draws each; weights: {r.note}."), "",
             "Each expert's allocation, and two that combine them ($M per year):", alloc, "",
             _wrap("Cross-regret: extra deaths over the horizon expected under the beliefs "
                   "of the expert in the column from following the allocation in the row "
                   "(0 on the diagonal; the optimiser's objective, discounted when the "
                   "scenario discounts):"), cross, "",
             _wrap(f"The robust allocation's largest cross-regret is {r.robust_value:,.1f} "
                   f"deaths (no allocation does better than "
                   f"{r.robust_value - float(r.allocations.at['robust', 'gap']):,.1f})."),
             "",
             "Weights in the pool:", weights, ""]
    return "\n".join(lines) + "\n"


def cmd_experts(args):
    from . import analyses

    sc = _load(args)
    seed = _seed(args)
    r = analyses.experts(sc, args.panel, n=args.n, seed=seed, weights=args.weights,
                         cutoff=args.cutoff, executor=args.executor)
    if args.out:
        allocations = r.allocations.reset_index()
        allocations.insert(1, "max_cross_regret", r.worst_case().reindex(
            r.allocations.index).to_numpy())
        extra = {**_provenance(sc, "experts", seed=seed, draws=args.n),
                 "panel": str(args.panel), "weights": r.weights_method, "note": r.note,
                 "cutoff": args.cutoff, "robust_value_deaths": r.robust_value}
        _write_tables(args, "allocations", allocations, {
            "cross_regret": r.cross_regret.reset_index(),
            "expected_regret": r.expected_regret.reset_index(),
            "deaths_averted": r.deaths_averted.reset_index(),
            "p_funded": r.p_funded.reset_index(),
            "experts": r.experts.assign(pool_draws=r.pool_sizes).reset_index()},
            extra, sc)
    else:
        _stdout(args).write(_experts_text(sc, r) + f"{args.n:,} draws per expert, seed {seed} "
                         f"(--seed {seed} repeats this run).\n")
    return 0


def _number(v):
    """A parameter value for a table: thousands with commas, small values to 3 figures."""
    import math

    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _diagnostics_lines(diag):
    return [f"Diagnostics: acceptance {diag['acceptance']:.2f}, effective sample size "
            f"{_number(diag['ess'])}, {diag['walkers']} walkers x {diag['steps']:,} steps "
            f"(burn-in {diag['burn']:,}, thin {diag['thin']}), {diag['seconds']:.1f} s",
            f"Provisional counts: shift b = {diag['provisional_shift']:.4f} (log), "
            f"sd s_p = {diag['provisional_sd']:.3f}"]


def _jsonable(v):
    """Diagnostics for a JSON document: tuples as lists, nan as null."""
    import math

    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _calibration_text(sc, cal):
    import pandas as pd

    s = cal.summary()
    table = pd.DataFrame({
        "parameter": s["name"],
        "prior median": s["prior_median"].map(_number),
        "prior 90%": [f"{_number(a)} to {_number(b)}"
                      for a, b in zip(s["prior_low"], s["prior_high"])],
        "posterior median": s["posterior_median"].map(_number),
        "posterior 90%": [f"{_number(a)} to {_number(b)}"
                          for a, b in zip(s["posterior_low"], s["posterior_high"])]})
    fit = cal.fit.copy()
    for c in ("observed", "median", "low", "high"):
        fit[c] = fit[c].map(lambda v: f"{v:,.0f}")
    fit = fit.rename(columns={"median": "fitted median", "low": "90% low",
                              "high": "90% high", "train": "in fit"})
    first, last = cal.diagnostics["window"]
    lines = [f"Scenario: {sc.name}  (baseline model '{sc.baseline_model}'; fitted to US "
             f"synthetic-opioid deaths, {first}-{last})", "",
             "Posterior against prior (calibration.* are nuisance parameters of the fit; "
             "lever effects stay judgement):",
             table.to_string(index=False), "",
             "Fit (deaths a year; 90% posterior predictive interval of the observed count):",
             fit.to_string(index=False), ""] + _diagnostics_lines(cal.diagnostics)
    lines += [f"Warning: {w}" for w in cal.diagnostics["warnings"]]
    return "\n".join(lines) + "\n"


def cmd_calibrate(args):
    from .analyses import calibrate
    from .reporting import charts

    sc = _load(args)
    seed = _seed(args)
    cal = calibrate(sc, draws=args.draws, seed=seed, progress=_bar(args, "calibrate"))
    for warning in cal.diagnostics["warnings"]:
        print(f"decide: warning: {warning}", file=sys.stderr)
    if args.out:
        df = {"posterior": cal.posterior, "fit": cal.fit, "summary": cal.summary()}[args.table]
        extra = {**_provenance(sc, "calibrate"), "table": args.table,
                 "baseline_model": sc.baseline_model, "draws": args.draws, "seed": seed,
                 "diagnostics": _jsonable(cal.diagnostics)}
        _write_table(df, args.out, extra, sc)
    else:
        _stdout(args).write(_calibration_text(sc, cal))
    _save_plot(args, lambda: charts.fit_chart(cal.fit),
               f"{sc.name}: observed deaths against the calibrated baseline")
    return 0


def cmd_validate(args):
    from .analyses import calibrate, validation_table
    from .reporting import charts

    sc = _load(args)
    # decide.validate is calibrate(train_until=...) then this table; calling the two here
    # also gives the whole fit for the chart
    seed = _seed(args)
    cal = calibrate(sc, draws=args.draws, seed=seed, train_until=args.train_until,
                    progress=_bar(args, "validate"))
    for warning in cal.diagnostics["warnings"]:
        print(f"decide: warning: {warning}", file=sys.stderr)
    table = validation_table(cal.fit, args.train_until)
    if table.empty:
        print(f"decide: warning: no observed year after {args.train_until} to predict",
              file=sys.stderr)
    extra = {**_provenance(sc, "validate"), "train_until": args.train_until,
             "baseline_model": sc.baseline_model, "draws": args.draws, "seed": seed,
             "diagnostics": _jsonable(cal.diagnostics)}
    if not args.out:
        print(f"Baseline model '{sc.baseline_model}', trained on observed years up to "
              f"{args.train_until}; predicted = median, low/high = 90% predictive interval",
              file=sys.stderr)
    # plain: tests/test_cli_calibration.py reads the machine column names on stdout
    _emit(args, table, lambda: charts.fit_chart(cal.fit), extra=extra, sc=sc, plain=True,
          title=f"{sc.name}: trained up to {args.train_until}, later years predicted")
    return 0


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2), like every other error."""

    def error(self, message):
        raise _UsageError(f"{message} (see 'decide {self.prog.split()[-1]} --help')"
                          if " " in self.prog else f"{message} (see 'decide --help')")


def _objective_option(parser):
    parser.add_argument("--objective", choices=_OBJECTIVES, default="deaths",
                        help="what to optimise: deaths averted (default), life_years saved "
                             "or net_benefit in $M (both need the scenario's [outcomes] "
                             "table)")


_PLOT_HELP = "chart to .html (standalone, works offline), .svg or .png ('-': HTML on stdout)"
_TABLE_HELP = ("write the table to .csv, .json, .xlsx or .parquet (JSON, XLSX and Parquet "
               "also record the seed and the toolkit version; '-': CSV on stdout)")


def build_parser():
    p = _Parser(prog="decide", description=(
        "Allocate a counter-fentanyl budget across levers to minimise projected deaths."))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("solve", help="optimal allocation for a scenario (decide.optimize)")
    s.add_argument("scenario", help="scenario file (.toml, or a .json export)")
    s.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a value, e.g. budget=2000 or "
                        "levers.precursor.max_effect=0.3 (repeatable)")
    s.add_argument("--format", choices=["table", "csv", "json", "xlsx"])
    s.add_argument("--out", help="write to this file (atomically) instead of stdout; the "
                                 "format follows its ending unless --format is given")
    s.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    s.add_argument("--time-limit", type=float, default=None, help="seconds per LP solve")
    s.add_argument("--constraint", action="append", metavar="TEXT",
                   help="add a linear constraint, e.g. 'financial >= 0.5 * counter_network'")
    s.add_argument("--phasing", action="store_true",
                   help="plan spend per lever per year (see the scenario's [phasing] table)")
    s.add_argument("--draws", type=int, default=5000,
                   help="plausible worlds behind the answer's range in the table's footer "
                        "(decide.outlook; default 5000, as in the app; 0 = none)")
    s.add_argument("--seed", type=int, default=0, help="seed of those worlds (default 0)")
    _objective_option(s)
    s.set_defaults(func=cmd_solve)
    lc = sub.add_parser("least-cost", help="cheapest allocation that averts a target "
                                           "(decide.least_cost)")
    lc.add_argument("scenario")
    lc.add_argument("--set", action="append", metavar="KEY=VALUE")
    lc.add_argument("--deaths-averted", type=float, required=True)
    lc.add_argument("--format", choices=["table", "csv", "json", "xlsx"])
    lc.add_argument("--out", help="write to this file (atomically) instead of stdout")
    lc.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    lc.set_defaults(func=cmd_least_cost)
    pa = sub.add_parser("pareto", help="US deaths against homicides in Mexico "
                                       "(decide.pareto)")
    pa.add_argument("scenario")
    pa.add_argument("--set", action="append", metavar="KEY=VALUE")
    pa.add_argument("--n", type=int, default=11)
    pa.add_argument("--out", help=_TABLE_HELP)
    pa.add_argument("--plot", help=_PLOT_HELP)
    pa.add_argument("--quiet", action="store_true")
    pa.set_defaults(func=cmd_pareto, tables=True)
    m = sub.add_parser("monte-carlo", help="re-optimise the allocation for random draws of "
                                           "every parameter (decide.monte_carlo)")
    m.add_argument("scenario")
    m.add_argument("--set", action="append", metavar="KEY=VALUE")
    m.add_argument("--n", type=int, default=10_000, help="number of draws")
    m.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    m.add_argument("--chunk", type=int, default=20_000, help="draws solved at once")
    m.add_argument("--out", help="stream every draw to this file (atomically): .csv, or "
                                 ".parquet (smaller and faster; records the seed); '-': "
                                 "CSV on stdout (the summary goes to stderr)")
    m.add_argument("--quiet", action="store_true", help="no progress on stderr")
    m.add_argument("--executor", default=None,
                   help="'processes' for local processes, or a Dask scheduler address")
    m.add_argument("--plot", help="funding-probability bars and deaths-averted histogram "
                                  "to .html (works offline), .svg or .png (from the first 200,000 "
                                  "draws)")
    m.set_defaults(func=cmd_monte_carlo)

    def analysis(name, fn, help_text, executor=True):
        a = sub.add_parser(name, help=help_text)
        a.add_argument("scenario")
        a.add_argument("--set", action="append", metavar="KEY=VALUE")
        a.add_argument("--out", help=_TABLE_HELP)
        a.add_argument("--quiet", action="store_true", help="no progress on stderr")
        a.set_defaults(tables=True)  # --out: a table (.csv, .json, .xlsx or .parquet)
        if executor:
            a.add_argument("--executor", default=None,
                           help="'processes', or a Dask scheduler address (draw-based "
                                "analyses)")
        a.set_defaults(func=fn)
        return a

    a = analysis("frontier", cmd_frontier, "optimal allocation across budgets "
                 "(decide.frontier)")
    a.add_argument("--min-budget", type=float, default=0.0)
    a.add_argument("--max-budget", type=float, default=None,
                   help="default: 5 x the scenario budget")
    a.add_argument("--points", type=int, default=21)
    a.add_argument("--plot", help=_PLOT_HELP)
    a = analysis("tornado", cmd_tornado, "each parameter at low and high, re-optimised "
                 "(decide.tornado)")
    a.add_argument("--parameter", action="append", help="limit to these (repeatable)")
    a.add_argument("--fixed", action="store_true", help="keep the base allocation")
    a.add_argument("--plot", help=_PLOT_HELP)
    a = analysis("two-way", cmd_two_way, "grid over two parameters (decide.two_way)")
    a.add_argument("x")
    a.add_argument("y")
    a.add_argument("--n", type=int, default=11)
    a.add_argument("--plot", help=_PLOT_HELP)
    a = analysis("robust", cmd_robust, "one allocation for all draws (decide.robust)")
    a.add_argument("--n", type=int, default=1000)
    a.add_argument("--seed", type=int, default=None)
    a.add_argument("--objective", choices=["expected", "regret", "cvar", "cvar_regret"],
                   default="expected",
                   help="what the one allocation minimises: expected deaths (default), "
                        "the largest regret (deaths above a draw's own optimum), or the "
                        "mean deaths (cvar) or mean regret (cvar_regret) in the worst "
                        "1 - alpha of draws")
    a.add_argument("--alpha", type=float, default=0.9,
                   help="for cvar and cvar_regret: the worst 1 - alpha of draws count "
                        "(default 0.9: the worst 10%%)")
    a = analysis("evpi", cmd_evpi, "expected value of perfect information (decide.evpi)")
    a.add_argument("--n", type=int, default=10_000)
    a.add_argument("--seed", type=int, default=None)
    a = analysis("evppi", cmd_evppi, "expected value of partial perfect information "
                 "(decide.evppi)")
    a.add_argument("--parameter", action="append", required=True,
                   help="a parameter, or several joined by '+' (repeatable)")
    a.add_argument("--n", type=int, default=100, help="outer draws")
    a.add_argument("--inner", type=int, default=200, help="inner draws per outer draw")
    a.add_argument("--seed", type=int, default=None)
    a = analysis("sobol", cmd_sobol, "Sobol indices of the optimal outcome (decide.sobol)")
    a.add_argument("--n", type=int, default=512)
    a.add_argument("--seed", type=int, default=None)
    a.add_argument("--output", default="deaths_averted",
                   help="deaths_averted or share.<lever>")
    a = analysis("discover", cmd_discover, "where the decision breaks: PRIM boxes of "
                 "assumptions where failures concentrate (decide.discover)")
    a.add_argument("--n", type=int, default=10_000, help="draws (default 10,000)")
    a.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    a.add_argument("--failure", default="regret>5%",
                   help="what counts as failing in a draw: 'regret>5%%' (default: the "
                        "base-case allocation forgoes more than 5%% of the deaths the "
                        "draw's own optimum averts), 'regret>100' (deaths), "
                        "'share:<lever>>10' (percentage points of the budget) or "
                        "'top_lever'")
    a.add_argument("--min-density", type=float, default=0.5,
                   help="share of failing draws a box must hold on the held-out draws "
                        "(default 0.5)")
    a.add_argument("--max-boxes", type=int, default=3, help="boxes to look for (default 3)")
    a.add_argument("--plot", help="PRIM's peeling trajectory (coverage against density) "
                                  "to .html (works offline), .svg or .png")
    a = analysis("experts", cmd_experts, "each expert's allocation, the cross-regret "
                 "matrix, a pooled and a robust allocation (decide.experts)")
    a.add_argument("--panel", default="inputs/experts",
                   help="directory of expert files (default inputs/experts)")
    a.add_argument("--n", type=int, default=2000, help="draws per expert (default 2000)")
    a.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    a.add_argument("--weights", choices=["auto", "equal", "cooke"], default="auto",
                   help="the pool's weights: Cooke's when every expert answered the same "
                        "seed questions (auto, the default), equal, or cooke")
    a.add_argument("--cutoff", type=float, default=0.0,
                   help="Cooke's calibration cutoff (experts below it get no weight)")
    c = analysis("calibrate", cmd_calibrate, "fit the status-quo baseline to observed "
                 "deaths, posterior against prior (decide.calibrate)", executor=False)
    c.add_argument("--draws", type=int, default=2000, help="posterior draws kept")
    c.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    c.add_argument("--table", choices=["posterior", "fit", "summary"], default="posterior",
                   help="what --out writes: one row per posterior draw (default), the fit "
                        "per year, or posterior against prior quantiles")
    c.add_argument("--plot", help="observed deaths against the fit (median, 90%% band) to "
                                  ".html, .svg or .png")
    v = analysis("validate", cmd_validate, "fit up to a year, predict the later observed "
                 "years out of sample (decide.validate)", executor=False)
    v.add_argument("--train-until", type=int, default=2023,
                   help="last year whose count is used in the fit (default 2023)")
    v.add_argument("--draws", type=int, default=2000, help="posterior draws kept")
    v.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    v.add_argument("--plot", help="observed deaths against the fit and the predictions "
                                  "(median, 90%% band) to .html, .svg or .png")
    b = sub.add_parser("brief", help="a printable HTML briefing of the optimal allocation: "
                                     "the answer and its range, caveats, charts, sources "
                                     "(decide.reporting.build_briefing)")
    b.add_argument("scenario")
    b.add_argument("--set", action="append", metavar="KEY=VALUE")
    b.add_argument("--out", help="write the HTML here (atomically) instead of stdout")
    b.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    b.add_argument("--draws", type=int, default=5000,
                   help="plausible worlds behind the answer's range (decide.outlook; "
                        "default 5000, as in the app; 0 = none)")
    b.add_argument("--seed", type=int, default=0, help="seed of those worlds (default 0)")
    b.add_argument("--no-discover", action="store_true",
                   help="leave out where the decision breaks (decide.discover, ~2-6 s)")
    b.add_argument("--no-charts", action="store_true",
                   help="leave out the charts and the tornado and frontier behind them")
    b.add_argument("--validate", action="store_true",
                   help="add the baseline's out-of-sample error (decide.validate, ~2 s)")
    _objective_option(b)
    b.set_defaults(func=cmd_brief)
    q = sub.add_parser("params", help="parameters with ranges, sources and confidence "
                                      "(Scenario.parameters)")
    q.add_argument("scenario")
    q.add_argument("--set", action="append", metavar="KEY=VALUE")
    q.add_argument("--format", choices=["table", "csv"], default="table")
    q.set_defaults(func=cmd_params)
    sc = sub.add_parser("schema", help="JSON Schema of scenario files, for editors "
                                       "(decide.scenario.scenario_schema)")
    sc.add_argument("--out", help="write it here (atomically) instead of stdout, e.g. "
                                  "scenario.schema.json")
    sc.set_defaults(func=cmd_schema)
    return p


def _check_paths(args):
    """Refuse, before any work is done, an output that cannot be written (no such
    folder, a folder, permission denied, ...) or has the wrong ending."""
    from .files import check_output

    out, plot = getattr(args, "out", None), getattr(args, "plot", None)
    if out == "-" and plot == "-":
        raise _UsageError("--out - and --plot - cannot both write to standard output")
    if plot:
        check_output(plot, binary=_ending(plot) == "png")
        _suffix(plot, _PLOTS, "--plot")
    if out:
        fmt = getattr(args, "format", None) or _ending(out)
        check_output(out, binary=fmt in ("xlsx", "parquet"))
        if getattr(args, "tables", False):
            _suffix(out, _TABLES)


def _infeasible_text(exc):
    """An infeasibility in words: "the constraints cannot all hold: ..."."""
    text = str(exc)
    prefix = "infeasible constraints: "
    if text.startswith(prefix):
        text = text[len(prefix):]
    return f"the constraints cannot all hold: {text}"


def main(argv=None) -> int:
    """Run the CLI; returns the exit code."""
    import contextlib

    from .errors import FileError, InfeasibleError, ScenarioError, SolverError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check_paths(args)
        return args.func(args)
    except InfeasibleError as exc:
        print(f"decide: error: {_infeasible_text(exc)}", file=sys.stderr)
        return 2
    except (ScenarioError, _UsageError) as exc:
        print(f"decide: error: {exc}", file=sys.stderr)
        return 2
    except SolverError as exc:
        print(f"decide: solver error: {exc}", file=sys.stderr)
        return 3
    except FileError as exc:
        print(f"decide: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (| head): quiet, as tools are
        import os

        with contextlib.suppress(OSError, ValueError):  # nothing more reaches the pipe
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # any other file or system error, explained
        from .files import explain

        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"decide: error: {where}{explain(exc, writing=False)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("decide: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback
        print(f"decide: internal error: {type(exc).__name__}: {exc} (please report)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
