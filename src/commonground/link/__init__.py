"""Linkage: the same people and addresses across partners, on pseudonymised tokens.

Public API (each hub operation takes an actor and goes through governance):
`run_linkage`, `evaluate_hub`, `export`, `entity_index`, `pending_reviews`, `decide_review`,
`entity_locations`, `placed_records`, and, without a hub, `link_files` and `link_files_to_csv`
(with `file_options` for each file's id column and columns).
"""

from commonground.link.evaluate import score
from commonground.link.model import ADDRESS, PERSON, SPECS, ModelSpec
from commonground.link.places import entity_locations, placed_records
from commonground.link.resolve import Resolution, resolve
from commonground.link.review import decide_review, pending_reviews
from commonground.link.runs import entity_index, evaluate_hub, export, run_linkage
from commonground.link.standalone import (
    FileLinkage,
    FileOptions,
    file_options,
    link_files,
    link_files_to_csv,
)

__all__ = ["ADDRESS", "PERSON", "SPECS", "FileLinkage", "FileOptions", "ModelSpec",
           "Resolution", "decide_review", "entity_index", "entity_locations", "evaluate_hub",
           "export", "file_options", "link_files", "link_files_to_csv", "pending_reviews",
           "placed_records", "resolve", "run_linkage", "score"]
