"""Words: every generated sentence and translation, and the formats of numbers and dates."""
