"""The FNC-1 stance labels, in report order: three related stances, then `unrelated`."""

RELATED = ("agree", "disagree", "discuss")
UNRELATED = "unrelated"
STANCE_LABELS = (*RELATED, UNRELATED)
