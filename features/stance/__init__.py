"""Stance features over (claim, body) pairs; importing the package registers the pair builders."""

from features.stance import evidence, lexicon, relatedness, sentence_stance, similarity, style  # noqa: F401  (registration)
