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

from core.errors import SecnewsError
from core.tasks import TASKS, Task
from features.bundled import configs_dir


def starter_tasks() -> dict[str, Task]:
    """The registered tasks that offer a starter config, by name."""
    import train.tasks  # noqa: F401  (registers the tasks)

    return {entry.name: task for entry in TASKS if (task := entry.build()).starter_data}


README = """\
# {name}

Started with `secnews init` (secnews {version}). The configs run as written on the demo corpus that ships
with secnews; runs, metrics and models go to `mlflow.db` in the folder you run the commands from.

```bash
secnews config validate configs/*.yaml      # check the configs without training
{train_lines}
mlflow ui --backend-store-uri sqlite:///mlflow.db --workers 1      # compare runs at http://127.0.0.1:5000
secnews predict -m runs:/RUN_ID/model "Ransomware crew encrypts the port authority's servers"
```

To train on your own data, edit the block between the `YOUR DATA` marks in each config: delete the `demo:`
line, uncomment a source and name your text and label columns. Try a change without editing the file with
`--set`, e.g. `secnews train configs/{first}.yaml --set seed=7`.
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


def source_text(task: Task) -> tuple[str, str]:
    """The bundled config a starter is based on, and its name (relative to the configs folder)."""
    folder = configs_dir()
    for name in task.starter_sources:
        path = folder / name
        if path.is_file():
            return path.read_text(encoding="utf-8"), name
    raise SecnewsError(f"{folder}: no bundled {task.name} config ({', '.join(task.starter_sources)}); "
                       "reinstall secnews")


def starter_config(name: str) -> str:
    """A whole starter config for task `name` as YAML text: a header, the data placeholder, the rest as bundled."""
    tasks = starter_tasks()
    if name not in tasks:
        raise SecnewsError(f"--task: unknown task '{name}'; valid tasks: {', '.join(tasks)}")
    task = tasks[name]
    text, source = source_text(task)
    header = (f"# secnews {name} starter (secnews {version()}, from {source}).\n"
              "# Check it: secnews config validate THIS_FILE    Train it: secnews train THIS_FILE\n")
    parts = [header]
    for section in sections(text)[1:]:
        if section.key == "data":
            parts.append(task.starter_data)
        elif section.key != "experiment":
            parts.append("".join(section.lines))
        if section.key == "task":
            parts.append(f"experiment: {name}-starter     # the MLflow experiment runs of this config go to\n")
    return "".join(parts).rstrip("\n") + "\n"


def starter_files(folder: Path) -> dict[Path, str]:
    """What `secnews init` writes: a starter config per task and a README with the next commands."""
    names = list(starter_tasks())
    configs = {folder / "configs" / f"{name}.yaml": starter_config(name) for name in names}
    lines = "\n".join(f"secnews train configs/{name}.yaml   # {TASKS.get(name, 'task').summary}" for name in names)
    readme = README.format(name=folder.resolve().name or "secnews project", version=version(), train_lines=lines,
                           first=names[0])
    return {**configs, folder / "README.md": readme}


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


__all__ = ["starter_tasks", "starter_config", "init_project", "sections"]
