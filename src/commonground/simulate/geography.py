"""Real Essex geography (2011 LSOAs) and the place-name vocabulary built on it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

LSOA_FILE = "essex_lsoa_2011.csv"

# Postcode districts that cover each local authority (Epping Forest straddles CM and IG).
POSTCODE_DISTRICTS: dict[str, tuple[str, ...]] = {
    "Basildon": ("SS13", "SS14", "SS15", "SS16", "CM11", "CM12"),
    "Braintree": ("CM7", "CM8", "CM77", "CO9"),
    "Brentwood": ("CM13", "CM14", "CM15"),
    "Castle Point": ("SS7", "SS8"),
    "Chelmsford": ("CM1", "CM2", "CM3"),
    "Colchester": ("CO1", "CO2", "CO3", "CO4", "CO6"),
    "Epping Forest": ("CM16", "CM5", "IG10", "EN9"),
    "Harlow": ("CM17", "CM18", "CM19", "CM20"),
    "Maldon": ("CM9",),
    "Rochford": ("SS4", "SS5", "SS6"),
    "Southend-on-Sea UA": ("SS0", "SS1", "SS2", "SS3", "SS9"),
    "Tendring": ("CO11", "CO12", "CO13", "CO15", "CO16"),
    "Thurrock UA": ("RM15", "RM16", "RM17", "RM18", "RM20", "SS17"),
    "Uttlesford": ("CB10", "CB11", "CM6", "CM22"),
}

TOWNS: dict[str, tuple[str, ...]] = {
    "Basildon": ("Basildon", "Billericay", "Wickford"),
    "Braintree": ("Braintree", "Witham", "Halstead"),
    "Brentwood": ("Brentwood",),
    "Castle Point": ("Canvey Island", "Benfleet"),
    "Chelmsford": ("Chelmsford",),
    "Colchester": ("Colchester",),
    "Epping Forest": ("Epping", "Loughton", "Waltham Abbey"),
    "Harlow": ("Harlow",),
    "Maldon": ("Maldon", "Burnham-on-Crouch"),
    "Rochford": ("Rochford", "Rayleigh", "Hockley"),
    "Southend-on-Sea UA": ("Southend-on-Sea", "Westcliff-on-Sea", "Leigh-on-Sea"),
    "Tendring": ("Clacton-on-Sea", "Harwich", "Frinton-on-Sea"),
    "Thurrock UA": ("Grays", "Tilbury", "Stanford-le-Hope", "South Ockendon"),
    "Uttlesford": ("Saffron Walden", "Great Dunmow"),
}

STREET_WORDS = (
    "Acacia Alder Ash Aspen Beech Birch Bramble Cedar Chestnut Elm Hawthorn Hazel Holly Juniper "
    "Laurel Linden Maple Oak Poplar Rowan Willow Yew Meadow Orchard Mill Church Station Park "
    "Victoria Albert King Queen Princes Windsor York Brook River Marsh Heath Common Green Hill "
    "Manor Priory Abbey Castle Bridge Ferry Harbour Quay Wharf Forge Kiln Tannery Malting Barley "
    "Wheatfield Cornfield Hayfield Foxglove Primrose Bluebell Daffodil Lavender Rosemary Heather "
    "Kingfisher Heron Swallow Skylark Nightingale Falcon Kestrel Osprey Curlew Plover Avocet "
    "Constable Gainsborough Tennyson Shakespeare Chaucer Milton Darwin Newton Nelson Drake Raleigh "
    "Boleyn Tudor Stuart Saxon Roman Danbury Writtle Broomfield Galleywood Springfield Moulsham "
    "Prittle Thundersley Hadleigh Leigh Wivenhoe Mersea Tiptree Coggeshall Thaxted Dedham Ongar "
    "Roxwell Stock Ingatestone Mountnessing Hutton Shenfield Pitsea Vange Laindon Bowers Orsett "
    "Chafford Corringham Fobbing Horndon Bulphan Aveley Purfleet Stifford Chadwell Tilbury"
).split()

STREET_SUFFIXES = (
    "Road", "Street", "Avenue", "Close", "Lane", "Drive", "Way", "Gardens", "Crescent", "Grove",
    "Court", "Place", "Mews", "Rise", "View", "Walk",
)
STREET_SUFFIX_WEIGHTS = (20, 8, 10, 14, 9, 8, 8, 5, 4, 3, 3, 2, 2, 1, 1, 2)

COMMERCIAL_STREETS = ("High Street", "The Parade", "Market Place", "Broadway", "Station Approach")

# Letters the Royal Mail never uses in the inward code's unit letters.
UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


@dataclass(frozen=True)
class Lsoas:
    """The geography as numpy columns, indexed by LSOA position in the file."""

    code: np.ndarray
    lad_name: np.ndarray
    lad_code: np.ndarray
    msoa_code: np.ndarray
    easting: np.ndarray
    northing: np.ndarray
    persons: np.ndarray
    hectares: np.ndarray
    households: np.ndarray

    def __len__(self) -> int:
        return len(self.code)

    @property
    def density(self) -> np.ndarray:
        """Residents per hectare: the urban–rural gradient used by crime and migration."""
        density: np.ndarray = self.persons / np.maximum(self.hectares, 1)
        return density


def load_lsoas() -> pa.Table:
    """The 1,077 Essex LSOAs (2011) with centroids (BNG metres), population and area."""
    source = resources.files("commonground.simulate").joinpath("data", LSOA_FILE)
    with source.open("rb") as handle:
        table = pacsv.read_csv(handle)
    return table.sort_by("lsoa11cd")


@cache
def lsoa_arrays() -> Lsoas:
    table = load_lsoas()

    def col(name: str) -> np.ndarray:
        values: np.ndarray = table.column(name).to_numpy(zero_copy_only=False)
        return values

    return Lsoas(
        code=col("lsoa11cd").astype(str),
        lad_name=col("lad_name").astype(str),
        lad_code=col("lad_code").astype(str),
        msoa_code=col("msoa_code").astype(str),
        easting=col("bng_e").astype(np.float64),
        northing=col("bng_n").astype(np.float64),
        persons=col("persons_2011").astype(np.float64),
        hectares=col("hectares").astype(np.float64),
        households=col("households_2011").astype(np.float64),
    )


def msoa_choices(
    rng: np.random.Generator, lsoas: Lsoas, table: dict[str, tuple[str, ...]]
) -> np.ndarray:
    """Pick one entry per MSOA (so neighbouring LSOAs share a town or district), per LSOA."""
    msoas, first, inverse = np.unique(lsoas.msoa_code, return_index=True, return_inverse=True)
    picks = np.empty(len(msoas), dtype=object)
    for i, lsoa in enumerate(first):
        options = table[str(lsoas.lad_name[lsoa])]
        picks[i] = options[int(rng.integers(len(options)))]
    return picks[inverse].astype(str)
