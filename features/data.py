"""Turn a `data:` config into validated train/test frames: map columns, check them, split, summarise, digest.

Every check runs before any fitting, and each problem names the column or file it is about.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from core.data_spec import DataSpec
from core.errors import DataError
from core.tasks import Task
from features import loading


@dataclass
class Prepared:
    """Model-ready splits plus what was learned about them while checking."""

    train: pd.DataFrame
    test: pd.DataFrame
    text_columns: list[str]
    label_column: str
    multi_label: bool
    group_column: str | None
    summary: dict[str, Any]
    digests: dict[str, str]
    sources: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    short_copies: tuple[str, ...] = ()

    def rows(self, split: str) -> pd.DataFrame:
        """The rows a split is fitted or scored on: for `train`, followed by its short copies (`data.short_copies`)."""
        return self.training_rows if split == "train" else getattr(self, split)

    @cached_property
    def training_rows(self) -> pd.DataFrame:
        """The training split followed by its short copies, made once per Prepared (X and y both read it)."""
        return with_short_copies(self.train, self.text_columns, self.short_copies)

    def X(self, split: str) -> pd.DataFrame:
        return self.rows(split)[self.text_columns]

    def y(self, split: str) -> Any:
        labels = self.rows(split)[self.label_column]
        return list(labels) if self.multi_label else labels.to_numpy()

    @property
    def classes(self) -> list[str]:
        if self.multi_label:
            return sorted({lab for labels in self.train[self.label_column] for lab in labels})
        return sorted(self.train[self.label_column].unique().tolist())


FIRST_SENTENCE = re.compile(r"^\s*(.+?[.!?])(?=\s|$)", re.DOTALL)


def lead_sentence(text: str) -> str:
    """The first sentence of a text (up to the first . ! or ? followed by a space), or the whole text."""
    found = FIRST_SENTENCE.match(text)
    return found.group(1) if found else text.strip()


def with_short_copies(frame: pd.DataFrame, text: list[str], kinds: tuple[str, ...]) -> pd.DataFrame:
    """The rows, then for each kind a copy of every row holding only its title or lead sentence.

    The short text goes in the last text column with the others blank, as a lone headline reaches a title+body
    model at prediction (`secnews predict "..."`); copies with no text are left out.
    """
    if not kinds:
        return frame
    last = text[-1]
    copies = []
    for kind in kinds:
        short = frame[text[0]] if kind == "title" else frame[last].map(lead_sentence)
        copy = frame.assign(**{column: "" for column in text}).assign(**{last: short})
        copies.append(copy[short.str.strip().ne("")])
    return pd.concat([frame, *copies], ignore_index=True)


def effective_columns(data: DataSpec, task: Task) -> tuple[list[str], str, str | None]:
    """Text columns, label column and group column, with the demo corpus' roles where the config leaves them unset."""
    text, label, group = data.text_columns, data.label_column, data.split.group_column
    if data.demo:
        roles = task.demo_columns
        text = text if "text_columns" in data.model_fields_set else list(roles.text)
        label = label if "label_column" in data.model_fields_set else roles.label
        group = group or roles.group
    return text, label, group


def read_raw(data: DataSpec, task: Task) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read the configured source into {'train': frame, ['test': frame]} and say where each came from."""
    if data.demo:
        frame, path = task.read_demo(lambda file: loading.read_files(str(file), "jsonl", "demo"), loading.DEMO_DIR)
        return {"train": frame}, {"train": str(path)}
    if data.saved:
        frames = loading.read_saved(data.saved)
        return frames, {name: f"{data.saved}#{name}" for name in frames}
    if data.hub:
        hub = data.hub
        splits = [hub.train_split] + ([hub.test_split] if hub.test_split else [])
        read = loading.read_hub(hub.name, hub.subset, hub.revision, splits)
        frames = {"train": read[hub.train_split]}
        if hub.test_split:
            frames["test"] = read[hub.test_split]
        return frames, {k: f"hf://{hub.name}@{hub.revision or 'main'}" for k in frames}
    frames, sources = {}, {}
    for key in ("train", "test"):
        pattern = getattr(data, key)
        if pattern:
            frame = loading.read_files(pattern, data.format, key)
            bodies = getattr(data, f"{key}_bodies")
            if bodies:
                frame = loading.join_bodies(frame, loading.read_files(bodies, data.format, f"{key}_bodies"),
                                            data.join_on, key)
            frames[key], sources[key] = frame, pattern
    return frames, sources


def _check_columns(frame: pd.DataFrame, needed: list[str], where: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} not found; "
            f"available: {', '.join(map(str, frame.columns))}"
        )


def _labels_as_lists(series: pd.Series, separator: str) -> pd.Series:
    def to_list(value: Any) -> list[str]:
        if isinstance(value, str):
            return [p.strip() for p in value.split(separator) if p.strip()]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    return series.map(to_list)


def _file_rows(mask: pd.Series) -> str:
    """The first few flagged rows, numbered as in the file read (header = row 1), even after rows were dropped."""
    return ", ".join(str(i + 2) for i in mask.index[mask.to_numpy()][:5])


def _indicator_labels(frame: pd.DataFrame, columns: list[str], where: str) -> pd.Series:
    """Label lists from 0/1 indicator columns (each column's name is a label)."""
    values = frame[columns].apply(pd.to_numeric, errors="coerce")
    bad = ~values.isin([0, 1]).all(axis=1)
    if bad.any():
        raise DataError(f"{where}: data.label_columns must hold 0 or 1 in {', '.join(columns)} "
                        f"(e.g. rows {_file_rows(bad)})")
    flags = values.to_numpy(dtype=bool)
    return pd.Series([[c for c, on in zip(columns, row, strict=True) if on] for row in flags], index=frame.index)


def read_label_set(data: DataSpec) -> set[str] | None:
    """The labels `data.label_set` keeps (a list, or a file with one label per line), or None to keep all."""
    if data.label_set is None or isinstance(data.label_set, list):
        return None if data.label_set is None else set(data.label_set)
    try:
        lines = Path(data.label_set).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"data.label_set: cannot read {data.label_set} ({exc.strerror})") from None
    return {line.strip() for line in lines if line.strip()}


def _map_labels(frame: pd.DataFrame, data: DataSpec, label: str, keep: set[str] | None, report: dict[str, Any]
                ) -> pd.DataFrame:
    """Apply `data.label_map`, then drop labels outside `keep` (and rows left with none of theirs)."""
    rename = data.label_map
    if data.multi_label:
        if rename:
            frame[label] = frame[label].map(lambda labels: list(dict.fromkeys(rename.get(x, x) for x in labels)))
        if keep is not None:
            had = frame[label].map(len).gt(0)
            frame[label] = frame[label].map(lambda labels: [x for x in labels if x in keep])
            outside = had & frame[label].map(len).eq(0)
            report["dropped_outside_label_set"] = report.get("dropped_outside_label_set", 0) + int(outside.sum())
            frame = frame[~outside]
        return frame
    if rename:
        frame[label] = frame[label].map(lambda x: rename.get(x, x))
    if keep is not None:
        outside = ~frame[label].isin(keep)
        report["dropped_outside_label_set"] = report.get("dropped_outside_label_set", 0) + int(outside.sum())
        frame = frame[~outside]
    return frame


def _clean_frame(frame: pd.DataFrame, data: DataSpec, text: list[str], label: str, where: str,
                 report: dict[str, Any], keep: set[str] | None = None) -> pd.DataFrame:
    """Map columns, normalise texts and labels, and enforce the empty-text and missing-label rules."""
    _check_columns(frame, [*text, *(data.label_columns or [label])], where)
    frame = frame.reset_index(drop=True)
    if data.label_columns:
        frame[label] = _indicator_labels(frame, data.label_columns, where)
    for column in text:
        frame[column] = frame[column].astype("string").fillna("").astype(object)
        for pattern in data.text_mask:
            frame[column] = frame[column].str.replace(pattern, " ", regex=True, flags=re.IGNORECASE)
    empty = frame[text].apply(lambda col: col.str.strip().eq("")).all(axis=1)
    if empty.any():
        rows = _file_rows(empty)
        if data.empty_text == "reject":
            raise DataError(f"{where}: {int(empty.sum())} rows have empty text in {', '.join(text)} "
                            f"(e.g. rows {rows}); set data.empty_text: drop to skip them")
        report["dropped_empty_text"] = report.get("dropped_empty_text", 0) + int(empty.sum())
        frame = frame[~empty]
        if frame.empty:
            raise DataError(f"{where}: no rows left after dropping {int(empty.sum())} empty texts "
                            f"(columns {', '.join(text)})")
    if data.multi_label:
        if not data.label_columns:
            frame[label] = _labels_as_lists(frame[label], data.label_separator)
        frame = _map_labels(frame, data, label, keep, report)
        missing = frame[label].map(len).eq(0) & (data.unlabelled == "reject")
    else:
        values = frame[label]
        missing = values.isna() | values.astype("string").str.strip().eq("")
        frame[label] = values.astype("string").str.strip().astype(object)
        if missing.any():
            rows = _file_rows(missing)
            raise DataError(f"{where}: column '{label}' has {int(missing.sum())} rows with no label "
                            f"(e.g. rows {rows})")
        frame = _map_labels(frame, data, label, keep, report)
    if missing.any():
        rows = _file_rows(missing)
        raise DataError(f"{where}: column '{label}' has {int(missing.sum())} rows with no label (e.g. rows {rows}); "
                        "set data.unlabelled: keep to train on them")
    return frame.reset_index(drop=True)


def _split(frame: pd.DataFrame, data: DataSpec, label: str, group: str | None, seed: int) -> tuple[pd.DataFrame, ...]:
    split = data.split
    method = split.method
    if method == "auto":
        method = "given" if split.split_column or data.demo else "grouped" if group else "stratified"
    if method == "given":
        column = split.split_column or "split"
        _check_columns(frame, [column], "data.split.split_column")
        values = set(frame[column].astype(str))
        if not values <= {"train", "test", "dev"}:
            raise DataError(f"data.split.split_column: column '{column}' must hold train/test values, "
                            f"got {', '.join(sorted(values - {'train', 'test', 'dev'})[:5])}")
        train = frame[frame[column].astype(str).isin(["train", "dev"])]
        test = frame[frame[column].astype(str) == "test"]
        if test.empty:
            raise DataError(f"data.split.split_column: column '{column}' has no 'test' rows")
        return train.reset_index(drop=True), test.reset_index(drop=True)
    if method == "grouped":
        if not group:
            raise DataError("data.split.group_column: a grouped split needs a group column")
        _check_columns(frame, [group], "data.split.group_column")
        return _hold_out(frame, split.test_size, seed, groups=frame[group])
    stratify = None if (method == "random" or data.multi_label) else label
    return _hold_out(frame, split.test_size, seed, stratify=stratify, size_key="data.split.test_size")


def _hold_out(frame: pd.DataFrame, size: float, seed: int, groups: Any = None, stratify: str | None = None,
              size_key: str = "data.split.test_size") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off `size` of the rows: whole groups when `groups` (one id per row) is given, else stratified by the
    `stratify` column."""
    if groups is not None:
        splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed)
        kept, held = next(splitter.split(frame, groups=pd.Series(np.asarray(groups)).astype(str)))
    else:
        try:
            kept, held = train_test_split(np.arange(len(frame)), test_size=size, random_state=seed,
                                          stratify=frame[stratify] if stratify else None)
        except ValueError as exc:
            raise DataError(f"data.split: cannot make a stratified split ({exc}); "
                            f"lower {size_key} or add examples to the rare classes") from None
    return frame.iloc[kept].reset_index(drop=True), frame.iloc[held].reset_index(drop=True)


def _class_counts(frame: pd.DataFrame, label: str, multi_label: bool) -> dict[str, int]:
    values = frame[label].explode() if multi_label else frame[label]
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _check_min_examples(counts: dict[str, int], minimum: int, label: str) -> None:
    rare = {k: v for k, v in counts.items() if v < minimum}
    if rare:
        listed = ", ".join(f"{k} ({v})" for k, v in list(rare.items())[:8])
        raise DataError(f"data.min_examples_per_class: column '{label}' has classes with fewer than {minimum} "
                        f"training examples: {listed}")


def _check_two_classes(counts: dict[str, int], label: str) -> None:
    """A classifier needs at least two classes to tell apart; say so before any fit starts."""
    if len(counts) < 2:
        found = f"only the class {next(iter(counts))!r}" if counts else "no classes"
        raise DataError(f"data.label_column: column '{label}' has {found} in the training split; "
                        "a classifier needs at least two classes")


def _word_counts(column: pd.Series) -> pd.Series:
    """Words per row, counted once per distinct text (a body shared by many claim pairs is counted once)."""
    distinct = column.unique()
    return column.map(dict(zip(distinct, (len(t.split()) for t in distinct), strict=True)))


def _text_stats(frame: pd.DataFrame, text: list[str]) -> dict[str, float]:
    words = sum(_word_counts(frame[column]) for column in text)
    return {"words_mean": round(float(words.mean()), 1), "words_median": float(words.median()),
            "words_p95": round(float(words.quantile(0.95)), 1), "words_max": int(words.max())}


def digest(frame: pd.DataFrame, columns: list[str]) -> str:
    """A content digest of every row of the given columns (MLflow's own looks at the first 10,000 rows only)."""
    hashed = pd.util.hash_pandas_object(frame[columns].astype(str), index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:32]


def _text_keys(frame: pd.DataFrame, text: list[str]) -> pd.Series:
    """One hash per row of its (stripped, lowercased) text columns, to find identical texts cheaply."""
    normalised = pd.DataFrame({c: frame[c].str.strip().str.lower() for c in text})
    return pd.util.hash_pandas_object(normalised, index=False)


def prepare(data: DataSpec, task: Task, seed: int,
            raw: tuple[dict[str, pd.DataFrame], dict[str, str]] | None = None) -> Prepared:
    """Map, validate and split the configured data (read first unless `raw` is given from `read_raw`).

    Raises DataError naming the column or file at the first problem.
    """
    text, label, group = effective_columns(data, task)
    frames, sources = raw if raw is not None else read_raw(data, task)
    if data.rename:
        frames = {k: f.rename(columns=data.rename) for k, f in frames.items()}
    report: dict[str, Any] = {}
    keep = read_label_set(data)
    frames = {k: _clean_frame(f, data, text, label, f"data.{k} ({sources[k]})", report, keep)
              for k, f in frames.items()}
    if not data.multi_label:
        for k, f in frames.items():
            task.check_labels(f[label], f"data.{k} ({sources[k]})")
    if "test" in frames:
        train, test = frames["train"], frames["test"]
    else:
        train, test = _split(frames["train"], data, label, group, seed)
    if data.max_train_rows and len(train) > data.max_train_rows:
        train = train.sample(n=data.max_train_rows, random_state=seed).reset_index(drop=True)
    counts = _class_counts(train, label, data.multi_label)
    _check_min_examples(counts, data.min_examples_per_class, label)
    _check_two_classes(counts, label)
    warnings = []
    if not data.multi_label:
        unseen = sorted(set(test[label]) - set(train[label]))
        if unseen:
            warnings.append(f"test labels never seen in training: {', '.join(unseen[:8])}")
    overlap = int(_text_keys(test, text).isin(set(_text_keys(train, text))).sum())
    if overlap:
        warnings.append(f"leakage: {overlap} test rows have a text identical to a training row")
    if group and group in train.columns and group in test.columns:
        shared = len(set(train[group].astype(str)) & set(test[group].astype(str)))
        if shared:
            warnings.append(f"leakage: {shared} values of '{group}' appear in both train and test")
    summary = {
        "task": task.name,
        "text_columns": text,
        "label_column": label,
        "rows": {"train": len(train), "test": len(test)},
        "classes": {"train": counts, "test": _class_counts(test, label, data.multi_label)},
        "text_length": {"train": _text_stats(train, text), "test": _text_stats(test, text)},
        "dropped_empty_text": report.get("dropped_empty_text", 0),
        "dropped_outside_label_set": report.get("dropped_outside_label_set", 0),
        "identical_train_test_texts": overlap,
        "sources": sources,
    }
    kinds = tuple(data.short_copies)
    if "title" in kinds and len(text) < 2:
        raise DataError(f"data.short_copies: title copies need two text columns (title first, body last); "
                        f"text_columns is {text}")
    columns = [*text, label]
    training_rows = with_short_copies(train, text, kinds)
    if kinds:
        summary["short_copies"] = {"kinds": list(kinds), "rows": len(training_rows) - len(train)}
    return Prepared(train, test, text, label, data.multi_label, group, summary,
                    {"train": digest(training_rows, columns), "test": digest(test, columns)}, sources, warnings, kinds)


def dev_split(data: Prepared, dev_size: float, seed: int, task: Any = None) -> Prepared:
    """Hold out a dev part of the training split for tuning, grouped when a group column exists.

    With a `task`, its groups of training rows (`Task.fit_groups`, the ones a model's inner folds keep whole)
    decide instead: a pair task groups claims and bodies joined by their pairs, since pairs sharing a claim or a
    body across the two sides make a dev score optimistic.
    Short copies (`data.short_copies`) are made of the fitting part only, after the hold-out, so no title of a dev
    row is trained on.

    The returned Prepared has the fitting part as `train` and the dev part as `test`; the real test split
    is not touched.
    """
    if task is not None:
        groups = task.fit_groups(data.train, data.group_column, data.text_columns, data.label_column)
    else:
        groups = data.train[data.group_column] if data.group_column in data.train.columns else None
    stratify = None if groups is not None or data.multi_label else data.label_column
    fit_part, dev_part = _hold_out(data.train, dev_size, seed, groups=groups, stratify=stratify,
                                   size_key="data.split.dev_size")
    columns = [*data.text_columns, data.label_column]
    fitted_rows = with_short_copies(fit_part, data.text_columns, data.short_copies)
    return replace(data, train=fit_part, test=dev_part, warnings=[],
                   digests={"train": digest(fitted_rows, columns), "test": digest(dev_part, columns)})
