"""Typed errors raised by the library.

Every message names the place of the problem (file, line, document id or codebook path) and says how
to fix it. Only the CLI turns these into a one-line message and a non-zero exit.
"""


class TestimonyCoderError(Exception):
    """Base class of every error a user can cause and fix."""

    __test__ = False  # not a pytest test class despite the name


class CodebookError(TestimonyCoderError):
    """The codebook YAML is missing, malformed or inconsistent."""


class InputError(TestimonyCoderError):
    """An input file or folder cannot be read as documents or annotations."""


class ModelError(TestimonyCoderError):
    """A model directory is missing, tampered with, or built for another codebook."""


class OutputError(TestimonyCoderError):
    """An output path cannot be written (missing folder, permissions, would overwrite)."""
