"""secnews training side: config schema, models, evaluation, MLflow tracking, registry, prediction, CLI."""
