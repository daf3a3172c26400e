"""Name frequency lists per community, and the variants real records carry.

Lists are ordered from common to rare; draws use a Zipf-like weight on the rank. How common
the commonest names are decides how often two people share a name, so the curves follow
real ones rather than a steep Zipf over a short list (which made Smith one person in eight
and gave nine people in ten a namesake in a 50,000-person county):
- Smith, the commonest surname in England and Wales, is about one person in eighty, and
  half of all people have a surname outside the top six hundred or so. British surnames follow
  the real curve of bearers per million by rank (`GB_SURNAME_CURVE`): the named list takes
  the top ranks and generated surnames of British shape fill the ranks after it
  (`_surname_tail`), so that in a 50,000-person county the median person's surname has
  some fifteen bearers, as in life (a short flat tail once gave it thirty, and linkage had
  few rare surnames to go on). Other communities' named lists take a share of the draws
  (`SURNAME_HEAD`) and a flat tail of their shape the rest. Vietnamese surnames really are
  few (Nguyen alone is about two in five), so that list has no tail.
- The commonest forenames across all ages are a few per cent of their sex each: forename
  lists are long and drawn on a flat curve (`FORENAME_EXPONENT`).
All names live in one spelling table so that noise works on integer indices until the
moment a record is written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

COMMUNITIES = (
    "british", "polish", "romanian", "lithuanian", "nigerian", "bulgarian", "albanian",
    "vietnamese",
)
# Roughly Essex-like shares (Census 2011/2021 order of magnitude, migrant groups grown since).
COMMUNITY_SHARES = (0.87, 0.03, 0.03, 0.015, 0.02, 0.01, 0.01, 0.015)
NATIONALITY = {
    "british": "British", "polish": "Polish", "romanian": "Romanian",
    "lithuanian": "Lithuanian", "nigerian": "Nigerian", "bulgarian": "Bulgarian",
    "albanian": "Albanian", "vietnamese": "Vietnamese",
}

MALE = {
    "british": """Oliver George Harry Jack James William Thomas Charlie Joshua Daniel David John
        Michael Paul Mark Andrew Richard Robert Peter Stephen Christopher Matthew Anthony Steven
        Gary Ian Kevin Lee Jamie Ryan Samuel Benjamin Alexander Edward Joseph Luke Adam Jacob
        Alfie Leo Freddie Archie Henry Liam Connor Callum Kieran Nathan Dean Craig Shaun Brian
        Keith Alan Colin Graham Terence Raymond Kenneth Dennis Roy Frederick Albert Ronald
        Nicholas Timothy Philip Simon Jonathan Neil Martin Carl Darren Jason Wayne Scott Stuart
        Gavin Barry Derek Trevor Malcolm Gordon Douglas Stanley Arthur Ernest Harold Leonard
        Walter Norman Eric Geoffrey Howard Clive Russell Adrian Julian Rupert Hugh Giles Toby
        Oscar Theo Noah Ethan Mason Logan Lucas Max Finley Reuben Sebastian Elliot Louis Dylan
        Tyler Bradley Jordan Aaron Owen Rhys Lewis Harvey Jake Joe Billy Tommy Ronnie Frankie
        Albie Arlo Rory Ellis Jude Felix Hugo Jasper Ralph Vincent Victor Roger Bernard
        Cyril Leslie Sidney Percy Gerald Nigel Duncan Fraser Ross Glen Warren Lloyd Marcus
        Dominic Gregory Patrick Francis Frank Joel Elijah Isaac Harrison Tristan""",
    "polish": """Jakub Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Łukasz Wojciech
        Mateusz Kacper Adam Marek Grzegorz Jan Dawid Rafał Bartosz Przemysław Szymon Kamil""",
    "romanian": """Andrei Alexandru Ion Mihai Gheorghe Constantin Vasile Ştefan Florin Marian
        Adrian Ionuţ Cristian Bogdan Daniel Nicolae Gabriel Răzvan Dumitru Cătălin Sorin
        Iulian""",
    "lithuanian": """Jonas Tomas Mantas Darius Lukas Andrius Paulius Marius Vytautas Giedrius
        Rokas Mindaugas Saulius Audrius Dovydas Žygimantas Kęstutis Tadas""",
    "nigerian": """Chukwuemeka Oluwaseun Adebayo Ibrahim Emeka Olumide Tunde Chinedu Babatunde
        Oluwadamilare Segun Ifeanyi Obinna Kelechi Musa Yusuf Daniel Samuel David Michael""",
    "bulgarian": """Georgi Ivan Dimitar Nikolay Petar Hristo Stoyan Todor Yordan Vasil Stefan
        Krasimir Plamen Martin Aleksandar Kaloyan Boris Atanas""",
    "albanian": """Arben Dritan Gjergj Ilir Besnik Fatmir Blerim Erion Klodian Gentian Altin
        Ardit Endrit Elton Artan Kreshnik Ermal Mirel Sokol Florian""",
    "vietnamese": """Minh Anh Dũng Hùng Tuấn Nam Đức Quang Thanh Hải Long Huy Phúc Khánh Sơn
        Tùng Việt Bảo Trung Hiếu""",
}

FEMALE = {
    "british": """Olivia Amelia Isla Ava Emily Sophie Grace Lily Jessica Charlotte Sarah Emma
        Laura Rebecca Hannah Lucy Katherine Elizabeth Margaret Susan Patricia Jennifer Karen
        Helen Claire Nicola Michelle Joanne Julie Deborah Tracey Amanda Samantha Victoria Rachel
        Louise Gemma Kelly Donna Jacqueline Christine Janet Pauline Jean Barbara Dorothy Joan
        Sandra Valerie Catherine Abigail Chloe Megan Ella Poppy Freya Mia Evie Jade Natalie Zoe
        Alexandra Jane Anne Mary Carol Linda Gillian Alison Kathleen Sheila Brenda Shirley Joyce
        Doris Irene Eileen Maureen Beryl Marion Iris Vera Elsie Edna Ivy Rita Wendy Denise Lesley
        Carole Yvonne Diane Hazel Heather Julia Fiona Kirsty Lisa Kerry Leanne Stacey Danielle
        Kayleigh Hayley Amy Holly Bethany Katie Eleanor Harriet Imogen Phoebe Ruby Scarlett
        Matilda Florence Rosie Daisy Millie Layla Esme Willow Maisie Sienna Erin
        Georgia Molly Lauren Naomi Esther Ruth Judith Rosemary Angela Teresa Caroline
        Frances Penelope Joanna Lydia Miriam Annabel Beatrice Clara Edith Violet Alice
        Anna Jasmine Tilly Lola Nancy Elsa Hollie Courtney Chelsea Paige Shannon Abbie""",
    "polish": """Anna Katarzyna Małgorzata Agnieszka Aleksandra Joanna Magdalena Monika Ewa
        Natalia Zuzanna Justyna Karolina Dorota Beata Paulina Marta Barbara Weronika Agata""",
    "romanian": """Maria Elena Ioana Andreea Ana Mihaela Alexandra Cristina Gabriela Florentina
        Georgiana Alina Ionela Nicoleta Roxana Daniela Simona Ramona Larisa Bianca""",
    "lithuanian": """Rūta Jurgita Aušra Indrė Kristina Lina Greta Eglė Vaida Ieva Simona Agnė
        Rasa Inga Laura Gintarė Milda""",
    "nigerian": """Chiamaka Ngozi Oluwakemi Adaeze Funmilayo Folake Blessing Precious Chioma
        Nneka Aisha Fatima Yetunde Temitope Amaka Grace Esther Ifeoma""",
    "bulgarian": """Maria Ivanka Elena Yordanka Petya Desislava Gergana Svetla Tsvetelina Radka
        Mariya Nadezhda Viktoria Galina Teodora Silviya""",
    "albanian": """Elira Blerina Arta Jonida Mirela Anila Fatjona Klea Ermira Dorina Alketa
        Eralda Rezarta Valbona Erjona""",
    "vietnamese": """Linh Hương Lan Mai Ngọc Thảo Trang Hà Thu Hằng Phương Nga Yến Vy Hoa Thủy
        Nhung Huyền""",
}

SURNAMES = {
    "british": """Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright
        Thompson Evans Walker White Roberts Green Hall Wood Jackson Clarke Harris Lewis Martin
        Cooper King Baker Turner Hill Ward Morris Moore Clark Lee Allen Harrison Young Mitchell
        Scott Watson Edwards Hughes Bennett Cook Carter Phillips Parker Bailey Collins Bell Shaw
        Murphy Miller Cox Richardson Marshall Howard Adams Foster Chapman Mason Webb Rogers Gray
        Hunt Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens
        Jenkins Dixon Fletcher Payne Pearce Hudson Kelly Grant Ellis Matthews Dawson Kemp Fox
        Spencer Ford Gibson Saunders Watts Page Lane Day Cole Hart Reynolds Pearson Fuller
        Archer Cross Wells Harvey Ball Jarvis Porter Sutton Barrett Chambers Lambert Bishop
        O'Brien McDonald""",
    "polish": """Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński
        Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski
        Grabowski Nowakowski Pawłowski Michalski Król Wieczorek Jabłoński""",
    "romanian": """Popescu Popa Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Ionescu Rusu
        Munteanu Constantin Mihai Lazăr Moldovan Şerban Tănase Niţă Dinu Ştefănescu Răducanu
        Vasilescu Bălan Florea Marin Toma""",
    "lithuanian": """Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas Butkus
        Paulauskas Urbonas Kavaliauskas Navickas Ramanauskas Savickas Rimkus Baranauskas
        Šimkus""",
    "nigerian": """Okafor Adeyemi Okonkwo Balogun Eze Ogunleye Nwosu Adewale Olawale Obi Chukwu
        Afolabi Bello Okoro Ogunbiyi Akinola Oyelaran Ibrahim Abubakar Onyeka""",
    "bulgarian": """Ivanov Georgiev Dimitrov Petrov Nikolov Hristov Stoyanov Todorov Iliev
        Vasilev Atanasov Petkov Angelov Kolev Yordanov Marinov Popov Stefanov""",
    "albanian": """Hoxha Shehu Çela Leka Gjoka Krasniqi Berisha Gashi Dervishi Marku Kola Prifti
        Basha Lika Muça Hysa Bajrami Xhafa Doçi Meta Gjoni Rama Duka Kelmendi""",
    "vietnamese": """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh
        Trịnh Lâm Mai""",
}

# Nicknames and transliteration/spelling variants a clerk or a form may record instead.
VARIANTS: dict[str, str] = {
    # English nicknames and spellings
    "Robert": "Bob Rob Bobby", "William": "Bill Will Billy", "Elizabeth": "Liz Beth Lizzie",
    "Katherine": "Kate Kathy Catherine", "Catherine": "Cathy Kate Katherine",
    "Margaret": "Maggie Peggy", "Richard": "Rick Dick Richie", "James": "Jim Jimmy Jamie",
    "John": "Jack Johnny", "Michael": "Mike Mick", "Anthony": "Tony Antony",
    "Christopher": "Chris", "Daniel": "Dan Danny", "David": "Dave", "Thomas": "Tom Tommy",
    "Joseph": "Joe", "Benjamin": "Ben", "Samuel": "Sam", "Alexander": "Alex",
    "Edward": "Ed Eddie Ted", "Stephen": "Steve Steven", "Steven": "Steve Stephen",
    "Matthew": "Matt", "Andrew": "Andy Drew", "Nicholas": "Nick", "Timothy": "Tim",
    "Jonathan": "Jon Jonny", "Kenneth": "Ken Kenny", "Frederick": "Fred Freddie",
    "Albert": "Bert Albie", "Ronald": "Ron Ronnie", "Terence": "Terry", "Raymond": "Ray",
    "Philip": "Phil Phillip", "Peter": "Pete", "Samantha": "Sam Sammy",
    "Victoria": "Vicky Tori", "Rebecca": "Becky Becca", "Jennifer": "Jenny Jen",
    "Patricia": "Pat Trish", "Susan": "Sue Susie", "Deborah": "Debbie Debra",
    "Jacqueline": "Jackie", "Christine": "Chris Chrissie", "Dorothy": "Dot Dottie",
    "Abigail": "Abi Abby", "Alexandra": "Alex Lexi Ola", "Nicola": "Nicky Nikki",
    "Amanda": "Mandy", "Gillian": "Jill Gill", "Valerie": "Val", "Joanne": "Jo",
    "Louise": "Lou", "Jessica": "Jess", "Charlotte": "Charlie Lottie", "Natalie": "Nat",
    "Zoe": "Zoë", "Gemma": "Jemma", "Rachel": "Rachael", "Sarah": "Sara", "Hannah": "Hanna",
    "Callum": "Calum", "Connor": "Conor", "Lee": "Leigh", "Shaun": "Sean Shawn", "Mark": "Marc",
    "Alan": "Allan Allen", "Graham": "Graeme", "Brian": "Bryan", "Kieran": "Ciaran",
    "Neil": "Neal", "Clarke": "Clark", "Thompson": "Thomson", "Davies": "Davis",
    "Matthews": "Mathews", "McDonald": "MacDonald Mcdonald", "O'Brien": "OBrien O Brien",
    # Polish
    "Wojciech": "Voytek Wojtek", "Łukasz": "Lucas Lukas", "Paweł": "Paul",
    "Michał": "Michael", "Przemysław": "Przemek", "Krzysztof": "Krzysiek Christopher Kristof",
    "Grzegorz": "Greg Grzesiek", "Piotr": "Peter Piotrek", "Jakub": "Kuba Jacob",
    "Tomasz": "Tomek Thomas", "Aleksandra": "Ola Alexandra", "Małgorzata": "Gosia Margaret",
    "Katarzyna": "Kasia Katherine", "Agnieszka": "Agnes Aga", "Magdalena": "Magda",
    "Joanna": "Asia", "Dorota": "Dorothy", "Dąbrowski": "Dombrowski",
    "Szymański": "Shimanski", "Kowalski": "Kovalski",
    # Romanian (cedilla vs comma-below is a real source of mismatches)
    "Ştefan": "Ștefan Stephan", "Mihai": "Mihail Michael", "Ion": "Ioan John",
    "Gheorghe": "George Gheorge", "Ionuţ": "Ionuț", "Alexandru": "Alexander Alex",
    "Nicolae": "Nicolai Nicholas", "Vasile": "Vasilie", "Constantin": "Costin Costel",
    "Andreea": "Andrea", "Ioana": "Joanna", "Mihaela": "Michaela", "Şerban": "Șerban",
    "Niţă": "Niță", "Ştefănescu": "Ștefănescu", "Popescu": "Popesku",
    # Albanian (definite forms with -i, Ç/Xh spellings)
    "Gjergj": "Gjergji George Gjergi", "Dritan": "Dritani", "Arben": "Arbeni",
    "Ilir": "Iliri", "Besnik": "Besniku", "Çela": "Chela Qela", "Muça": "Mucha",
    "Hoxha": "Hoxa Hodja", "Krasniqi": "Krasnici", "Xhafa": "Xafa Jafa", "Gjoka": "Gjokaj",
    "Gjoni": "Gjon", "Ermal": "Ermali", "Sokol": "Sokoli", "Klodian": "Klodjan",
    "Gentian": "Genti", "Fatmir": "Fatmiri", "Kreshnik": "Kreshniku", "Fatjona": "Fationa",
    # Vietnamese (beyond plain diacritic stripping)
    "Nguyễn": "Nguyen Ngyuen Nguen", "Phạm": "Pham Fam", "Huỳnh": "Huynh Hyunh",
    "Vũ": "Vu Voo", "Lý": "Ly Lee", "Trần": "Tran Chan", "Hoàng": "Hoang Huang",
    "Minh": "Min", "Anh": "An",
    # Lithuanian
    "Vytautas": "Vytas", "Jonas": "John", "Tomas": "Thomas", "Dovydas": "David",
    "Andrius": "Andrew", "Paulius": "Paul",
    # Bulgarian transliterations
    "Georgi": "Georgy George", "Dimitar": "Dimitur Dimitri", "Nikolay": "Nikolai Nicolay",
    "Petar": "Peter Petur", "Hristo": "Christo Khristo", "Yordan": "Jordan Iordan",
    "Todor": "Teodor", "Stoyan": "Stoian", "Aleksandar": "Alexander Aleksander",
    "Kaloyan": "Kaloian", "Yordanka": "Jordanka", "Tsvetelina": "Cvetelina Tsveti",
    "Mariya": "Maria", "Silviya": "Silvia", "Viktoria": "Victoria", "Hristov": "Christov",
    "Yordanov": "Jordanov Iordanov", "Stoyanov": "Stoianov", "Vasilev": "Vassilev",
    # Nigerian short forms
    "Chukwuemeka": "Emeka Chukwuma", "Oluwaseun": "Seun", "Oluwadamilare": "Dami Damilare",
    "Babatunde": "Tunde", "Olumide": "Mide", "Oluwakemi": "Kemi", "Funmilayo": "Funmi",
    "Folake": "Folakemi", "Adebayo": "Bayo", "Temitope": "Tope", "Yetunde": "Yetty",
    "Chinedu": "Nedu", "Ifeoma": "Ify", "Chiamaka": "Amaka", "Okonkwo": "Okonko",
    "Adeyemi": "Adeyimi", "Abubakar": "Abubakr", "Ibrahim": "Ebrahim", "Yusuf": "Yusuff",
    "Musa": "Moses",
}


def feminine_surname(name: str, community: str) -> str:
    """Slavic and Baltic surnames change with sex; records often get this wrong."""
    if community == "polish":
        for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
            if name.endswith(male):
                return name[: -len(male)] + female
    if community == "bulgarian" and name.endswith(("ov", "ev")):
        return name + "a"
    if community == "lithuanian":
        for ending in ("ius", "as", "us", "is"):
            if name.endswith(ending):
                return name[: -len(ending)] + "ienė"
    return name


def strip_diacritics(name: str) -> str:
    special = str.maketrans({"Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "ß": "ss"})
    decomposed = unicodedata.normalize("NFKD", name.translate(special))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class NameTable:
    """All spellings, with per-community draw lists and per-spelling variant lists (CSR)."""

    spellings: np.ndarray  # StringDType-compatible str array
    stripped: np.ndarray  # index of the diacritic-free spelling (self if none)
    feminine: np.ndarray  # index of the feminine surname form (self if none)
    variant_start: np.ndarray
    variant_count: np.ndarray
    variant_flat: np.ndarray
    male: dict[int, tuple[np.ndarray, np.ndarray]]  # community → (indices, cumulative p)
    female: dict[int, tuple[np.ndarray, np.ndarray]]
    surname: dict[int, tuple[np.ndarray, np.ndarray]]

    def draw(
        self, rng: np.random.Generator, lists: dict[int, tuple[np.ndarray, np.ndarray]],
        community: np.ndarray,
    ) -> np.ndarray:
        """One name index per row, from the row's community list (loop over communities)."""
        out = np.empty(len(community), dtype=np.int32)
        for code, (indices, cumulative) in lists.items():
            rows = np.flatnonzero(community == code)
            picks = np.searchsorted(cumulative, rng.random(len(rows)), side="right")
            out[rows] = indices[np.minimum(picks, len(indices) - 1)]
        return out


FORENAME_EXPONENT = 0.5
SURNAME_EXPONENT = 0.6
# Share of each community's surnames drawn from its named list; the rest from its tail.
SURNAME_HEAD = {"polish": 0.3, "romanian": 0.4, "lithuanian": 0.3,
                "nigerian": 0.4, "bulgarian": 0.4, "albanian": 0.4, "vietnamese": 1.0}
# Surname parts by community (stems, endings): their products are the generated tails.
_TAIL_PARTS = {
    "british": ("""Ash Black Brad Bram Brook Bur Cal Chad Clay Cran Dal Dun Earl Elm Fair Fen
        Gold Green Hart Hay Hol Kings Lang Mar Mid Mor New Nor Oak Pen Ram Red Rid Sal Sand
        Shel Stan Stock Sum Sut Thorn Wal Wat West Whit Wil Win Wor Hamp Ather Bar Bent Brom
        Cart Dray Fox Hods Pick Ross Spar Tuck""",
                 """ley ton well worth ford field by combe ham hurst wood more land stone brook dale
        gate ridge wick croft thorpe shaw"""),
    "polish": ("""Bar Bie Cich Dud Gór Jas Kal Lis Mak Nie Ost Pie Rut Sob Tar Wal Zaw Brz
        Chm Gaj Kub Lip Mich Pod Sad Wit Żar Kros Lech Mił""",
               """owski ewski czyk ak ek iński ecki"""),
    "romanian": ("""Alb Bad Bog Cios Dobr Flor Gav Ior Lup Man Nic Opr Pet Rom Sav Tud Vlad Zam
        Bran Cost Dim Gri Mus Pal""", """escu eanu aru ache an"""),
    "lithuanian": ("""Bal Dom Gud Jur Kaz Mar Nor Pet Rim Sak Tam Vait Zab Ged Lauk Mik Stas""",
                   """auskas aitis enas ius ūnas"""),
    "nigerian": ("""Ade Olu Oke Chi Nwa Ogun Akin Oye Ola Eze Oba Ibe""",
                 """kunle yemi for wale bayo tola nna mide du sanya kanmi"""),
    "bulgarian": ("""Ang Bon Dan Gan Kir Lyub Mlad Ned Ognyan Rad Slav Tsan Velich Zhel Bor
        Mit Pan Val""", """ov ev inov chev"""),
    "albanian": ("""Ber Dem Gjin Hal Ism Kur Lul Mer Nez Qer Sel Tah Zen Bek Fer Kas""",
                 """aj i a ku ushi"""),
}


# Bearers per million of the surname at some ranks in Great Britain: Smith and the tenth and
# twenty-second names from the 1996 electoral register, the rest from the GB surname profiler
# (UCL, 1998 register; e.g. Allen 49th 2,082, Burton 128th 942, York 1,318th 146, Came
# 16,554th 5). Ranks between are interpolated on log-log axes.
GB_SURNAME_CURVE = ((1, 12_000), (3, 6_200), (10, 3_200), (22, 2_600), (49, 2_082),
                    (93, 1_294), (128, 942), (390, 420), (746, 217), (1_318, 146),
                    (1_942, 86), (2_534, 63), (3_680, 38), (5_799, 22), (11_886, 9),
                    (16_554, 5))
# Joins between a British stem and ending: enough generated surnames to reach the ranks
# above (about 16,000 with the named ones).
_BRITISH_MIDDLES = ("", "e", "s", "er", "en", "in", "ing", "ow", "a", "o", "am", "et")


def _surname_tail(community: str) -> list[str]:
    parts = _TAIL_PARTS.get(community)
    if parts is None:
        return []
    stems, endings = (p.split() for p in parts)
    middles = _BRITISH_MIDDLES if community == "british" else ("",)
    names = list(dict.fromkeys(stem + middle + ending for stem in stems for middle in middles
                               for ending in endings))
    # Rank is not alphabetical: a fixed shuffle spreads each stem over the curve.
    order = np.random.default_rng(20_180_101).permutation(len(names))
    return [names[i] for i in order]


def _draw_weights(n_head: int, n_tail: int, exponent: float, head: float) -> np.ndarray:
    """Cumulative draw weights: a Zipf curve over the named list, a flat tail after it."""
    weights = 1.0 / np.arange(1, n_head + 1) ** exponent
    weights = weights / weights.sum() * (head if n_tail else 1.0)
    tail = np.full(n_tail, (1.0 - head) / n_tail) if n_tail else np.empty(0)
    return np.cumsum(np.r_[weights, tail])


def _curve_weights(n: int) -> np.ndarray:
    """Cumulative draw weights for ranks 1..n on the real British curve."""
    ranks, per_million = np.array(GB_SURNAME_CURVE, dtype=float).T
    weights = np.exp(np.interp(np.log(np.arange(1, n + 1)), np.log(ranks),
                               np.log(per_million)))
    return np.cumsum(weights / weights.sum())


@cache
def name_table() -> NameTable:
    index: dict[str, int] = {}

    def add(name: str) -> int:
        if name not in index:
            index[name] = len(index)
        return index[name]

    lists: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [{}, {}, {}]
    feminine_pairs: list[tuple[int, int]] = []
    for code, community in enumerate(COMMUNITIES):
        for slot, source in enumerate((MALE, FEMALE, SURNAMES)):
            named = source[community].split()
            if source is SURNAMES:
                tail = [n for n in _surname_tail(community) if n not in named]
                weights = (_curve_weights(len(named) + len(tail)) if community == "british"
                           else _draw_weights(len(named), len(tail), SURNAME_EXPONENT,
                                              SURNAME_HEAD[community]))
            else:
                tail, weights = [], _draw_weights(len(named), 0, FORENAME_EXPONENT, 1.0)
            names = named + tail
            ids = np.array([add(n) for n in names], dtype=np.int32)
            lists[slot][code] = (ids, weights)
            if source is SURNAMES:
                for name in names:
                    feminine_pairs.append((index[name], add(feminine_surname(name, community))))
    variant_lists: dict[int, list[int]] = {}
    for name, alternatives in VARIANTS.items():
        if name in index:
            variant_lists[index[name]] = [add(a) for a in alternatives.split()]
    for name in list(index):
        add(strip_diacritics(name))
    spellings = np.array(list(index), dtype=object)
    stripped = np.array([index[strip_diacritics(s)] for s in spellings], dtype=np.int32)
    feminine = np.arange(len(spellings), dtype=np.int32)
    for male, female in feminine_pairs:
        feminine[male] = female
    count = np.array([len(variant_lists.get(i, ())) for i in range(len(spellings))], np.int32)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int32)
    flat = np.array(
        [v for i in range(len(spellings)) for v in variant_lists.get(i, ())], dtype=np.int32
    )
    return NameTable(
        spellings=spellings.astype(str), stripped=stripped, feminine=feminine,
        variant_start=start, variant_count=count, variant_flat=flat,
        male=lists[0], female=lists[1], surname=lists[2],
    )
