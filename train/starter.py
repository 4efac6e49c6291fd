"""Starter configs for a new project: `secnews config new --task …` and `secnews init [DIR]`.

A starter is one of the bundled configs (features, model, evaluation kept as written, comments included) whose
`data:` section is replaced by a marked placeholder that runs as-is on the bundled demo corpus and lists, commented
out, the lines to use for one's own files. Read from the installed package, so it works without the checkout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from features.bundled import configs_dir
from features.errors import SecnewsError

TASKS = ("topic", "stance")
# Bundled configs a starter copies its features and model from, best first.
SOURCES = {"topic": ("topic/recommended.yaml",), "stance": ("stance/demo.yaml",)}

# Used while the bundled configs carry no topic/recommended.yaml: demo.yaml's word + character TF-IDF and
# logistic regression without its cleaning, which strips boilerplate only the demo corpus has.
GENERIC_TOPIC = """\
features:
  - name: tfidf_word          # word 1-2 grams
    ngram_range: [1, 2]
    min_df: 2
    max_df: 0.9
    sublinear_tf: true
  - name: tfidf_char          # character 3-5 grams: robust to spelling variants and names
    ngram_range: [3, 5]
    min_df: 2
    max_features: 60000
    weight: 0.5
model:
  name: logreg
  params:
    C: 10
  class_weight: balanced
eval:
  top_features: 15
  worst_examples: 25
"""

DATA = {
    "topic": """\
data:
  # ---- YOUR DATA ------------------------------------------------------------------------------------------
  # As written this trains on the demo corpus bundled with secnews. For your own articles, delete the `demo:`
  # line, uncomment one source and set the column names. Paths are relative to this file.
  demo: topic
  # train: data/articles.csv        # csv, tsv, jsonl or parquet; a glob such as data/*.jsonl works too
  # test: data/test.csv             # optional: without it a stratified 20 % of `train` is held out
  # saved: data/articles_dataset    # or a folder written by datasets' save_to_disk
  # hub: {name: OWNER/DATASET, revision: main}   # or a Hugging Face Hub dataset
  text_columns: [title, body]       # the text columns: the model's inputs
  label_column: topic               # the column holding each article's label
  min_examples_per_class: 5
  # ----------------------------------------------------------------------------------------------------------
""",
    "stance": """\
data:
  # ---- YOUR DATA ------------------------------------------------------------------------------------------
  # As written this trains on the demo claim/article pairs bundled with secnews. For your own pairs, delete the
  # `demo:` line, uncomment one layout and set the column names. Paths are relative to this file.
  demo: stance
  # train: data/pairs.csv           # one row per (claim, body) pair; csv, tsv, jsonl or parquet
  # test: data/pairs_test.csv       # optional: without it 20 % of the bodies are held out
  # train: data/stances.csv         # or the FNC-1 layout: pairs and bodies in two tables …
  # train_bodies: data/bodies.csv
  # join_on: Body ID                # … joined on this id column
  text_columns: [headline, body]    # the claim first, then the body
  label_column: stance              # agree, disagree, discuss or unrelated
  split:
    group_column: id                # pairs sharing a body stay on one side of every split
    dev_size: 0.2
  # ----------------------------------------------------------------------------------------------------------
""",
}

README = """\
# {name}

Started with `secnews init` (secnews {version}). Both configs run as written on the demo corpus that ships
with secnews; runs, metrics and models go to `mlflow.db` in the folder you run the commands from.

```bash
secnews config validate configs/topic.yaml configs/stance.yaml   # check the configs without training
secnews train configs/topic.yaml          # train, evaluate and log the topic model on the demo articles
secnews train configs/stance.yaml         # the stance model on the demo claim/article pairs
mlflow ui --backend-store-uri sqlite:///mlflow.db --workers 1      # compare runs at http://127.0.0.1:5000
secnews predict -m runs:/RUN_ID/model "Ransomware crew encrypts the port authority's servers"
```

To train on your own data, edit the block between the `YOUR DATA` marks in each config: delete the `demo:`
line, uncomment a source and name your text and label columns. Try a change without editing the file with
`--set`, e.g. `secnews train configs/topic.yaml --set model.params.C=2`.
"""

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):")


@dataclass
class Section:
    """One top-level YAML key with its lines, including the comment lines just above it."""

    key: str | None
    lines: list[str]


def sections(text: str) -> list[Section]:
    """Split config text into top-level sections; comments above the first key form a header (key None)."""
    found = [Section(None, [])]
    pending: list[str] = []
    for line in text.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if match:
            if len(found) == 1:  # comments above the first key describe the whole file
                found[0].lines.extend(pending)
                pending = []
            found.append(Section(match.group(1), [*pending, line]))
            pending = []
        elif line.startswith("#") or not line.strip():
            pending.append(line)
        else:
            found[-1].lines.extend([*pending, line])
            pending = []
    found[-1].lines.extend(pending)
    return found


def version() -> str:
    try:
        return metadata.version("secnews")
    except metadata.PackageNotFoundError:
        return "dev"


def source_text(task: str) -> tuple[str, str]:
    """The bundled config a starter is based on, and its name (relative to the configs folder)."""
    folder = configs_dir()
    for name in SOURCES[task]:
        path = folder / name
        if path.is_file():
            return path.read_text(encoding="utf-8"), name
    if task == "topic":
        return f"task: topic\nseed: 13\ndata: {{}}\n{GENERIC_TOPIC}", "the generic word + character TF-IDF starter"
    raise SecnewsError(f"{folder}: no bundled {task} config ({', '.join(SOURCES[task])}); reinstall secnews")


def starter_config(task: str) -> str:
    """A whole starter config for `task` as YAML text: a header, the data placeholder, the rest as bundled."""
    if task not in TASKS:
        raise SecnewsError(f"--task: unknown task '{task}'; valid tasks: {', '.join(TASKS)}")
    text, name = source_text(task)
    header = (f"# secnews {task} starter (secnews {version()}, from {name}).\n"
              "# Check it: secnews config validate THIS_FILE    Train it: secnews train THIS_FILE\n")
    parts = [header]
    for section in sections(text)[1:]:
        if section.key == "data":
            parts.append(DATA[task])
        elif section.key != "experiment":
            parts.append("".join(section.lines))
        if section.key == "task":
            parts.append(f"experiment: {task}-starter     # the MLflow experiment runs of this config go to\n")
    return "".join(parts).rstrip("\n") + "\n"


def starter_files(folder: Path) -> dict[Path, str]:
    """What `secnews init` writes: both starter configs and a README with the next commands."""
    configs = {folder / "configs" / f"{task}.yaml": starter_config(task) for task in TASKS}
    name = folder.resolve().name or "secnews project"
    return {**configs, folder / "README.md": README.format(name=name, version=version())}


def init_project(folder: Path, force: bool = False) -> list[Path]:
    """Write the starter project into `folder` (created if needed); existing files are kept unless `force`."""
    files = starter_files(folder)
    existing = [path for path in files if path.exists()]
    if existing and not force:
        raise SecnewsError(f"{existing[0]}: already exists; choose an empty folder or pass --force to overwrite")
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SecnewsError(f"{path}: cannot write the starter file ({exc.strerror or exc})") from None
    return list(files)


__all__ = ["TASKS", "starter_config", "init_project", "sections"]
