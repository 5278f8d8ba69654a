"""Word lists the generator draws from: people, places, employers, schools and tenant vocabulary.

Names come in cultures so that a person's first and last name belong together and their email
address can be derived from a romanisation (``ascii`` spelling) of a non-Latin name. Lists are
written as space-separated names (``display/ascii`` where a romanisation is needed) or
``|``-separated places, to keep this file readable.
"""

from __future__ import annotations

from typing import NamedTuple


class Name(NamedTuple):
    display: str
    ascii: str  # empty for Latin-script names: generate.common.ascii_fold derives it


class Culture(NamedTuple):
    key: str
    family_first: bool  # CJK and Vietnamese names put the family name first (no space for CJK)
    joiner: str
    first: tuple[Name, ...]
    last: tuple[Name, ...]
    locations: tuple[str, ...]
    phone_prefix: str


def _names(text: str) -> tuple[Name, ...]:
    return tuple(Name(*(word.split("/") if "/" in word else (word, ""))) for word in text.split())


def _places(text: str) -> tuple[str, ...]:
    return tuple(place.strip() for place in text.split("|"))


def _culture(key: str, family_first: bool, first: str, last: str, places: str, phone: str) -> Culture:
    return Culture(
        key,
        family_first,
        "" if key in ("zh", "ko") else " ",
        _names(first),
        _names(last),
        _places(places),
        phone,
    )


CULTURES: tuple[Culture, ...] = (
    _culture(
        "es",
        False,
        (
            "José María Lucía Alejandro Sofía Mateo Camila Andrés Valentina Diego Inés Martín Ximena "
            "Julián Renata"
        ),
        (
            "Núñez García Rodríguez Martínez López Hernández Pérez Sánchez Ramírez Torres Muñoz "
            "Ibáñez Castillo Ortega"
        ),
        (
            "Madrid, Spain|Barcelona, Spain|Mexico City, Mexico|Buenos Aires, Argentina|"
            "Bogotá, Colombia|Santiago, Chile"
        ),
        "+34 6",
    ),
    _culture(
        "nordic",
        False,
        "Zoë Astrid Søren Ingrid Lars Sigrid Mikkel Freja Bjørn Åsa Henrik Liv Magnus Elin",
        ("Ødegaard Johansson Nilsen Lindqvist Håkansson Sørensen Berg Dahl Lindström Bakke Holm Engström"),
        "Oslo, Norway|Stockholm, Sweden|Copenhagen, Denmark|Bergen, Norway|Gothenburg, Sweden",
        "+47 9",
    ),
    _culture(
        "zh",
        True,
        "芳/fang 伟/wei 娜/na 敏/min 静/jing 磊/lei 洋/yang 婷/ting 军/jun 丽/li 强/qiang 艳/yan",
        "王/wang 李/li 张/zhang 刘/liu 陈/chen 杨/yang 黄/huang 赵/zhao 周/zhou 吴/wu",
        "Shanghai, China|Beijing, China|Shenzhen, China|Singapore|Hong Kong",
        "+86 13",
    ),
    _culture(
        "ko",
        True,
        "민준/minjun 서연/seoyeon 지훈/jihoon 하은/haeun 도윤/doyun 수아/sua 예준/yejun 지민/jimin",
        "김/kim 이/lee 박/park 최/choi 정/jung 강/kang",
        "Seoul, South Korea|Busan, South Korea|Incheon, South Korea",
        "+82 10",
    ),
    _culture(
        "pl",
        False,
        ("Łukasz Zofia Małgorzata Wojciech Agnieszka Paweł Katarzyna Michał Joanna Grzegorz Ewa Bartłomiej"),
        (
            "Żółć Kowalski Wiśniewska Wójcik Dąbrowski Lewandowska Zieliński Szymańska Woźniak "
            "Kaczmarek Piątek"
        ),
        "Warsaw, Poland|Kraków, Poland|Wrocław, Poland|Gdańsk, Poland|Poznań, Poland",
        "+48 5",
    ),
    _culture(
        "fr",
        False,
        "Aïcha Yasmine Karim Mehdi Inès Léa Hugo Chloé Théo Noémie Rachid Océane Jérôme",
        ("Benali Haddad Dubois Lefèvre Moreau Girard Mansouri Rousseau Faure Bélanger Chevalier Mercier"),
        (
            "Paris, France|Lyon, France|Marseille, France|Montréal, QC, Canada|Brussels, Belgium|"
            "Casablanca, Morocco"
        ),
        "+33 6",
    ),
    _culture(
        "en",
        False,
        (
            "James Emily Michael Olivia Zoë Ethan Hannah Noah Grace Liam Chloe Benjamin Ava Samuel "
            "Maya Daniel Ruby Marcus Tessa Owen"
        ),
        (
            "Smith Johnson O'Brien Walker Bennett Carter Hughes Brooks Reyes Thompson Nguyen Campbell "
            "Foster Murphy Sullivan Okafor Washington"
        ),
        (
            "San Francisco, CA|New York, NY|Austin, TX|Seattle, WA|Chicago, IL|Boston, MA|Denver, CO|"
            "Atlanta, GA|London, UK|Manchester, UK|Toronto, ON, Canada|Dublin, Ireland|"
            "Sydney, Australia"
        ),
        "+1 415 555 0",
    ),
    _culture(
        "in",
        False,
        "Priya Arjun Ananya Rohan Kavya Vikram Aditi Siddharth Meera Rahul Ishaan Divya",
        "Sharma Patel Iyer Reddy Nair Gupta Banerjee Menon Kulkarni Rao Chatterjee",
        "Bengaluru, India|Hyderabad, India|Pune, India|Mumbai, India|Chennai, India",
        "+91 98",
    ),
    _culture(
        "de",
        False,
        "Jürgen Lena Felix Anna Maximilian Greta Lukas Johanna Matthias Clara Sören",
        "Müller Schröder Weiß Fischer Schäfer Köhler Becker Hoffmann Krüger Groß",
        "Berlin, Germany|Munich, Germany|Hamburg, Germany|Vienna, Austria|Zürich, Switzerland",
        "+49 15",
    ),
    _culture(
        "vi",
        True,
        "Hương Minh Thảo Quang Linh Dũng Trang Phúc",
        "Nguyễn Trần Phạm Lê Hoàng Võ Đặng",
        "Ho Chi Minh City, Vietnam|Hanoi, Vietnam|Da Nang, Vietnam",
        "+84 90",
    ),
    _culture(
        "ng",
        False,
        "Chinedu Adaeze Oluwaseun Ngozi Emeka Funmilayo Tunde Chiamaka",
        "Okafor Adeyemi Eze Balogun Nwosu Ogunleye Obi",
        "Lagos, Nigeria|Abuja, Nigeria|Nairobi, Kenya|Accra, Ghana",
        "+234 80",
    ),
)
CULTURE_WEIGHTS: tuple[int, ...] = (12, 6, 6, 3, 6, 8, 30, 10, 7, 3, 4)

# (first, last, culture key): the first people a seed creates, so every dataset shows Unicode names.
SHOWCASE: tuple[tuple[str, str, str], ...] = (
    ("José", "Núñez", "es"),
    ("Zoë", "Ødegaard", "nordic"),
    ("芳", "王", "zh"),
    ("Łukasz", "Żółć", "pl"),
    ("Aïcha", "Benali", "fr"),
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "inbox.example")

EMPLOYERS = _places(
    "Globex|Initech|Stark Analytics|Wayne Logistics|Hooli|Pied Piper|Vandelay Industries|Tyrell Systems|"
    "Cyberdyne|Wonka Labs|Acme Corp|Northwind Traders|Contoso|Fabrikam|Tailspin Toys|Litware|Adventure Works|"
    "Blue Yonder Airlines|Massive Dynamic|Soylent Foods|Monarch Bank|Oceanic Freight|Gekko & Co|"
    "Dunder Mifflin|Prestige Worldwide|Sterling Cooper|Nakatomi Trading|Bluth Company"
)
# Employers for families whose people rarely work at software companies.
FAMILY_EMPLOYERS = {
    "healthcare": _places(
        "St. Elsewhere Hospital|Lakeside Medical Center|Mercy General Hospital|Riverside Clinic|"
        "Northshore Health|Umbrella Health|Rekall Health"
    ),
    "education": _places(
        "Springfield Unified School District|Lakeview High School|Brightside Academy|Atlas Learning Online|"
        "Westfield Community College"
    ),
}

SCHOOLS = _places(
    "University of Michigan|Universidad de Buenos Aires|Jagiellonian University|University of Oslo|"
    "Tsinghua University|Université Paris Cité|IIT Bombay|Technical University of Munich|University of Toronto|"
    "Georgia Institute of Technology|Seoul National University|Vietnam National University|University of Lagos|"
    "Universidad Politécnica de Madrid|KTH Royal Institute of Technology|University of California, Berkeley|"
    "NYU Stern|University of Texas at Austin|Boston University|University of Manchester"
)

LINK_SITES = _places(
    "https://www.linkedin.com/in/{slug}|https://github.com/{slug}|https://{slug}.dev|https://dribbble.com/{slug}|"
    "https://twitter.com/{slug}"
)
PHONE_TYPES = ("mobile", "mobile", "mobile", "work", "home", "other")

COMPANY_NAMES = _places(
    "Northwind Robotics|Brightline Health|Quarry Labs|Lumen Freight|Atlas Learning|Cobalt Pay|Harbor & Pine|"
    "Meridian Bio|Paperplane|Tidewater Energy"
)

# Office location -> (country code, currency) of the postings there.
OFFICES = {
    "San Francisco, CA": ("US", "USD"),
    "New York, NY": ("US", "USD"),
    "Austin, TX": ("US", "USD"),
    "Chicago, IL": ("US", "USD"),
    "Remote": ("US", "USD"),
    "London, UK": ("GB", "GBP"),
    "Berlin, Germany": ("DE", "EUR"),
    "Madrid, Spain": ("ES", "EUR"),
    "Toronto, ON, Canada": ("CA", "CAD"),
    "Warsaw, Poland": ("PL", "PLN"),
    "Bengaluru, India": ("IN", "INR"),
    "Singapore": ("SG", "SGD"),
}
OFFICE_LOCATIONS = tuple(OFFICES)
COMMITMENTS = ("Full-time", "Full-time", "Full-time", "Full-time", "Part-time", "Contract", "Internship")
LEVELS = (None, None, "Entry", "Mid", "Senior", "Lead")
WORKPLACE_TYPES = ("onsite", "remote", "hybrid", "hybrid", "unspecified")

TAGS = _places(
    "Silver medalist|Boomerang|Referral bonus|Relocation|Visa sponsorship|Top talent|Campus 2025|Re-engage Q3|"
    "Remote only|Bilingual|Fast track|Hiring event|Do not contact|Leadership pipeline|Career changer|Veteran|"
    "Open source|Previous applicant"
)
SOURCES_BY_ORIGIN: dict[str, tuple[str, ...]] = {
    "applied": _places("Company website|LinkedIn|Indeed|Job board|Glassdoor"),
    "sourced": _places("LinkedIn|GitHub|Added manually|Sourcing extension"),
    "referred": _places("Referral|Employee referral portal"),
    "agency": _places("Agency: Hays|Agency: Robert Half|Agency: Talentwise"),
    "university": _places("University career fair|Handshake"),
    "internal": _places("Internal|Internal mobility"),
}
USER_TITLES = {
    "super admin": _places("Head of Talent|People Operations Lead"),
    "admin": _places("Recruiting Manager|Recruiting Operations|Talent Partner"),
    "team member": _places("Recruiter|Senior Recruiter|Technical Recruiter|Sourcer|Recruiting Coordinator"),
    "limited team member": _places("Hiring Manager|Engineering Manager|Sales Director|Design Lead"),
    "interviewer": _places(
        "Software Engineer|Account Executive|Product Designer|Nurse Manager|Data Scientist"
    ),
}
TIMEZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Singapore")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
