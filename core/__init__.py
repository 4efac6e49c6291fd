"""The base layer below `features` and `train`: errors, registries, specs, path-addressed errors, the data spec."""
