"""The stance task: does an article body agree with, disagree with, discuss, or ignore a claim (FNC-1 scheme)."""

from train.tasks.stance import cascade, task, two_stage  # noqa: F401  (registration)
