"""A demo hub the web app can take uploads into: a copy with a partnership key of its own.

The prebuilt demo hub comes without the partners' folder (where the demo keeps the key), so a
copy is given a new key, the hub is told to trust it, and $COMMONGROUND_KEY_FILE names it:
the web app pseudonymises uploads with the key that variable names.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import update

from commonground.contribute import create_key
from commonground.contribute.submit import KEY_FINGERPRINT
from commonground.store import HubSetting, open_hub

DATASET = "county_council/trading_standards"
# Rows 2, 3 and 4 are wrong: an impossible date, a missing case number (required) and a
# postcode that is not one (an identifier: its value is withheld from the hub).
BAD_CSV = """Case No,Date Opened,Business Name,Trader Name,Premises Address,Postcode,Category
TS-9001,03/04/2025,Acme Traders,John Smith,1 High Street Chelmsford,CM1 1AA,Counterfeit goods
TS-9002,45/13/2025,Bright Nails,Jane Doe,2 Low Road Chelmsford,CM2 6BB,Labour exploitation
,05/04/2025,Shiny Car Wash,Sam Lee,3 Mill Lane Chelmsford,CM3 3CC,Unsafe premises
TS-9004,06/04/2025,Fresh Foods,Ann Bee,4 Park Road Chelmsford,NOTAPOSTCODE,Food hygiene
TS-9005,07/04/2025,Corner Shop,Raj Patel,5 Church Street Chelmsford,CM1 2BB,Underage sales
"""


def keyed_copy(source: Path, target: Path) -> Path:
    """Copy the hub at `source` to `target`, give it a new partnership key; the key's file."""
    shutil.copytree(source, target)
    key = create_key(target.parent / f"{target.name}-partnership.key")
    hub = open_hub(target)
    try:
        with hub.sessions().begin() as session:
            session.execute(update(HubSetting).where(HubSetting.name == KEY_FINGERPRINT)
                            .values(value=key.fingerprint))
    finally:
        hub.close()
    return target.parent / f"{target.name}-partnership.key"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def keyed_server(demo_hub: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    """A real server over a keyed copy of the demo hub, with $COMMONGROUND_KEY_FILE set for
    as long as it runs: (its address, the copy's folder)."""
    from tests.browser.conftest import serve

    hub = folder / "hub"
    key = keyed_copy(demo_hub, hub)
    earlier = os.environ.get("COMMONGROUND_KEY_FILE")
    os.environ["COMMONGROUND_KEY_FILE"] = str(key)
    try:
        for address in serve(hub):
            yield address, hub
    finally:
        if earlier is None:
            os.environ.pop("COMMONGROUND_KEY_FILE", None)
        else:
            os.environ["COMMONGROUND_KEY_FILE"] = earlier
