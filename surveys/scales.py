"""Score scales shared by the survey rules and the metrics; pure (no Django), so the analysis
maths can read them without importing the app."""

# The primary question's scores that make a respondent a detractor (inclusive upper bound).
DETRACTOR_AT_MOST = {"nps": 6, "csat": 2, "ces": 3, "rating": 2}
