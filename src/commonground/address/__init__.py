"""Addresses resolved to UPRNs against the councils' gazetteer (an LLPG, or AddressBase).

Public API, none of which needs a hub: `read_gazetteer` (a gazetteer file in the matcher's
form), `match_addresses` (addresses to UPRNs: an exact stage, then Splink), used at source by
`commonground contribute --local --gazetteer`, and `match_file`, the analyst's
`commonground address match`.

A room below `contribute`, which calls it on the partner's machine before pseudonymising;
`link` reads the UPRN tokens it leaves.
"""

from commonground.address.gazetteer import Gazetteer, gazetteer_from_table, read_gazetteer
from commonground.address.match import Matching, match_addresses
from commonground.address.standalone import match_file

__all__ = ["Gazetteer", "Matching", "gazetteer_from_table", "match_addresses", "match_file",
           "read_gazetteer"]
