"""Name frequency lists per community, and the variants real records carry.

Lists are ordered from common to rare; draws use a Zipf-like weight on the rank, which is
close enough to real first-name and surname frequency curves for linkage testing.
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
        Nicholas Timothy Philip Simon Jonathan Neil""",
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
        Alexandra Jane Anne Mary Carol Linda Gillian Alison""",
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


def _zipf(n: int, exponent: float = 0.9) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
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
            names = source[community].split()
            ids = np.array([add(n) for n in names], dtype=np.int32)
            lists[slot][code] = (ids, _zipf(len(ids)))
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
