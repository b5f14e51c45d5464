"""External oracles for the demand side of ``inputs/treatment_comparator.toml``.

The two demand levers, medication treatment (MOUD) and naloxone distribution, are checked
against the published figures they are derived from, not against the file's own numbers
(docs/model.md section 3.6; every figure below was seen in a stored page, docs/sources.md):

- NIDA, Medications to Treat Opioid Use Disorder (Research Report), 2018: methadone $126 a
  week ($6,552 a year), buprenorphine $115 a week ($5,980 a year), in a certified OTP;
- Larochelle et al., Annals of Internal Medicine 169(3):137-145, 2018: 2.1 opioid-related
  deaths per 100 person-years after a nonfatal overdose; adjusted hazard ratios 0.41
  (methadone) and 0.62 (buprenorphine), i.e. 59% and 38% fewer deaths;
- Sordo et al., BMJ 357:j1550, 2017: overdose deaths per 1,000 person-years out of / in
  treatment, 12.7 / 2.6 (methadone) and 4.6 / 1.4 (buprenorphine);
- Coffin & Sullivan, Annals of Internal Medicine 158(1):1-9, 2013: one death prevented per
  227 naloxone kits distributed (95% CI 71 to 716);
- cost per kit distributed: about $47 for a two-dose nasal kit at the public-interest price
  (less than $50, HealthDay 2023; wholesale $125) plus a median $19-$43 programme cost per
  kit dispensed excluding the naloxone (New York City, Substance Abuse 2021, PMID 34666633).

"The model's cost per death averted for the first 1%" is measured on a *static variant* of
the scenario: horizon 1 year, no market lag, the lever at full strength at once (onset 0,
retained 1), every other lever at $0. Then ``decide.evaluate`` returns year-1 deaths, which
are ``D0 * exp(-f(x))`` with no substitution (a demand lever's deaths do not reappear), so
the spend ``x1`` that cuts deaths by exactly 1% is found by bisection on the model itself
and the cost per death averted is ``x1 / (1% of D0)``. The timing profile (onset,
adaptation) is left out on purpose: it changes when a dollar works, not what the first 1%
costs, and the published figures are steady-state ratios.

Each check is a plain function returning a list of problems, so that
``test_checks_catch_mutations`` can show each one failing on a deliberately broken copy.
"""

import math

import pytest

import decide

from .conftest import ROOT

PATH = ROOT / "inputs" / "treatment_comparator.toml"

# -- the literature (oracle constants; see the module docstring) -------------------------
NIDA_COST_PER_YEAR = {"methadone": 126 * 52, "buprenorphine": 115 * 52}  # $6,552, $5,980
LAROCHELLE_DEATHS_PER_PY = 2.1 / 100
LAROCHELLE_CUT = {"methadone": 1 - 0.41, "buprenorphine": 1 - 0.62}
SORDO_PER_1000_PY = {"methadone": (12.7, 2.6), "buprenorphine": (4.6, 1.4)}  # out, in
KITS_PER_DEATH, KITS_PER_DEATH_CI = 227, (71, 716)
KIT_PRICE, PROGRAMME_COST_PER_KIT = 47, 43      # $ per kit
COST_PER_KIT = KIT_PRICE + PROGRAMME_COST_PER_KIT  # $90
COST_PER_KIT_HIGH = 125 + 43                       # wholesale kit + programme: $168
SEVERAL = 3  # "at least several times cheaper"


def moud_literature_range():
    """($ per death averted) low and high: annual cost per patient / deaths averted per
    patient-year, for each medication with its own cost and each study's effect.

    Larochelle: 2.1/100 x 59% = 1.24 (methadone), x 38% = 0.80 (buprenorphine) per 100 PY;
    Sordo: 12.7 - 2.6 = 10.1 and 4.6 - 1.4 = 3.2 per 1,000 PY. So $6,552 / 0.01239 =
    $529k, $5,980 / 0.00798 = $749k, $6,552 / 0.0101 = $649k, $5,980 / 0.0032 = $1.87M.
    """
    values = []
    for drug, cost in NIDA_COST_PER_YEAR.items():
        values.append(cost / (LAROCHELLE_DEATHS_PER_PY * LAROCHELLE_CUT[drug]))
        out, inside = SORDO_PER_1000_PY[drug]
        values.append(cost / ((out - inside) / 1000))
    return min(values), max(values)


def naloxone_literature_range(cost_per_kit=COST_PER_KIT):
    """($ per death averted) from Coffin & Sullivan's CI at a cost per kit: 71 and 716 kits
    per death x $90 = $6,390 and $64,440 (227 x $90 = $20,430 central)."""
    lo, hi = KITS_PER_DEATH_CI
    return lo * cost_per_kit, hi * cost_per_kit


# -- the model ------------------------------------------------------------------------------
def static_variant(sc, lever):
    """One year, no lag, ``lever`` at full strength at once (onset 0, retained 1)."""
    raw = sc.to_dict()
    raw["horizon"] = 1
    raw["market"]["market_lag"].update(base=0.0, low=0.0)
    spec = raw["levers"][lever]
    spec["onset"].update(base=0.0, low=0.0)
    spec["retained"].update(base=1.0, high=1.0)
    return decide.Scenario.from_dict(raw, source=f"<static {lever}>")


def _deaths(sc, lever, x):
    return decide.evaluate(sc, {n: (x if n == lever else 0.0) for n in sc.lever_names})


def spend_for_first_pct(sc, lever):
    """$M a year that cuts year-1 deaths by exactly 1% in the static variant (bisection on
    ``decide.evaluate``), and the baseline deaths ``D0``."""
    st = static_variant(sc, lever)
    d0 = _deaths(st, lever, 0.0)
    target = 0.99 * d0
    lo, hi = 0.0, 1.0
    while _deaths(st, lever, hi) > target:
        hi *= 2
        if hi > 1e8:  # the lever cannot cut 1% (max_effect below 1%)
            return math.inf, d0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if _deaths(st, lever, mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi), d0


def cost_per_death_first_pct(sc, lever):
    """Model: $ per death averted by the first 1% of deaths = spend for it / deaths it
    averts (1% of D0)."""
    x1, d0 = spend_for_first_pct(sc, lever)
    return x1 * 1e6 / (0.01 * d0)


def first_dollar_cost_per_pct(sc, lever, dx=1e-4):
    """Model: $M a year per 1% of deaths at the first dollar, 1% of D0 divided by the
    deaths averted per $1M at zero spend (static variant, forward difference)."""
    st = static_variant(sc, lever)
    d0 = _deaths(st, lever, 0.0)
    per_musd = (d0 - _deaths(st, lever, dx)) / dx
    return 0.01 * d0 / per_musd


# -- checks ---------------------------------------------------------------------------------
def check_moud(sc):
    """MOUD's model cost per death averted (first 1%) lies within the literature's range."""
    value = cost_per_death_first_pct(sc, "treatment")
    lo, hi = moud_literature_range()
    if not lo <= value <= hi:
        return [f"MOUD: ${value:,.0f} per death averted, outside Larochelle/Sordo at NIDA "
                f"costs (${lo:,.0f}-${hi:,.0f})"]
    return []


def check_naloxone(sc):
    """Naloxone's model cost per death averted (first 1%) is within Coffin & Sullivan's CI
    at the sourced kit cost, and at least SEVERAL times below MOUD's."""
    problems = []
    nal = cost_per_death_first_pct(sc, "naloxone")
    moud = cost_per_death_first_pct(sc, "treatment")
    lo, hi = naloxone_literature_range()
    if not lo <= nal <= hi:
        problems.append(f"naloxone: ${nal:,.0f} per death averted, outside Coffin & "
                        f"Sullivan's 71-716 kits at ${COST_PER_KIT} (${lo:,.0f}-${hi:,.0f})")
    if not nal * SEVERAL <= moud:
        problems.append(f"naloxone (${nal:,.0f}) is not {SEVERAL}x cheaper per death than "
                        f"MOUD (${moud:,.0f})")
    return problems


def check_derivation(sc, lever, derived_musd=None):
    """The model reproduces the lever's derivation: its first-dollar cost of 1% of deaths
    equals ``cost_per_pct`` (and, for naloxone, 1% x D0 x 227 kits x $90 / 1e6) within 1%,
    and the whole first 1% costs what the response curve says (docs/model.md 2.1:
    x1 = -(cap / slope0) ln(1 - s1 / cap), s1 = -ln 0.99)."""
    problems = []
    lv = sc.lever(lever)
    cpp = lv.params["cost_per_pct"].base
    model = first_dollar_cost_per_pct(sc, lever)
    for name, value in (("cost_per_pct", cpp), ("the derivation", derived_musd)):
        if value is not None and abs(model / value - 1) > 0.01:
            problems.append(f"{lever}: model's first-dollar cost of 1% of deaths "
                            f"${model:.4g}M differs from {name} ${value:.4g}M by more than 1%")
    cap = -math.log(1 - lv.params["max_effect"].base)
    s1 = -math.log(0.99)
    slope0 = s1 / cpp
    x1_curve = -(cap / slope0) * math.log(1 - s1 / cap) if s1 < cap else math.inf
    x1, _ = spend_for_first_pct(sc, lever)
    if not math.isclose(x1, x1_curve, rel_tol=1e-6):
        problems.append(f"{lever}: the first 1% costs ${x1:.6g}M in the model, "
                        f"${x1_curve:.6g}M on the response curve")
    return problems


def naloxone_derivation_musd(sc):
    """cost per 1% = 1% x baseline deaths x kits per death x cost per kit / 1e6, with the
    baseline from the file's market.baseline_deaths: 0.01 x 48,000 x 227 x $90 / 1e6."""
    d0 = sc.market["baseline_deaths"].base
    return 0.01 * d0 * KITS_PER_DEATH * COST_PER_KIT / 1e6


# -- tests ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def comparator():
    return decide.load_scenario(PATH)


def test_the_oracles_say_what_the_docs_say():
    """The literature's own ranges (docs/model.md 3.6): MOUD $529k-$1.87M and naloxone
    $6,390-$64,440 per death averted; even naloxone's worst case (716 kits at $168) is
    more than SEVERAL times cheaper than MOUD's best, which is why the ratio test uses 3."""
    lo, hi = moud_literature_range()
    assert lo == pytest.approx(528_814, rel=1e-3) and hi == pytest.approx(1_868_750, rel=1e-3)
    assert naloxone_literature_range() == (6_390, 64_440)
    worst_naloxone = naloxone_literature_range(COST_PER_KIT_HIGH)[1]
    assert worst_naloxone * SEVERAL <= lo


def test_moud_cost_per_death_within_larochelle_and_sordo(comparator):
    """MOUD's first 1% costs $1.29M per death averted in the model ($619M a year for 480
    deaths), inside $529k-$1.87M (annual NIDA cost / deaths averted per patient-year)."""
    assert check_moud(comparator) == []
    assert cost_per_death_first_pct(comparator, "treatment") == pytest.approx(1.29e6, rel=0.01)


def test_naloxone_is_several_times_cheaper_and_within_coffin_sullivan(comparator):
    """Naloxone's first 1% costs about $21,500 per death averted in the model ($10.3M a year
    for 480 deaths), inside $6,390-$64,440 and about 60x cheaper than MOUD."""
    assert check_naloxone(comparator) == []
    nal = cost_per_death_first_pct(comparator, "naloxone")
    assert nal == pytest.approx(21_450, rel=0.01)
    assert cost_per_death_first_pct(comparator, "treatment") / nal > 50


@pytest.mark.parametrize("lever", ["treatment", "naloxone"])
def test_model_reproduces_the_levers_derivation(comparator, lever):
    """Static variant: deaths averted per $1M at the first dollar give back cost_per_pct
    (treatment $600M, naloxone $9.8M) within 1%; for naloxone also the literature's
    0.01 x 48,000 x 227 x $90 / 1e6 = $9.81M. The remaining 0.5% is -ln(0.99) against
    0.01 (docs/model.md 2.1). Saturation makes the whole first 1% dearer than the first
    dollar's rate: by s1 / (2 cap), about 3% (MOUD) and 5% (naloxone)."""
    derived = naloxone_derivation_musd(comparator) if lever == "naloxone" else None
    assert check_derivation(comparator, lever, derived) == []


def test_naloxone_and_treatment_are_funded(comparator):
    """With naloxone beside MOUD the optimiser funds both demand levers and no supply lever
    (docs/model.md 3.6: before, treatment took the whole $1,000M), and naloxone stops
    below its ceiling: saturation, not the judgement ceiling, limits it."""
    res = decide.optimize(comparator)
    spend = res.spend
    assert spend["naloxone"] > 100 and spend["treatment"] > 100
    assert spend[["counter_network", "financial", "gun_flow", "precursor"]].sum() < 1e-6
    assert spend["naloxone"] < comparator.lever("naloxone").ceiling - 1


def _mutants(sc):
    """(check, broken scenario) pairs: each check must fail on its broken copy."""
    yield "moud", sc.with_overrides({"levers.treatment.cost_per_pct": 2000})  # $4.3M a death
    yield "moud", sc.with_overrides({"levers.treatment.cost_per_pct": 200})   # $430k a death
    yield "naloxone", sc.with_overrides({"levers.naloxone.cost_per_pct": 58})  # top of range
    yield "naloxone", sc.with_overrides({"levers.naloxone.cost_per_pct": 1.0})  # bottom
    yield "naloxone", sc.with_overrides({"levers.treatment.cost_per_pct.low": 10,
                                         "levers.treatment.cost_per_pct": 25})  # MOUD cheap
    # the derivation uses D0 = 48,000; a file whose baseline moved without re-deriving
    # cost_per_pct no longer reproduces it (cost_per_pct does not rescale with D0)
    yield "derivation", sc.with_overrides({"market.baseline_deaths": 35000})


def _run(check, sc):
    if check == "moud":
        return check_moud(sc)
    if check == "naloxone":
        return check_naloxone(sc)
    return check_derivation(sc, "naloxone", naloxone_derivation_musd(sc))


def test_checks_catch_mutations(comparator):
    """Each check fails on a copy broken the way it guards against (the tests can fail)."""
    caught = set()
    for check, broken in _mutants(comparator):
        assert _run(check, broken), f"{check} missed its mutation"
        caught.add(check)
    assert caught == {"moud", "naloxone", "derivation"}
