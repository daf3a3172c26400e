"""Modern slavery risk lists for safeguarding visits.

A list ranks linked addresses by a calibrated score: the probability that an address looks
like the known cases (addresses where a first responder found a potential victim), with each
indicator's contribution and the partner whose data gave it. This package builds the lists
from every partner's records through the linked entity index (`build_risk_list`), measures
what each partner adds (`uplift_report`), and keeps, protects and serves the lists: saved
under an agreement for a purpose and for a few weeks only, read and exported only by the
parties to that agreement, explained address by address, and followed by the visits'
outcomes, which become the next model's labels.
A list holds four columns (address_id, rank, score, explanation) and never a name or date of
birth; the models never take nationality, ethnicity or sex.
"""

from commonground.insights.risk.build import build_risk_list, uplift_report
from commonground.insights.risk.card import card_markdown, model_card
from commonground.insights.risk.lists import (
    LOCATION_SOURCES,
    PURPOSE,
    ListExpired,
    explain_address,
    export_list,
    list_risk_lists,
    read_list,
    record_visit,
    save_list,
    visit_labels,
)
from commonground.insights.risk.records import OUTCOMES
from commonground.insights.risk.schema import COLUMNS, check_list, risk_table

__all__ = [
    "COLUMNS",
    "LOCATION_SOURCES",
    "OUTCOMES",
    "PURPOSE",
    "ListExpired",
    "build_risk_list",
    "card_markdown",
    "check_list",
    "explain_address",
    "export_list",
    "list_risk_lists",
    "model_card",
    "read_list",
    "record_visit",
    "risk_table",
    "save_list",
    "uplift_report",
    "visit_labels",
]
