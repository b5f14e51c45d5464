"""Calibration of the projected baseline to observed deaths, with uncertainty, and an
out-of-sample test (docs/model.md section 12).

Forward model: the scenario's status-quo baseline (no new spending) run over the observed
years of a *window*, the longest run of consecutive calendar years that ends at the
latest year where DEA's share of fentanyl pills with a lethal dose
(``dea_pills_lethal_dose_share``, calendar years) is observed, from the first year of that
run (with the shipped data: 2021-2024). By model (``[baseline] model``):

- ``flat``: ``mu_t = L (1 + g)^(t - t0)``, ``g = market.baseline_trend``;
- ``trend``: ``mu_t = L exp(r (t - t0))``, ``r = baseline.rate``;
- ``dynamic``: `models.population.simulate` from year ``t0`` with ``P_t0 =
  baseline.people_at_risk``, ``h_t0 = L / P_t0``, inflow ``initiation (mu + h_t0) P_t0``,
  cessation ``mu`` and the hazard following the observed covariate,
  ``h_t = h_t0 (S_t / S_t0)^eta``, ``eta = market.supply_elasticity``.

``L`` (``calibration.level``, deaths in ``t0``) and the count noise ``tau``
(``calibration.noise``) are nuisance parameters of the fit, not scenario parameters.

Likelihood (independent years): ``log y_t ~ Normal(log mu_t + b [prov],
tau^2 + 1/mu_t + s_p^2 [prov])``: a Poisson-lognormal count (the Poisson part in its
normal approximation, ``1/mu`` on the log scale), with a final NCHS count where one exists
and otherwise the preferred provisional count, shifted by ``b`` and widened by ``s_p``,
the mean and standard deviation of ``log(provisional / final)`` over the years that have
both (in the training years).

Priors: each scenario parameter's own distribution over ``[low, high]`` (`sampling.ppf`);
``L`` log-uniform over half to twice the first observed count, ``tau`` log-uniform over
[0.01, 0.5]. The sampler (emcee's affine-invariant ensemble) works on ``z`` with ``theta =
F^-1(Phi(z))``: the prior of ``z`` is standard normal whatever the distribution, so only
the inverse CDFs are needed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from models.population import Population, simulate

from ..arguments import check_int, check_seed, suggest
from ..errors import ScenarioError
from ..scenario.data import load_observed, observed_series
from .common import report_progress
from .sampling import block_seed, ppf, root_seed

__all__ = ["Calibration", "calibrate", "validate", "validation_table", "forecast", "projection",
           "calibrated_parameters",
           "prior_values", "simulate_data", "COVARIATE", "DEATHS_SERIES", "LEVEL", "NOISE",
           "POSTERIOR_ROWS"]

#: The supply covariate that drives the dynamic model's hazard (calendar years).
COVARIATE = "dea_pills_lethal_dose_share"
#: The series the baseline is fitted to.
DEATHS_SERIES = "synthetic_opioid_deaths"
#: Nuisance columns of the posterior (not scenario parameters).
LEVEL = "calibration.level"
NOISE = "calibration.noise"
_NOISE_RANGE = (0.01, 0.5)
_LEVEL_RANGE = (0.5, 2.0)
_PROV_SD_FLOOR = 0.01
_PROV_DEFAULT = (0.0, 0.05)  # (b, s_p) when fewer than two years have both statuses
_THIN = 30
_BURN = 400
_Q = (0.05, 0.5, 0.95)
#: Most rows of the posterior a calibrated scenario carries (`Calibration.scenario`).
POSTERIOR_ROWS = 2000

#: The scenario parameters each baseline model's forward model uses.
_INFORMED = {
    "flat": ("market.baseline_trend",),
    "trend": ("baseline.rate",),
    "dynamic": ("market.supply_elasticity", "baseline.people_at_risk",
                "baseline.initiation", "baseline.cessation"),
}


def calibrated_parameters(sc):
    """The scenario parameters the observed deaths can inform under ``sc``'s baseline
    model (the default of `calibrate`'s ``parameters``)."""
    return list(_INFORMED[sc.baseline_model])


@dataclass(frozen=True)
class Calibration:
    """The result of `calibrate`.

    Attributes
    ----------
    posterior : pandas.DataFrame
        One row per retained draw; columns the calibrated parameters (named as in
        ``sc.parameters()``), then the nuisance ``calibration.level`` (deaths in the
        window's first year) and ``calibration.noise`` (``tau``).
    fit : pandas.DataFrame
        One row per observed year of the window: ``year``, ``status`` (of the count
        used), ``observed``, ``median``, ``low``, ``high`` (90% posterior predictive
        interval of the observed count), ``train`` (used in the fit).
    diagnostics : dict
        ``acceptance`` (mean acceptance fraction), ``autocorr_time`` (steps, per column),
        ``ess`` (effective sample size, the smallest over columns), ``walkers``,
        ``steps``, ``burn``, ``thin``, ``seconds``, ``provisional_shift`` and
        ``provisional_sd`` (``b``, ``s_p``), ``window`` (first, last year), and
        ``warnings`` (a list of sentences; empty when all is well).
    scenario : Scenario
        ``sc`` with each calibrated parameter's base set to its posterior median (ranges
        unchanged) and the joint posterior of the calibrated parameters as its
        ``[posterior]`` table (thinned evenly to at most `POSTERIOR_ROWS` rows):
        `monte_carlo`, `robust`, `evpi`, `evppi` and `sobol` on it draw those parameters
        as whole posterior rows (correlations kept), the others from their priors.
    prior : pandas.DataFrame
        Prior 5%, 50%, 95% quantiles of each posterior column (``name``, ``low``,
        ``median``, ``high``).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")  # the flat baseline model
    >>> cal = decide.calibrate(sc, draws=100, seed=0)
    >>> list(cal.posterior.columns), len(cal.posterior)
    (['market.baseline_trend', 'calibration.level', 'calibration.noise'], 100)
    >>> cal.fit[["year", "status", "observed", "median"]].round({"median": -2})  # deaths
       year       status  observed   median
    0  2021        final   70601.0  72200.0
    1  2022        final   73838.0  65700.0
    2  2023        final   72776.0  67200.0
    3  2024  provisional   48422.0  65300.0
    >>> row = cal.summary().set_index("name").loc["market.baseline_trend"]
    >>> round(float(row["prior_median"]), 3), round(float(row["posterior_median"]), 3)  # /yr
    (-0.013, -0.036)
    >>> round(cal.scenario.market["baseline_trend"].base, 3)  # the posterior median
    -0.036
    """

    posterior: pd.DataFrame
    fit: pd.DataFrame
    diagnostics: dict = field(repr=False)
    scenario: object = field(repr=False)
    prior: pd.DataFrame = field(repr=False)

    def summary(self):
        """Posterior median and 90% interval per column against the prior's."""
        q = self.posterior.quantile(list(_Q)).T
        out = pd.DataFrame({"name": q.index, "posterior_low": q[_Q[0]].to_numpy(),
                            "posterior_median": q[_Q[1]].to_numpy(),
                            "posterior_high": q[_Q[2]].to_numpy()})
        prior = self.prior.rename(columns={"low": "prior_low", "median": "prior_median",
                                           "high": "prior_high"})
        return out.merge(prior, on="name")


# -- data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Data:
    years: np.ndarray  # the window's years, consecutive
    covariate: np.ndarray  # S_t, same length
    observed: np.ndarray  # count used (nan = none)
    provisional: np.ndarray  # bool: the count is a provisional one
    shift: float  # b
    prov_sd: float  # s_p


def _observations(data, train_until):
    cov = observed_series(COVARIATE, status="final", period="calendar", data=data)
    years = np.asarray(cov.index, dtype=int)
    if years.size == 0:
        raise ScenarioError(f"no calendar-year values of {COVARIATE} in the data",
                            key="data", has_value=False)
    first = years[-1]
    while first - 1 in set(years):
        first -= 1
    window = np.arange(first, years[-1] + 1)
    final = observed_series(DEATHS_SERIES, status="final", data=data)
    prov = observed_series(DEATHS_SERIES, status="provisional", data=data)
    obs = np.full(window.size, np.nan)
    is_prov = np.zeros(window.size, dtype=bool)
    for i, y in enumerate(window):
        if y in final.index:
            obs[i] = final[y]
        elif y in prov.index:
            obs[i], is_prov[i] = prov[y], True
    both = [y for y in final.index if y in prov.index
            and (train_until is None or y <= train_until)]
    if len(both) >= 2:
        d = np.log(np.array([prov[y] / final[y] for y in both]))
        shift, sd = float(d.mean()), max(float(d.std(ddof=1)), _PROV_SD_FLOOR)
    else:
        shift, sd = _PROV_DEFAULT
    return _Data(window, cov.reindex(window).to_numpy(dtype=float), obs, is_prov, shift,
                 sd)


# -- the model --------------------------------------------------------------------------
class _Model:
    """Parameter transform, forward model and log posterior on the ``z`` scale."""

    def __init__(self, sc, names, data, train):
        self.kind = sc.baseline_model
        table = sc.parameters().set_index("name")
        self.names = list(names) + [LEVEL, NOISE]
        self.specs = [(table.loc[n, "distribution"], float(table.loc[n, "low"]),
                       float(table.loc[n, "base"]), float(table.loc[n, "high"]))
                      for n in names]
        self.base = {n: float(table.loc[n, "base"]) for n in table.index}
        self.data = data
        first = data.observed[~np.isnan(data.observed)][0]
        self.level_range = (first * _LEVEL_RANGE[0], first * _LEVEL_RANGE[1])
        self.train = train  # bool mask over the window

    @property
    def ndim(self):
        return len(self.names)

    def theta(self, z):
        """Parameter values (dict of arrays of shape (n,)) at ``z`` of shape (n, ndim)."""
        u = special.ndtr(z)
        out = {n: ppf(*spec, u[:, j]) for j, (n, spec) in
               enumerate(zip(self.names, self.specs))}
        k = len(self.specs)
        lo, hi = np.log(self.level_range)
        out[LEVEL] = np.exp(lo + (hi - lo) * u[:, k])
        lo, hi = np.log(_NOISE_RANGE)
        out[NOISE] = np.exp(lo + (hi - lo) * u[:, k + 1])
        return out

    def _get(self, th, name, n):
        v = th.get(name)
        return np.full(n, self.base[name]) if v is None else v

    def mean(self, th, with_path=False):
        """Expected deaths per window year, shape (n, T)."""
        level = th[LEVEL]
        n = level.size
        t = (self.data.years - self.data.years[0]).astype(float)
        if self.kind == "flat":
            g = self._get(th, "market.baseline_trend", n)
            return level[:, None] * (1 + g[:, None]) ** t
        if self.kind == "trend":
            r = self._get(th, "baseline.rate", n)
            return level[:, None] * np.exp(r[:, None] * t)
        eta = self._get(th, "market.supply_elasticity", n)
        pop = Population(self._get(th, "baseline.people_at_risk", n),
                         self._get(th, "baseline.initiation", n),
                         self._get(th, "baseline.cessation", n), 0.0)
        s = self.data.covariate / self.data.covariate[0]
        hazard = (level / pop.people_at_risk)[:, None] * s[None, :] ** eta[:, None]
        path = simulate(pop.start(level), pop.inflow(level), pop.cessation, hazard)
        return (path.deaths, path, hazard, pop) if with_path else path.deaths

    def log_prob(self, z):
        z = np.atleast_2d(z)
        lp = -0.5 * np.sum(z * z, axis=1)
        th = self.theta(z)
        mu = self.mean(th)
        d = self.data
        m = self.train
        obs = d.observed[m]
        prov = d.provisional[m]
        var = (th[NOISE][:, None] ** 2 + 1.0 / mu[:, m] + np.where(prov, d.prov_sd ** 2, 0.0))
        resid = np.log(obs) - np.log(mu[:, m]) - np.where(prov, d.shift, 0.0)
        ll = -0.5 * np.sum(resid ** 2 / var + np.log(2 * np.pi * var), axis=1)
        out = lp + ll
        return np.where(np.isfinite(out), out, -np.inf)

    def predict(self, th, rng):
        """Predictive draws of the observed count in each window year, shape (n, T)."""
        mu = self.mean(th)
        d = self.data
        sd = np.sqrt(th[NOISE][:, None] ** 2 + 1.0 / mu + np.where(d.provisional,
                                                                   d.prov_sd ** 2, 0.0))
        eps = rng.standard_normal(mu.shape)
        return np.exp(np.log(mu) + np.where(d.provisional, d.shift, 0.0) + sd * eps)


# -- calibrate --------------------------------------------------------------------------
def _check_parameters(sc, parameters, where):
    known = list(sc.parameters()["name"])
    names = calibrated_parameters(sc) if parameters is None else list(parameters)
    for n in names:
        if n not in known:
            raise ScenarioError(f"unknown parameter{suggest(str(n), known)}",
                                file=f"<{where}>", key="parameters", value=n)
    if len(set(names)) != len(names):
        raise ScenarioError("a parameter is named twice", file=f"<{where}>",
                            key="parameters", value=names)
    return names


def calibrate(sc, data=None, *, draws=2000, seed=None, parameters=None, train_until=None,
              progress=None) -> Calibration:
    """Fit the scenario's status-quo baseline to observed synthetic-opioid deaths.

    Parameters
    ----------
    sc : Scenario
        Its ``[baseline] model`` chooses the forward model (module docstring).
    data : pandas.DataFrame or path, optional
        Observed data as from `decide.scenario.load_observed` (or a path it reads);
        default the shipped ``inputs/data``.
    draws : int
        Posterior draws retained (>= 100).
    seed : int or numpy.random.SeedSequence, optional
        Same seed, same result.
    parameters : list of str, optional
        Scenario parameters to calibrate; default `calibrated_parameters` (those the
        forward model uses). A parameter the forward model does not use keeps its prior.
    train_until : int, optional
        Use observed counts up to this year only (default: all).
    progress : callable(done, total), optional

    Returns
    -------
    Calibration

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> cal = calibrate(sc, draws=100, seed=0)  # a short chain: fine for a look
    >>> cal.diagnostics["window"], cal.diagnostics["warnings"]  # doctest: +ELLIPSIS
    ((2021, 2024), ['the chain (120 steps after burn-in) is shorter than ...'])
    >>> low, high = cal.posterior["market.baseline_trend"].quantile([0.05, 0.95])
    >>> round(low, 2), round(high, 2)  # 90% interval of the yearly trend
    (-0.09, 0.02)
    """
    import time

    import emcee

    where = "calibrate"
    draws = check_int("draws", draws, 100, 10**6, where=where)
    seed = check_seed(seed, where=where)
    if train_until is not None:
        train_until = check_int("train_until", train_until, 1900, 2100, where=where)
    names = _check_parameters(sc, parameters, where)
    if data is None or not isinstance(data, pd.DataFrame):
        data = load_observed(data)
    obs = _observations(data, train_until)
    train = ~np.isnan(obs.observed)
    if train_until is not None:
        train &= obs.years <= train_until
    if train.sum() < 2:
        raise ScenarioError(f"needs at least two observed years in the window "
                            f"{obs.years[0]}-{obs.years[-1]} up to train_until",
                            file=f"<{where}>", key="train_until", value=train_until)
    model = _Model(sc, names, obs, train)
    started = time.perf_counter()
    root = root_seed(seed)
    init_seed, mcmc_seed, pred_seed = root.spawn(3)
    ndim = model.ndim
    walkers = max(32, 2 * ndim + 2)
    kept = math.ceil(draws / walkers)
    steps = kept * _THIN
    burn = max(_BURN, steps // 2)
    rng = np.random.default_rng(init_seed)
    p0 = rng.standard_normal((walkers, ndim))
    sampler = emcee.EnsembleSampler(walkers, ndim, model.log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(
        np.random.default_rng(mcmc_seed).integers(2**32)).get_state()
    total = burn + steps
    report_every = max(1, total // 20)
    for i, _ in enumerate(sampler.sample(p0, iterations=total)):
        if (i + 1) % report_every == 0 or i + 1 == total:
            report_progress(progress, i + 1, total)
    chain = sampler.get_chain(discard=burn, thin=_THIN, flat=True)[-draws:]
    th = model.theta(chain)
    posterior = pd.DataFrame({n: th[n] for n in model.names})
    # diagnostics
    acceptance = float(np.mean(sampler.acceptance_fraction))
    log = logging.getLogger("emcee.autocorr")
    level, log.level = log.level, logging.ERROR  # our own warning below says it
    try:
        tau = sampler.get_autocorr_time(discard=burn, quiet=True)
    except Exception:  # noqa: BLE001 - emcee raises on degenerate chains
        tau = np.full(ndim, np.nan)
    finally:
        log.level = level
    tau = np.asarray(tau, dtype=float)
    ess = float(walkers * steps / np.nanmax(tau)) if np.all(np.isfinite(tau)) else math.nan
    warnings = []
    if not 0.15 <= acceptance <= 0.7:
        warnings.append(f"acceptance fraction {acceptance:.2f} is outside [0.15, 0.70]")
    if not np.all(np.isfinite(tau)) or steps < 50 * np.max(tau):
        warnings.append(f"the chain ({steps} steps after burn-in) is shorter than 50 "
                        f"autocorrelation times (max {np.nanmax(tau):.0f} steps): "
                        "increase draws")
    if not ess >= 400:
        warnings.append(f"effective sample size {ess:.0f} is below 400")
    # predictive fit
    yhat = model.predict(th, np.random.default_rng(pred_seed))
    q = np.quantile(yhat, _Q, axis=0)
    fit = pd.DataFrame({"year": obs.years,
                        "status": np.where(np.isnan(obs.observed), "",
                                           np.where(obs.provisional, "provisional",
                                                    "final")),
                        "observed": obs.observed, "median": q[1], "low": q[0],
                        "high": q[2], "train": train})
    fit = fit[~np.isnan(obs.observed)].reset_index(drop=True)
    # prior quantiles of each column
    zq = special.ndtri(np.array(_Q))[:, None] * np.ones((3, ndim))
    pth = model.theta(zq)
    prior = pd.DataFrame({"name": model.names,
                          "low": [pth[n][0] for n in model.names],
                          "median": [pth[n][1] for n in model.names],
                          "high": [pth[n][2] for n in model.names]})
    scenario = _calibrated_scenario(sc, model, th, names)
    diagnostics = {
        "acceptance": acceptance,
        "autocorr_time": dict(zip(model.names, tau.tolist())),
        "ess": ess, "walkers": walkers, "steps": steps, "burn": burn, "thin": _THIN,
        "seconds": time.perf_counter() - started,
        "provisional_shift": obs.shift, "provisional_sd": obs.prov_sd,
        "window": (int(obs.years[0]), int(obs.years[-1])),
        "warnings": warnings,
    }
    return Calibration(posterior, fit, diagnostics, scenario, prior)


def _calibrated_scenario(sc, model, th, names):
    """``sc`` with the calibrated parameters' bases at their posterior medians and their
    joint posterior as the ``[posterior]`` table (at most `POSTERIOR_ROWS` rows, thinned
    evenly), which the sampling analyses resample row by row. For the dynamic model,
    people at risk and initiation are those the posterior implies for the window's last
    year (the scenario's year 1 is the latest observed year). Each value is clipped to its
    parameter's ``[low, high]``; declared correlations that involve a calibrated parameter
    are dropped (the posterior carries its dependence)."""
    table = sc.parameters().set_index("name")
    used = [n for n in names if n in _INFORMED[model.kind]]
    values = {n: np.asarray(th[n], dtype=float) for n in used}
    if model.kind == "dynamic" and ({"baseline.people_at_risk", "baseline.initiation"}
                                    & set(used)):
        level = th[LEVEL]
        _, path, hazard, pop = model.mean(th, with_path=True)
        p_last = path.person_years[:, -1]
        inflow = pop.inflow(level)
        init_last = inflow / ((np.asarray(pop.cessation) + hazard[:, -1]) * p_last)
        if "baseline.people_at_risk" in used:
            values["baseline.people_at_risk"] = np.asarray(p_last, dtype=float)
        if "baseline.initiation" in used:
            values["baseline.initiation"] = np.asarray(init_last, dtype=float)
    values = {n: np.clip(v, table.loc[n, "low"], table.loc[n, "high"])
              for n, v in values.items()}
    overrides = {n: float(np.median(v)) for n, v in values.items()}
    calibrated = sc.with_overrides(overrides, source=f"{sc.source} (calibrated)")
    if not values:
        return calibrated
    raw = calibrated.to_dict()
    columns = list(values)
    draws = np.column_stack([values[n] for n in columns])
    step = -(-len(draws) // POSTERIOR_ROWS)
    raw["posterior"] = {"columns": columns,
                        "draws": [[float(x) for x in row] for row in draws[::step]]}
    kept = [c for c in raw.get("correlations", [])
            if c["a"] not in values and c["b"] not in values]
    if kept:
        raw["correlations"] = kept
    else:
        raw.pop("correlations", None)
    return type(sc).from_dict(raw, source=calibrated.source)


# -- simulation-based checks ------------------------------------------------------------
def _simulation_frame(data):
    """The observed data without the window's provisional counts of years that also have
    a final count, so that the provisional shift comes from the years outside it."""
    data = load_observed(data) if data is None or not isinstance(data, pd.DataFrame) \
        else data
    obs = _observations(data, None)
    deaths = data["series"] == DEATHS_SERIES
    final_years = set(data.loc[deaths & (data["status"] == "final"), "year"])
    drop = deaths & (data["status"] == "provisional") & data["year"].isin(
        [y for y in obs.years if y in final_years])
    return data[~drop].reset_index(drop=True)


def prior_values(sc, n, *, seed=None, parameters=None, data=None):
    """``n`` draws from the prior of `calibrate`'s parameters (and the nuisance level
    and noise): a dict of arrays, the truths of a simulation-based check."""
    n = check_int("n", n, 1, 10**6, where="prior_values")
    names = _check_parameters(sc, parameters, "prior_values")
    frame = _simulation_frame(data)
    obs = _observations(frame, None)
    model = _Model(sc, names, obs, ~np.isnan(obs.observed))
    z = np.random.default_rng(root_seed(check_seed(seed, where="prior_values")))
    return model.theta(z.standard_normal((n, model.ndim)))


def simulate_data(sc, values, *, seed=None, data=None):
    """Observed data with the window's death counts replaced by draws from `calibrate`'s
    likelihood at ``values`` (one value per parameter, as from `prior_values`; missing
    scenario parameters at their base): for simulation-based checks.

    The window's provisional counts of years that also have a final count are dropped,
    so the provisional shift and spread (from years outside the window) are those the
    simulation used.

    Returns
    -------
    pandas.DataFrame
        As `decide.scenario.load_observed` returns.
    """
    frame = _simulation_frame(data).copy()
    obs = _observations(frame, None)
    names = [k for k in values if k not in (LEVEL, NOISE)]
    model = _Model(sc, names, obs, ~np.isnan(obs.observed))
    th = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
    rng = np.random.default_rng(root_seed(check_seed(seed, where="simulate_data")))
    y = model.predict(th, rng)[0]
    deaths = frame["series"] == DEATHS_SERIES
    for i, year in enumerate(obs.years):
        if np.isnan(obs.observed[i]):
            continue
        status = "provisional" if obs.provisional[i] else "final"
        rows = deaths & (frame["year"] == year) & (frame["status"] == status)
        frame.loc[rows, "value"] = float(np.round(y[i]))
    return frame


# -- validate ---------------------------------------------------------------------------
def validate(sc, data=None, *, train_until=2023, draws=2000, seed=None, parameters=None,
             progress=None) -> pd.DataFrame:
    """Out-of-sample test: fit on the observed years up to ``train_until``, predict every
    later observed year of the window from the observed covariate.

    Parameters
    ----------
    sc : Scenario
    data : pandas.DataFrame or path, optional
        As for `calibrate`.
    train_until : int
        Last year used to fit (calendar year).
    draws : int
        Posterior draws retained (>= 100).
    seed : int or numpy.random.SeedSequence, optional
        Same seed, same result.
    parameters : list of str, optional
        As for `calibrate`.
    progress : callable(done, total), optional

    Returns
    -------
    pandas.DataFrame
        ``year``, ``status``, ``observed``, ``predicted`` (median), ``low``, ``high``
        (90% predictive interval; deaths per year), ``inside`` (bool), ``error_pct``
        ((predicted - observed) / observed, %). Empty when no observed year follows
        ``train_until``.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")  # the flat baseline model
    >>> v = validate(sc, train_until=2023, draws=100, seed=0)
    >>> v[["year", "observed", "predicted", "inside"]].round({"predicted": -2})
       year  observed  predicted  inside
    0  2024   48422.0    77800.0   False
    >>> round(float(v["error_pct"].iloc[0]))  # the flat model misses the 2024 fall
    61
    """
    train_until = check_int("train_until", train_until, 1900, 2100, where="validate")
    draws = check_int("draws", draws, 100, 10**6, where="validate")
    seed = check_seed(seed, where="validate")
    cal = calibrate(sc, data, draws=draws, seed=seed, parameters=parameters,
                    train_until=train_until, progress=progress)
    return validation_table(cal.fit, train_until)


def validation_table(fit, train_until) -> pd.DataFrame:
    """`validate`'s table from a `Calibration.fit` trained up to ``train_until``: the
    observed years after it (for the CLI, which also charts the whole fit).

    Parameters
    ----------
    fit : pandas.DataFrame
        `Calibration.fit` (``year``, ``status``, ``observed``, ``median``, ``low``,
        ``high``).
    train_until : int
        Last year of the fit's training window.

    Returns
    -------
    pandas.DataFrame
        As `validate` returns.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> cal = decide.calibrate(sc, draws=100, seed=0, train_until=2022)
    >>> validation_table(cal.fit, 2022)[["year", "observed", "inside"]]  # 2024 missed
       year  observed  inside
    0  2023   72776.0    True
    1  2024   48422.0   False
    """
    f = fit[fit["year"] > train_until]
    out = pd.DataFrame({"year": f["year"].to_numpy(), "status": f["status"].to_numpy(),
                        "observed": f["observed"].to_numpy(),
                        "predicted": f["median"].to_numpy(), "low": f["low"].to_numpy(),
                        "high": f["high"].to_numpy()})
    out["inside"] = (out["observed"] >= out["low"]) & (out["observed"] <= out["high"])
    out["error_pct"] = 100 * (out["predicted"] - out["observed"]) / out["observed"]
    return out


# -- forecast ---------------------------------------------------------------------------
def forecast(sc, data=None, *, year, covariate, draws=2000, seed=None, parameters=None,
             source="", progress=None) -> pd.DataFrame:
    """Predict the synthetic-opioid death count of a year with no count yet, from a
    value of the covariate for that year (docs/model.md section 12.7).

    The model is calibrated on every observed count (as `calibrate`, same seed, same
    posterior: the extra year enters the forward model but not the likelihood), and the
    posterior predictive of ``year`` is drawn on the scale of the first count NCHS will
    publish for it, a provisional one (the provisional shift ``b`` and spread ``s_p``
    added).

    Parameters
    ----------
    sc : Scenario
    data : pandas.DataFrame or path, optional
        As for `calibrate`.
    year : int
        The year after the window's last covariate year (calendar years are consecutive).
    covariate : float
        ``dea_pills_lethal_dose_share`` in ``year``, percent. Where it comes from (say a
        fiscal-year figure used for the calendar year) is the caller's judgement, stated
        in ``source``.
    draws : int
        Posterior draws retained (>= 100).
    seed : int or numpy.random.SeedSequence, optional
        Same seed, same result.
    parameters : list of str, optional
        As for `calibrate`.
    source : str
        Where the covariate value comes from (kept with the data row).
    progress : callable(done, total), optional

    Returns
    -------
    pandas.DataFrame
        One row: ``year``, ``series``, ``status`` ("provisional", the scale predicted),
        ``median``, ``low``, ``high`` (90% predictive interval), ``covariate``,
        ``model`` (the scenario's baseline model), ``seed``, ``draws``. Deaths in
        ``year``.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> f = forecast(sc, year=2025, covariate=29.0, draws=100, seed=0,
    ...              source="an assumed share of lethal pills")
    >>> f[["year", "status", "median", "low", "high"]].round(
    ...     {"median": -3, "low": -3, "high": -3})  # deaths in 2025
       year       status   median      low     high
    0  2025  provisional  64000.0  43000.0  96000.0
    """
    where = "forecast"
    year = check_int("year", year, 1900, 2100, where=where)
    draws = check_int("draws", draws, 100, 10**6, where=where)
    seed = check_seed(seed, where=where)
    covariate = float(covariate)
    if not (math.isfinite(covariate) and covariate > 0):
        raise ScenarioError("must be a positive number (percent)", file=f"<{where}>",
                            key="covariate", value=covariate)
    if data is None or not isinstance(data, pd.DataFrame):
        data = load_observed(data)
    obs = _observations(data, None)
    if year != obs.years[-1] + 1:
        raise ScenarioError(f"must be the year after the window {obs.years[0]}-"
                            f"{obs.years[-1]}", file=f"<{where}>", key="year", value=year)
    row = {c: "" for c in data.columns}
    row.update(year=year, series=COVARIATE, value=covariate, unit="percent",
               period="calendar", status="final", source=source or "forecast input")
    extended = pd.concat([data, pd.DataFrame([row])], ignore_index=True)
    extended["year"] = extended["year"].astype(data["year"].dtype)
    cal = calibrate(sc, extended, draws=draws, seed=seed, parameters=parameters,
                    progress=progress)
    ext = _observations(extended, None)
    names = [n for n in cal.posterior.columns if n not in (LEVEL, NOISE)]
    model = _Model(sc, names, ext, ~np.isnan(ext.observed))
    th = {n: cal.posterior[n].to_numpy() for n in cal.posterior.columns}
    mu = model.mean(th)[:, -1]
    sd = np.sqrt(th[NOISE] ** 2 + 1.0 / mu + ext.prov_sd ** 2)
    rng = np.random.default_rng(block_seed(root_seed(seed), 3))
    y = np.exp(np.log(mu) + ext.shift + sd * rng.standard_normal(mu.shape))
    q = np.quantile(y, _Q)
    return pd.DataFrame({"year": [year], "series": [DEATHS_SERIES],
                         "status": ["provisional"], "median": [q[1]], "low": [q[0]],
                         "high": [q[2]], "covariate": [covariate],
                         "model": [sc.baseline_model], "seed": [seed], "draws": [draws]})


def projection(sc, first_year, *, interval=0.9):
    """Baseline deaths (no new spending) per year over the horizon, with a band over the
    scenario's joint posterior draws (its ``[posterior]`` table; the base values alone
    when it has none).

    Parameters
    ----------
    sc : Scenario
        For example `Calibration.scenario`, whose year 1 is the last observed year.
    first_year : int
        Calendar year of the scenario's year 1.
    interval : float
        Central probability of the band.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``median``, ``low``, ``high``: synthetic-opioid deaths per year. The
        band carries parameter uncertainty only (no year-to-year count noise), so it is
        narrower than a predictive interval.
    """
    post = sc.posterior
    if post is None:
        paths = sc.model_inputs().baseline[None, :]
    else:
        table = post.array()
        values = {c: table[:, k] for k, c in enumerate(post.columns)}
        paths = sc.model_inputs(values=values, n=len(table)).draws.baseline
    tail = (1 - interval) / 2
    low, median, high = np.quantile(paths, [tail, 0.5, 1 - tail], axis=0)
    return pd.DataFrame({"year": int(first_year) + np.arange(sc.horizon), "median": median,
                         "low": low, "high": high})
