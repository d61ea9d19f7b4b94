"""testimonycoder: offline, codebook-driven coding of trafficking-survivor testimonies."""

from testimonycoder.errors import (
    CodebookError,
    InputError,
    ModelError,
    OutputError,
    TestimonyCoderError,
)

__version__ = "0.1.0"

__all__ = [
    "CodebookError",
    "InputError",
    "ModelError",
    "OutputError",
    "TestimonyCoderError",
    "__version__",
]
