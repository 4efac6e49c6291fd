"""features.loading through features.data: every supported source gives the same rows, or one clear error."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data_spec import DataSpec
from core.errors import DataError
from features import loading
from features.data import prepare, read_raw
from train.tasks import get_task

TOPIC = get_task("topic")

TEXT = ["title", "body"]


def spec(**fields) -> DataSpec:
    return DataSpec(**{"text_columns": TEXT, **fields})


def write(frame: pd.DataFrame, path, fmt: str) -> str:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path, index=False)
    return str(path)


@pytest.fixture
def frame(make_topic_frame) -> pd.DataFrame:
    return make_topic_frame(per_class=6)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_each_file_format_loads_every_row_and_column(fmt, frame, tmp_path):
    path = write(frame, tmp_path / f"articles.{fmt}", fmt)
    loaded = read_raw(spec(train=path), TOPIC)[0]["train"]
    assert loaded[["title", "body", "label"]].equals(frame[["title", "body", "label"]])


def test_a_gzipped_csv_is_read_by_its_inner_extension(frame, tmp_path):
    path = tmp_path / "articles.csv.gz"
    frame.to_csv(path, index=False, compression="gzip")
    assert len(read_raw(spec(train=str(path)), TOPIC)[0]["train"]) == len(frame)


def test_every_file_format_gives_the_same_content_digest(frame, tmp_path):
    digests = {
        fmt: prepare(spec(train=write(frame, tmp_path / f"a.{fmt}", fmt)), TOPIC, 1).digests["train"]
        for fmt in ("csv", "tsv", "jsonl", "parquet")
    }
    assert len(set(digests.values())) == 1


def test_a_declared_format_overrides_the_extension(frame, tmp_path):
    path = write(frame, tmp_path / "articles.txt", "tsv")
    assert len(read_raw(spec(train=path, format="tsv"), TOPIC)[0]["train"]) == len(frame)


def test_an_unknown_extension_without_a_declared_format_is_an_error(frame, tmp_path):
    path = write(frame, tmp_path / "articles.txt", "csv")
    with pytest.raises(DataError) as caught:
        read_raw(spec(train=path), TOPIC)
    assert str(caught.value) == (
        f"data.train: cannot tell the format of {path} from its extension; "
        "set data.format to csv, tsv, jsonl or parquet"
    )


def test_a_glob_reads_every_matching_file(frame, tmp_path):
    (tmp_path / "parts").mkdir()
    write(frame.iloc[:5], tmp_path / "parts" / "a.csv", "csv")
    write(frame.iloc[5:12], tmp_path / "parts" / "b.csv", "csv")
    write(frame.iloc[12:], tmp_path / "parts" / "c.csv", "csv")
    loaded = read_raw(spec(train=str(tmp_path / "parts" / "*.csv")), TOPIC)[0]["train"]
    assert sorted(loaded["id"]) == sorted(frame["id"])


def test_a_glob_matching_nothing_names_the_key_and_pattern(tmp_path):
    pattern = str(tmp_path / "none-*.csv")
    with pytest.raises(DataError, match=r"^data\.train: no file matches .*none-\*\.csv$"):
        read_raw(spec(train=pattern), TOPIC)


def test_a_missing_file_names_the_key_and_path(tmp_path):
    with pytest.raises(DataError, match=r"^data\.test: no file matches .*missing\.csv$"):
        loading.read_files(str(tmp_path / "missing.csv"), "auto", "test")


def test_separate_train_and_test_files_are_kept_as_given(frame, tmp_path):
    train = write(frame.iloc[::2], tmp_path / "train.csv", "csv")
    test = write(frame.iloc[1::2], tmp_path / "test.csv", "csv")
    prepared = prepare(spec(train=train, test=test), TOPIC, 1)
    assert sorted(prepared.test["id"]) == sorted(frame.iloc[1::2]["id"])
    assert prepared.sources == {"train": train, "test": test}


@pytest.mark.parametrize(("fmt", "declared"), [("csv", "parquet"), ("csv", "jsonl"), ("jsonl", "parquet")])
def test_a_file_that_is_not_its_declared_format_is_a_one_line_error(fmt, declared, frame, tmp_path):
    path = write(frame, tmp_path / f"articles.{fmt}", fmt)
    with pytest.raises(DataError) as caught:
        read_raw(spec(train=path, format=declared), TOPIC)
    assert str(caught.value).startswith(f"data.train: {path} is not readable as {declared} (")
    assert "\n" not in str(caught.value)


def test_a_file_whose_content_does_not_match_its_extension_is_a_one_line_error(tmp_path):
    path = tmp_path / "articles.parquet"
    path.write_text("title,body,label\nx,y,z\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^data\.train: .*articles\.parquet is not readable as parquet \(.*\)$"):
        read_raw(spec(train=str(path)), TOPIC)


def test_a_saved_dataset_dict_gives_its_train_and_test_splits(frame, tmp_path):
    import datasets

    saved = datasets.DatasetDict({
        "train": datasets.Dataset.from_pandas(frame.iloc[:12], preserve_index=False),
        "test": datasets.Dataset.from_pandas(frame.iloc[12:], preserve_index=False),
    })
    saved.save_to_disk(str(tmp_path / "saved"))
    prepared = prepare(spec(saved=str(tmp_path / "saved")), TOPIC, 1)
    assert (len(prepared.train), len(prepared.test)) == (12, 6)
    assert prepared.sources["test"].endswith("saved#test")


def test_a_saved_single_dataset_is_split_like_one_file(frame, tmp_path):
    import datasets

    datasets.Dataset.from_pandas(frame, preserve_index=False).save_to_disk(str(tmp_path / "saved"))
    prepared = prepare(spec(saved=str(tmp_path / "saved")), TOPIC, 1)
    assert len(prepared.train) + len(prepared.test) == len(frame)


def test_a_saved_path_that_is_not_a_directory_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"^data\.saved: .*nowhere is not a directory$"):
        read_raw(spec(saved=str(tmp_path / "nowhere")), TOPIC)


def test_a_directory_that_is_not_a_saved_dataset_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"^data\.saved: .* is not a saved dataset \("):
        read_raw(spec(saved=str(tmp_path)), TOPIC)


def test_a_hub_dataset_while_offline_fails_with_one_line_saying_so():
    with pytest.raises(DataError) as caught:
        read_raw(spec(hub={"name": "secnews-tests/does-not-exist"}), TOPIC)
    message = str(caught.value)
    assert message.startswith("data.hub.name: cannot load 'secnews-tests/does-not-exist' split 'train' from the "
                              "Hugging Face Hub (offline or unreachable, and not in the local cache)")
    assert "\n" not in message


def test_bodies_are_joined_to_pairs_by_the_shared_id():
    pairs = pd.DataFrame({"Headline": ["h1", "h2", "h3"], "Body ID": [1, 2, 1]})
    bodies = pd.DataFrame({"Body ID": [1, 2], "articleBody": ["b1", "b2"]})
    joined = loading.join_bodies(pairs, bodies, "Body ID", "train")
    assert joined["articleBody"].tolist() == ["b1", "b2", "b1"]


def test_pairs_whose_body_id_is_missing_are_an_error():
    pairs = pd.DataFrame({"Headline": ["h1", "h2"], "Body ID": [1, 9]})
    bodies = pd.DataFrame({"Body ID": [1], "articleBody": ["b1"]})
    with pytest.raises(DataError) as caught:
        loading.join_bodies(pairs, bodies, "Body ID", "train")
    assert str(caught.value) == "data.train: 1 rows have a 'Body ID' that is not in data.train_bodies"


def test_duplicate_body_ids_are_an_error():
    pairs = pd.DataFrame({"Headline": ["h1"], "Body ID": [1]})
    bodies = pd.DataFrame({"Body ID": [1, 1], "articleBody": ["b1", "b1 again"]})
    with pytest.raises(DataError, match=r"^data\.train_bodies: ids in 'Body ID' are not unique$"):
        loading.join_bodies(pairs, bodies, "Body ID", "train")


def test_a_join_column_missing_from_the_bodies_lists_their_columns():
    pairs = pd.DataFrame({"Headline": ["h1"], "Body ID": [1]})
    bodies = pd.DataFrame({"id": [1], "articleBody": ["b1"]})
    with pytest.raises(DataError) as caught:
        loading.join_bodies(pairs, bodies, "Body ID", "train")
    assert str(caught.value) == (
        "data.join_on: column 'Body ID' not found in data.train_bodies; available: id, articleBody")
