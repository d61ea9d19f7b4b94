"""The offline guarantee: Hugging Face libraries are told to stay off the network.

testimonycoder itself never opens a connection (a test checks that no module imports a network
library). ``datasets`` and ``huggingface_hub`` can, so their offline switches are set before they
are imported, by the CLI for every command, unless the user passes ``--allow-network``.
"""

from __future__ import annotations

import os

OFFLINE_VARS = (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_DISABLE_TELEMETRY",
)

# The values these variables had before we set them, so --allow-network can restore them.
_saved: dict[str, str | None] = {}


def enforce_offline(*, allow_network: bool = False) -> None:
    """Set the Hugging Face offline variables; ``allow_network`` restores what the user had."""
    if allow_network:
        for name, value in _saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _saved.clear()
        return
    for name in OFFLINE_VARS:
        _saved.setdefault(name, os.environ.get(name))
        os.environ[name] = "1"
