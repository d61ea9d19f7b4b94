"""Audit: how far coders agree, where they differ, and which labels are probably wrong.

Functions take long-format annotations (a DataFrame ``doc_id, coder, code[, start, end,
status]``; conventions in :mod:`testimonycoder.audit.annotations`) and return DataFrames whose
columns their docstrings list. Which function answers which question:

* *How reliable is each code?* :func:`agreement_table` (percent agreement, Cohen's kappa per
  coder pair, Fleiss' kappa, Krippendorff's alpha with a bootstrap interval, a reliability
  label), per code at the document level and, with spans, at the character (segment) level.
* *Which coders agree with which?* :func:`pair_matrix` (mean kappa per pair of coders).
* *Where do the coders differ?* :func:`find_disagreements`, ranked for review.
* *How does the model compare with each human?* :func:`model_annotations` adds the model as
  coder ``"model"``; its pairs then appear in the tables above.
* *Which labels are probably wrong?* :func:`find_label_errors` (confident learning on
  out-of-fold probabilities) and :func:`rank_label_errors` (given the probabilities).
* *What should the gold set be?* :func:`adjudication_sheet` to decide, :func:`resolve` to merge.
* *Everything at once, as files:* :func:`run_audit` (``agreement.csv``, ``disagreements.csv``,
  ``report.html`` ...), and :func:`render_report` for the HTML alone.
"""

from testimonycoder.audit.adjudication import adjudication_base, adjudication_sheet, resolve
from testimonycoder.audit.agreement import (
    agreement_table,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pair_matrix,
    reliability_label,
)
from testimonycoder.audit.annotations import (
    character_labels,
    coverage,
    document_labels,
    normalise_annotations,
)
from testimonycoder.audit.disagreements import find_disagreements
from testimonycoder.audit.html import render_report
from testimonycoder.audit.inputs import read_annotations, read_texts
from testimonycoder.audit.label_errors import find_label_errors, rank_label_errors
from testimonycoder.audit.model_coder import model_annotations
from testimonycoder.audit.run import AuditResult, run_audit

__all__ = [
    "AuditResult",
    "adjudication_base",
    "adjudication_sheet",
    "agreement_table",
    "character_labels",
    "cohen_kappa",
    "coverage",
    "document_labels",
    "find_disagreements",
    "find_label_errors",
    "fleiss_kappa",
    "krippendorff_alpha",
    "model_annotations",
    "normalise_annotations",
    "pair_matrix",
    "rank_label_errors",
    "read_annotations",
    "read_texts",
    "reliability_label",
    "render_report",
    "resolve",
    "run_audit",
]
