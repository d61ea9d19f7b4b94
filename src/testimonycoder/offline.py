"""The offline guarantee: Hugging Face libraries are told to stay off the network.

testimonycoder itself never opens a connection. ``datasets`` and ``huggingface_hub`` can, so their
offline switches are set before they are imported, unless the user passes ``--allow-network``.
"""

from __future__ import annotations

import os

OFFLINE_VARS = (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_DISABLE_TELEMETRY",
)


def enforce_offline(*, allow_network: bool = False) -> None:
    """Set the Hugging Face offline variables (left as they are with ``allow_network``)."""
    if allow_network:
        return
    for name in OFFLINE_VARS:
        os.environ[name] = "1"
