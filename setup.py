"""Build hook: copy the demo corpus and the configs into the wheel, where an installed secnews finds them.

They stay where readers of the repository expect them (data/demo/, configs/); at build time they land in
`features/package_data/demo/` and `train/package_data/configs/`, which `features.bundled.resource_dir` reads
through importlib.resources. Editable installs copy nothing: they read the checkout's folders directly.
Everything else about the package is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# checkout folder → folder inside the built package (keep in step with features/bundled.py)
BUNDLES = {"data/demo": "features/package_data/demo", "configs": "train/package_data/configs"}


class BuildWithBundles(build_py):
    """build_py that also copies each checkout folder of BUNDLES into the build tree."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for source, target in BUNDLES.items():
            destination = Path(self.build_lib) / target
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(root / source, destination, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildWithBundles})
