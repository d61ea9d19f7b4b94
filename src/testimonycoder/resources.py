"""Where the bundled codebook, gazetteer and default model live.

An installed wheel carries them under ``testimonycoder/_resources``; a source checkout (editable
install, tests) finds them at the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent.parent


def _resource(*parts: str) -> Path:
    installed = _PACKAGE_DIR.joinpath("_resources", *parts)
    if installed.exists():
        return installed
    return _REPO_ROOT.joinpath(*parts)


def default_codebook_path() -> Path:
    """Path of the default codebook shipped with the package."""
    return _resource("configs", "codebook.yaml")


def default_model_dir() -> Path:
    """Path of the default trained model shipped with the package (may not exist)."""
    return _resource("models", "default")


def config_path(name: str) -> Path:
    """Path of a file in the bundled ``configs/`` folder."""
    return _resource("configs", name)
