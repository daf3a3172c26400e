"""A risk list's model card: ALGO-CARE for the force, an ATRS record for the public.

ALGO-CARE (Oswald, Grace, Urwin and Barnes, 2018) is the checklist UK police use for
algorithmic risk assessment: Advisory, Lawful, Granularity, Ownership, Challengeable,
Accuracy, Responsible, Explainable. The UK Algorithmic Transparency Recording Standard (ATRS)
has a Tier 1 overview for the public and a Tier 2 record for specialists, in five sections:
owner and responsibility; description and rationale (benefits, alternatives); the
decision-making process (human oversight, appeals); data (sources, sharing); risks,
mitigations and impact assessments. The card is filled from facts about one list; a fact
not given shows as "not recorded", so a gap is visible rather than papered over.

Facts (all optional except purpose): name, organisation, team, senior_responsible_owner,
contact_email, website, purpose, agreement, legal_bases, partners, datasets, indicators (names
or {"name", "partner", "description"}), model, cutoff, metrics, fairness, days (how long the
list may be used), k, benefits, alternatives, previous_process, impact_assessments (names),
risks ({"risk", "mitigation"}), phase, geographic_region.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from commonground.errors import InvalidInput

NOT_RECORDED = "not recorded"
SAFEGUARDING_ONLY = ("The list is for planning safeguarding visits by trained officers and "
                     "partner staff to offer help; it is not for enforcement, immigration "
                     "action, arrest, search or any decision about a person.")
NO_PROTECTED = ("The models never take nationality, ethnicity or sex, and a list holds no "
                "name or date of birth: only an address entity id, a rank, a score and the "
                "indicators that contributed.")
ALGO_CARE = ("Advisory", "Lawful", "Granularity", "Ownership", "Challengeable", "Accuracy",
             "Responsible", "Explainable")
STANDARD_RISKS = (
    {"risk": "Over-policing of areas or communities already well recorded by agencies",
     "mitigation": "Visits are safeguarding visits offering help; fairness across areas is "
                   "measured and reported with every list; indicators come from several "
                   "partners, not police records alone."},
    {"risk": "A visit is mistaken for suspicion of the occupants",
     "mitigation": SAFEGUARDING_ONLY},
    {"risk": "A stale list is acted on after circumstances change",
     "mitigation": "Each list expires and is then refused to everyone, with the refusal "
                   "audited; a new list is built from current data."},
    {"risk": "Personal data leaks through the list or its exports",
     "mitigation": NO_PROTECTED + " Every read and export is checked against the data "
                   "sharing agreement and written to a tamper-evident audit log."},
)


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return NOT_RECORDED
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _indicators(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    found = []
    for item in facts.get("indicators") or ():
        if isinstance(item, Mapping):
            found.append({"name": str(item.get("name", "")),
                          "partner": str(item.get("partner", "")),
                          "description": str(item.get("description", ""))})
        else:
            found.append({"name": str(item), "partner": "", "description": ""})
    return found


def _partners(facts: Mapping[str, Any]) -> str:
    partners = facts.get("partners")
    if isinstance(partners, Mapping):
        return ", ".join(f"{name} ({slug})" for slug, name in sorted(partners.items()))
    return _text(sorted(partners) if partners else None)


def _algo_care(f: Mapping[str, Any], indicators: str, partners: str) -> dict[str, str]:
    days = f.get("days")
    team = f" ({f['team']})" if f.get("team") else ""
    return {
        "Advisory": "The list advises where to offer safeguarding visits first; officers and "
                    "partner staff decide whether and how to visit. " + SAFEGUARDING_ONLY,
        "Lawful": f"Purpose '{f['purpose']}' under data sharing agreement "
                  f"{_text(f.get('agreement'))}; legal bases: {_text(f.get('legal_bases'))}. "
                  "Each partner's data is read only as that agreement allows, and every read "
                  "is audited.",
        "Granularity": f"One row per linked address (an entity id, never an address or a "
                       f"person); {_text(f.get('k'))} addresses; data up to "
                       f"{_text(f.get('cutoff'))}. " + NO_PROTECTED,
        "Ownership": f"Built by {_text(f.get('organisation'))}{team}; senior responsible "
                     f"owner {_text(f.get('senior_responsible_owner'))}. The partnership "
                     f"hub's code is open source; data from {partners}.",
        "Challengeable": "Every address's rank comes with each indicator's contribution and "
                         "the partner it came from; the model card and this record are "
                         "published, and visit outcomes are recorded and feed back.",
        "Accuracy": f"Validation on data after the cutoff: {_text(f.get('metrics'))}. "
                    f"Fairness: {_text(f.get('fairness'))}.",
        "Responsible": f"The list expires after {_text(days)} days and is then refused to "
                       "everyone; only parties to the agreement may read it; reads, exports "
                       "and refusals are in a hash-chained audit log.",
        "Explainable": f"Model: {_text(f.get('model'))}. Indicators: {indicators}. Each "
                       "address carries its indicators' contributions, largest first.",
    }


def _tier_2(f: Mapping[str, Any], indicators: str, partners: str) -> dict[str, Any]:
    risks = [*(f.get("risks") or ()), *STANDARD_RISKS]
    return {
        "owner_and_responsibility": {
            "organisation": _text(f.get("organisation")), "team": _text(f.get("team")),
            "senior_responsible_owner": _text(f.get("senior_responsible_owner")),
            "external_supplier": "none: built on the partnership's open-source hub"},
        "description_and_rationale": {
            "detailed_description": f"A model ({_text(f.get('model'))}) scores linked "
                                    "addresses on "
                                    f"indicators ({indicators}) from partners' records up to "
                                    f"{_text(f.get('cutoff'))}; the scores are calibrated "
                                    "probabilities and the top addresses form the list.",
            "scope": "Addresses in the partnership's area, for safeguarding visits against "
                     "modern slavery and exploitation. " + SAFEGUARDING_ONLY,
            "benefit": _text(f.get("benefits")),
            "previous_process": _text(f.get("previous_process")),
            "alternatives_considered": _text(f.get("alternatives"))},
        "decision_making_process": {
            "process_integration": "The list informs which addresses a safeguarding team "
                                   "visits first; it makes no decision about anyone.",
            "provided_information": "address entity id, rank, score, and each indicator's "
                                    "contribution with its partner",
            "frequency_and_scale_of_usage": f"{_text(f.get('k'))} addresses per list; each "
                                            f"list usable for {_text(f.get('days'))} days",
            "human_decisions_and_review": "Trained staff decide whether to visit and what "
                                          "help to offer; outcomes (concern found, no "
                                          "concern, no access) are recorded and reviewed.",
            "required_training": "Safeguarding and modern slavery awareness; reading the "
                                 "explanation of a score.",
            "appeals_and_review": "A person or partner may challenge a visit through the "
                                  "force's and partners' complaints routes; the list's "
                                  "explanation and audit trail support the review."},
        "data": {
            "source_data_name": _text(f.get("datasets")),
            "data_description": f"Partners' records linked by address: {partners}",
            "sensitive_attributes": NO_PROTECTED,
            "data_completeness_and_representativeness": _text(f.get("fairness")),
            "data_sharing": f"Under data sharing agreement {_text(f.get('agreement'))} for "
                            f"the purpose '{f['purpose']}'; only its parties may read a "
                            "list.",
            "data_access_and_storage": "Lists are kept in the partnership hub, readable by "
                                       "the agreement's analysts and governance leads, and "
                                       "refused to everyone once expired."},
        "risks_mitigations_and_impact_assessments": {
            "impact_assessments": [str(a) for a in f.get("impact_assessments") or ()]
            or [NOT_RECORDED],
            "risks": [{"risk_name": str(r["risk"]), "risk_mitigation": str(r["mitigation"])}
                      for r in risks]},
    }


def model_card(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The card as plain JSON: the facts, ALGO-CARE's eight headings and an ATRS record."""
    if not facts.get("purpose"):
        raise InvalidInput("a model card needs the purpose the list is for")
    f = json.loads(json.dumps(dict(facts), default=str))
    indicator_list = _indicators(f)
    indicators = ", ".join(i["name"] + (f" ({i['partner']})" if i["partner"] else "")
                           for i in indicator_list) or NOT_RECORDED
    partners = _partners(f)
    name = str(f.get("name") or "Modern slavery safeguarding risk list")
    return {
        "name": name,
        "facts": {**f, "indicators": indicator_list},
        "statements": {"use": SAFEGUARDING_ONLY, "protected_characteristics": NO_PROTECTED},
        "algo_care": _algo_care(f, indicators, partners),
        "atrs": {
            "tier_1": {
                "name": name,
                "description": "Ranks linked addresses where a safeguarding visit is most "
                               "likely to find someone being exploited, so that help reaches "
                               "them sooner. " + SAFEGUARDING_ONLY,
                "website": _text(f.get("website")),
                "contact_email": _text(f.get("contact_email")),
                "organisation": _text(f.get("organisation")),
                "function": "Policing and safeguarding",
                "phase": str(f.get("phase") or "Beta/Pilot"),
                "geographic_region": _text(f.get("geographic_region")),
                "purpose": str(f["purpose"]),
            },
            "tier_2": _tier_2(f, indicators, partners),
        },
    }


def _title(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _section(lines: list[str], fields: Mapping[str, Any]) -> None:
    for key, value in fields.items():
        if isinstance(value, Sequence) and not isinstance(value, str):
            lines.append(f"- **{_title(key)}**:")
            for item in value:
                shown = (" — ".join(str(v) for v in item.values())
                         if isinstance(item, Mapping) else str(item))
                lines.append(f"  - {shown}")
        else:
            lines.append(f"- **{_title(key)}**: {value}")


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card for people: ALGO-CARE, then the ATRS record's two tiers, as Markdown."""
    lines = [f"# {card['name']}", "", f"> {card['statements']['use']}",
             f"> {card['statements']['protected_characteristics']}", "", "## ALGO-CARE", ""]
    for heading in ALGO_CARE:
        lines += [f"**{heading}.** {card['algo_care'][heading]}", ""]
    lines += ["## Algorithmic Transparency Record", "", "### Tier 1", ""]
    _section(lines, card["atrs"]["tier_1"])
    lines += ["", "### Tier 2"]
    for section, fields in card["atrs"]["tier_2"].items():
        lines += ["", f"#### {_title(section)}", ""]
        _section(lines, fields)
    return "\n".join(lines) + "\n"
