"""Small invented (claim, body, stance) pairs shared by the stance feature and model tests."""

from __future__ import annotations

import pandas as pd

BODIES = {
    "b1": "Officials in Talmir confirmed the ransomware attack on the port. The Crimson Lattice gang claimed it. "
          "Systems were restored on Friday.",
    "b2": "The ministry denied reports that troops crossed the Hesh Pass. A spokeswoman called the claim false "
          "and said no units had moved.",
    "b3": "Relief convoys reached Rimmon after a week of delays. Aid workers said food stocks were low. "
          "Reportedly more trucks may follow.",
}
PAIRS = [
    ("Ransomware attack hits Talmir port", "b1", "agree"),
    ("Crimson Lattice behind port ransomware", "b1", "agree"),
    ("Port attack was a hoax", "b1", "disagree"),
    ("Troops crossed the Hesh Pass", "b2", "disagree"),
    ("Kaldoria moves units through Hesh Pass", "b2", "disagree"),
    ("Ministry comments on troop reports", "b2", "discuss"),
    ("More aid trucks may reach Rimmon", "b3", "discuss"),
    ("Convoys reach Rimmon", "b3", "agree"),
    ("Food stocks low in Rimmon", "b3", "agree"),
    ("Ransomware attack hits Talmir port", "b3", "unrelated"),
    ("Troops crossed the Hesh Pass", "b1", "unrelated"),
    ("Convoys reach Rimmon", "b2", "unrelated"),
]


def pair_frame(repeat: int = 1) -> pd.DataFrame:
    rows = [{"headline": h, "body": BODIES[b], "body_id": b, "stance": s} for h, b, s in PAIRS] * repeat
    return pd.DataFrame(rows)


def one_pair(claim: str, body: str) -> pd.DataFrame:
    return pd.DataFrame({"headline": [claim], "body": [body]})
