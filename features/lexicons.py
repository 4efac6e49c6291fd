"""Cue-word lexicons for stance: words that refute, hedge, confirm or negate a claim (lower-case tokens)."""

REFUTING_WORDS = (
    "fake", "fraud", "hoax", "false", "deny", "denies", "denied", "denying",
    "not", "despite", "nope", "doubt", "doubts", "bogus", "debunk", "debunks",
    "debunked", "prank", "pranks", "retract", "retracts", "retracted",
    "refute", "refutes", "refuted", "dismiss", "dismisses", "dismissed",
    "untrue", "misleading", "satire", "satirical", "fabricated", "myth",
    "incorrect", "wrong", "baseless", "unfounded", "rejects", "rejected",
    "contrary", "disputes", "disputed", "insists", "never", "no",
)
HEDGING_WORDS = (
    "allegedly", "alleged", "reportedly", "reported", "reports", "claimed",
    "claims", "claim", "according", "purportedly", "purported", "rumor",
    "rumors", "rumour", "rumours", "rumored", "rumoured", "apparently",
    "unconfirmed", "unverified", "suggests", "suggested", "may", "might",
    "could", "possibly", "possible", "sources", "source", "speculation",
    "speculated", "appears", "appear", "seems", "seem", "believed", "said",
    "says", "unclear", "whether", "if", "likely", "unlikely", "perhaps",
)
AGREE_WORDS = (
    "confirmed", "confirms", "confirm", "official", "officially", "announced",
    "announces", "revealed", "reveals", "indeed", "true", "verified",
    "proof", "evidence", "shows", "showed", "video", "footage", "photos",
)
NEGATION_WORDS = (
    "not", "no", "never", "none", "nothing", "neither", "nor", "nobody",
    "cannot", "without", "nt", "isnt", "wasnt", "dont", "doesnt", "didnt",
    "arent", "werent", "wont", "cant", "couldnt", "hasnt", "havent",
)
