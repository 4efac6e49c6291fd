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

# checkout folder → (folder inside the built package, files to copy); keep in step with features/bundled.py and
# MANIFEST.in. The demo corpus ships its top-level files (corpus, datasheet), not the tools in its subfolders.
BUNDLES = {"data/demo": ("features/package_data/demo", "*"), "configs": ("train/package_data/configs", "**/*")}


class BuildWithBundles(build_py):
    """build_py that also copies the files of each BUNDLES folder into the build tree."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for source, (target, pattern) in BUNDLES.items():
            destination = Path(self.build_lib) / target
            shutil.rmtree(destination, ignore_errors=True)
            for path in sorted((root / source).glob(pattern)):
                relative = path.relative_to(root / source)
                if path.is_file() and not any(part.startswith((".", "__pycache__")) for part in relative.parts):
                    (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination / relative)


setup(cmdclass={"build_py": BuildWithBundles})
