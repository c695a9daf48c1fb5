"""Insight: trading surveillance, intermediaries, scenarios, headline figures, evaluation and the assessment run."""
