#!/usr/bin/env python3
"""Generate ``tests/data/pii_fr.jsonl``, the labelled French PII evaluation set for Boussole.

Run: ``python3 tests/data/make_pii_fr.py`` (stdlib only, deterministic: SEED below).

Each output line is a JSON object::

    {"id": "pii-001", "text": "...",
     "entities": [{"type": "PERSONNE", "text": "..."}, ...],   # in order of appearance
     "keep": ["Province Sud", ...]}                             # must survive redaction

All people, numbers and addresses are fictional. Identifiers are generated here and their
checksums are computed by code (NIR key, SIREN/SIRET Luhn, IBAN mod-97, French RIB key,
Belgian and Spanish national check digits).

Annotation conventions
----------------------
* PERSONNE: the name only, WITHOUT civility or title (M., Mme, Mlle, Monsieur, Madame,
  Dr, Me, Pr): "M. Dupont" -> "Dupont", "Dr Sarah Cohen" -> "Sarah Cohen",
  "DUPONT Jean" -> "DUPONT Jean" (one span). A first name alone ("Bonjour Sylvie,") is a
  PERSONNE. A maiden name after "née" ("Mme Pham, née Lefèvre") is a separate PERSONNE.
  Names that are part of an organisation, building or street name ("centre culturel
  Tjibaou", "rue Jean Jaurès") are not PERSONNE.
* ADRESSE: the whole address as one span, exactly as written ("12 rue Jean Jaurès, 98800
  Nouméa", "BP 1234, 98845 Nouméa Cedex", "quartier de Magenta" when it says where a person
  lives). A town alone ("la commune de Nouméa", "à Bourail") and an institution's seat
  written as a place ("l'hôtel de la Province Sud") go to keep. Company postal addresses
  are labelled ADRESSE like any other postal address.
* DATE_NAISSANCE: the date value only ("12/03/1985"), without "né le"; only when the
  context says it is a birth date. Other dates go to keep.
* TELEPHONE: the number with its prefix as written ("+687 27 12 34", "(+687) 78.45.12"),
  without the context word. Every phone number is labelled, including fax/direct lines;
  the lines without personal data therefore contain no phone number. A bare 6-digit
  number without phone context (file number, amount) is not a phone and goes to keep.
* NIR: the full 15-character number including the key, as written (spaces kept).
  RIDET / SIREN / SIRET / IBAN: the number only, without "RIDET n°", "SIRET :", "IBAN".
* EMAIL: personal addresses (including a named agent's professional address). Generic
  service mailboxes (dpo@, contact@, support@, accueil@, secretariat.dsin@...) go to keep.

Validation (run at the end, raises on error): every entity and keep string occurs
verbatim; entity spans do not overlap; each entity value occurs (outside other entity
spans) exactly as many times as it is listed; no occurrence of a keep string overlaps an
entity span; checksums/formats of identifiers are re-verified from the final text.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

SEED = 20240611
OUT = Path(__file__).resolve().parent / "pii_fr.jsonl"
TYPES = [
    "PERSONNE",
    "EMAIL",
    "TELEPHONE",
    "IBAN",
    "NIR",
    "SIREN",
    "SIRET",
    "RIDET",
    "ADRESSE",
    "DATE_NAISSANCE",
]
MINIMUMS = {t: 15 for t in TYPES} | {"PERSONNE": 40, "TELEPHONE": 30, "ADRESSE": 25}

# --------------------------------------------------------------------------- markup
# Entities are written <<TYPE|value>> and keep strings [[value]] inside templates.
MARK_RE = re.compile(r"<<([A-Z_]+)\|(.*?)>>|\[\[(.*?)\]\]", re.S)


def _e(t):
    return lambda v: f"<<{t}|{v}>>"


P, EM, TEL, IB, NIR, SRN, SRT, RID, ADR, DN = (_e(t) for t in TYPES)


def parse(marked: str):
    text, ents, keeps, pos = [], [], [], 0
    n = 0
    for m in MARK_RE.finditer(marked):
        text.append(marked[pos : m.start()])
        n += len(marked[pos : m.start()])
        if m.group(1):
            v = m.group(2)
            ents.append((m.group(1), v, n, n + len(v)))
        else:
            v = m.group(3)
            keeps.append(v)
        text.append(v)
        n += len(v)
        pos = m.end()
    text.append(marked[pos:])
    return "".join(text), ents, keeps


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


# ------------------------------------------------------------------ checksums
def luhn_ok(d: str) -> bool:
    tot = 0
    for i, c in enumerate(reversed(d)):
        x = int(c)
        if i % 2:
            x *= 2
            if x > 9:
                x -= 9
        tot += x
    return tot % 10 == 0


def luhn_complete(payload: str) -> str:
    for c in "0123456789":
        if luhn_ok(payload + c):
            return payload + c
    raise AssertionError


def iban_num(s: str) -> int:
    s = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in s))


def iban_make(country: str, bban: str) -> str:
    check = 98 - iban_num(country + "00" + bban) % 97
    return f"{country}{check:02d}{bban}"


def iban_ok(s: str) -> bool:
    s = s.replace(" ", "")
    return len(s) >= 15 and s[:2].isalpha() and iban_num(s) % 97 == 1


def rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def nir_ok(s: str) -> bool:
    c = s.replace(" ", "")
    if len(c) != 15:
        return False
    body, key = c[:13], c[13:]
    num = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
    return num.isdigit() and key.isdigit() and 97 - int(num) % 97 == int(key)


def es_dc(digits10: str) -> str:
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    d = 11 - sum(int(a) * b for a, b in zip(digits10, w)) % 11
    return str({11: 0, 10: 1}.get(d, d))


def phone_ok(s: str) -> bool:
    d = re.sub(r"\D", "", s)
    if d.startswith("00687"):
        d = d[5:]
    elif d.startswith("687") and len(d) == 9:
        d = d[3:]
    if len(d) == 6:
        return d[0] in "2345789"
    if d.startswith("33") and len(d) in (11, 12):
        d = "0" + d[-9:]
    return len(d) == 10 and d[0] == "0" and d[1] in "1234567" + "9"


# ------------------------------------------------------------------ name pools
FIRST = {
    "fr": {
        "M": [
            "Jean",
            "Jean-Pierre",
            "Michel",
            "Philippe",
            "Thierry",
            "Laurent",
            "Christophe",
            "Nicolas",
            "Julien",
            "Sébastien",
            "Olivier",
            "Frédéric",
            "Stéphane",
            "Guillaume",
            "Romain",
            "Kévin",
            "Alexandre",
            "Mathieu",
            "Yannick",
            "Didier",
            "Patrice",
            "Bruno",
        ],
        "F": [
            "Marie-Claire",
            "Sylvie",
            "Nathalie",
            "Isabelle",
            "Catherine",
            "Sandrine",
            "Valérie",
            "Christine",
            "Céline",
            "Aurélie",
            "Émilie",
            "Sophie",
            "Laetitia",
            "Caroline",
            "Anne-Sophie",
            "Delphine",
            "Marion",
            "Camille",
            "Élodie",
            "Sarah",
            "Véronique",
            "Mireille",
        ],
    },
    "kanak": {
        "M": [
            "Jean-Marie",
            "Déwé",
            "Wassissi",
            "Hnaloane",
            "Roch",
            "Éloi",
            "Alphonse",
            "Gilbert",
            "Joseph",
            "Waka",
            "Cyprien",
        ],
        "F": [
            "Marie-Thérèse",
            "Wanakaë",
            "Sutita",
            "Ewané",
            "Josiane",
            "Marie-Noëlle",
            "Yvette",
            "Qaeze",
            "Hélène",
            "Annick",
        ],
    },
    "wf": {
        "M": ["Soane", "Petelo", "Sione", "Atonio", "Mikaele", "Sosefo", "Kusitino"],
        "F": ["Malia", "Kalolaine", "Falakika", "Lusia", "Losa", "Telesia", "Seleisa"],
    },
    "vn": {
        "M": ["Minh", "Thanh", "Tuan", "Quang", "Huy", "Marc", "Pascal"],
        "F": ["Thuy", "Hoa", "Linh", "Phuong", "Ngoc", "Nadine", "Brigitte"],
    },
    "id": {
        "M": ["Rudi", "Slamet", "Budi", "Sutrisno", "Daniel"],
        "F": ["Sri", "Wati", "Ratna", "Sumiati", "Michèle"],
    },
    "pf": {"M": ["Heimana", "Teva", "Moana"], "F": ["Hinano", "Tiare", "Vaea"]},
}
LAST = {
    "fr": [
        "Dupont",
        "Lefèvre",
        "Martin",
        "Bernard",
        "Moreau",
        "Girard",
        "Lemaire",
        "Fontaine",
        "Chevalier",
        "Roussel",
        "Carpentier",
        "Barbier",
        "Mercier",
        "Faure",
        "Blanchard",
        "Guérin",
        "Boyer",
        "Perrin",
        "Morel",
        "Rolland",
        "Lacroix",
        "Vidal",
        "Cohen",
        "Lemoine",
        "Delattre",
        "Le Borgne",
        "Devillers",
        "Magnier",
        "Houdan",
        "Jeanson",
        "Ventou",
        "Marchetti",
        "Creugnet",
        "Tavernier",
        "Guiglion",
        "Sanchez",
        "Da Silva",
    ],
    "kanak": [
        "Wamytan",
        "Gorodey",
        "Tjibaou",
        "Wahetra",
        "Poigoune",
        "Hnacipan",
        "Wayenece",
        "Kaloï",
        "Nechero",
        "Bouanou",
        "Gowé",
        "Wenisso",
        "Xowie",
        "Haocas",
        "Trolue",
        "Wadrawane",
        "Ipeze",
        "Qenegei",
        "Pabouty",
        "Waheo",
        "Kaouma",
        "Hmaloko",
        "Ounou",
    ],
    "wf": [
        "Taofifenua",
        "Tuilagi",
        "Lauhea",
        "Fotofili",
        "Uhila",
        "Takaniua",
        "Vakalepu",
        "Maituku",
        "Tialetagi",
        "Fuahea",
        "Moefana",
        "Tauvale",
        "Muliakaaka",
    ],
    "vn": ["Nguyen", "Pham", "Hoang", "Vuong", "Truong", "Huynh", "Dang", "Nguyen Van"],
    "id": [
        "Soewarto",
        "Karyodikromo",
        "Sarimin",
        "Pawirosetiko",
        "Wirjosentono",
        "Kasmin",
        "Sastro",
        "Moeljono",
    ],
    "pf": ["Teriitehau", "Tehei", "Maraetefau"],
}
ORIGIN_W = [("fr", 34), ("kanak", 30), ("wf", 13), ("vn", 9), ("id", 8), ("pf", 4)]

# ---------------------------------------------------------------- place pools
NC_INSEE = [
    "Bélep",
    "Boulouparis",
    "Bourail",
    "Canala",
    "Dumbéa",
    "Farino",
    "Hienghène",
    "Houaïlou",
    "L'Île-des-Pins",
    "Kaala-Gomen",
    "Koné",
    "Koumac",
    "La Foa",
    "Lifou",
    "Maré",
    "Moindou",
    "Mont-Dore",
    "Nouméa",
    "Ouégoa",
    "Ouvéa",
    "Païta",
    "Poindimié",
    "Ponérihouen",
    "Pouébo",
    "Pouembout",
    "Poum",
    "Poya",
    "Sarraméa",
    "Thio",
    "Touho",
    "Voh",
    "Yaté",
    "Kouaoua",
]  # alphabetical order of INSEE codes 98801..98833
NC_TOWNS = [
    ("Nouméa", "98800"),
    ("Dumbéa", "98835"),
    ("Mont-Dore", "98809"),
    ("Païta", "98890"),
    ("Bourail", "98870"),
    ("La Foa", "98880"),
    ("Boulouparis", "98812"),
    ("Koné", "98860"),
    ("Koumac", "98850"),
    ("Thio", "98829"),
    ("Poindimié", "98822"),
    ("Yaté", "98834"),
    ("Farino", "98881"),
    ("Lifou", "98820"),
]
NOUMEA_STREETS = [
    "rue Jean Jaurès",
    "rue de Sébastopol",
    "avenue du Maréchal Foch",
    "rue Georges Clemenceau",
    "boulevard Vauban",
    "rue Higginson",
    "rue du Général Mangin",
    "rue Anatole France",
    "rue de la Somme",
    "rue Frédéric Surleau",
    "avenue James Cook",
    "rue Auguste Brun",
    "rue du Docteur Guégan",
    "promenade Roger Laroque",
    "rue Édouard Unger",
    "rue Bichat",
    "rue de l'Alma",
    "avenue du Général de Gaulle",
    "rue Gallieni",
    "boulevard Extérieur",
]
GENERIC_STREETS = [
    "rue des Niaoulis",
    "allée des Bougainvilliers",
    "rue des Flamboyants",
    "impasse des Banians",
    "rue des Frangipaniers",
    "chemin des Kaoris",
    "rue des Tamanous",
    "allée des Goyaviers",
    "rue du Cagou",
    "rue des Palétuviers",
]
LOTISSEMENTS = [
    "Les Cigales",
    "Les Palmiers",
    "Les Hauts de Koutio",
    "Les Manguiers",
    "Le Domaine de Tonghoué",
    "Les Tulipiers",
    "Savannah",
    "Les Écrins",
]
RESIDENCES = [
    "Les Flamboyants",
    "Le Lagon Bleu",
    "Les Jardins de l'Anse",
    "Les Alizés",
    "Le Belvédère",
    "Les Terrasses de Magenta",
    "Kaméré Park",
    "Les Hibiscus",
]
QUARTIERS = [
    "quartier de Magenta",
    "quartier de Ouémo",
    "quartier de Rivière-Salée",
    "quartier de Tina",
    "quartier de N'Géa",
    "quartier de Normandie",
    "quartier de la Vallée-des-Colons",
    "quartier du Faubourg-Blanchot",
    "quartier de l'Orphelinat",
    "quartier de Montravel",
]
ROUTES = [
    "route de la Baie des Dames",
    "route du Port Despointes",
    "route de l'Anse Vata",
    "route des Deux Baies",
    "route de la Tontouta",
    "route du Vélodrome",
    "route provinciale 1",
    "route territoriale 1",
]
TRIBUS = [
    ("Hnathalo", "98820", "Lifou"),
    ("Drueulu", "98820", "Lifou"),
    ("Nakéty", "98813", "Canala"),
    ("Gohapin", "98827", "Poya"),
    ("Unia", "98834", "Yaté"),
    ("Petit-Couli", "98881", "Sarraméa"),
    ("Ouipoin", "98829", "Thio"),
]
METRO = [
    ("impasse des Lilas", "69003", "Lyon"),
    ("rue de la République", "13001", "Marseille"),
    ("allée des Tilleuls", "33600", "Pessac"),
    ("boulevard Voltaire", "75011", "Paris"),
    ("chemin des Vignes", "31400", "Toulouse"),
    ("rue Nationale", "59800", "Lille"),
    ("avenue de Bretagne", "35000", "Rennes"),
    ("place du Marché", "67000", "Strasbourg"),
    ("rue des Écoles", "34000", "Montpellier"),
    ("quai de la Fosse", "44000", "Nantes"),
]
MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
NC_BANKS = ["17499", "14889", "18319", "17939", "14158"]
FR_BANKS = ["30004", "30003", "10278", "20041", "11315", "17515", "18206", "30066"]
PERSO_DOMAINS = [
    "gmail.com",
    "lagoon.nc",
    "canl.nc",
    "mls.nc",
    "hotmail.fr",
    "yahoo.fr",
    "outlook.com",
    "icloud.com",
    "orange.fr",
]


class Person:
    def __init__(self, first, last, sex, origin):
        self.first, self.last, self.sex, self.origin = first, last, sex, origin

    @property
    def full(self):
        return f"{self.first} {self.last}"

    @property
    def upper(self):  # "DUPONT Jean"
        return f"{self.last.upper()} {self.first}"

    @property
    def civ(self):
        return "M." if self.sex == "M" else "Mme"

    @property
    def civ_long(self):
        return "Monsieur" if self.sex == "M" else "Madame"

    def e(self, masc, fem):  # agreement helper: p.e("né", "née")
        return masc if self.sex == "M" else fem


class G:
    """Value generator; one instance for the whole run (seeded)."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used = []

    def reset(self):
        self.used = []

    def pick(self, seq):
        return self.r.choice(seq)

    # ------------------------------------------------------------ people
    def person(self, origin=None, sex=None):
        for _ in range(200):
            o = origin or self.r.choices([o for o, _ in ORIGIN_W], [w for _, w in ORIGIN_W])[0]
            s = sex or self.r.choice("MF")
            first, last = self.pick(FIRST[o][s]), self.pick(LAST[o])
            clash = any(
                a in b or b in a
                for tok in (first, last)
                for u in self.used
                for a, b in ((tok, u), (tok.upper(), u.upper()))
            )
            if not clash:
                self.used += [first, last]
                return Person(first, last, s, o)
        raise RuntimeError("no unique person")

    def email(self, p, domain=None):
        f = strip_accents(p.first).lower().replace(" ", "").replace("'", "")
        l = strip_accents(p.last).lower().replace(" ", "").replace("'", "")
        domain = domain or self.pick(PERSO_DOMAINS)
        if domain not in PERSO_DOMAINS:  # professional address: prenom.nom / p.nom / pnom
            local = self.pick([f"{f}.{l}", f"{f[0]}.{l}", f"{f[0]}{l}"])
        else:
            local = self.pick(
                [
                    f"{f}.{l}",
                    f"{f}{l}",
                    f"{f}_{l}",
                    f"{l}.{f}",
                    f"{f}.{l}{self.r.randint(1, 99)}",
                    f"{f[0]}{l}{self.r.randint(60, 99)}",
                ]
            )
        return f"{local}@{domain}"

    # ------------------------------------------------------------ phones
    def tel(self, kind="nc", fmt=None):
        if kind == "nc":
            kind = self.pick(["nc_fixe", "nc_mobile"])
        if kind.startswith("nc"):
            first = self.pick("234") if kind == "nc_fixe" else self.pick("789")
            d = first + "".join(str(self.r.randint(0, 9)) for _ in range(5))
            pr = [d[0:2], d[2:4], d[4:6]]
            fmts = {
                "sp": " ".join(pr),
                "dot": ".".join(pr),
                "raw": d,
                "intl": "+687 " + " ".join(pr),
                "intl_par": "(+687) " + ".".join(pr),
                "intl00": "00 687 " + " ".join(pr),
                "intl_raw": "+687" + d,
                "intl_dot": "+687 " + ".".join(pr),
            }
            fmt = fmt or self.r.choices(list(fmts), [5, 3, 2, 3, 1, 1, 1, 1])[0]
            return fmts[fmt]
        if kind == "fr":
            kind = self.pick(["fr_fixe", "fr_mobile"])
        lead = self.pick("67") if kind == "fr_mobile" else self.pick("123459")
        d = "0" + lead + "".join(str(self.r.randint(0, 9)) for _ in range(8))
        pr = [d[i : i + 2] for i in range(0, 10, 2)]
        fmts = {
            "sp": " ".join(pr),
            "dot": ".".join(pr),
            "raw": d,
            "intl": "+33 " + d[1] + " " + " ".join(pr[1:]),
            "intl_paren": "+33 (0)" + d[1] + " " + " ".join(pr[1:]),
        }
        fmt = fmt or self.r.choices(list(fmts), [4, 2, 1, 2, 1])[0]
        return fmts[fmt]

    # ------------------------------------------------------------ dates
    def dob(self):
        return (self.r.randint(1956, 2004), self.r.randint(1, 12), self.r.randint(1, 28))

    def date(self, dt, fmt=None):
        y, m, d = dt
        fmt = fmt or self.pick(["slash", "slash", "long", "long", "iso", "dot2", "slash2", "dash"])
        if fmt == "slash":
            return f"{d:02d}/{m:02d}/{y}"
        if fmt == "long":
            return f"{'1er' if d == 1 else d} {MOIS[m - 1]} {y}"
        if fmt == "iso":
            return f"{y}-{m:02d}-{d:02d}"
        if fmt == "dot2":
            return f"{d:02d}.{m:02d}.{y % 100:02d}"
        if fmt == "slash2":
            return f"{d:02d}/{m:02d}/{y % 100:02d}"
        if fmt == "dash":
            return f"{d:02d}-{m:02d}-{y}"
        raise ValueError(fmt)

    # ------------------------------------------------------------ NIR
    def nir(self, sex, dob=None, place=None, fmt=None, town=None):
        y, m, _ = dob or self.dob()
        place = (
            place
            or self.r.choices(["nc", "metro", "dom", "corse", "wf", "pf"], [5, 5, 2, 1, 1, 1])[0]
        )
        if place == "nc":
            idx = NC_INSEE.index(town) if town in NC_INSEE else self.r.randrange(len(NC_INSEE))
            code = f"988{idx + 1:02d}"
        elif place == "metro":
            dep = self.pick([f"{i:02d}" for i in range(1, 96) if i != 20])
            code = f"{dep}{self.r.randint(1, 650):03d}"
        elif place == "corse":
            code = self.pick(["2A", "2B"]) + f"{self.r.randint(1, 366):03d}"
        elif place == "dom" or place in ("971", "972", "973", "974", "976"):
            dep = place if place != "dom" else self.pick(["971", "972", "973", "974", "976"])
            code = dep + f"{self.r.randint(1, 34):02d}"
        elif place == "wf":
            code = f"986{self.r.randint(1, 3):02d}"
        elif place == "pf":
            code = f"987{self.r.randint(1, 48):02d}"
        else:
            raise ValueError(place)
        s = "1" if sex == "M" else "2"
        ordre = f"{self.r.randint(1, 999):03d}"
        body = f"{s}{y % 100:02d}{m:02d}{code}{ordre}"
        num = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
        key = f"{97 - int(num) % 97:02d}"
        split = 3 if code[:2] == "98" or code[:2] == "97" else 2
        if fmt is None:
            fmt = self.pick(["compact", "spaced", "spaced", "keysep"])
        if fmt == "compact":
            out = body + key
        elif fmt == "keysep":
            out = f"{body} {key}"
        else:
            sp = f"{s} {y % 100:02d} {m:02d} {code[:split]} {code[split:]} {ordre}"
            out = f"{sp} {key}"
        assert nir_ok(out), out
        return out

    # ------------------------------------------------------------ companies
    def siren(self, fmt=None):
        d = luhn_complete(
            str(self.r.randint(1, 9)) + "".join(str(self.r.randint(0, 9)) for _ in range(7))
        )
        fmt = fmt or self.pick(["sp", "raw"])
        return f"{d[:3]} {d[3:6]} {d[6:]}" if fmt == "sp" else d

    def siret(self, siren=None, fmt=None):
        s = (siren or self.siren()).replace(" ", "")
        nic4 = self.pick(["0001", "0002", "0003", "0004", "0005", "0001", "0011", "0013", "0021"])
        d = luhn_complete(s + nic4)
        fmt = fmt or self.pick(["sp", "raw", "sp"])
        if fmt == "sp":
            return f"{d[:3]} {d[3:6]} {d[6:9]} {d[9:]}"
        return d

    def ridet(self, fmt=None):
        d = self.pick(["0", "0", "1", "0"]) + "".join(str(self.r.randint(0, 9)) for _ in range(6))
        etab = self.pick(["001", "001", "001", "002", "003"])
        fmts = ["sp7", "raw7"] + (["sp6", "raw6"] if d[0] == "0" else [])
        fmt = fmt or self.pick(fmts)
        if fmt == "sp7":
            n = f"{d[0]} {d[1:4]} {d[4:]}"
        elif fmt == "raw7":
            n = d
        elif fmt == "sp6":
            n = f"{d[1:4]} {d[4:]}"
        else:
            n = d[1:]
        return f"{n}.{etab}"

    def iban(self, kind="fr", fmt=None):
        fmt = fmt or self.pick(["sp", "sp", "raw"])
        if kind in ("fr", "nc", "nc_fr"):
            bank = self.pick(NC_BANKS if kind != "fr" else FR_BANKS)
            branch = f"{self.r.randint(1, 99999):05d}"
            acct = "".join(str(self.r.randint(0, 9)) for _ in range(11))
            bban = bank + branch + acct + rib_key(bank, branch, acct)
            out = iban_make("NC" if kind == "nc" else "FR", bban)
        elif kind == "de":
            out = iban_make("DE", "".join(str(self.r.randint(0, 9)) for _ in range(18)))
        elif kind == "be":
            ten = f"{self.r.randint(0, 9999999999):010d}"
            ck = int(ten) % 97 or 97
            out = iban_make("BE", f"{ten}{ck:02d}")
        elif kind == "es":
            bank, branch = f"{self.r.randint(1, 9999):04d}", f"{self.r.randint(1, 9999):04d}"
            acct = f"{self.r.randint(0, 9999999999):010d}"
            out = iban_make("ES", bank + branch + es_dc("00" + bank + branch) + es_dc(acct) + acct)
        else:
            raise ValueError(kind)
        if kind in ("fr", "nc_fr"):
            assert out.startswith("FR76"), out
        assert iban_ok(out)
        return " ".join(out[i : i + 4] for i in range(0, len(out), 4)) if fmt == "sp" else out

    # ------------------------------------------------------------ addresses
    def adr(self, kind=None, avoid=()):
        for _ in range(100):
            a = self._adr(kind)
            if not any(x in a for x in avoid):
                return a
        raise RuntimeError("adr")

    def _num(self):
        n = str(self.r.randint(1, 140))
        return n + self.pick(["", "", "", "", " bis", " ter"])

    def _adr(self, kind):
        kind = (
            kind
            or self.r.choices(
                ["rue", "rue_court", "bp", "lot", "res", "route", "metro"], [6, 2, 2, 2, 2, 1, 1]
            )[0]
        )
        town, cp = self.pick(NC_TOWNS)
        street = self.pick(NOUMEA_STREETS) if town == "Nouméa" else self.pick(GENERIC_STREETS)
        if kind == "rue":
            return f"{self._num()} {street}, {cp} {town}"
        if kind == "rue_nouméa":
            return f"{self._num()} {self.pick(NOUMEA_STREETS)}, 98800 Nouméa"
        if kind == "rue_court":
            return f"{self._num()} {self.pick(NOUMEA_STREETS + GENERIC_STREETS)}"
        if kind == "bp":
            n = self.r.randint(10, 19999)
            if town == "Nouméa":
                return f"BP {n}, {self.pick(['98845', '98846', '98847', '98848', '98849'])} Nouméa Cedex"
            return f"BP {n} – {cp} {town}" if self.r.random() < 0.5 else f"BP {n}, {cp} {town}"
        if kind == "lot":
            return (
                f"lotissement {self.pick(LOTISSEMENTS)}, lot {self.r.randint(1, 180)}, {cp} {town}"
            )
        if kind == "res":
            appt = self.pick(["appartement", "appt", "appartement", "bâtiment B, appt"])
            town, cp = self.pick(
                [
                    ("Nouméa", "98800"),
                    ("Nouméa", "98800"),
                    ("Dumbéa", "98835"),
                    ("Mont-Dore", "98809"),
                ]
            )
            return f"résidence {self.pick(RESIDENCES)}, {appt} {self.r.randint(1, 48)}, {cp} {town}"
        if kind == "route":
            r = self.pick(ROUTES)
            return self.pick(
                [
                    r if r[-1].isalpha() else f"{r}, {cp} {town}",
                    f"lot {self.r.randint(1, 90)}, {r}, {cp} {town}",
                    f"{self.r.randint(1, 300)} {r}",
                ]
            )
        if kind == "quartier":
            return self.pick(QUARTIERS)
        if kind == "tribu":
            t, cp, town = self.pick(TRIBUS)
            return f"tribu de {t}, {cp} {town}"
        if kind == "metro":
            s, cp, town = self.pick(METRO)
            return f"{self._num()} {s}, {cp} {town}"
        raise ValueError(kind)

    def num6(self):
        return f"{self.r.randint(100000, 999999)}"


# =========================================================================== templates
TEMPLATES = []  # (function, repetitions)


def tpl(n=1):
    def deco(f):
        TEMPLATES.append((f, n))
        return f

    return deco


@tpl(3)
def t_mail_compte(g):
    a, b = g.person(), g.person()
    return f"""Objet : Création de votre compte sur le portail Boussole

Bonjour {P(a.first)},

Votre compte a été activé sur l'espace documentaire de la [[DSIN]]. Pour toute difficulté, merci d'écrire à [[support@province-sud.nc]] plutôt qu'à moi directement, afin que la demande soit tracée.

[[Cordialement]],
{P(b.full)}
Chef de projet applicatif – [[Direction des systèmes d'information et du numérique]]
[[Province Sud]] – Tél. : {TEL(g.tel("nc_fixe"))} – Mobile : {TEL(g.tel("nc_mobile"))}
{EM(g.email(b, "province-sud.nc"))}"""


@tpl(2)
def t_copil(g):
    a, b, c, d, e, f = (g.person() for _ in range(6))
    return f"""Compte rendu du comité de pilotage « Boussole » – séance du [[14 mars 2024]]

Présents : {a.civ} {P(a.full)} ([[DSIN]]), {b.civ} {P(b.full)} ([[direction juridique et d'administration générale]]), {P(c.upper)} ([[OPT-NC]]), {d.civ} {P(d.last)} ([[ISEE]]).
Excusé(e) : {e.civ} {P(e.last)}, représenté(e) par {b.civ} {P(b.last)}.
Secrétariat de séance : {P(f.full)}.

1. [[Le délégué à la protection des données]] rappelle que l'analyse d'impact doit être finalisée avant la mise en production prévue le [[1er juillet 2024]].
2. Le budget de [[4 500 000 F CFP]] inscrit au [[chapitre 936]] est confirmé.
3. Prochaine réunion le [[11 avril 2024]] à 14 h, salle du conseil, [[hôtel de la Province Sud]]."""


@tpl(2)
def t_fiche_agent(g):
    p = g.person()
    dob = g.dob()
    town = g.pick(["Bourail", "Koné", "Lifou", "Thio", "Païta"])
    return f"""FICHE DE RENSEIGNEMENTS AGENT – [[Direction des ressources humaines]]
Nom : {P(p.last.upper())}        Prénom : {P(p.first)}
{p.e("Né", "Née")} le : {DN(g.date(dob, "slash"))} à [[{town}]]
N° de sécurité sociale : {NIR(g.nir(p.sex, dob, "nc", town=town))}
Adresse personnelle : {ADR(g.adr(avoid=(town,)))}
Téléphone portable : {TEL(g.tel("nc_mobile"))}
Courriel personnel : {EM(g.email(p))}
Coordonnées bancaires (versement du traitement) : {IB(g.iban("nc_fr"))}
Pièces à joindre : copie de la [[carte CAFAT]], RIB, justificatif de domicile de moins de [[3 mois]]."""


@tpl(3)
def t_iso_contact(g):
    p = g.person()
    lot = g.pick(
        [
            "Zones inondables de la commune de [[Dumbéa]] (PPRI)",
            "Limites des aires protégées de la [[Province Sud]]",
            "Cadastre – parcelles de la commune de [[La Foa]]",
            "Réseau routier provincial (RP) – version 2024",
            "Occupation du sol 2022 – [[Grand Nouméa]]",
        ]
    )
    srv = g.pick(
        [
            "Service de la géomatique",
            "Service de l'aménagement et de la planification",
            "Direction du foncier et de l'aménagement",
            "Service des milieux naturels",
        ]
    )
    return f"""Métadonnées ISO 19139 – {lot}
Rôle : pointOfContact
Point de contact : {P(p.full)}, [[{srv}]], {EM(g.email(p, "province-sud.nc"))}, tél. {TEL(g.tel("nc_fixe", g.pick(["sp", "intl", "dot"])))}
Distributeur : [[contact@georep.nc]]
Contraintes d'accès : [[Licence ouverte]] – [[Etalab 2.0]]
Date de révision : [[2024-02-15]]"""


@tpl(2)
def t_droit_acces(g):
    p = g.person()
    dob = g.dob()
    return f"""{P(p.full)}
{ADR(g.adr(g.pick(["res", "lot", "rue"]), avoid=("Nouméa",)))}
Tél. {TEL(g.tel("nc"))}

À l'attention [[du délégué à la protection des données]] de la [[Province Sud]]
[[Nouméa]], le [[2 mai 2024]]

Objet : demande d'accès à mes données personnelles ([[article 15 du RGPD]])

Madame, Monsieur,
Je soussigné{p.e("", "e")} {P(p.full)}, {p.e("né", "née")} le {DN(g.date(dob, "long"))}, vous prie de bien vouloir me communiquer l'ensemble des données me concernant détenues par vos services, ainsi que leur finalité et leur durée de conservation.
La réponse peut m'être adressée par courriel à {EM(g.email(p))}.
Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."""


@tpl(2)
def t_ei_fournisseur(g):
    p = g.person()
    return f"""Fiche fournisseur – création dans le logiciel comptable
Raison sociale : Entreprise individuelle {P(p.full)} (menuiserie)
N° RIDET : {RID(g.ridet())}
Adresse : {ADR(g.adr(g.pick(["bp", "rue", "lot"])))}
Téléphone : {TEL(g.tel("nc"))}
IBAN : {IB(g.iban("nc"))} – BIC [[BNCANCNX]]
Délai de paiement : [[30 jours]] à réception de facture, conformément à l'[[article 11 de la délibération n° 136/CP]]."""


@tpl(3)
def t_societe_metro(g):
    p = g.person("fr")
    siren = g.siren("sp")
    return f"""Titulaire du marché : [[Société Géodata Conseil SAS]], au capital de 50 000 €, immatriculée au RCS de Lyon sous le numéro SIREN {SRN(siren)}, établissement secondaire SIRET {SRT(g.siret(siren, "sp"))}, dont le siège est situé {ADR(g.adr("metro"))}, représentée par {p.civ_long} {P(p.full)}, {p.e("président", "présidente")}, joignable au {TEL(g.tel("fr"))} ou par courriel à {EM(g.email(p, "geodata-conseil.fr"))}.
Montant du marché : [[12 800 000 F CFP]] HT, soit [[107 264 €]]."""


@tpl(3)
def t_chat(g):
    a, b = g.person(), g.person()
    dossier = g.num6()
    t = f"""salut {P(a.first)}, tu peux rappeler {b.civ.lower()} {P(b.last)} au {TEL(g.tel("nc", "raw"))} stp ? c'est pour son [[dossier n° {dossier}]], {b.e("il", "elle")} attend depuis ce matin. sinon son portable c'est le {TEL(g.tel("nc_mobile", "sp"))}. merci !! ps: [[la reunion DSIN]] est decalee a 15h"""
    return strip_accents(t)


@tpl(3)
def t_absence(g):
    p, q = g.person(), g.person()
    return f"""Réponse automatique : absent(e) du bureau
Bonjour, je suis {p.e("absent", "absente")} du bureau jusqu'au [[lundi 22 juillet]] inclus, avec un accès limité à ma messagerie. Pour toute urgence, merci de contacter {q.civ} {P(q.full)} au {TEL(g.tel("nc_fixe"))} ou d'écrire à [[accueil@province-sud.nc]].
{P(p.first)}"""


@tpl(2)
def t_forward(g):
    a, b, c = g.person(), g.person(), g.person()
    return f"""De : {P(a.full)} <{EM(g.email(a, "province-sud.nc"))}>
Envoyé : [[lundi 8 avril 2024 09:14]]
À : [[secretariat.dsin@province-sud.nc]]
Cc : {P(b.full)} <{EM(g.email(b, "gouv.nc"))}>
Objet : TR: accès VPN pour {P(c.upper)}

Bonjour,
Pouvez-vous ouvrir un accès VPN temporaire pour {c.civ} {P(c.last)}, prestataire, jusqu'au [[30 juin 2024]] ? {c.e("Il", "Elle")} est joignable au {TEL(g.tel("nc_mobile"))}.
Merci."""


@tpl(2)
def t_csv(g):
    rows = []
    for _ in range(3):
        p = g.person()
        rows.append(
            f"{P(p.last.upper())};{P(p.first)};{DN(g.date(g.dob(), g.pick(['slash', 'iso'])))};"
            f"{TEL(g.tel('nc', g.pick(['sp', 'raw', 'dot'])))};{EM(g.email(p))}"
        )
    body = "\n".join(rows)
    return f"""Extrait du fichier « inscrits_atelier_numerique.csv » transmis par la [[mairie de Bourail]] :
nom;prenom;date_naissance;telephone;courriel
{body}"""


@tpl(2)
def t_arrete_nomination(g):
    p = g.person()
    dob = g.dob()
    return f"""Arrêté n° [[2024-1532/PS]] du [[3 juin 2024]] portant nomination d'un chef de service
[[Le président de l'assemblée de la Province Sud]],
Vu la [[loi organique n° 99-209 du 19 mars 1999]] relative à la Nouvelle-Calédonie ;
Vu la [[délibération n° 81-2022/APS]] ;
Arrête :
[[Article 1er]] : {p.civ} {P(p.full)}, attaché{p.e("", "e")} principal{p.e("", "e")}, {p.e("né", "née")} le {DN(g.date(dob, "long"))} à [[Lifou]], est {p.e("nommé", "nommée")} [[chef du service de la géomatique]] à compter du [[1er juillet 2024]].
[[Article 2]] : Le présent arrêté sera transmis au [[commissaire délégué de la République]] et publié au [[Journal officiel de la Nouvelle-Calédonie]]."""


@tpl(2)
def t_signature_convention(g):
    a, b = g.person(), g.person()
    return f"""Fait à [[Nouméa]], le [[15 avril 2024]], en deux exemplaires originaux.

Pour la [[Province Sud]],
[[le président de l'assemblée de la Province Sud]],
par délégation, [[le directeur général des services]]
{P(a.full)}

Pour l'[[Office des postes et télécommunications de Nouvelle-Calédonie]] ([[OPT-NC]]),
[[le directeur général]]
{P(b.upper)}"""


@tpl(2)
def t_aide_habitat(g):
    p = g.person(g.pick(["kanak", "wf", "id", "vn"]))
    dob = g.dob()
    return f"""DEMANDE D'AIDE À L'HABITAT SOCIAL – [[dossier HS-2024-0457]]
Demandeur : {P(p.upper)}
Date de naissance : {DN(g.date(dob, g.pick(["slash", "iso"])))}
Adresse actuelle : {ADR(g.adr(g.pick(["lot", "tribu", "route"])))}
Téléphone (portable de préférence) : {TEL(g.tel("nc_mobile", g.pick(["sp", "dot", "intl"])))}
IBAN pour le versement : {IB(g.iban(g.pick(["nc", "nc_fr"])))}
Montant sollicité : [[2 500 000 F CFP]] – plafond fixé par l'[[article 4 de la délibération n° 23-2015/APS]]."""


@tpl(2)
def t_hotline(g):
    p = g.person()
    return f"""Journal de l'assistance – appel reçu le [[12/04/2024]] à 10 h 12
Appelant : {p.civ} {P(p.last)} (tél. {TEL(g.tel("nc", g.pick(["intl00", "intl_par", "intl"])))})
Problème : impossible de se connecter à la messagerie depuis la mise à jour du [[10 avril]].
Action : réinitialisation du mot de passe, ticket [[INC-2024-08812]] clos. Temps passé : [[15 min]]."""


@tpl(2)
def t_marche_public(g):
    p = g.person()
    return f"""Attributaire du lot n° 2 (câblage des sites de [[Bourail]] et [[La Foa]]) : [[SARL Lagon Réseaux]], inscrite au RIDET sous le n° {RID(g.ridet(g.pick(["sp6", "sp7", "raw7"])))}, représentée par {p.civ} {P(p.full)}, gérant{p.e("", "e")}, {ADR(g.adr("bp", avoid=("Bourail", "La Foa")))}.
Compte bancaire : {IB(g.iban("nc", "sp"))}.
Montant : [[8 750 000 F CFP]] TTC ; délai d'exécution : [[90 jours]]."""


@tpl(2)
def t_incident(g):
    a, b, c = g.person(), g.person(), g.person()
    return f"""Fiche de violation de données – [[réf. VD-2024-03]]
Le [[5 février 2024]], un courriel contenant le tableau des astreintes a été envoyé par erreur à une adresse externe ({EM(g.email(a))}) au lieu de la liste de diffusion du service.
Données concernées : noms, téléphones et numéros de sécurité sociale de 12 agents, notamment {b.civ} {P(b.full)} (NIR {NIR(g.nir(b.sex))}) et {c.civ} {P(c.full)} (NIR {NIR(g.nir(c.sex))}).
Mesures : demande d'effacement au destinataire, information de la [[CNIL]] dans le délai de [[72 heures]] ([[article 33 du RGPD]])."""


@tpl(2)
def t_cv(g):
    p = g.person(sex="F")
    return f"""Synthèse de candidature – poste d'administrateur systèmes ([[offre n° 2024-117]])
Candidate : {P(p.full)}, née le {DN(g.date(g.dob(), g.pick(["slash", "long"])))} à [[Nouméa]], domiciliée {ADR(g.adr(avoid=("Nouméa",)))}.
Contact : {TEL(g.tel("nc_mobile"))} / {EM(g.email(p))}
Avis du jury : profil conforme, entretien prévu le [[17 juin 2024]]."""


@tpl(2)
def t_nee_maiden(g):
    p = g.person(g.pick(["vn", "fr", "wf"]), "F")
    maiden = g.person()
    dob = g.dob()
    return f"""Mme {P(p.last)}, née {P(maiden.last)}, le {DN(g.date(dob, "slash"))}, a demandé la mise à jour de son nom d'usage dans l'annuaire. Pièces fournies : copie intégrale de l'acte de mariage. Traitement : [[service des ressources humaines]], délai habituel [[5 jours ouvrés]]."""


@tpl(2)
def t_rib_change(g):
    p = g.person()
    return f"""Objet : changement de coordonnées bancaires

Madame, Monsieur,
Suite à la clôture de mon compte, je vous prie de bien vouloir remplacer l'IBAN {IB(g.iban("nc_fr", "raw"))} par le nouveau : {IB(g.iban(g.pick(["nc", "fr"])))}.
Ma nouvelle adresse est : {ADR(g.adr())}.
Bien à vous,
{P(p.full)}"""


@tpl(2)
def t_foreign_iban(g):
    p = g.person("fr")
    k1, k2 = g.pick([("de", "be"), ("es", "de"), ("be", "es")])
    return f"""Remboursement des frais de mission de {p.civ} {P(p.full)} (mission [[OM-2024-211]], Bruxelles–Madrid) : virement de [[185 400 F CFP]] sur le compte {IB(g.iban(k1))}. Si le virement est rejeté, utiliser le second compte déclaré : {IB(g.iban(k2))}."""


@tpl(2)
def t_mobile_fr(g):
    p = g.person("fr")
    return f"""Note d'arrivée : {p.civ} {P(p.full)} rejoindra la [[DSIN]] le [[1er septembre 2024]] (mutation depuis l'[[Agence nationale de la cohésion des territoires]]). Jusqu'à son arrivée, {p.e("il", "elle")} reste joignable au {TEL(g.tel("fr_mobile"))} ou au {TEL(g.tel("fr_fixe", g.pick(["dot", "raw"])))} (domicile : {ADR(g.adr("metro"))})."""


@tpl(2)
def t_siren_ei(g):
    p = g.person("fr")
    siren = g.siren()
    return f"""Prestataire de formation : {P(p.full)}, micro-entrepreneur{p.e("", "e")} (SIREN {SRN(siren)}, SIRET {SRT(g.siret(siren))}), déclaration d'activité enregistrée auprès de la préfecture de région. Tarif journalier : [[95 000 F CFP]] ; 3 jours de formation « Qualité des données » prévus à la [[Maison du numérique]]."""


@tpl(2)
def t_ridet_list(g):
    a, b, c = g.person(), g.person(), g.person()
    return f"""Liste des entreprises consultées (procédure adaptée, [[article 35 du code des marchés publics de la Nouvelle-Calédonie]]) :
- [[Calédo Info Services]] – RIDET {RID(g.ridet())} – gérant : {P(a.full)}
- EURL {P(b.last.upper())} Informatique – n° RIDET {RID(g.ridet())} – contact : {b.civ} {P(b.last)}
- [[Pacific Net]] – RIDET : {RID(g.ridet())} – interlocuteur : {P(c.upper)}, {TEL(g.tel("nc"))}"""


@tpl(2)
def t_commission(g):
    a, b = g.person(), g.person()
    return f"""Commission d'attribution des aides à l'équipement numérique – séance du [[20 mai 2024]]
[[Dossier n° 2024-118]] : {a.civ} {P(a.full)}, {ADR(g.adr("quartier"))} – montant accordé : [[350 000 F CFP]].
[[Dossier n° 2024-121]] : {b.civ} {P(b.full)}, {ADR(g.adr(g.pick(["tribu", "lot"])))} – dossier ajourné (pièce manquante : attestation [[CAFAT]])."""


@tpl(2)
def t_annuaire(g):
    rows = []
    fn = [
        "Responsable du pôle infrastructures",
        "Administratrice réseaux",
        "Technicien support",
        "Chargée de mission données",
        "Architecte SIG",
    ]
    g.r.shuffle(fn)
    for i in range(3):
        p = g.person()
        rows.append(
            f"{P(p.full)} – [[{fn[i]}]] – poste fixe {TEL(g.tel('nc_fixe', 'sp'))} – "
            f"portable {TEL(g.tel('nc_mobile', g.pick(['sp', 'dot'])))} – {EM(g.email(p, 'province-sud.nc'))}"
        )
    body = "\n".join(rows)
    return f"""Annuaire interne – [[DSIN]] (extrait, usage interne)
{body}"""


@tpl(2)
def t_tribu(g):
    p = g.person("kanak")
    q = g.person("kanak")
    return f"""Bonjour {P(p.first)},
je te transmets la demande de {q.civ_long} {P(q.full)}, de la {ADR(g.adr("tribu"))}, qui souhaite une borne wifi pour la case commune. {q.e("Il", "Elle")} n'a pas d'adresse mail, il faut l'appeler au {TEL(g.tel("nc_mobile", g.pick(["sp", "raw"])))} (plutôt le soir). Le conseil des chefs de clan a donné son accord le [[9 mars]].
A+"""


@tpl(1)
def t_wallis(g):
    p = g.person("wf", "F")
    q = g.person("wf", "M")
    dob = g.dob()
    return f"""Dossier de regroupement familial – Mme {P(p.full)}, née le {DN(g.date(dob, "slash"))} à [[Mata-Utu]] (NIR : {NIR(g.nir("F", dob, "wf", "spaced"))}), et M. {P(q.full)}, domiciliés {ADR(g.adr("rue"))}. Avis favorable de la [[commission du logement]] du [[28 février 2024]]."""


@tpl(1)
def t_nir_corse_dom(g):
    a, b = g.person("fr"), g.person(g.pick(["fr", "vn"]))
    da, db = g.dob(), g.dob()
    return f"""Contrôle des dossiers de mutation ([[lot de mars]]) :
- {P(a.upper)}, né{a.e("", "e")} le {DN(g.date(da, "slash"))} à [[Ajaccio]], NIR {NIR(g.nir(a.sex, da, "corse"))} : complet.
- {P(b.upper)}, né{b.e("", "e")} le {DN(g.date(db, "slash"))} à [[Saint-Denis de La Réunion]], NIR {NIR(g.nir(b.sex, db, "974", "spaced"))} : manque l'avis d'imposition."""


@tpl(2)
def t_badge(g):
    p = g.person()
    return f"""Demande de badge d'accès – [[bâtiment B]], [[hôtel de la Province Sud]]
Nom / prénom : {P(p.upper)}
Service : [[DSIN]] / [[bureau des infrastructures]]
Téléphone : {TEL(g.tel("nc_fixe"))}
Date de naissance : {DN(g.date(g.dob(), "iso"))}
Validité demandée : du [[01/06/2024]] au [[31/12/2024]]"""


@tpl(2)
def t_visio(g):
    a, b, c = g.person(), g.person(), g.person()
    return f"""Invitation Teams : « Atelier catalogue de données » – [[jeudi 6 juin 2024]], 8 h 30 – 10 h (heure de [[Nouméa]])
Organisateur : {EM(g.email(a, "province-sud.nc"))}
Participants : {EM(g.email(b, "gouv.nc"))} ; {EM(g.email(c, "opt.nc"))} ; [[geomatique@province-sud.nc]]
Ordre du jour : moissonnage CSW, qualité des métadonnées, publication sur [[data.gouv.nc]]."""


@tpl(3)
def t_sms(g):
    p = g.person()
    t = f"""Message vocal de la part de {P(p.first + " " + p.last.upper())} : rappeler au {TEL(g.tel("nc", "raw"))}, c est urgent pour le dossier de sa mere."""
    return t


@tpl(2)
def t_maternite(g):
    p = g.person(sex="F")
    q = g.person()
    return f"""Note RH : congé de maternité de Mme {P(p.last)} du [[3 juin]] au [[22 septembre 2024]]. L'intérim sera assuré par {q.civ} {P(q.full)} ({EM(g.email(q, "province-sud.nc"))}). Merci de ne pas diffuser cette information au-delà de l'équipe."""


@tpl(2)
def t_courrier_reponse(g):
    p = g.person()
    adr = g.adr(g.pick(["res", "rue_court", "lot", "route"]), avoid=("Nouméa",))
    return f"""[[Nouméa]], le [[18 juin 2024]]
[[Le président de l'assemblée de la Province Sud]]
à
{p.civ_long} {P(p.full)}
{ADR(adr)}

Objet : votre demande du [[2 mai 2024]] – [[réf. DPO/2024/0312]]
{p.civ_long},
Par courrier cité en référence, vous avez sollicité l'accès aux données vous concernant. Vous trouverez ci-joint l'extrait demandé. Vous disposez d'un droit de réclamation auprès de la [[CNIL]]."""


@tpl(2)
def t_dr_cohen(g):
    p = g.person("fr", "F")
    q = g.person()
    return f"""Visite médicale de reprise : l'agent {P(q.upper)} est convoqué{q.e("", "e")} le [[25 juin 2024]] à 8 h auprès du Dr {P(p.full)}, médecin de prévention, [[service de santé au travail]], {ADR(g.adr("rue_nouméa"))}. En cas d'empêchement, prévenir le secrétariat médical au {TEL(g.tel("nc_fixe", g.pick(["sp", "dot"])))}."""


@tpl(2)
def t_ddn_short(g):
    p = g.person()
    return f"""Agent : {P(p.upper)} – DDN {DN(g.date(g.dob(), g.pick(["dot2", "slash2"])))} – arrêt de travail du [[15/05/2024]] au [[29/05/2024]] transmis à la [[CAFAT]]."""


@tpl(2)
def t_attestation(g):
    p = g.person()
    dob = g.dob()
    return f"""ATTESTATION
Je soussigné, [[le directeur des systèmes d'information et du numérique]], atteste que {p.civ_long} {P(p.full)}, {p.e("né", "née")} le {DN(g.date(dob, "long"))}, demeurant {ADR(g.adr())}, est employé{p.e("", "e")} par la [[Province Sud]] depuis le [[1er mars 2019]] en qualité de technicien{p.e("", "ne")} informatique.
Fait pour servir et valoir ce que de droit."""


@tpl(2)
def t_contact_projet(g):
    a, b = g.person(), g.person()
    return f"""Contacts du projet (à jour au [[1er avril 2024]]) :
- maîtrise d'ouvrage : {P(a.full)} – {EM(g.email(a, "province-sud.nc"))} – {TEL(g.tel("nc_fixe", "intl"))}
- maîtrise d'œuvre : {P(b.full)} ({g.pick(["[[Géo Pacifique Ingénierie]]", "[[OPT-NC]]", "[[ISEE]]"])}) – {EM(g.email(b))} – {TEL(g.tel("nc_mobile", "intl_par"))}
Boîte générique du projet : [[boussole@province-sud.nc]]"""


@tpl(2)
def t_bare6(g):
    p = g.person()
    dossier, arr = g.num6(), f"2023-{g.r.randint(1000, 9999)}/GNC"
    return f"""Le [[dossier n° {dossier}]] de {p.civ} {P(p.last)} est complet. Le montant de [[150 000 F CFP]] sera versé après publication de l'[[arrêté n° {arr}]]. Pour toute question, vous pouvez {p.e("le", "la")} joindre au {TEL(g.tel("nc", g.pick(["raw", "sp"])))}."""


@tpl(2)
def t_fax(g):
    p = g.person()
    return f"""Bordereau d'envoi – à l'attention de {p.civ} {P(p.full)}, [[cabinet du président]]
Fax : {TEL(g.tel("nc_fixe", g.pick(["dot", "sp"])))} – Tél. : {TEL(g.tel("nc_fixe", "intl"))}
Nombre de pages : 4 (y compris celle-ci). Objet : projet de [[convention cadre 2024-2027]]."""


@tpl(2)
def t_greeting_list(g):
    a, b, c = g.person(), g.person(), g.person()
    return f"""Bonjour {P(a.first)}, {P(b.first)} et {P(c.first)},
Comme convenu, je vous propose de faire le point sur la migration des serveurs de fichiers [[mardi 11 juin]] à 9 h dans la salle [[Kaori]]. Merci de confirmer avant [[vendredi]].
Bonne journée"""


@tpl(2)
def t_signature_simple(g):
    p = g.person()
    return f"""Merci pour ton retour, je regarde ça demain.

--
{P(p.full)}
[[Service de l'aménagement et de la planification]] | [[Province Sud]]
{TEL(g.tel("nc_fixe", "intl"))} | {TEL(g.tel("nc_mobile", "intl"))}
{EM(g.email(p, "province-sud.nc"))}
Pensez à l'environnement avant d'imprimer ce message."""


@tpl(2)
def t_prospect(g):
    p = g.person("fr")
    return f"""Demande reçue via le formulaire de contact du site : « Bonjour, je suis {P(p.full)}, consultant{p.e("", "e")} indépendant{p.e("", "e")} basé{p.e("", "e")} à Bordeaux. Je souhaiterais présenter notre offre SIG. Vous pouvez me joindre au {TEL(g.tel("fr", g.pick(["intl", "intl_paren", "sp"])))} ou {EM(g.email(p))}. Cordialement. » Transmis à [[contact@province-sud.nc]] le [[3 mai 2024]]."""


@tpl(2)
def t_subvention_asso(g):
    p = g.person()
    return f"""Association [[Les Amis du Sentier]] – présidée par {p.civ} {P(p.full)}
Siège : {ADR(g.adr("bp"))}
RIDET : {RID(g.ridet())}
IBAN : {IB(g.iban("nc_fr", "sp"))}
Subvention votée : [[480 000 F CFP]] ([[délibération n° 2024-245/BAPS]] du [[14 mai 2024]])."""


@tpl(2)
def t_demenagement(g):
    p = g.person()
    old, new = g.adr(), g.adr(g.pick(["res", "lot", "rue"]))
    return f"""Bonjour, je vous informe de mon déménagement : ancienne adresse {ADR(old)}, nouvelle adresse {ADR(new)}. Mon numéro de portable ne change pas ({TEL(g.tel("nc_mobile"))}). Merci de mettre à jour mon dossier. {P(p.first + " " + p.last.upper())}"""


@tpl(2)
def t_habite_quartier(g):
    p = g.person()
    return f"""Compte rendu d'astreinte : panne du routeur signalée à 22 h 40 par {p.civ} {P(p.last)}, qui habite {ADR(g.adr("quartier"))} et a reconnu le véhicule de service. Intervention de l'astreinte à 23 h 15, rétablissement à 0 h 30. Aucune donnée perdue."""


@tpl(2)
def t_formulaire_web(g):
    p = g.person()
    dob = g.dob()
    return f"""[Formulaire en ligne – inscription au transport scolaire]
civilite={p.civ}
nom={P(p.last.upper())}
prenom={P(p.first)}
date_de_naissance={DN(g.date(dob, "iso"))}
adresse={ADR(g.adr(g.pick(["lot", "route", "rue"])))}
tel={TEL(g.tel("nc", "raw"))}
email={EM(g.email(p))}
etablissement=[[collège de Koutio]]
consentement_rgpd=oui"""


@tpl(2)
def t_nir_only(g):
    p = g.person()
    dob = g.dob()
    return f"""Pour la prise en charge de vos frais de santé en métropole, merci de nous indiquer votre numéro de sécurité sociale. Réponse de l'agent {P(p.upper)} : « {NIR(g.nir(p.sex, dob, g.pick(["metro", "nc"])))} », {p.e("né", "née")} le {DN(g.date(dob, "slash"))}."""


@tpl(2)
def t_typos(g):
    p = g.person()
    return f"""bjr, ci joint mon adrese pour l'envoie du materiel : {ADR(g.adr(g.pick(["rue", "res"])))}. mon tel est le {TEL(g.tel("nc", g.pick(["dot", "raw"])))}, sinon mail {EM(g.email(p))}. cdlt {P(p.full)}"""


@tpl(2)
def t_siret_multi(g):
    s = g.siren("raw")
    p = g.person("fr")
    return f"""Avis de situation au répertoire SIRENE : entreprise {P(p.upper)}, SIREN {SRN(s)}. Établissements : siège, SIRET {SRT(g.siret(s, "raw"))} ; établissement secondaire, SIRET {SRT(g.siret(s, "sp"))}. Activité : conseil en systèmes et logiciels informatiques (code NAF [[62.02A]])."""


@tpl(2)
def t_pv_reception(g):
    a, b = g.person(), g.person()
    return f"""Procès-verbal de réception des travaux – [[marché n° 2023/0178]]
En présence de : {P(a.full)}, représentant le maître d'ouvrage ([[Province Sud]]) et {P(b.full)}, conducteur de travaux, entreprise [[Tontouta Électricité]] (RIDET {RID(g.ridet("raw7"))}).
Réserves levées le [[12 juillet 2024]]. Signatures : {P(a.last.upper())}, {P(b.last.upper())}"""


@tpl(2)
def t_rappel_portable(g):
    p = g.person()
    return f"""Tu peux appeler {P(p.first)} sur son portable ? {TEL(g.tel("nc_mobile", g.pick(["dot", "raw", "intl_raw"])))}. {p.e("Il", "Elle")} est en déplacement à [[Koné]] jusqu'à jeudi."""


@tpl(2)
def t_adresse_livraison(g):
    p = g.person()
    return f"""Adresse de livraison du matériel (2 postes et 1 écran) : {P(p.full)}, {ADR(g.adr(g.pick(["rue", "rue_court", "route"])))}. Horaires de réception : 7 h 30 – 11 h 30. Bon de commande [[BC-2024-00917]]."""


@tpl(2)
def t_mixed_fr(g):
    p = g.person()
    return f"""Pendant mon séjour en métropole (du [[5 au 26 août]]), je serai joignable au {TEL(g.tel("fr_mobile", g.pick(["intl", "sp", "raw"])))} et à l'adresse {ADR(g.adr("metro"))}. {P(p.first)}"""


@tpl(6)
def t_siren_short(g):
    p = g.person()
    return f"""Peux-tu vérifier le SIREN {SRN(g.siren())} de la micro-entreprise de {p.civ} {P(p.last)} avant l'engagement ? Le bon de commande [[BC-2024-{g.r.randint(1000, 9999)}]] est bloqué."""


@tpl(5)
def t_siret_short(g):
    p = g.person(g.pick(["fr", "vn", "kanak"]))
    return f"""Facture n° [[F-2024-0{g.r.randint(100, 999)}]] – émetteur : {P(p.full)}, SIRET {SRT(g.siret())} – net à payer : [[{g.r.randint(2, 90)} 000 F CFP]]."""


@tpl(3)
def t_kbis(g):
    s = g.siren()
    return f"""Extrait Kbis reçu pour [[Numéria Conseil SARL]] : SIREN {SRN(s)} ; SIRET du siège {SRT(g.siret(s))}. Le gérant est {P(g.person("fr").full)}. À archiver dans le dossier fournisseur."""


@tpl(3)
def t_nir_vitale(g):
    p = g.person()
    return f"""Copie de la carte Vitale de {P(p.full)} : n° {NIR(g.nir(p.sex, fmt=g.pick(["spaced", "compact", "keysep"])))}. Document à conserver dans la sous-chemise « pièces d'état civil » du dossier administratif."""


@tpl(2)
def t_nir_insee(g):
    p = g.person()
    return f"""N° INSEE (NIR) de l'agent {P(p.upper)} : {NIR(g.nir(p.sex, fmt="keysep"))} – à reporter dans la DSN avant le [[5 du mois]]."""


@tpl(3)
def t_ridet_short(g):
    p = g.person()
    return f"""Le numéro RIDET de l'entreprise de {p.civ} {P(p.last)} est le {RID(g.ridet())} (vérifié sur l'avis de situation de l'[[ISEE]])."""


@tpl(3)
def t_email_short(g):
    p = g.person()
    return f"""Peux-tu mettre {EM(g.email(p))} en copie ? C'est l'adresse perso de {P(p.first)}, sa boîte pro ne fonctionne plus depuis la migration."""


@tpl(2)
def t_phone_short(g):
    p = g.person()
    return f"""{p.civ_long} {P(p.full)} souhaite être rappelé{p.e("", "e")} sur son mobile : {TEL(g.tel(g.pick(["nc_mobile", "fr_mobile"])))}."""


# ------------------------------------------------------------------ no-PII lines
NO_PII = [
    "Étape 1 : [[Connectez-vous]] à l'intranet de la [[Province Sud]] avec vos identifiants habituels. Étape 2 : [[Cliquez]] sur « Mes demandes », puis [[Renseignez]] le numéro de dossier. Étape 3 : [[Joindre]] les pièces au format PDF (taille maximale : [[10 Mo]]).",
    "[[Saisir]] la date d'effet de la décision, puis [[Valider]]. Le circuit de visa transmet automatiquement le dossier au [[chef de service]], puis au [[directeur de la DSIN]] pour signature électronique.",
    "Procédure de demande de poste de travail : la demande est formulée par le [[supérieur hiérarchique]] dans l'outil de ticketing au moins [[15 jours]] avant l'arrivée de l'agent. Le [[bureau du support]] prépare le poste et crée le compte de messagerie.",
    "[[Télécharger]] le formulaire CERFA, le compléter puis le déposer au [[guichet unique]] de l'[[hôtel de la Province Sud]] ou l'adresser par courriel à [[accueil@province-sud.nc]]. Le récépissé est délivré sous [[48 heures]].",
    "En cas de perte de votre badge, [[Signalez]] la perte au [[service de sécurité]] sans délai. Un nouveau badge est facturé [[2 000 F CFP]] à compter du second remplacement, conformément à la [[note de service n° 2022-14/DSIN]].",
    "[[Vérifier]] que le fichier de limites communales est projeté en [[RGNC91-93 / Lambert Nouvelle-Calédonie]] ([[EPSG:3163]]) avant tout croisement avec le cadastre.",
    "Pour archiver un dossier clos : [[Archiver]] le dossier dans la GED, renseigner la durée d'utilité administrative ([[DUA]] : [[10 ans]]), puis transmettre le bordereau de versement au [[service des archives de la Province Sud]].",
    "[[Veuillez]] noter que le portail sera indisponible le [[samedi 15 juin 2024]] de 6 h à 12 h pour maintenance. Les demandes urgentes peuvent être adressées à [[support@province-sud.nc]].",
    "Le mot de passe doit comporter au moins [[12 caractères]], dont une majuscule, un chiffre et un caractère spécial. Il est renouvelé tous les [[180 jours]] conformément à la [[politique de sécurité des systèmes d'information]] ([[PSSI]]) de la collectivité.",
    "Procédure d'habilitation : le [[responsable d'application]] valide la demande, la [[DSIN]] crée le compte, puis l'habilitation est revue chaque année lors de la campagne de revue des droits de [[septembre]].",
    "L'[[article 5 du RGPD]] impose que les données soient collectées pour des finalités déterminées, explicites et légitimes, et qu'elles ne soient pas traitées ultérieurement de manière incompatible avec ces finalités.",
    "Selon l'[[article 6]], un traitement n'est licite que s'il repose sur une base légale : consentement, contrat, obligation légale, sauvegarde des intérêts vitaux, mission d'intérêt public ou intérêts légitimes. Pour la [[Province Sud]], la base la plus fréquente est la mission d'intérêt public.",
    "L'[[article 30 du RGPD]] oblige chaque responsable de traitement à tenir un registre des activités de traitement. À la [[Province Sud]], ce registre est tenu par [[le délégué à la protection des données]] et peut être consulté sur demande à [[dpo@province-sud.nc]].",
    "En application de l'[[article 33]], toute violation de données présentant un risque doit être notifiée à la [[CNIL]] dans un délai de [[72 heures]] après en avoir pris connaissance ; l'[[article 34]] prévoit l'information des personnes lorsque le risque est élevé.",
    "Les [[articles 15 à 22 du RGPD]] garantissent les droits d'accès, de rectification, d'effacement, de limitation, de portabilité et d'opposition. La réponse doit intervenir dans un délai d'[[un mois]], prolongeable de [[deux mois]] compte tenu de la complexité de la demande.",
    "L'analyse d'impact relative à la protection des données ([[AIPD]]) prévue par l'[[article 35]] est obligatoire pour les traitements à grande échelle de données sensibles ; la liste publiée par la [[CNIL]] sert de référence.",
    "La [[loi n° 78-17 du 6 janvier 1978]] relative à l'informatique, aux fichiers et aux libertés est applicable en Nouvelle-Calédonie ; le RGPD s'y applique dans les conditions prévues par son [[article 3]].",
    "Le [[délégué à la protection des données]] est désigné par [[arrêté n° 2019-845/PS]] ; il est associé, d'une manière appropriée et en temps utile, à toutes les questions relatives à la protection des données ([[article 38 du RGPD]]).",
    "Durées de conservation : les candidatures non retenues sont conservées [[2 ans]] ; les dossiers de subvention [[10 ans]] après le dernier paiement ; les journaux de connexion [[1 an]], conformément aux recommandations de la [[CNIL]] et du [[référentiel de gestion des archives]].",
    "Sous-traitance ([[article 28]]) : tout contrat avec un prestataire traitant des données pour le compte de la [[Province Sud]] comporte une clause de confidentialité, une clause d'audit et l'obligation de restituer ou détruire les données en fin de contrat.",
    "Jeu de données « [[Limites communales de la Province Sud]] » : polygones des [[14 communes]] de la province, dont [[Nouméa]], [[Dumbéa]], [[Païta]], [[Mont-Dore]], [[Bourail]] et [[Yaté]]. Source : [[DITTT]], échelle de saisie [[1/10 000]], mise à jour annuelle.",
    "Zones inondables – atlas des zones inondables ([[AZI]]) des bassins versants de la [[Dumbéa]] et de la [[Coulée]]. Les enveloppes correspondent à la crue centennale. Producteur : [[Direction des affaires vétérinaires, alimentaires et rurales]] ; diffusion : [[Géorep]].",
    "Cadastre : la couche des parcelles est mise à jour mensuellement par le [[Service de la topographie]]. Les identifiants de parcelle (NIC) sont publics ; la propriété des lots n'est pas diffusée en [[Licence ouverte]].",
    "Réseau hydrographique de la [[Grande Terre]] : linéaires des cours d'eau permanents et temporaires, classés selon Strahler. Système de référence : [[RGNC91-93]]. Emprise : de [[Thio]] à [[Yaté]] pour la partie Province Sud.",
    "Aires protégées provinciales : parc provincial de la [[Rivière Bleue]], réserve naturelle du [[Cap N'Dua]], aire de gestion durable des ressources de [[Bourail]]. Fondement : [[code de l'environnement de la Province Sud]], [[article 211-1]].",
    "Occupation du sol 2022 : [[18 classes]] issues de la photo-interprétation d'images [[Pléiades]] de résolution [[50 cm]]. Emprise : [[Grand Nouméa]] ([[Nouméa]], [[Dumbéa]], [[Mont-Dore]], [[Païta]]). Contact : [[geomatique@province-sud.nc]].",
    "Plan d'urbanisme directeur ([[PUD]]) de la commune de [[La Foa]] : zonage approuvé par [[délibération n° 2021-356/APS]] du [[25 novembre 2021]]. Le règlement écrit est disponible au format PDF.",
    "Points d'apport volontaire du verre : localisation des bornes sur les communes de [[Nouméa]] et du [[Mont-Dore]]. Données fournies par le [[SIGN]] ([[syndicat intercommunal du Grand Nouméa]]). Fréquence de mise à jour : trimestrielle.",
    "Sentiers de randonnée de la [[Province Sud]] : tracés GPS, dénivelé, durée indicative et niveau de difficulté. Les sentiers du [[parc des Grandes Fougères]] sont fermés en cas d'alerte cyclonique.",
    "Mangroves : cartographie 2019 des formations de palétuviers sur le littoral de la [[Province Sud]], de [[Boulouparis]] à [[Moindou]]. Méthode : classification supervisée d'images [[Sentinel-2]].",
    "Établissements scolaires du second degré : position des collèges publics et privés, effectifs [[rentrée 2024]], source [[vice-rectorat de la Nouvelle-Calédonie]]. Les données nominatives des élèves ne sont pas incluses.",
    "Forages et captages d'eau potable : périmètres de protection immédiate, rapprochée et éloignée, définis par [[arrêté n° 2017-1234/GNC]]. Diffusion restreinte aux services de l'État et des collectivités.",
    "Récifs coralliens : polygones issus de l'[[Atlas des récifs coralliens de Nouvelle-Calédonie]] ([[IRD]]). Le lagon de la [[Province Sud]] est inscrit au patrimoine mondial de l'[[UNESCO]] depuis le [[7 juillet 2008]].",
    "[[Article 1er]] – Objet : la présente convention a pour objet de définir les conditions dans lesquelles le [[Gouvernement de la Nouvelle-Calédonie]] met à disposition de la [[Province Sud]] les données du référentiel topographique.",
    "[[Article 3]] – Engagements financiers : la [[Province Sud]] verse à l'[[ISEE]] une participation forfaitaire de [[1 200 000 F CFP]] par an, payable en deux échéances, le [[31 mars]] et le [[30 septembre]].",
    "[[Article 4]] – Durée : la convention est conclue pour une durée de [[trois ans]] à compter de sa signature. Elle peut être renouvelée par avenant exprès.",
    "[[Article 6]] – Protection des données : les parties s'engagent à respecter le [[règlement (UE) 2016/679]] et la [[loi Informatique et Libertés]]. Chaque partie désigne un correspondant ; les échanges transitent par [[dpo@province-sud.nc]] et [[dpo@gouv.nc]].",
    "[[Article 8]] – Résiliation : en cas de manquement grave, la convention peut être résiliée par l'une ou l'autre des parties après mise en demeure restée sans effet pendant [[30 jours]], par lettre recommandée avec accusé de réception.",
    "[[Article 9]] – Litiges : les différends nés de l'exécution de la présente convention sont soumis, à défaut d'accord amiable, au [[tribunal administratif de Nouvelle-Calédonie]].",
    "[[Article 5]] – Propriété intellectuelle : l'[[OPT-NC]] conserve la propriété des données transmises ; la [[Province Sud]] bénéficie d'un droit d'usage non exclusif pour ses missions de service public, y compris la diffusion sur [[Géorep]].",
    "Convention de partenariat entre la [[Province Sud]], la [[CAFAT]] et l'[[ISEE]] relative à l'échange de données statistiques anonymisées, approuvée par la [[délibération n° 2023-512/BAPS]] du [[12 décembre 2023]].",
    "[[Le président de l'assemblée de la Province Sud]] et [[le président du gouvernement de la Nouvelle-Calédonie]] conviennent de constituer un comité technique, présidé alternativement par chacune des parties, qui se réunit au moins [[deux fois par an]].",
    "Vu la [[loi organique n° 99-209 du 19 mars 1999]] modifiée relative à la Nouvelle-Calédonie ; vu la [[délibération n° 44-2013/APS]] du [[13 novembre 2013]] ; vu l'avis du [[comité technique paritaire]] en date du [[4 avril 2024]] ;",
    "Arrêté n° [[2024-0987/PS]] portant délégation de signature : délégation est donnée au [[directeur des systèmes d'information et du numérique]] à l'effet de signer les bons de commande d'un montant inférieur à [[5 000 000 F CFP]] HT.",
    "[[Délibération n° 2024-118/APS]] du [[28 mars 2024]] relative à la stratégie numérique provinciale 2024-2028. Article unique : la stratégie annexée est approuvée. Le budget prévisionnel s'élève à [[320 millions de F CFP]].",
    "L'[[arrêté n° 2023-1234/GNC]] du [[9 mai 2023]] fixe la liste des données de référence ; il entre en vigueur le [[1er janvier 2024]].",
    "Le [[dossier n° 271234]] a été classé sans suite le [[14 février 2024]]. Montant engagé : [[150 000 F CFP]] ; montant liquidé : [[0 F CFP]].",
    "Le marché est attribué pour un montant de [[12 345 678 F CFP]] HT ; la retenue de garantie est fixée à [[5 %]] ; l'avance forfaitaire de [[10 %]] est versée à la notification.",
    "Le lot 3 du lotissement communal, cadastré section [[AB n° 451]], d'une superficie de [[748 m²]], est cédé au prix de [[8 900 000 F CFP]], conformément à l'avis des [[Domaines]].",
    "Référence du bon de commande : [[BC-2024-004512]]. Code postal de livraison : [[98800]]. Imputation budgétaire : [[chapitre 900, article 2183]].",
    "Le taux de disponibilité constaté en mai est de [[99,7 %]] ; [[3 incidents]] majeurs ont été relevés, dont la coupure du lien [[OPT-NC]] du [[16 mai]] entre [[Nouméa]] et [[Koné]].",
    "Rappel : les demandes de congés d'été doivent être saisies avant le [[31 octobre]]. Les [[chefs de service]] valident dans un délai de [[8 jours]]. Au-delà, la demande est réputée acceptée.",
    "Bonjour à toutes et à tous, la réunion mensuelle du service aura lieu le [[mardi 2 juillet]] à 8 h en salle [[Niaouli]]. Ordre du jour : bilan du premier semestre, budget 2025, questions diverses. [[Cordialement]], [[le secrétariat de la DSIN]] ([[secretariat.dsin@province-sud.nc]]).",
    "La [[DINUM]] met à disposition le socle interministériel de logiciels libres ([[SILL]]) ; la [[DSIN]] s'en inspire pour le catalogue logiciel provincial. Les agents peuvent proposer un logiciel via [[support@province-sud.nc]].",
    "L'[[ISEE]] publie chaque année le recensement de la population ; la population de la [[Province Sud]] est estimée à [[203 144 habitants]] au dernier recensement. Les données carroyées à [[200 m]] sont diffusées en open data.",
    "L'[[OPT-NC]] informe les administrations que les numéros courts d'urgence restent accessibles pendant les travaux sur le câble [[Gondwana-1]].",
    "Le [[Gouvernement de la Nouvelle-Calédonie]] a adopté le [[plan stratégique pour l'économie numérique]] ([[PSEN]]). La [[Province Sud]] y contribue au titre de ses compétences en matière de développement économique.",
    "Ne pas confondre le numéro de [[RIDET]] d'une entreprise avec le [[numéro de dossier]] attribué par le guichet : seul le premier figure sur l'avis de situation délivré par l'[[ISEE]].",
    "[[Transmettre]] les pièces justificatives au [[bureau des marchés]] avant le [[15 du mois]] ; passé ce délai, le paiement est reporté au mois suivant.",
    "[[Consulter]] la fiche de procédure « Mise en ligne d'un jeu de données » : le producteur prépare les métadonnées, le [[référent open data]] les valide, puis la publication intervient sur [[data.gouv.nc]] et [[Géorep]].",
    "Les communes de [[Lifou]], [[Maré]] et [[Ouvéa]] relèvent de la [[Province des îles Loyauté]] ; leurs données ne figurent donc pas dans le catalogue de la [[Province Sud]].",
    "L'[[hôtel de la Province Sud]] accueille le public du lundi au vendredi de 7 h 30 à 16 h. Le [[guichet unique]] est fermé les jours fériés, notamment le [[24 septembre]].",
    "La commune de [[Nouméa]] et la commune de [[Bourail]] ont transmis leurs limites de quartiers ; celles de [[Païta]] sont attendues pour le [[30 septembre 2024]].",
    "Le [[centre culturel Tjibaou]] et le [[musée de la Nouvelle-Calédonie]] figurent dans la couche des équipements culturels ; la couche est maintenue par la [[Direction de la culture]].",
    "[[Objet]] : renouvellement des licences SIG. [[Pièces jointes]] : devis, bon de commande. Le montant total s'élève à [[2 340 000 F CFP]] TTC pour [[25 licences]].",
    "Formation « Sensibilisation au RGPD » : session du [[12 septembre 2024]], [[salle Kaori]], durée [[3 heures]], animée par [[le délégué à la protection des données]]. Inscriptions avant le [[5 septembre]] auprès de [[formation@province-sud.nc]].",
    "Le [[schéma directeur des systèmes d'information]] ([[SDSI]]) prévoit la résorption des serveurs obsolètes d'ici [[2026]] et le raccordement de [[12 sites]] distants en fibre optique.",
    "Le [[comité de sécurité]] se réunit chaque trimestre ; il examine les incidents, le tableau de bord de la PSSI et les résultats des tests d'intrusion commandés au [[CERT-NC]].",
]


# =========================================================================== build & check
def check_record(text, ents, keeps):
    errors = []
    spans = [(s, e) for _, _, s, e in ents]
    for i, (s, e) in enumerate(spans):
        for s2, e2 in spans[i + 1 :]:
            if s < e2 and s2 < e:
                errors.append(f"overlapping entities {text[s:e]!r} / {text[s2:e2]!r}")
    listed = Counter(v for _, v, _, _ in ents)
    for v, n in listed.items():
        if not v or v != v.strip():
            errors.append(f"bad entity value {v!r}")
        occ = [m.start() for m in re.finditer(re.escape(v), text)]
        free = [
            o
            for o in occ
            if not any(s <= o and o + len(v) <= e and (s, e) != (o, o + len(v)) for s, e in spans)
        ]
        if len(free) != n:
            errors.append(f"entity {v!r}: {len(free)} free occurrence(s), listed {n}")
    for k in keeps:
        occ = [m.start() for m in re.finditer(re.escape(k), text)]
        if not occ:
            errors.append(f"keep {k!r} absent")
        for o in occ:
            if any(o < e and s < o + len(k) for s, e in spans):
                errors.append(f"keep {k!r} overlaps an entity")
    for t, v, _, _ in ents:
        if t not in TYPES:
            errors.append(f"unknown type {t}")
        ok = {
            "NIR": nir_ok,
            "IBAN": iban_ok,
            "TELEPHONE": phone_ok,
            "SIREN": lambda x: len(x.replace(" ", "")) == 9 and luhn_ok(x.replace(" ", "")),
            "SIRET": lambda x: len(x.replace(" ", "")) == 14 and luhn_ok(x.replace(" ", "")),
            "RIDET": lambda x: re.fullmatch(r"\d(?: ?\d){5,6}\.\d{3}", x) is not None,
            "EMAIL": lambda x: re.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]{2,}", x) is not None,
        }.get(t, lambda x: True)(v)
        if not ok:
            errors.append(f"invalid {t} {v!r}")
    return errors


def build():
    g = G(SEED)
    records = []
    for fn, n in TEMPLATES:
        for _ in range(n):
            for attempt in range(50):
                g.reset()
                text, ents, keeps = parse(fn(g))
                errs = check_record(text, ents, keeps)
                if not errs:
                    break
            else:
                raise SystemExit(f"{fn.__name__}: {errs}")
            records.append((text, ents, keeps))
    for marked in NO_PII:
        text, ents, keeps = parse(marked)
        assert not ents
        errs = check_record(text, ents, keeps)
        if errs or not keeps:
            raise SystemExit(f"no-PII line {text[:60]!r}: {errs or 'empty keep'}")
        records.append((text, ents, keeps))
    g.r.shuffle(records)
    out = []
    for i, (text, ents, keeps) in enumerate(records, 1):
        out.append(
            {
                "id": f"pii-{i:03d}",
                "text": text,
                "entities": [{"type": t, "text": v} for t, v, _, _ in ents],
                "keep": list(dict.fromkeys(keeps)),
            }
        )
    return out


def validate_file(path: Path):
    """Independent re-check of the written file (value-level, as consumers will see it)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    counts = Counter()
    for r in rows:
        assert set(r) == {"id", "text", "entities", "keep"}, r["id"]
        text = r["text"]
        for ent in r["entities"]:
            assert ent["type"] in TYPES, (r["id"], ent)
            assert ent["text"] in text, (r["id"], ent)
            counts[ent["type"]] += 1
        for k in r["keep"]:
            assert k in text, (r["id"], k)
            for ent in r["entities"]:
                assert k not in ent["text"] and ent["text"] not in k, (r["id"], k, ent)
    return rows, counts


def main():
    recs = build()
    with OUT.open("w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    rows, counts = validate_file(OUT)
    with_pii = sum(1 for r in rows if r["entities"])
    print(
        f"wrote {OUT} : {len(rows)} lines ({with_pii} with entities, {len(rows) - with_pii} without)"
    )
    for t in TYPES:
        print(f"  {t:15s} {counts[t]:4d}")
    print(f"  {'TOTAL':15s} {sum(counts.values()):4d}")
    problems = [f"{t}: {counts[t]} < {m}" for t, m in MINIMUMS.items() if counts[t] < m]
    if sum(counts.values()) < 220:
        problems.append("fewer than 220 entities")
    if with_pii < 130 or len(rows) - with_pii < 60:
        problems.append("not enough lines")
    if problems:
        raise SystemExit("size requirements not met: " + "; ".join(problems))


if __name__ == "__main__":
    sys.exit(main())
