"""Networks: addresses of concern tied together by the people, vehicles and businesses they
share, drawn from every partner's linked records (the POLE model police analysts use).

    from commonground.insights.networks import network_report, score_network
    report = network_report(hub, analyst, addresses=["A0000031", "A0000107"])
    report["clusters"][0]["people"]  # entity ids, never names
"""

from commonground.insights.networks.evaluate import score_network
from commonground.insights.networks.graph import (
    COUNTY_SOURCES,
    NetworkSources,
    build_graph,
    business_key,
    clusters,
)
from commonground.insights.networks.report import MAX_DEGREE, network_edges, network_report

__all__ = ["COUNTY_SOURCES", "MAX_DEGREE", "NetworkSources", "build_graph", "business_key",
           "clusters", "network_edges", "network_report", "score_network"]
