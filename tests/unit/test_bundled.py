"""Where an installed secnews finds its demo corpus and configs, and where its default MLflow store goes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import features.bundled
from train import tracking

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def installed(monkeypatch):
    """Behave as a secnews installed from a wheel (not run from its checkout)."""
    monkeypatch.setattr(features.bundled, "from_checkout", lambda: False)


@pytest.fixture
def fake_packages(tmp_path, monkeypatch):
    """A site folder on sys.path for throw-away packages, which are forgotten again after the test."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = set(sys.modules)
    yield site
    for name in set(sys.modules) - before:
        del sys.modules[name]


def _package(root: Path, name: str, with_data: bool) -> Path:
    folder = root / name
    (folder / "__pycache__").mkdir(parents=True)
    (folder / "__init__.py").write_text("", encoding="utf-8")
    (folder / "model.py").write_text("X = 1\n", encoding="utf-8")
    (folder / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"")
    if with_data:
        (folder / "package_data" / "demo").mkdir(parents=True)
        (folder / "package_data" / "demo" / "articles.jsonl").write_text("{}\n", encoding="utf-8")
    return folder


def test_an_installed_package_reads_its_own_package_data(fake_packages):
    _package(fake_packages, "wheelpkg", with_data=True)
    found = features.bundled.resource_dir("wheelpkg", "demo", "data/demo")
    assert found == fake_packages / "wheelpkg" / "package_data" / "demo"


def test_a_package_without_package_data_reads_the_checkout_folder(fake_packages):
    _package(fake_packages, "plainpkg", with_data=False)
    assert features.bundled.resource_dir("plainpkg", "demo", "data/demo") == REPO / "data" / "demo"


def test_a_checkout_reads_its_data_demo_folder():
    assert features.bundled.from_checkout()
    assert features.bundled.demo_dir() == REPO / "data" / "demo"
    assert features.bundled.configs_dir() == REPO / "configs"


def test_the_checkout_keeps_its_store_at_the_project_root(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "configs" / "topic").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "configs")
    assert tracking.store_folder(tmp_path / "configs" / "topic") == tmp_path


def test_an_installed_secnews_keeps_its_store_in_the_current_folder(tmp_path, monkeypatch, installed):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking.tracking_uri(None, work / "configs" / "topic.yaml") == f"sqlite:///{work / 'mlflow.db'}"
    assert tracking.default_store_note(None) == (
        f"store:     {work / 'mlflow.db'} (the current folder; set MLFLOW_TRACKING_URI or tracking.uri to use another)")


def test_no_store_note_when_the_store_is_chosen_or_in_the_checkout(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking.default_store_note(None) is None
    monkeypatch.setattr(features.bundled, "from_checkout", lambda: False)
    assert tracking.default_store_note("sqlite:////tmp/elsewhere.db") is None
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////tmp/elsewhere.db")
    assert tracking.default_store_note(None) is None


def test_models_carry_the_packages_the_distribution_installs():
    from importlib import metadata

    import train.flavor

    listed = metadata.distribution("secnews").read_text("top_level.txt").split()
    assert train.flavor.code_packages() == listed
    with train.flavor.staged_code() as paths:
        assert sorted(Path(p).name for p in paths) == sorted(listed)
        assert all((Path(p) / "__init__.py").is_file() for p in paths)


def test_code_is_staged_without_package_data_or_bytecode(fake_packages, monkeypatch):
    import train.flavor

    _package(fake_packages, "wheelpkg", with_data=True)
    _package(fake_packages, "plainpkg", with_data=False)
    monkeypatch.setattr(train.flavor, "code_packages", lambda: ["wheelpkg", "plainpkg"])
    with train.flavor.staged_code() as paths:
        staged, plain = map(Path, paths)
        assert sorted(p.name for p in staged.iterdir()) == ["__init__.py", "model.py"]
        assert plain == fake_packages / "plainpkg"
    assert not staged.exists()
