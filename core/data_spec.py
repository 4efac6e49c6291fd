"""The `data:` section of a config: where labelled rows come from, which columns they use, how they are checked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.patterns import check_patterns
from core.registry import Spec


class HubSpec(Spec):
    """A dataset on the Hugging Face Hub (needs network unless it is already in the local cache)."""

    name: str
    subset: str | None = None
    revision: str | None = Field(None, description="a tag, branch or commit; pin it for reproducible runs")
    train_split: str = "train"
    test_split: str | None = "test"


class SplitSpec(Spec):
    """How the held-out test set is made when the data does not come with one."""

    method: Literal["auto", "given", "stratified", "grouped", "random"] = Field(
        "auto", description="auto: given when split_column is set (or data is the demo), else grouped when "
        "group_column is set, else stratified"
    )
    test_size: float = Field(0.2, gt=0, lt=1)
    split_column: str | None = Field(None, description="a column holding 'train'/'test' per row")
    group_column: str | None = Field(None, description="rows sharing this value stay on one side")
    dev_size: float = Field(0.2, gt=0, lt=1, description="share of training groups held out as dev")


class DataSpec(Spec):
    """`data:` section: where the labelled rows come from, which columns they use, and how they are checked."""

    demo: str | None = Field(None, description="an embedded demo corpus by name (`topic`, `stance`)")
    train: str | None = Field(None, description="training file or glob (csv, tsv, jsonl, parquet)")
    test: str | None = Field(None, description="test file or glob; when absent the test set is split off")
    train_bodies: str | None = Field(None, description="a table of texts joined to `train` rows by `join_on`")
    test_bodies: str | None = None
    join_on: str | None = Field(None, description="id column shared by the rows and the bodies tables")
    saved: str | None = Field(None, description="a directory written by datasets' save_to_disk")
    hub: HubSpec | None = None
    format: Literal["auto", "csv", "tsv", "jsonl", "json", "parquet"] = "auto"
    rename: dict[str, str] = Field(default_factory=dict, description="source column → model column")
    text_columns: list[str] = Field(default_factory=lambda: ["text"], min_length=1)
    label_column: str = "label"
    id_column: str | None = None
    multi_label: bool = Field(False, description="labels are lists (or `label_separator`-joined strings)")
    label_separator: str = "|"
    label_columns: list[str] | None = Field(
        None, description="multi-label from 0/1 indicator columns: each column's name is a label; the labels "
        "end up in `label_column`", min_length=1)
    label_map: dict[str, str] = Field(
        default_factory=dict, description="rename label values before any check (merge variants, fold classes)")
    label_set: list[str] | str | None = Field(
        None, description="keep only these labels (a list, or a file with one label per line); rows left with "
        "no label are dropped")
    text_mask: list[str] = Field(
        default_factory=list, description="regexes blanked in the text columns as the data is read (label words "
        "a text quotes); training and test data only, not prediction input")
    short_copies: list[Literal["title", "lead"]] = Field(
        default_factory=list, description="also train on each training row's title (`title`: the first text "
        "column) or first sentence of its last text column (`lead`) as a short document on its own, placed as a "
        "lone text reaches the model at prediction; training rows only, after every split")
    unlabelled: Literal["reject", "keep"] = Field(
        "reject", description="multi-label: rows with an empty label set are an error (reject) or kept (keep)")
    empty_text: Literal["drop", "reject"] = "drop"
    min_examples_per_class: int = Field(2, ge=1)
    max_train_rows: int | None = Field(None, gt=0, description="sample this many training rows (quick runs)")
    split: SplitSpec = Field(default_factory=SplitSpec)

    @field_validator("text_mask")
    @classmethod
    def _mask_compiles(cls, patterns: list[str]) -> list[str]:
        return check_patterns(patterns)

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        given = [k for k in ("demo", "train", "saved", "hub") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one data source (demo, train, saved or hub), got "
                + (", ".join(given) if given else "none")
            )
        if self.label_columns and not self.multi_label:
            raise ValueError("label_columns (0/1 indicator columns) need multi_label: true")
        if self.short_copies and self.multi_label:
            raise ValueError("short_copies (title or lead copies of training rows) needs single-label data "
                             "(multi_label: false)")
        if len(set(self.short_copies)) < len(self.short_copies):
            raise ValueError(f"short_copies lists a kind twice: {self.short_copies}")
        if (self.train_bodies or self.test_bodies) and not self.join_on:
            raise ValueError("train_bodies/test_bodies need join_on (the id column shared by both tables)")
        return self
