"""Regenerate the hand-written corpus of bad scenario files (run from the repository root).

Each file breaks one rule; `tests/test_hardening.py` expects every one of them to raise
one `ScenarioError` naming the file (and, where there is one, the key).
"""

import json
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the frozen v0.1 baseline: its text anchors the substitutions below, whatever later
# evidence reviews change in inputs/
BASE = (HERE.parent / "golden" / "baseline.toml").read_text()


def sub(old, new, count=1):
    assert old in BASE, old
    return BASE.replace(old, new, count)


CASES = {
    # category: malformed syntax
    "malformed_unclosed.toml": "budget = [1,\n" + BASE,
    "malformed_equals.toml": sub("budget = 1000 ", "budget == 1000 "),
    "malformed_string.toml": sub('name = "Baseline"', 'name = "Baseline'),
    "malformed.json": '{"market": {"baseline_deaths": {"base": 1,}}',
    "empty.toml": "",
    "only_comments.toml": "# nothing here\n",
    # wrong types
    "type_budget_string.toml": sub("budget = 1000 ", 'budget = "1000" '),
    "type_horizon_float.toml": sub("horizon = 10 ", "horizon = 10.5 "),
    "type_base_string.toml": sub("base = 48000,", 'base = "48000",'),
    "type_bool.toml": sub("discount_rate = 0.0 ", "discount_rate = true "),
    "type_lever_not_table.toml": 'levers = "all of them"\n'
    + BASE.split("[levers.counter_network]")[0],
    "type_unit_number.toml": sub('unit = "deaths per year"', "unit = 5"),
    "type_confidence.toml": sub('confidence = "measured"', 'confidence = "certain"'),
    "type_form.toml": sub('form = "saturating"', 'form = "sigmoid"'),
    "type_list_param.toml": sub("max_effect = { base = 0.15,", "max_effect = [0.15,")
    .replace("source = \"Judgement anchored to DEA NDTA 2025 (powder", "", 0),
    # NaN and infinity
    "nan_budget.toml": sub("budget = 1000 ", "budget = nan "),
    "inf_param.toml": sub("high = 75000,", "high = inf,"),
    "neg_inf_low.toml": sub("low = 35000,", "low = -inf,"),
    "nan_literal.json": None,  # written below
    "inf_overflow.json": None,
    # negatives
    "negative_budget.toml": sub("budget = 1000 ", "budget = -1000 "),
    "negative_floor.toml": sub("floor = 0\nceiling = 1500", "floor = -5\nceiling = 1500"),
    "negative_cost.toml": sub("cost_per_pct = { base = 300, low = 50,",
                              "cost_per_pct = { base = 300, low = -50,"),
    "negative_lag.toml": sub("market_lag = { base = 0.1, low = 0.0,",
                             "market_lag = { base = 0.1, low = -0.1,"),
    # low > high, base outside
    "low_gt_high.toml": sub("base = 48000, low = 35000, high = 75000",
                            "base = 48000, low = 80000, high = 75000"),
    "base_below_low.toml": sub("base = 48000, low = 35000", "base = 30000, low = 35000"),
    "base_above_high.toml": sub("supply_elasticity = { base = 0.8,",
                                "supply_elasticity = { base = 1.5,"),
    "fraction_as_percent.toml": sub("max_effect = { base = 0.15, low = 0.0, high = 0.40",
                                    "max_effect = { base = 15, low = 0, high = 40"),
    # unknown keys
    "unknown_top.toml": sub("budget = 1000 ", "budgte = 1000 "),
    "unknown_lever_key.toml": sub("floor = 0\nceiling = 1500", "flor = 0\nceiling = 1500"),
    "unknown_param_key.toml": sub('unit = "deaths per year",', 'units = "deaths per year",'),
    "unknown_market.toml": sub("[market]", "[market]\nprice_elasticty = 3"),
    # missing required keys
    "missing_market.toml": BASE.replace("[market]", "[market_x]"),
    "missing_source.toml": sub(', source = "CDC NCHS, Vital Statistics Rapid Release, '
                               'provisional drug overdose death counts, 12 months ending Dec '
                               '2024 (synthetic opioids other than methadone: 48,422); high '
                               'end NCHS Data Brief 491 (Spencer, Garnett & Minino, 2024), '
                               'Fig. 1, 2022 peak"', ""),
    "missing_levers.toml": BASE.split("[levers.counter_network]")[0],
    "missing_param.toml": "\n".join(line for line in BASE.splitlines()
                                    if not line.startswith("alpha = { base = 0.8")),
    # huge numbers
    "huge_budget.toml": sub("budget = 1000 ", "budget = 1e15 "),
    "huge_int.toml": sub("budget = 1000 ", "budget = 1000000000000000000000000000000 "),
    "huge_deaths.toml": sub("high = 75000,", "high = 7.5e30,"),
    "huge_horizon.toml": sub("horizon = 10 ", "horizon = 5000 "),
    # binary and non-UTF-8
    "binary.toml": None,
    "latin1.toml": None,
    # deep nesting
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    # duplicate levers
    "duplicate_lever.toml": BASE + "\n[levers.financial]\nlabel = \"again\"\n",
    "duplicate_lever.json": None,
    # bad custom constraints and other structured keys
    "bad_constraint.toml": sub("budget = 1000 ", 'constraints = ["gun_flow + finacial <= 600"]'
                                                 "\nbudget = 1000 "),
    "bad_constraint_syntax.toml": sub("budget = 1000 ", 'constraints = ["gun_flow >> 3"]'
                                                        "\nbudget = 1000 "),
    "bad_constraint_type.toml": sub("budget = 1000 ", "constraints = [3]\nbudget = 1000 "),
    "bad_correlation.toml": sub("budget = 1000 ", 'correlations = [{ a = "market.nope", '
                                                  'b = "market.substitution", rho = 0.5 }]'
                                                  "\nbudget = 1000 "),
    "bad_lever_name.toml": sub("[levers.gun_flow]", '[levers."gun flow"]'),
    "bad_distribution.toml": sub('confidence = "measured", source = "National Research',
                                 'confidence = "measured", distribution = "cauchy", '
                                 'source = "National Research'),
}


def main():
    for name, text in CASES.items():
        if text is not None:
            (HERE / name).write_text(text, encoding="utf-8")
    raw = tomllib.loads(BASE)
    doc = {"scenario": raw, "provenance": {}}
    text = json.dumps(doc)
    (HERE / "nan_literal.json").write_text(text.replace('"base": 0.8', '"base": NaN', 1))
    (HERE / "inf_overflow.json").write_text(text.replace('"base": 0.8', '"base": 1e999', 1))
    lever = json.dumps(raw["levers"]["financial"])
    dup = text.replace('"levers": {', '"levers": {"financial": ' + lever + ", ", 1)
    (HERE / "duplicate_lever.json").write_text(dup)
    (HERE / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (HERE / "latin1.toml").write_bytes(BASE.replace("Baseline", "Basel\u00efne").encode("latin-1"))


if __name__ == "__main__":
    main()
