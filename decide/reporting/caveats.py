"""The caveats every result carries (shown in the app, the briefing and docs/model.md).

One source of truth: ``docs/model.md`` section 7 lists the same caveats, in the same
order, each opening with a bold headline equal to the first sentence of the entry here
(the text before the first ". "); the docs give the longer form. Every entry names its
sources with a year in parentheses, or says it is a modelling choice. Caveats 2, 3 and 7
are referred to by number elsewhere (docs/model.md section 9, scenario files), so new
caveats go at the end. ``tests/test_caveats.py`` keeps all of this in step.

No "$" (Streamlit markdown reads a pair as LaTeX) and no web addresses (the briefing is
self-contained); the sources' addresses are in docs/model.md section 7 and
docs/sources.md.
"""

__all__ = ["CAVEATS"]

CAVEATS = (
    # 1
    "Lever effects are judgement. No study estimates deaths averted per dollar for any of "
    "the four supply-side levers. For cocaine, RAND found treatment seven times as "
    "cost-effective at the margin as the best supply programme it evaluated (Rydell & "
    "Everingham, RAND, 1994); the National Research Council judged that study not a "
    "persuasive basis for policy (NRC, 1999).",
    # 2
    "The cause of the 2023-24 decline is contested. Candidates include naloxone sold over "
    "the counter (approved by the FDA on 29 March 2023), a shrinking population at highest "
    "risk (Ciccarone, quoted in press coverage, October 2024) and changes in supply and "
    "use; researchers found no agreed explanation (Dasgupta, Miller & Sibley, Opioid Data "
    "Lab, 2024).",
    # 3
    "Kingpin strikes raise violence in Mexico. Removing cartel leaders was followed by "
    "more drug-related murders, about 415 extra deaths in the first four years of the "
    "Calderón administration (Dickenson, Journal of Quantitative Criminology, 2014), and "
    "raised civilian homicides too (Calderón, Robles, Díaz-Cayeros & Magaloni, 2015). A "
    "deaths-only objective hides this; Mexican homicides are reported beside every result.",
    # 4
    "Gun-flow enforcement has no demonstrated path to US overdose deaths. Its documented "
    "effect is on Mexican homicides: after the US assault-weapons ban expired in 2004, "
    "homicides rose more in Mexican municipios near Texas, Arizona and New Mexico than "
    "near California, which kept its own ban (Dube, Dube & García-Ponce, American "
    "Political Science Review, 2013).",
    # 5
    "Suppliers adapt: substitution, re-entry and the balloon effect. As China restricted "
    "precursors, Mexican traffickers diversified their sources and India emerged as a "
    "source of fentanyl and precursors (DEA, Fentanyl Flow to the United States, 2020); "
    "when Colombia's coca area fell 18% in 2008, Bolivia's rose 6% and Peru's 4.5% "
    "(UNODC survey, reported by the Associated Press, 2009), though displacement is often "
    "incomplete (Windle & Farrell, Substance Use & Misuse, 2012). How fast each lever's "
    "effect erodes, and how many averted deaths reappear with other drugs, is judgement.",
    # 6
    "Concave curves cannot represent thresholds. A programme that works only above some "
    "scale is drawn as its concave hull, which overstates small programmes. A minimum "
    "programme size and a start-up cost (min_size, startup_cost, solved as a MILP) can "
    "require a minimum scale but do not change the curve, and no shipped scenario sets "
    "them. This is a modelling choice.",
    # 7
    "Temporary rebound for year-varying plans. The plan kernel is negative while "
    "traffickers adapt, so a programme stopped abruptly leaves deaths above baseline for "
    "a while; the phased optimiser plans with this rebound in view, over a 3-year tail "
    "after the horizon by default. This is a modelling choice (linear superposition), not "
    "an empirical finding.",
    # 8
    "Lever interactions are optional and partial. By default the levers' effects simply "
    "add, with no market-wide cap on the combined supply cut; an interactions table can "
    "add complementarity and a balloon cap on two levers hitting the same node, but no "
    "shipped scenario declares one, and robust allocations and value of information do "
    "not take them. This is a modelling choice.",
    # 9
    "Attribution is a convention. Effects combine multiplicatively, so there is no unique "
    "per-lever split of deaths averted; other rules (such as Shapley values) divide the "
    "same total differently. This is a modelling choice.",
    # 10
    "Only years inside the horizon count. Flat allocations credit nothing after the "
    "horizon, which penalises slow levers such as gun-flow enforcement (3-year onset); "
    "year-varying plans add a tail window to the objective, but reported deaths cover the "
    "horizon only. This is a modelling choice.",
    # 11
    "Erratic potency and adulterants. Xylazine was detected in 10.9% of illicit-fentanyl "
    "deaths in June 2022, up from 2.9% in January 2019, in 21 jurisdictions (Kariisa et "
    "al., MMWR, 2023); some nitazenes are far more potent than fentanyl and may need "
    "several doses of naloxone (Roberts, Korona-Bailey & Mukhopadhyay, MMWR, 2022). A "
    "disruption can raise deaths in the short run: within 500 m and 7 days of police "
    "opioid seizures in Indianapolis, fatal overdoses were twice the number expected "
    "(Ray et al., American Journal of Public Health, 2023). In the model a supply cut "
    "never raises deaths.",
    # 12
    "The iron law of prohibition. The harder the enforcement, the harder the drugs "
    "(Cowan, National Review, 1986): pressure rewards traffickers for moving more "
    "concentrated, more potent forms, which are easier to hide and carry. The model has "
    "no channel through which enforcement raises potency.",
    # 13
    "Polysubstance use. Almost 80% of synthetic-opioid deaths in 2016 involved another "
    "drug or alcohol (CDC, Polysubstance Overdose, data for 2016), and about 40% of "
    "illicit-fentanyl deaths in 2020 also involved stimulants (O'Donnell et al., MMWR, "
    "2021). CDC counts a death under every drug involved (Hedegaard et al., National "
    "Vital Statistics Reports, 2018), so the synthetic-opioid baseline is not the number "
    "of deaths that less fentanyl alone would avert.",
    # 14
    "Deaths are not the only harm. The default objective counts US overdose deaths; the "
    "life-years and net-benefit objectives weigh them by years of life lost and by a value "
    "of a statistical life (US DOT guidance, 2023), but every objective leaves out non-fatal "
    "overdoses treated in emergency departments (Vivolo-Kantor et al., MMWR, 2020), "
    "addiction itself, and violence in Mexico, which is reported beside every result and "
    "can be capped (caveat 3) but is not minimised.",
    # 15
    "Equity is not in the objective. Overdose death rates are highest for American Indian "
    "and Alaska Native people (65.0 per 100,000 in 2023) and next for Black people (48.9), "
    "against 33.1 for White people, and from 2022 to 2023 they fell significantly only for "
    "White people (Garnett & Miniño, NCHS Data Brief 522, 2024). Minimising total deaths "
    "says nothing about who is spared.",
    # 16
    "Off-budget costs and agency silos. Drug-control money is appropriated to many "
    "agencies, about 22 billion dollars across 49 federal agencies, departments, "
    "components or programmes in fiscal 2010 (GAO-11-261R, 2011), so money may not move "
    "between levers run by different departments as the optimiser moves it. Diplomacy's "
    "costs are largely off budget: to win China's cooperation on precursors the US "
    "removed China's Institute of Forensic Science from the Commerce Entity List in "
    "November 2023, over human-rights objections (Voice of America and Reuters reports, "
    "2023).",
    # 17
    "Priors anchored on one episode. The 2023-24 fall in deaths and purity anchors the "
    "supply elasticity, the baseline trend, the market lag and precursor diplomacy's "
    "maximum effect; if the episode had other causes (caveat 2) these are wrong together, "
    "yet the shipped scenarios declare no correlations, so Monte Carlo draws them "
    "independently and understates the joint uncertainty. This is a modelling choice.",
    # 18
    "Provisional data. The baseline, 48,422 synthetic-opioid deaths in the 12 months "
    "ending December 2024, is a CDC provisional count; CDC warns that provisional counts "
    "are often incomplete, underestimate final counts and are subject to change, and "
    "adjusts them for reporting delays (NCHS, Provisional Drug Overdose Death Counts, "
    "technical notes, 2024; Rossen et al., NCHS Vital Statistics Rapid Release Report 6, "
    "2018).",
)
