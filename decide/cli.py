"""The ``decide`` command line: subcommands mirror the library functions.

Exit codes: 0 success; 2 invalid input or infeasible constraints; 3 solver failure;
1 internal error. Errors are one line on stderr, never a traceback.
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


def _format_table(res):
    import pandas as pd

    from .reporting.outcomes import OBJECTIVE_TEXT, budget_price_sentence
    from .reporting.sentences import decision_sentences, status_sentence

    t = res.table.copy()
    t["spend"] = t["spend"].map(lambda v: f"{v:,.1f}")
    t["share"] = t["share"].map(lambda v: f"{v:.1%}")
    t["deaths_averted"] = t["deaths_averted"].map(lambda v: f"{v:,.1f}")
    t["marginal_deaths_averted_per_musd"] = t["marginal_deaths_averted_per_musd"].map(
        lambda v: f"{v:.4f}")
    t["cost_per_death_averted"] = t["cost_per_death_averted"].map(
        lambda v: "-" if pd.isna(v) else f"{v:,.2f}")
    t["reduced_cost"] = t["reduced_cost"].map(lambda v: f"{v:+.4f}")
    formats = {"marginal_objective_per_musd": "{:.4f}", "life_years_averted": "{:,.0f}",
               "benefit_musd": "{:,.1f}", "cost_musd": "{:,.1f}",
               "net_benefit_musd": "{:,.1f}", "benefit_cost_ratio": "{:.2f}"}
    for col, fmt in formats.items():  # outcomes beyond deaths, when the scenario has them
        if col in t:
            t[col] = t[col].map(lambda v, f=fmt: "-" if pd.isna(v) else f.format(v))
    t = t.drop(columns="label").rename(columns={
        "spend": "spend $M/yr", "deaths_averted": "deaths averted",
        "marginal_deaths_averted_per_musd": "marginal per $1M/yr",
        "cost_per_death_averted": "$M per death averted",
        "marginal_objective_per_musd": f"marginal {res.objective_unit} per $1M/yr",
        "reduced_cost": "reduced cost", "life_years_averted": "life-years saved",
        "benefit_musd": "benefit $M", "cost_musd": "cost $M",
        "net_benefit_musd": "net benefit $M", "benefit_cost_ratio": "BCR"})
    s = res.summary()
    sc = res.scenario
    lines = [
        f"Scenario: {sc.name}  (budget ${sc.budget:,.0f}M a year, {sc.horizon} years, "
        f"{sc.dollar_year} dollars)",
        f"Objective: {OBJECTIVE_TEXT[res.objective]}",
        "",
        t.to_string(index=False),
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
    lines += [
        f"Certified gap       {res.gap:>14.4f} {res.objective_unit}",
        f"Cost per death averted  ${s['cost_per_death_averted_musd']:,.2f}M",
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
        lines += ["", "Plan ($M per year):", res.plan.round(1).to_string(),
                  f"Deaths averted in the {int(sc.phasing.get('tail_years', 3))}-year tail "
                  f"window after the horizon: {res.tail_deaths_averted:,.1f}"]
    basis = decision_sentences(res) if res.objective == "deaths" else []
    if res.objective != "deaths":
        lines.append("(What the decision rests on, from the tornado's switching values, is "
                     "computed for the deaths objective.)")
    if basis:
        lines += ["", "What the decision rests on:"] + [f"- {line}" for line in basis] + [""]
    lines.append(f"Solver {res.solver}, {res.iterations} LP solve(s)")
    return "\n".join(lines) + "\n"


#: ``decide.scenario.OBJECTIVES`` (a test checks), without importing the library to
#: build the parser.
_OBJECTIVES = ("deaths", "life_years", "net_benefit")


def _write_out(args, data: bytes, announce=True):
    """``data`` to ``--out`` (atomically) or to stdout."""
    from .reporting import export

    if args.out:
        export.write_atomic(args.out, data)
        if announce:
            print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode())
    return 0


def cmd_solve(args):
    from .optimization import optimize
    from .reporting import export
    from .reporting.sentences import status_sentence

    sc = _load(args)
    res = optimize(sc, solver=args.solver, time_limit=args.time_limit, phasing=args.phasing,
                   objective=args.objective)
    for warning in res.warnings:
        print(f"decide: warning: {warning}", file=sys.stderr)
    status = status_sentence(res.status, res.gap)
    if status is not None:  # on stderr too, whatever the format of stdout
        print(f"decide: warning: {status}", file=sys.stderr)
    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else "table")
    if fmt == "table":
        data = _format_table(res).encode()
    elif fmt in export.FORMATS:
        data = export.export_bytes(res, fmt)
    else:
        raise _UsageError(f"unknown format '{fmt}' (table, csv, json, xlsx)")
    if fmt == "xlsx" and not args.out:
        raise _UsageError("--format xlsx needs --out PATH")
    return _write_out(args, data)


def cmd_brief(args):
    from .analyses import monte_carlo
    from .optimization import optimize
    from .reporting.brief import briefing_html
    from .scenario import load_scenario

    reference = load_scenario(args.scenario)
    sc = _load(args)
    res = optimize(sc, solver=args.solver, objective=args.objective)
    mc = monte_carlo(sc, n=args.draws, seed=args.seed) if args.draws else None
    check = None
    if args.validate:
        from .analyses import validate

        check = validate(sc, seed=args.seed)
    return _write_out(args, briefing_html(res, reference=reference, monte_carlo=mc,
                                          validation=check).encode())


def cmd_least_cost(args):
    from .optimization import least_cost
    from .reporting import export

    sc = _load(args)
    res = least_cost(sc, deaths_averted=args.deaths_averted, solver=args.solver)
    print(f"least cost ${res.spend.sum():,.2f}M a year (at most ${res.cost_gap:,.2f}M more "
          f"than the true least cost) averts {res.deaths_averted:,.1f} deaths",
          file=sys.stderr)
    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else "table")
    data = _format_table(res).encode() if fmt == "table" else export.export_bytes(res, fmt)
    return _write_out(args, data, announce=False)


def cmd_pareto(args):
    from .optimization import pareto
    from .reporting import charts

    p = pareto(_load(args), n=args.n)
    _emit(args, p, lambda: charts.pareto_chart(p))
    return 0


def cmd_schema(args):
    """Print (or write) the JSON Schema of scenario files, for editors."""
    import json

    from .scenario import scenario_schema

    return _write_out(args, (json.dumps(scenario_schema(), indent=2) + "\n").encode())


def cmd_params(args):
    import pandas as pd

    sc = _load(args)
    df = sc.parameters()
    if args.format == "csv":
        sys.stdout.write(df.to_csv(index=False))
    else:
        with pd.option_context("display.max_colwidth", 70, "display.width", 250):
            sys.stdout.write(df.to_string(index=False) + "\n")
    return 0


def cmd_monte_carlo(args):
    import contextlib

    import pandas as pd

    from .analyses import monte_carlo_chunks
    from .reporting import export

    sc = _load(args)
    n = args.n
    chunks = monte_carlo_chunks(sc, n=n, seed=args.seed, chunk=args.chunk,
                                executor=args.executor)
    summary = _RunningSummary(sc.lever_names)
    used = args.seed
    with (export.atomic_file(args.out, "w") if args.out
          else contextlib.nullcontext()) as fh:
        done = 0
        for k, frame in enumerate(chunks):  # streamed: one chunk in memory at a time
            if used is None:  # fresh entropy: print the seed that repeats this run
                used = frame.attrs["seed_entropy"]
            if fh is not None:
                if k == 0:
                    _warn_size(args.out, frame, n)
                frame.to_csv(fh, index=False, header=(k == 0))
            summary.add(frame)
            done += len(frame)
            if not args.quiet:
                print(f"\rmonte-carlo: {done:,}/{n:,} draws ({done / n:.0%}), engine "
                      f"{frame.attrs['engine']}", end="", file=sys.stderr, flush=True)
        if not args.quiet:
            print(file=sys.stderr)
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
    with pd.option_context("display.width", 200):
        sys.stdout.write(summary.text(n, used))
    if args.plot:
        from .reporting import charts

        labels = {lv.name: lv.label for lv in sc.levers}
        sample = pd.concat(summary.frames, ignore_index=True)
        chart = charts.funded_chart(sample, labels) & charts.averted_histogram(sample)
        try:
            charts.save_chart(chart, args.plot)
        except ValueError as exc:
            raise _UsageError(str(exc)) from None
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _warn_size(path, frame, n, limit=100e6):
    """Warn on stderr when the CSV will be large: bytes of the first chunk scaled to n."""
    per_row = len(frame.head(200).to_csv(index=False)) / max(min(len(frame), 200), 1)
    expected = per_row * n
    if expected > limit:
        print(f"decide: warning: about {expected / 1e6:,.0f} MB will be written to {path} "
              f"({n:,} rows)", file=sys.stderr)


class _RunningSummary:
    """Streaming summary of Monte Carlo rows: funded share and deaths averted."""

    def __init__(self, levers):
        self.levers = levers
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
        lines = [f"{n:,} draws, seed {seed} (--seed {seed} repeats this run)", "",
                 f"{'lever':<20}{'funded':>10}{'mean spend $M/yr':>18}"]
        for lv in self.levers:
            lines.append(f"{lv:<20}{self.funded[lv] / n:>10.1%}{self.spend_sum[lv] / n:>18,.1f}")
        p5, p50, p95 = np.percentile(averted, [5, 50, 95])
        lines += ["", f"deaths averted: median {p50:,.0f} (90% interval {p5:,.0f} to "
                      f"{p95:,.0f})"]
        return "\n".join(lines) + "\n"


def _write_table(df, path, extra=None):
    """Write an analysis table to .csv, .xlsx or .json (atomically)."""
    import io
    import json

    from .reporting import export

    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix == "csv":
        data = df.to_csv(index=False).encode()
    elif suffix == "json":
        doc = {"rows": json.loads(df.to_json(orient="records")), **(extra or {})}
        data = (json.dumps(doc, indent=2) + "\n").encode()
    elif suffix == "xlsx":
        import pandas as pd

        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            df.to_excel(xl, sheet_name="result", index=False)
            if extra:
                pd.DataFrame({"item": list(extra), "value": [str(v) for v in extra.values()]}
                             ).to_excel(xl, sheet_name="about", index=False)
        data = buf.getvalue()
    else:
        raise _UsageError(f"--out must end in .csv, .xlsx or .json, got '{path}'")
    export.write_atomic(path, data)
    print(f"wrote {path}", file=sys.stderr)


def _bar(args, label):
    if getattr(args, "quiet", False):
        return None

    def show(done, total):
        end = "\n" if done >= total else ""
        print(f"\r{label}: {done}/{total} ({done / total:.0%})", end=end, file=sys.stderr,
              flush=True)
    return show


def _emit(args, df, chart=None, extra=None):
    import pandas as pd

    if args.out:
        _write_table(df, args.out, extra)
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20,
                               "display.max_rows", 200):
            sys.stdout.write(df.to_string(index=False) + "\n")
    _save_plot(args, chart)


def _save_plot(args, chart):
    """``chart()`` to ``--plot``, if given."""
    if getattr(args, "plot", None):
        if chart is None:
            raise _UsageError("this analysis has no chart")
        from .reporting.charts import save_chart

        try:
            save_chart(chart(), args.plot)
        except ValueError as exc:
            raise _UsageError(str(exc)) from None
        print(f"wrote {args.plot}", file=sys.stderr)


def cmd_frontier(args):
    import numpy as np

    from . import analyses
    from .reporting import charts

    sc = _load(args)
    budgets = (np.linspace(args.min_budget, args.max_budget, args.points)
               if args.max_budget is not None else None)
    f = analyses.frontier(sc, budgets=budgets, progress=_bar(args, "frontier"))
    _emit(args, f, lambda: charts.frontier_chart(f))
    return 0


def cmd_tornado(args):
    from . import analyses
    from .reporting import charts

    sc = _load(args)
    t = analyses.tornado(sc, parameters=args.parameter, reoptimize=not args.fixed,
                         progress=_bar(args, "tornado"))
    _emit(args, t, lambda: charts.tornado_chart(t))
    return 0


def cmd_two_way(args):
    from . import analyses
    from .reporting import charts

    sc = _load(args)
    tw = analyses.two_way(sc, args.x, args.y, n=args.n, executor=args.executor)
    _emit(args, tw, lambda: charts.two_way_heatmap(tw, args.x, args.y))
    return 0


def cmd_robust(args):
    from . import analyses

    sc = _load(args)
    r = analyses.robust(sc, n=args.n, seed=args.seed, objective=args.objective,
                        alpha=args.alpha, executor=args.executor)
    table = r.spend.rename("spend").reset_index()
    extra = {"objective": r.objective, "value_deaths": r.value, "gap_deaths": r.gap,
             "method": r.method, "alpha": r.alpha,
             "out_of_sample": r.out_of_sample.to_dict(orient="records")}
    print(f"{r.objective}: {r.value:,.3f} deaths (certified gap {r.gap:.4f}); {r.method}",
          file=sys.stderr)
    print(r.out_of_sample.to_string(index=False), file=sys.stderr)
    _emit(args, table, extra=extra)
    return 0


def cmd_evpi(args):
    from . import analyses

    _emit(args, analyses.evpi(_load(args), n=args.n, seed=args.seed,
                              executor=args.executor))
    return 0


def cmd_evppi(args):
    from . import analyses

    sc = _load(args)
    import pandas as pd

    rows = [analyses.evppi(sc, p.split("+"), n=args.n, seed=args.seed, inner=args.inner,
                           executor=args.executor) for p in args.parameter]
    _emit(args, pd.concat(rows, ignore_index=True))
    return 0


def cmd_sobol(args):
    from . import analyses

    s = analyses.sobol(_load(args), n=args.n, seed=args.seed, output=args.output,
                       executor=args.executor)
    print(f"{s.attrs['runs']:,} optimisations; {s.attrs['note']}", file=sys.stderr)
    _emit(args, s)
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
    cal = calibrate(sc, draws=args.draws, seed=args.seed, progress=_bar(args, "calibrate"))
    for warning in cal.diagnostics["warnings"]:
        print(f"decide: warning: {warning}", file=sys.stderr)
    if args.out:
        df = {"posterior": cal.posterior, "fit": cal.fit, "summary": cal.summary()}[args.table]
        extra = {"table": args.table, "baseline_model": sc.baseline_model,
                 "draws": args.draws, "seed": args.seed,
                 "diagnostics": _jsonable(cal.diagnostics)}
        _write_table(df, args.out, extra)
    else:
        sys.stdout.write(_calibration_text(sc, cal))
    _save_plot(args, lambda: charts.fit_chart(cal.fit))
    return 0


def cmd_validate(args):
    from .analyses import calibrate, validation_table
    from .reporting import charts

    sc = _load(args)
    # decide.validate is calibrate(train_until=...) then this table; calling the two here
    # also gives the whole fit for the chart
    cal = calibrate(sc, draws=args.draws, seed=args.seed, train_until=args.train_until,
                    progress=_bar(args, "validate"))
    for warning in cal.diagnostics["warnings"]:
        print(f"decide: warning: {warning}", file=sys.stderr)
    table = validation_table(cal.fit, args.train_until)
    if table.empty:
        print(f"decide: warning: no observed year after {args.train_until} to predict",
              file=sys.stderr)
    extra = {"train_until": args.train_until, "baseline_model": sc.baseline_model,
             "draws": args.draws, "seed": args.seed,
             "diagnostics": _jsonable(cal.diagnostics)}
    if not args.out:
        print(f"Baseline model '{sc.baseline_model}', trained on observed years up to "
              f"{args.train_until}; predicted = median, low/high = 90% predictive interval",
              file=sys.stderr)
    _emit(args, table, lambda: charts.fit_chart(cal.fit), extra=extra)
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
    s.add_argument("--out", help="write to this file (atomically) instead of stdout")
    s.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    s.add_argument("--time-limit", type=float, default=None, help="seconds per LP solve")
    s.add_argument("--constraint", action="append", metavar="TEXT",
                   help="add a linear constraint, e.g. 'financial >= 0.5 * counter_network'")
    s.add_argument("--phasing", action="store_true",
                   help="plan spend per lever per year (see the scenario's [phasing] table)")
    _objective_option(s)
    s.set_defaults(func=cmd_solve)
    lc = sub.add_parser("least-cost", help="cheapest allocation that averts a target "
                                           "(decide.least_cost)")
    lc.add_argument("scenario")
    lc.add_argument("--set", action="append", metavar="KEY=VALUE")
    lc.add_argument("--deaths-averted", type=float, required=True)
    lc.add_argument("--format", choices=["table", "csv", "json", "xlsx"])
    lc.add_argument("--out")
    lc.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    lc.set_defaults(func=cmd_least_cost)
    pa = sub.add_parser("pareto", help="US deaths against homicides in Mexico "
                                       "(decide.pareto)")
    pa.add_argument("scenario")
    pa.add_argument("--set", action="append", metavar="KEY=VALUE")
    pa.add_argument("--n", type=int, default=11)
    pa.add_argument("--out", help="write the table to .csv, .xlsx or .json")
    pa.add_argument("--plot", help="chart to .html or .png")
    pa.add_argument("--quiet", action="store_true")
    pa.set_defaults(func=cmd_pareto)
    m = sub.add_parser("monte-carlo", help="re-optimise the allocation for random draws of "
                                           "every parameter (decide.monte_carlo)")
    m.add_argument("scenario")
    m.add_argument("--set", action="append", metavar="KEY=VALUE")
    m.add_argument("--n", type=int, default=10_000, help="number of draws")
    m.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    m.add_argument("--chunk", type=int, default=20_000, help="draws solved at once")
    m.add_argument("--out", help="stream every draw to this CSV file (atomically)")
    m.add_argument("--quiet", action="store_true", help="no progress on stderr")
    m.add_argument("--executor", default=None,
                   help="'processes' for local processes, or a Dask scheduler address")
    m.add_argument("--plot", help="funding-probability bars and deaths-averted histogram "
                                  "to .html or .png (from the first 200,000 draws)")
    m.set_defaults(func=cmd_monte_carlo)

    def analysis(name, fn, help_text, executor=True):
        a = sub.add_parser(name, help=help_text)
        a.add_argument("scenario")
        a.add_argument("--set", action="append", metavar="KEY=VALUE")
        a.add_argument("--out", help="write the table to .csv, .xlsx or .json")
        a.add_argument("--quiet", action="store_true", help="no progress on stderr")
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
    a.add_argument("--plot", help="chart to .html or .png")
    a = analysis("tornado", cmd_tornado, "each parameter at low and high, re-optimised "
                 "(decide.tornado)")
    a.add_argument("--parameter", action="append", help="limit to these (repeatable)")
    a.add_argument("--fixed", action="store_true", help="keep the base allocation")
    a.add_argument("--plot", help="chart to .html or .png")
    a = analysis("two-way", cmd_two_way, "grid over two parameters (decide.two_way)")
    a.add_argument("x")
    a.add_argument("y")
    a.add_argument("--n", type=int, default=11)
    a.add_argument("--plot", help="chart to .html or .png")
    a = analysis("robust", cmd_robust, "one allocation for all draws (decide.robust)")
    a.add_argument("--n", type=int, default=1000)
    a.add_argument("--seed", type=int, default=None)
    a.add_argument("--objective", choices=["expected", "regret", "cvar", "cvar_regret"],
                   default="expected")
    a.add_argument("--alpha", type=float, default=0.9)
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
    c = analysis("calibrate", cmd_calibrate, "fit the status-quo baseline to observed "
                 "deaths, posterior against prior (decide.calibrate)", executor=False)
    c.add_argument("--draws", type=int, default=2000, help="posterior draws kept")
    c.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    c.add_argument("--table", choices=["posterior", "fit", "summary"], default="posterior",
                   help="what --out writes: one row per posterior draw (default), the fit "
                        "per year, or posterior against prior quantiles")
    c.add_argument("--plot", help="observed deaths against the fit (median, 90%% band) to "
                                  ".html or .png")
    v = analysis("validate", cmd_validate, "fit up to a year, predict the later observed "
                 "years out of sample (decide.validate)", executor=False)
    v.add_argument("--train-until", type=int, default=2023,
                   help="last year whose count is used in the fit (default 2023)")
    v.add_argument("--draws", type=int, default=2000, help="posterior draws kept")
    v.add_argument("--seed", type=int, default=None, help="random seed (0 is a seed)")
    v.add_argument("--plot", help="observed deaths against the fit and the predictions "
                                  "(median, 90%% band) to .html or .png")
    b = sub.add_parser("brief", help="a printable one-page HTML briefing of the optimal "
                                     "allocation (decide.reporting.briefing_html)")
    b.add_argument("scenario")
    b.add_argument("--set", action="append", metavar="KEY=VALUE")
    b.add_argument("--out", help="write the HTML here (atomically) instead of stdout")
    b.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    b.add_argument("--draws", type=int, default=0,
                   help="add a Monte Carlo summary with this many draws (0 = none)")
    b.add_argument("--seed", type=int, default=1)
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


def main(argv=None) -> int:
    """Run the CLI; returns the exit code."""
    from .errors import InfeasibleError, ScenarioError, SolverError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except (ScenarioError, InfeasibleError, _UsageError) as exc:
        print(f"decide: error: {exc}", file=sys.stderr)
        return 2
    except SolverError as exc:
        print(f"decide: solver error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("decide: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback
        print(f"decide: internal error: {type(exc).__name__}: {exc} (please report)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
