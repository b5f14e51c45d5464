"""Pooled expert judgement: one overlay of beliefs per expert, each expert's own
allocation, what each allocation costs under every other expert's beliefs, a linear
opinion pool (equal weights, or Cooke's classical-model weights when the experts answered
seed questions), and one allocation robust across the panel.

An expert file (``inputs/experts/*.toml``; the format is in ``docs/experts.md`` and
``inputs/experts/TEMPLATE.toml.example``) names the expert and gives any subset of the
scenario's parameters a base, low and high, with a unit, a source and a confidence, like
a scenario file; parameters an expert leaves out keep the scenario's values. Optional
answers to seed questions (5%, 50% and 95% quantiles) refer to the questions of
``seed_questions.toml`` in the same directory, whose true values the analyst knows.

Definitions (deaths over the horizon in the optimiser's objective: discounted when the
scenario discounts; ``D_k(x)`` the deaths of allocation ``x`` in draw ``k``):

- expert ``j``'s **allocation** ``x_j`` minimises ``E_j[D(x)]``, the mean over ``n`` draws
  of ``j``'s distributions (the expected-deaths optimum of `decide.robust`: the
  barrier/Newton engine on the mean of the draws, certified by the concavity bound, or LP
  cutting planes outside its scope); ``gap_j`` is its certified gap;
- **cross-regret** ``R[i, j] = E_j[D(x_i)] - E_j[D(x_j)]``: the extra deaths expected,
  under expert ``j``'s beliefs, from following expert ``i``. The diagonal is 0 and every
  entry is at least ``-gap_j`` (``x_j`` is ``j``'s optimum to within ``gap_j``);
- **expected regret** ``E_j[D_k(x_i) - D_k(x*_k)]`` against each draw's own optimum
  (re-optimised per draw); its diagonal is expert ``j``'s expected value of perfect
  information;
- the **pool** mixes the experts' distributions with weights ``w_j``: ``round(w_j J n)``
  draws of expert ``j`` (largest remainders; ``J`` experts), and the pooled allocation
  minimises the pool's expected deaths;
- the **robust** allocation minimises the largest cross-regret over the experts,
  ``max_j E_j[D(x)] - E_j[D(x_j)]`` (minimax regret across the panel, whatever the
  weights), by the cutting planes `decide.robust` uses (Kelley 1960) with one epigraph
  per expert; certified by the LP's lower bound.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..arguments import (
    Interval,
    check_choice,
    check_executor,
    check_int,
    check_number,
    check_real,
    check_seed,
)
from ..errors import FileError, ScenarioError
from ..files import read_input
from ..optimization import check_feasible, newton
from ..optimization import formulation as fm
from ..optimization.bounds import extra_rows
from ..optimization.certificate import FUNDED
from ..optimization.cutting_planes import first_points, kelley, refine
from ..scenario import MAX_FILE_BYTES, Scenario, suggest
from . import cooke
from .common import deaths_at
from .executors import solve_draws_on
from .sampling import root_seed, sample_parameters

__all__ = ["Expert", "SeedQuestion", "Panel", "ExpertsResult", "load_expert",
           "load_seed_questions", "load_panel", "experts"]

#: The file of seed questions in a panel's directory (not an expert).
SEED_FILE = "seed_questions.toml"
_EXPERT_KEYS = ("name", "affiliation", "illustrative", "position")
_PARAM_KEYS = ("base", "low", "high", "unit", "source", "confidence", "note",
               "distribution")
_QUESTION_KEYS = ("question", "unit", "realization", "source", "scale")
_ANY = Interval(-math.inf, math.inf)


# -- files ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expert:
    """One expert's beliefs, as read from an overlay file.

    Attributes
    ----------
    name, affiliation : str
        ``affiliation`` may be ``"anonymous"``.
    illustrative : bool
        True for a constructed expert (built from published positions, not elicited).
    position : str
        A summary of the position the numbers stand for.
    parameters : Mapping[str, Mapping]
        By parameter name (as in ``Scenario.parameters()``): ``base``, ``low``, ``high``,
        ``unit``, ``source``, ``confidence`` and optionally ``note``, ``distribution``.
    seeds : Mapping[str, tuple[float, float, float]]
        Answers to seed questions: the 5%, 50% and 95% quantiles, by question id.
    source : str
        The file.
    """

    name: str
    affiliation: str
    illustrative: bool
    position: str
    parameters: MappingProxyType
    seeds: MappingProxyType
    source: str


@dataclass(frozen=True)
class SeedQuestion:
    """A question whose true value the analyst knows (calibration of the experts).

    Attributes
    ----------
    id, question, unit, source : str
    realization : float
        The true value.
    scale : {"uniform", "log"}
        The background measure of the information score (``log`` for quantities
        spanning orders of magnitude; every answer and the realization must then be > 0).
    """

    id: str
    question: str
    unit: str
    realization: float
    source: str
    scale: str = "uniform"


def _read_toml(path):
    path = Path(path)
    try:  # bounded, and a folder or a device explained
        data = read_input(path, limit=MAX_FILE_BYTES, what="expert file")
    except FileError as exc:
        raise ScenarioError(exc.reason, file=str(path), has_value=False) from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"not valid TOML: {exc}", file=str(path),
                            has_value=False) from None


def _keys(file, prefix, raw, allowed, required=()):
    if not isinstance(raw, dict):
        raise ScenarioError(f"must be a table, got {type(raw).__name__}", file=file,
                            key=prefix.rstrip(".") or "<file>", value=raw)
    for k in raw:
        if k not in allowed:
            raise ScenarioError(f"unknown key{suggest(str(k), allowed)}; allowed: "
                                + ", ".join(allowed), file=file, key=f"{prefix}{k}",
                                value=raw[k])
    for k in required:
        if k not in raw:
            raise ScenarioError("required key is missing", file=file, key=f"{prefix}{k}",
                                has_value=False)


def _text(file, key, value, required=True):
    if not isinstance(value, str) or (required and not value.strip()):
        raise ScenarioError("must be a non-empty string", file=file, key=key, value=value)
    return value


def load_expert(path):
    """Read one expert overlay file.

    The parameters' names and values are checked against a scenario when the panel is
    used (`Panel.scenario`); here the file's structure is checked.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    Expert

    Raises
    ------
    ScenarioError
        Naming the file, the key, the value and what is allowed.

    Examples
    --------
    >>> e = load_expert("inputs/experts/supply_optimist.toml")
    >>> e.illustrative, "levers.precursor.max_effect" in e.parameters
    (True, True)
    """
    file = str(path)
    raw = _read_toml(path)
    _keys(file, "", raw, ("expert", "parameters", "seeds"), required=("expert",))
    head = raw["expert"]
    _keys(file, "expert.", head, _EXPERT_KEYS, required=("name", "affiliation"))
    illustrative = head.get("illustrative", False)
    if not isinstance(illustrative, bool):
        raise ScenarioError("must be true or false", file=file, key="expert.illustrative",
                            value=illustrative)
    params = raw.get("parameters", {})
    _keys(file, "parameters.", params, list(params))
    checked = {}
    for name, table in params.items():
        key = f"parameters.{name}"
        _keys(file, f"{key}.", table, _PARAM_KEYS, required=_PARAM_KEYS[:6])
        for k in ("base", "low", "high"):
            check_number(table[k], _ANY, key=f"{key}.{k}", file=file)
        for k in ("unit", "source", "confidence"):
            _text(file, f"{key}.{k}", table[k])
        checked[name] = MappingProxyType(dict(table))
    seeds = raw.get("seeds", {})
    _keys(file, "seeds.", seeds, list(seeds))
    answers = {}
    for qid, value in seeds.items():
        key = f"seeds.{qid}"
        if not isinstance(value, list) or len(value) != 3:
            raise ScenarioError("must be [5%, 50%, 95%] quantiles: three numbers",
                                file=file, key=key, value=value)
        q = tuple(check_number(v, _ANY, key=f"{key}[{i}]", file=file)
                  for i, v in enumerate(value))
        if not q[0] < q[1] < q[2]:
            raise ScenarioError("the 5%, 50% and 95% quantiles must increase strictly",
                                file=file, key=key, value=value)
        answers[qid] = q
    if not checked and not answers:
        raise ScenarioError("an expert needs [parameters] or [seeds]", file=file,
                            key="parameters", has_value=False)
    return Expert(name=_text(file, "expert.name", head["name"]),
                  affiliation=_text(file, "expert.affiliation", head["affiliation"]),
                  illustrative=illustrative,
                  position=_text(file, "expert.position", head.get("position", ""),
                                 required=False),
                  parameters=MappingProxyType(checked), seeds=MappingProxyType(answers),
                  source=file)


def load_seed_questions(path):
    """Read a file of seed questions (``[questions.<id>]`` tables).

    Returns
    -------
    dict[str, SeedQuestion]

    Examples
    --------
    >>> qs = load_seed_questions("inputs/experts/seed_questions.toml")
    >>> all(q.realization > 0 for q in qs.values())
    True
    """
    file = str(path)
    raw = _read_toml(path)
    _keys(file, "", raw, ("questions",), required=("questions",))
    out = {}
    _keys(file, "questions.", raw["questions"], list(raw["questions"]))
    for qid, table in raw["questions"].items():
        key = f"questions.{qid}"
        _keys(file, f"{key}.", table, _QUESTION_KEYS, required=_QUESTION_KEYS[:4])
        scale = table.get("scale", "uniform")
        if scale not in ("uniform", "log"):
            raise ScenarioError("must be one of uniform, log", file=file,
                                key=f"{key}.scale", value=scale)
        real = check_number(table["realization"], _ANY, key=f"{key}.realization",
                            file=file)
        if scale == "log" and real <= 0:
            raise ScenarioError("a log-scale question needs a realization > 0", file=file,
                                key=f"{key}.realization", value=real)
        out[qid] = SeedQuestion(id=qid, question=_text(file, f"{key}.question",
                                                         table["question"]),
                                unit=_text(file, f"{key}.unit", table["unit"]),
                                realization=real,
                                source=_text(file, f"{key}.source", table["source"]),
                                scale=scale)
    return out


@dataclass(frozen=True)
class Panel:
    """Experts and the seed questions they may have answered.

    Build one with `load_panel`.

    Attributes
    ----------
    experts : tuple of Expert
        In file order; each with ``name``, ``affiliation``, ``illustrative``, ``file``,
        ``parameters`` (the scenario parameters the expert sets) and ``seed_answers``.
    questions : Mapping[str, SeedQuestion]
        The seed questions by identifier (a known answer each, for Cooke weights).

    Examples
    --------
    >>> import decide
    >>> panel = decide.analyses.load_panel("inputs/experts")
    >>> for name in panel.names:
    ...     print(name)
    Mexico-violence analyst (illustrative)
    Supply-control optimist (illustrative)
    Demand-side sceptic (illustrative)
    >>> sorted(panel.experts[0].parameters)[:2]
    ['levers.counter_network.adaptation_time', 'levers.counter_network.retained']
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> mine = panel.scenario(sc, panel.names[0])  # the analyst's beliefs
    >>> [s.lever("gun_flow").params["max_effect"].base for s in (mine, sc)]  # of supply
    [0.01, 0.005]
    """

    experts: tuple
    questions: MappingProxyType

    @property
    def names(self):
        """Expert names in file order."""
        return [e.name for e in self.experts]

    def scenario(self, sc, expert):
        """``sc`` with one expert's beliefs: a new, validated `Scenario`.

        Parameters
        ----------
        sc : Scenario
        expert : Expert or str
            An expert of the panel, or their name.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            Naming the expert's file: a parameter the scenario lacks, a unit that is not
            the scenario's, or a value outside what the scenario allows.

        Examples
        --------
        >>> import decide
        >>> sc = decide.load_scenario("inputs/baseline.toml")
        >>> panel = load_panel("inputs/experts")
        >>> s = panel.scenario(sc, "Supply-control optimist (illustrative)")
        >>> s.lever("precursor").params["max_effect"].base
        0.25
        """
        expert = expert if isinstance(expert, Expert) else self.experts[
            self.names.index(expert)]
        file = expert.source
        table = sc.parameters().set_index("name")
        raw = sc.to_dict()
        posterior = set(sc.posterior.columns) if sc.posterior is not None else set()
        for name, spec in expert.parameters.items():
            key = f"parameters.{name}"
            if name not in table.index:
                raise ScenarioError("not a parameter of this scenario"
                                    + suggest(name, list(table.index)), file=file, key=key,
                                    has_value=False)
            if spec["unit"] != table.at[name, "unit"]:
                raise ScenarioError(f"must be the scenario's unit, "
                                    f"'{table.at[name, 'unit']}'", file=file,
                                    key=f"{key}.unit", value=spec["unit"])
            if name in posterior:
                raise ScenarioError("the scenario's [posterior] table draws this parameter; "
                                    "remove the [posterior] table to use expert overlays",
                                    file=file, key=key, has_value=False)
            node = raw
            for part in name.split(".")[:-1]:
                node = node[part]
            node[name.split(".")[-1]] = dict(spec)
        try:
            return Scenario.from_dict(raw, source=file)
        except ScenarioError as exc:
            key = exc.key or ""
            hit = next((p for p in expert.parameters if key == p or key.startswith(p + ".")),
                       None)
            raise ScenarioError(exc.reason, file=file,
                                key=f"parameters.{key}" if hit else exc.key,
                                value=exc.value) from None


def load_panel(source):
    """A panel from a directory of expert files or a list of files.

    Parameters
    ----------
    source : str, pathlib.Path or sequence of them
        A directory: every ``*.toml`` in it is an expert, except ``seed_questions.toml``,
        which holds the seed questions. A list: expert files (a ``seed_questions.toml``
        among them holds the questions).

    Returns
    -------
    Panel

    Raises
    ------
    ScenarioError
        Fewer than two experts, two experts with one name, an answer to an unknown seed
        question, or a bad file.

    Examples
    --------
    >>> panel = load_panel("inputs/experts")
    >>> len(panel.experts) >= 3 and all(e.illustrative for e in panel.experts)
    True
    """
    if isinstance(source, Panel):
        return source
    if isinstance(source, str | Path) and Path(source).is_dir():
        paths = sorted(Path(source).glob("*.toml"))
    elif isinstance(source, str | Path):
        raise ScenarioError("must be a directory of expert files or a list of files",
                            file="<experts>", key="panel", value=str(source))
    else:
        paths = [Path(p) for p in source]
    seed_files = [p for p in paths if p.name == SEED_FILE]
    questions = load_seed_questions(seed_files[0]) if seed_files else {}
    experts_ = [load_expert(p) for p in paths if p.name != SEED_FILE]
    if len(experts_) < 2:
        raise ScenarioError("a panel needs at least two experts", file="<experts>",
                            key="panel", value=[str(p) for p in paths])
    seen = {}
    for e in experts_:
        if e.name in seen:
            raise ScenarioError(f"two experts are called '{e.name}' ({seen[e.name]})",
                                file=e.source, key="expert.name", value=e.name)
        seen[e.name] = e.source
        for qid, q in e.seeds.items():
            if qid not in questions:
                raise ScenarioError("not a seed question" + suggest(qid, list(questions))
                                    + (f" (none in {SEED_FILE})" if not questions else ""),
                                    file=e.source, key=f"seeds.{qid}", value=list(q))
            if questions[qid].scale == "log" and q[0] <= 0:
                raise ScenarioError("a log-scale question needs answers > 0",
                                    file=e.source, key=f"seeds.{qid}", value=list(q))
    return Panel(experts=tuple(experts_), questions=MappingProxyType(questions))


# -- weights ---------------------------------------------------------------------------------
def _weights(panel, how, cutoff):
    """(weights, calibration, information, method, note) for the panel."""
    names = panel.names
    answered = [set(e.seeds) for e in panel.experts]
    common = sorted(set.intersection(*answered))
    nan = np.full(len(names), np.nan)
    if how == "equal":
        return np.full(len(names), 1 / len(names)), nan, nan, "equal", "equal weights"
    usable = bool(common) and all(a == set(common) for a in answered)
    if not usable:
        why = ("no expert answered seed questions" if not any(answered) else
               "the experts did not all answer the same seed questions")
        if how == "cooke":
            raise ScenarioError(f"Cooke weights need every expert to answer the same seed "
                                f"questions: {why}", file="<experts>", key="weights",
                                value=how)
        return (np.full(len(names), 1 / len(names)), nan, nan, "equal",
                f"equal weights ({why})")
    q = np.array([[panel.experts[e].seeds[k] for k in common] for e in range(len(names))])
    r = np.array([panel.questions[k].realization for k in common])
    logs = np.array([panel.questions[k].scale == "log" for k in common])
    q[:, logs, :] = np.log(q[:, logs, :])
    r[logs] = np.log(r[logs])
    w, cal, inf = cooke.cooke_weights(q, r, cutoff=cutoff)
    return (w, cal, inf, "cooke",
            f"Cooke classical-model weights from {len(common)} seed questions"
            + (f" (calibration cutoff {cutoff:g})" if cutoff else ""))


def _pool_sizes(weights, n):
    """Draws of each expert in the pool: ``w_j J n`` rounded by largest remainders."""
    target = np.asarray(weights) * len(weights) * n
    sizes = np.floor(target).astype(int)
    short = len(weights) * n - sizes.sum()
    order = np.argsort(-(target - sizes), kind="stable")
    sizes[order[:short]] += 1
    return sizes


# -- the analysis -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ExpertsResult:
    """Each expert's allocation, the cross-regret matrix, the pool and a robust allocation.

    Attributes
    ----------
    experts : pandas.DataFrame
        Index expert name: ``affiliation``, ``illustrative``, ``file``, ``parameters``
        (how many the expert sets), ``seed_answers``, ``weight`` (in the pool),
        ``calibration`` and ``information`` (Cooke scores; NaN with equal weights).
    allocations : pandas.DataFrame
        Index: each expert's name, then ``pooled`` and ``robust``; one column per lever
        ($M per year), ``gap`` (certified, deaths: for an expert or the pool, on that
        distribution's expected deaths; for ``robust``, on its largest cross-regret).
    cross_regret : pandas.DataFrame
        Index allocation (as in ``allocations``), columns experts (whose beliefs score
        it): ``E_j[D(x_i)] - E_j[D(x_j)]``, deaths over the horizon.
    expected_regret : pandas.DataFrame
        Same shape: ``E_j[D_k(x_i) - D_k(x*_k)]`` against each draw's own optimum.
    deaths_averted : pandas.DataFrame
        Same shape: mean deaths averted over the horizon.
    p_funded : pandas.DataFrame
        Index experts and ``pooled``, columns levers: share of draws whose own optimum
        funds the lever.
    pool_sizes : pandas.Series
        Draws of each expert in the pool.
    weights_method : str
        ``"equal"`` or ``"cooke"``.
    note : str
        How the weights were set (and why not Cooke's, when not).
    robust_value : float
        The robust allocation's largest cross-regret over the experts (deaths): no
        allocation does better than ``robust_value - allocations.gap["robust"]``.
    scenarios : Mapping[str, Scenario]
        Each expert's scenario (for further analyses, e.g. `decide.discover`).
    n : int
        Draws per expert.
    seed_entropy : int
        Repeats the draws (``seed=seed_entropy``).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> r = decide.experts(sc, "inputs/experts", n=100, seed=0)
    >>> r.weights_method, r.pool_sizes.tolist()  # no seed answers: equal weights
    ('equal', [100, 100, 100])
    >>> spend = r.allocations[["counter_network", "gun_flow"]]  # $M per year
    >>> spend.round()  # doctest: +NORMALIZE_WHITESPACE
                                            counter_network  gun_flow
    allocation
    Mexico-violence analyst (illustrative)              0.0     300.0
    Supply-control optimist (illustrative)            300.0       0.0
    Demand-side sceptic (illustrative)                300.0       0.0
    pooled                                            300.0       0.0
    robust                                            294.0       6.0
    >>> r.worst_case().round(1)  # largest cross-regret, deaths over the horizon
    allocation
    robust                                     0.6
    Supply-control optimist (illustrative)     0.6
    pooled                                     0.6
    Demand-side sceptic (illustrative)         0.6
    Mexico-violence analyst (illustrative)    28.3
    Name: max_cross_regret, dtype: float64
    """

    experts: pd.DataFrame
    allocations: pd.DataFrame
    cross_regret: pd.DataFrame
    expected_regret: pd.DataFrame
    deaths_averted: pd.DataFrame
    p_funded: pd.DataFrame
    pool_sizes: pd.Series
    weights_method: str
    note: str
    robust_value: float
    scenarios: MappingProxyType
    n: int
    seed_entropy: int

    def worst_case(self):
        """Each allocation's largest cross-regret over the experts (deaths), smallest
        first: which allocation no expert would regret much."""
        return self.cross_regret.max(axis=1).sort_values().rename("max_cross_regret")

    def describe(self):
        """The findings in words.

        Returns
        -------
        list of str
        """
        levers = [c for c in self.allocations.columns if c != "gap"]
        out = [f"{len(self.experts)} experts, {self.n:,} draws each; {self.note}."]
        for name, row in self.allocations.iterrows():
            spend = ", ".join(f"{lv} {row[lv]:,.0f}" for lv in levers)
            worst = self.cross_regret.loc[name]
            who = worst.idxmax()
            out.append(f"{name}: {spend} ($M a year); worst case {worst.max():,.1f} extra "
                       f"deaths under {who}'s beliefs.")
        return out


def _expected_optimum(sc, b, totals, optimal, tol, rows):
    """The allocation minimising mean deaths over batch ``b`` and its certified gap, as
    `decide.robust` finds it (Newton on the mean, else Kelley's cutting planes)."""
    if newton.in_scope(sc):
        x, certified = newton.solve_batch(newton.MeanBatch(b))
        gap = float(newton.certificate(newton.MeanBatch(b), x)[0])
        if certified[0] and gap <= tol:
            return x[0], gap
    x, _, gap, _ = kelley(b, totals, optimal, "expected", 0.5, tol, 300, rows)
    return x, float(gap)


def _minimax_across(batches, own_means, candidates, rows, tol, max_iterations=300):
    """The allocation minimising the largest cross-regret ``max_j E_j[D(x)] - E_j[D(x_j)]``
    over the experts, and its certified gap.

    Kelley's cutting planes, as `decide.robust` uses them, with one epigraph column per
    expert instead of per draw: ``a_j`` over-estimates expert ``j``'s mean deaths averted
    (each cut is the mean of the draws' supporting hyperplanes, valid because the mean of
    concave functions is concave), so the LP's optimum ``t`` is a lower bound on the
    minimax value and the largest cross-regret at the LP's allocation an upper bound.
    Built from the optimiser's own pieces (`formulation.spend_model`, `HighsView`,
    `cutting_planes.first_points` and `refine`).
    """
    b0 = batches[0]
    lower, upper, budget = b0.lower[0], b0.upper[0], float(b0.budget[0])
    money = float(max(min(budget, upper.sum()), 1.0))
    totals = np.array([float(b.scale.sum(axis=1).mean()) for b in batches])
    lp = fm.spend_model(lower, upper, budget, rows, money)
    prog = lp.prog
    prog.maximize = False
    ix = lp.x[:, 0]
    ia = prog.add_cols([f"a_{j}" for j in range(len(batches))], 0.0, totals)
    (it,) = prog.add_cols(["t"], -fm.INF, fm.INF, 1.0)
    for j in range(len(batches)):  # t >= T_j - a_j - D_j(x_j)
        prog.le(f"regret_{j}", [it, ia[j]], [-1.0, -1.0], -float(totals[j] - own_means[j]))

    def add_cuts(x):
        worst = -np.inf
        for j, b in enumerate(batches):
            f, g = newton.averted_and_gradient(b, np.repeat(x[None], len(b), axis=0))
            fm_, gm = float(f.mean()), g.mean(axis=0)
            prog.le(f"cut_{j}", np.append(ia[j], ix), np.append(1.0, -gm * money),
                    fm_ - float(gm @ x))
            worst = max(worst, totals[j] - fm_ - own_means[j])
        return worst

    best_x, best_val = None, np.inf
    for x0 in first_points(lower, upper, budget) + list(candidates):
        val = add_cuts(np.asarray(x0, dtype=float))
        if val < best_val and (not rows or any(x0 is c for c in candidates)):
            best_x, best_val = np.asarray(x0, dtype=float), val
    view = fm.HighsView()
    view.load(prog)
    best_x, best_val, lower_bound, _ = refine(
        view, ix, money, (lower, upper, budget), add_cuts, (best_x, best_val), tol=tol,
        max_iterations=max_iterations, what="the panel's minimax LP", scale_floor=1.0)
    return best_x, float(best_val), float(max(best_val - lower_bound, 0.0))


def _slice(values, k):
    return {p: v[:k] for p, v in values.items()}


def experts(sc, panel, *, n=2000, seed=0, weights="auto", cutoff=0.0, executor=None):
    """Expert-by-expert allocations, cross-regret, a pooled and a robust allocation.

    Parameters
    ----------
    sc : Scenario
        The analyst's scenario; each expert's overlay replaces the parameters it names.
    panel : Panel, str, pathlib.Path or sequence of paths
        `load_panel`'s argument or result (e.g. ``"inputs/experts"``).
    n : int
        Draws per expert (draws ``0..n-1`` of ``seed`` of each expert's scenario: experts
        silent on a parameter share its draws).
    seed : int or None
        ``None`` draws fresh entropy (recorded in ``seed_entropy``); 0 is a seed.
    weights : {"auto", "equal", "cooke"}
        The pool's weights: ``auto`` uses Cooke's when every expert answered the same
        seed questions, else equal weights.
    cutoff : float
        Cooke's calibration cutoff ``alpha`` (experts below it get no weight).
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-draw optimisations run (identical results everywhere).

    Returns
    -------
    ExpertsResult

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> r = decide.experts(sc, "inputs/experts", n=300, seed=0)
    >>> bool((r.cross_regret.loc[r.experts.index, r.experts.index].values.diagonal()
    ...       == 0).all())
    True
    >>> decide.experts(sc, "inputs/experts", weights="cooke")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: <experts>: weights = 'cooke': Cooke weights need every ...
    """
    n = check_int("n", n, 10, 10**6, where="experts")
    seed = check_seed(seed, where="experts")
    check_choice("weights", weights, ("auto", "equal", "cooke"), where="experts")
    cutoff = check_real("cutoff", cutoff, 0, 1, high_open=True, where="experts")
    check_executor(executor, where="experts")
    if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
        raise ScenarioError("expert panels do not yet support interactions or minimum "
                            "programme sizes (as decide.robust)", file=sc.source,
                            key="experts", has_value=False)
    panel = load_panel(panel)
    check_feasible(sc)
    names = panel.names
    scen = {e.name: panel.scenario(sc, e) for e in panel.experts}
    w, cal, inf, method, note = _weights(panel, weights, cutoff)
    sizes = _pool_sizes(w, n)
    root = root_seed(seed)
    rows = extra_rows(sc)
    draws = {}
    for j, name in enumerate(names):
        s = scen[name]
        m = max(n, int(sizes[j]))
        values = sample_parameters(s.parameters(), 0, m, root, s.correlations, s.posterior)
        spend, *_ = solve_draws_on(s, values, m, executor)
        draws[name] = (values, spend)
    # each expert's own allocation, on its first n draws
    batches, own, gaps = {}, {}, {}
    for name in names:
        values, spend = draws[name]
        b = newton.batch_inputs(sc, _slice(values, n), n)
        totals = b.scale.sum(axis=1)
        optimal = deaths_at(b, spend[:n])
        tol = max(1e-4 * float((totals - optimal).mean()), 0.01)
        own[name], gaps[name] = _expected_optimum(sc, b, totals, optimal, tol, rows)
        batches[name] = (b, optimal)

    # the linear pool: the first sizes[j] draws of expert j
    pooled = {p: np.concatenate([draws[nm][0][p][:c] for nm, c in zip(names, sizes)])
              for p in draws[names[0]][0]}
    spendp = np.concatenate([draws[nm][1][:c] for nm, c in zip(names, sizes)])
    bp = newton.batch_inputs(sc, pooled, int(sizes.sum()))
    totp, optp = bp.scale.sum(axis=1), deaths_at(bp, spendp)
    tolp = max(1e-4 * float((totp - optp).mean()), 0.01)
    own["pooled"], gaps["pooled"] = _expected_optimum(sc, bp, totp, optp, tolp, rows)
    # minimax regret across the experts
    bs = [batches[nm][0] for nm in names]
    own_means = [float(deaths_at(b, own[nm]).mean()) for b, nm in zip(bs, names)]
    tolr = max(1e-4 * float(np.mean([(b.scale.sum(axis=1) - deaths_at(b, own[nm])).mean()
                                      for b, nm in zip(bs, names)])), 0.01)
    xr, value, gap = _minimax_across(bs, own_means, [own[nm] for nm in [*names, "pooled"]],
                                     rows, tolr)
    own["robust"], gaps["robust"] = xr, gap

    labels = [*names, "pooled", "robust"]
    cross = pd.DataFrame(index=pd.Index(labels, name="allocation"),
                         columns=pd.Index(names, name="beliefs"), dtype=float)
    expected = cross.copy()
    averted = cross.copy()
    for j in names:
        b, optimal = batches[j]
        mean_own = float(deaths_at(b, own[j]).mean())
        for i in labels:
            d = deaths_at(b, own[i])
            cross.loc[i, j] = 0.0 if i == j else float(d.mean()) - mean_own
            expected.loc[i, j] = float((d - optimal).mean())
            averted.loc[i, j] = float((b.scale.sum(axis=1) - d).mean())
    funded = {nm: (draws[nm][1][:n] > FUNDED).mean(axis=0) for nm in names}
    funded["pooled"] = (spendp > FUNDED).mean(axis=0)
    allocations = pd.DataFrame([own[k] for k in labels], columns=sc.lever_names,
                               index=pd.Index(labels, name="allocation"))
    allocations["gap"] = [gaps[k] for k in labels]
    table = pd.DataFrame({
        "affiliation": [e.affiliation for e in panel.experts],
        "illustrative": [e.illustrative for e in panel.experts],
        "file": [e.source for e in panel.experts],
        "parameters": [len(e.parameters) for e in panel.experts],
        "seed_answers": [len(e.seeds) for e in panel.experts],
        "weight": w, "calibration": cal, "information": inf},
        index=pd.Index(names, name="expert"))
    return ExpertsResult(
        experts=table, allocations=allocations, cross_regret=cross,
        expected_regret=expected, deaths_averted=averted,
        p_funded=pd.DataFrame(funded, index=sc.lever_names).T.rename_axis("expert"),
        pool_sizes=pd.Series(sizes, index=pd.Index(names, name="expert"),
                             name="draws"),
        weights_method=method, note=note, robust_value=float(value),
        scenarios=MappingProxyType(scen), n=n, seed_entropy=root.entropy)
