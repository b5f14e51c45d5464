"""The caveats every result carries (shown in the app, the briefing and docs/model.md)."""

__all__ = ["CAVEATS"]

CAVEATS = (
    "Lever effects are judgement: no study estimates deaths averted per dollar for any of "
    "the four supply-side levers. RAND's verdict for cocaine (Rydell & Everingham 1994) was "
    "that treatment beats every supply programme; the National Research Council (1999) "
    "judged even that too uncertain to settle policy.",
    "The cause of the 2023-24 decline in deaths is contested (naloxone over the counter "
    "since March 2023, depletion of the highest-risk population, changed use patterns).",
    "Kingpin strikes raise violence in Mexico (Calderon et al. 2015; Dickenson 2014); a "
    "deaths-only objective hides it.",
    "Gun-flow enforcement has no demonstrated path to US overdose deaths; its documented "
    "effect is on Mexican homicides (Dube, Dube & Garcia-Ponce 2013).",
    "Substitution (nitazenes, Indian precursors, Mexican synthesis of precursors) can erase "
    "precursor effects within 1-3 years.",
    "Separable concave response curves cannot represent thresholds: a programme that only "
    "works above a minimum size is drawn as its concave hull.",
    "Only years inside the horizon count; slow levers' later effects are not credited.",
)
