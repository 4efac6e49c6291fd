"""secnews feature side: load and validate labelled articles, and turn them into scikit-learn features."""
