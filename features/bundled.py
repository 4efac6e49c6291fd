"""Files shipped with secnews (the demo corpus, the configs): inside an installed wheel, or in the source checkout.

setup.py copies data/demo/ and configs/ into `features/package_data/demo/` and `train/package_data/configs/` of
the wheel; a checkout (and an editable install) reads the original folders, so edits there take effect at once.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def from_checkout() -> bool:
    """True when the code runs from its source tree (editable install, `make`), not from an installed wheel."""
    return (CHECKOUT / "pyproject.toml").is_file()


def resource_dir(package: str, name: str, checkout_path: str) -> Path:
    """`<package>/package_data/<name>` of an installed wheel, else `<checkout>/<checkout_path>` of the source tree."""
    packaged = resources.files(package) / "package_data" / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return CHECKOUT / checkout_path


def demo_dir() -> Path:
    """The folder holding the demo corpora and their DATASHEET.md."""
    return resource_dir("features", "demo", "data/demo")


def configs_dir() -> Path:
    """The folder holding the bundled configs (one folder per task)."""
    return resource_dir("train", "configs", "configs")
