"""Linkage: the same people and addresses across partners, on pseudonymised tokens.

Public API (each hub operation takes an actor and goes through governance):
`run_linkage`, `evaluate_hub`, `export`, `entity_index`, `review.pending`, `review.decide`,
and, without a hub, `link_files`.
"""

from commonground.link import review
from commonground.link.evaluate import score
from commonground.link.model import ADDRESS, PERSON, SPECS, ModelSpec
from commonground.link.resolve import Resolution, resolve
from commonground.link.runs import entity_index, evaluate_hub, export, run_linkage
from commonground.link.standalone import FileLinkage, link_files

__all__ = ["ADDRESS", "PERSON", "SPECS", "FileLinkage", "ModelSpec", "Resolution",
           "entity_index", "evaluate_hub", "export", "link_files", "resolve", "review",
           "run_linkage", "score"]
