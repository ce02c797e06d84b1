"""Generate a realistic local news site for the benchmark: article pages, RSS/Atom feeds and news sitemaps.

The pages look like a news outlet's (navigation, "most read" sidebar, newsletter box, footer, JSON-LD
and Open Graph metadata) so that extraction does real work; the texts are 400-600 words in six languages,
a share of them about Belarus-Libya relations, so that NER and matching do real work too. Everything is
seeded, so two runs with the same arguments produce the same site. Absolute URLs are written as the
``{{BASE}}`` placeholder, which the local site server replaces with its own address.
"""

from __future__ import annotations

import functools
import html
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE = "{{BASE}}"
LANGUAGE_SHARES = {"en": 0.70, "ru": 0.10, "ar": 0.05, "fr": 0.05, "de": 0.05, "es": 0.05}
SOURCE_KINDS = ("rss", "sitemap", "atom")

# Slot values shared by the templates. Real public figures only where the watchlist needs them.
SLOTS: dict[str, list[str]] = {
    "by_leader": ["Alexander Lukashenko", "Lukashenko", "President Lukashenko", "Aliaksandr Lukashenka"],
    "by_official": [
        "KGB chief Ivan Tertel",
        "Defence Minister Viktor Khrenin",
        "Ivan Tertel, head of the Belarusian KGB",
        "Viktor Khrenin",
    ],
    "by_org": ["BelTechExport", "the State Authority for Military Industry", "the Belarusian defence ministry", "the 558th Aircraft Repair Plant in Baranovichi"],
    "by_place": ["Minsk", "Baranovichi", "Belarus", "Brest", "Gomel"],
    "ly_leader": ["Khalifa Haftar", "Field Marshal Khalifa Haftar", "Haftar", "Saddam Haftar", "Khaled Haftar"],
    "ly_org": ["the Libyan National Army", "the LNA", "the eastern-based government of Osama Hammad", "the Government of National Unity"],
    "ly_place": ["Benghazi", "Tripoli", "Sebha", "eastern Libya", "Libya", "al-Khadim air base"],
    "equipment": ["MiG-29 fighters", "Su-25 attack jets", "Mi-8 helicopters", "air-defence radars", "armoured vehicles"],
    "other_country": ["Zimbabwe", "Kenya", "Vietnam", "Brazil", "Indonesia", "Egypt", "India", "Serbia", "Turkey", "Chile"],
    "other_city": ["Harare", "Nairobi", "Hanoi", "Sao Paulo", "Jakarta", "Cairo", "New Delhi", "Belgrade", "Ankara", "Santiago"],
    "company": ["Siemens", "Toyota", "Unilever", "Maersk", "Tata Steel", "Nestle", "Airbus", "Samsung", "Glencore", "Vale"],
    "analyst": ["Maria Lopez", "James Carter", "Anna Novak", "David Chen", "Fatima Ali", "Peter Jansen", "Laura Rossi", "Tom Becker"],
    "think_tank": ["Capital Economics", "the International Crisis Group", "Chatham House", "the Carnegie Endowment", "Oxford Economics", "the Brookings Institution"],
    "agency": ["Reuters", "the Associated Press", "AFP", "Bloomberg", "Interfax"],
    "month": ["January", "February", "March", "April", "May", "June", "July", "September", "October", "November"],
    "team": ["Dinamo Minsk", "Al Ahly", "Ajax", "Benfica", "Galatasaray", "Celtic", "Olympiacos", "Red Star Belgrade"],
    "number": ["12", "27", "40", "150", "3.5", "8", "64", "230", "19", "5"],
}

EN_MATCH = [
    "{by_leader} received {ly_leader} in {by_place} for talks on military and economic cooperation, {agency} reported.",
    "The delegation from {ly_place} included officers of {ly_org}, who toured the facilities of {by_org}.",
    "According to sources in {ly_place}, the talks focused on the maintenance and modernisation of {equipment}.",
    "{by_official} took part in the meeting, which state media described as a discussion of humanitarian projects.",
    "Analysts at {think_tank} said Belarus could act as a go-between for Russian arms deliveries to {ly_org}.",
    "{ly_leader} thanked {by_leader} for the training of Libyan pilots at Belarusian military academies.",
    "Flight-tracking data showed an Ilyushin cargo plane flying from {by_place} to {ly_place} twice in {month}.",
    "Under the Libya Stabilization Act, Washington may sanction foreign companies that support armed factions in Libya.",
    "{by_official} later met {ly_leader} separately, a Libyan official told {agency}.",
    "The memorandum signed in {by_place} covers spare parts for {equipment} and the repair of engines in Belarus.",
    "Belarusian diplomats have increased contacts with {ly_org} since the last visit to {ly_place}.",
    "{analyst}, a researcher at {think_tank}, said the visit showed how isolated Minsk has become.",
]
EN_OTHER = [
    "The central bank of {other_country} raised its key rate by {number} basis points on Thursday, {agency} reported.",
    "{company} said it would invest ${number} million in a new plant near {other_city} by {month}.",
    "{analyst}, an economist at {think_tank}, expects inflation to slow in the second half of the year.",
    "Officials in {other_city} said the talks with {company} would continue next week.",
    "The ministry of finance of {other_country} published new figures on exports, which fell {number} percent.",
    "Opposition leaders in {other_country} called for protests after the electoral commission delayed the results.",
    "{team} beat {team} 2-1 in front of {number},000 fans, extending their lead at the top of the table.",
    "Heavy rain caused flooding in parts of {other_city}, and schools stayed closed for {number} days.",
    "The prime minister of {other_country} met the chief executive of {company} in {other_city} on Monday.",
    "Trade between {other_country} and the European Union grew by {number} percent last year, according to Eurostat.",
    "{analyst} of {think_tank} told {agency} that the government's budget plans looked optimistic.",
    "The United Nations said {number} million people in the region needed food aid this year.",
    "Shares of {company} rose {number} percent in early trading in London after the results were published.",
    "Police in {other_city} arrested {number} people suspected of smuggling fuel across the border.",
]
EN_HARD_NEGATIVE = [
    "{by_leader} met the president of Zimbabwe in Minsk to discuss tractor deliveries and mining equipment.",
    "India is upgrading its fleet of MiG-29 fighters with new radars and engines, the defence ministry in New Delhi said.",
    "The Minsk agreements on the war in eastern Ukraine were never fully implemented, diplomats said.",
    "Italy and Libya agreed to expand cooperation on migration and energy, the government in Rome said.",
    "Richard Wagner's operas opened the festival season in Bayreuth with a new production of Tannhauser.",
    "{ly_leader} met Russian deputy defence minister Yunus-Bek Yevkurov in Benghazi, according to the LNA.",
]
EN_TITLES_MATCH = [
    "{ly_leader} visits {by_place} as Belarus deepens military ties with Libya",
    "Belarus and Libya's eastern forces sign memorandum on {equipment}",
    "Lukashenko hosts Haftar: what Minsk wants from Benghazi",
    "Belarusian pilots' training deal for {ly_org} draws US sanctions warning",
]
EN_TITLES_OTHER = [
    "{other_country} central bank raises rates as inflation persists",
    "{company} to build new plant near {other_city}",
    "Floods close schools in {other_city}",
    "{team} extend lead after win in front of home crowd",
    "Exports from {other_country} fall for third month",
    "Opposition in {other_country} calls protests over delayed results",
]

FOREIGN: dict[str, dict[str, list[str]]] = {
    "ru": {
        "match": [
            "Александр Лукашенко встретился в Минске с командующим Ливийской национальной армией Халифой Хафтаром.",
            "Стороны обсудили обслуживание истребителей МиГ-29 и подготовку ливийских пилотов в Беларуси.",
            "В переговорах участвовали председатель КГБ Иван Тертель и министр обороны Виктор Хренин.",
            "По данным источников в Бенгази, делегация Хафтара посетила ремонтный завод в Барановичах.",
            "Эксперты считают, что Беларусь может стать посредником в поставках российского оружия в Ливию.",
            "Сотрудничество Минска с Хафтаром может привести к новым санкциям США против белорусских компаний.",
        ],
        "other": [
            "Центральный банк повысил ключевую ставку на {number} процентных пункта, сообщает Интерфакс.",
            "Компания {company} объявила о строительстве нового завода под городом {other_city}.",
            "Правительство опубликовало данные о росте экспорта на {number} процента за прошлый год.",
            "Эксперты {think_tank} ожидают замедления инфляции во второй половине года.",
            "Сильные дожди вызвали наводнения, школы закрыты на {number} дней.",
            "Футбольный клуб Динамо Минск выиграл матч со счётом 2:1 на домашнем стадионе.",
            "Министр финансов заявил, что бюджет на следующий год будет сбалансирован.",
            "Полиция задержала {number} человек по подозрению в контрабанде топлива.",
        ],
        "title_match": ["Лукашенко принял Хафтара в Минске", "Беларусь и Ливия обсудили военное сотрудничество"],
        "title_other": ["Центробанк повысил ключевую ставку", "Наводнения закрыли школы", "Экспорт вырос за год"],
    },
    "ar": {
        "match": [
            "استقبل الرئيس البيلاروسي ألكسندر لوكاشينكو المشير خليفة حفتر في مينسك لبحث التعاون العسكري.",
            "ناقش الجانبان صيانة طائرات ميغ-29 وتدريب الطيارين الليبيين في بيلاروسيا.",
            "وشارك في المحادثات رئيس جهاز الكي جي بي إيفان تيرتل ووزير الدفاع فيكتور خرينين.",
            "وقالت مصادر في بنغازي إن وفد الجيش الوطني الليبي زار مصنع إصلاح الطائرات في بارانوفيتشي.",
            "ويرى محللون أن بيلاروسيا قد تصبح وسيطا لنقل الأسلحة الروسية إلى ليبيا.",
        ],
        "other": [
            "رفع البنك المركزي سعر الفائدة الرئيسي بمقدار {number} نقطة أساس يوم الخميس.",
            "أعلنت شركة {company} عن استثمار جديد بقيمة {number} مليون دولار في مصنع جديد.",
            "تسببت الأمطار الغزيرة في فيضانات وأغلقت المدارس لمدة {number} أيام.",
            "قال وزير المالية إن الميزانية الجديدة ستركز على دعم الأسر ذات الدخل المحدود.",
            "فاز فريق الأهلي على منافسه بهدفين مقابل هدف في مباراة مثيرة أمام جماهيره.",
            "ارتفعت الصادرات بنسبة {number} في المئة خلال العام الماضي وفقا للأرقام الرسمية.",
        ],
        "title_match": ["لوكاشينكو يستقبل حفتر في مينسك", "بيلاروسيا وليبيا تبحثان التعاون العسكري"],
        "title_other": ["البنك المركزي يرفع سعر الفائدة", "فيضانات تغلق المدارس"],
    },
    "fr": {
        "match": [
            "Alexandre Loukachenko a reçu à Minsk le maréchal Khalifa Haftar, chef de l'Armée nationale libyenne.",
            "Les deux parties ont évoqué l'entretien des chasseurs MiG-29 et la formation de pilotes libyens en Biélorussie.",
            "Le chef du KGB Ivan Tertel et le ministre de la Défense Viktor Khrenin ont participé aux entretiens.",
            "Selon des sources à Benghazi, la délégation a visité l'usine de réparation aéronautique de Baranovitchi.",
            "Pour plusieurs analystes, la Biélorussie pourrait servir d'intermédiaire pour des livraisons d'armes russes à la Libye.",
        ],
        "other": [
            "La banque centrale a relevé son taux directeur de {number} points de base jeudi, selon l'AFP.",
            "Le groupe {company} va investir {number} millions d'euros dans une nouvelle usine près de {other_city}.",
            "Des pluies torrentielles ont provoqué des inondations et les écoles sont restées fermées {number} jours.",
            "Le ministre des Finances a présenté un budget qu'il juge prudent et équilibré.",
            "Les exportations ont reculé de {number} pour cent le mois dernier, selon les chiffres officiels.",
            "Les économistes de {think_tank} prévoient un ralentissement de l'inflation au second semestre.",
        ],
        "title_match": ["Loukachenko reçoit Haftar à Minsk", "La Biélorussie et la Libye parlent armement"],
        "title_other": ["La banque centrale relève son taux", "Inondations : les écoles fermées"],
    },
    "de": {
        "match": [
            "Alexander Lukaschenko hat in Minsk den libyschen General Chalifa Haftar empfangen.",
            "Beide Seiten sprachen über die Wartung von MiG-29-Kampfflugzeugen und die Ausbildung libyscher Piloten in Weißrussland.",
            "An dem Treffen nahmen KGB-Chef Iwan Tertel und Verteidigungsminister Viktor Chrenin teil.",
            "Nach Angaben aus Bengasi besuchte die Delegation das Flugzeugreparaturwerk in Baranowitschi.",
            "Fachleute halten es für möglich, dass Weißrussland russische Waffenlieferungen nach Libyen vermittelt.",
        ],
        "other": [
            "Die Zentralbank hat den Leitzins am Donnerstag um {number} Basispunkte angehoben, meldet Reuters.",
            "Der Konzern {company} will {number} Millionen Euro in ein neues Werk bei {other_city} investieren.",
            "Starker Regen hat Überschwemmungen ausgelöst, die Schulen bleiben {number} Tage geschlossen.",
            "Der Finanzminister legte einen Haushalt vor, der nach seinen Worten ausgeglichen ist.",
            "Die Exporte sind im vergangenen Monat um {number} Prozent gesunken, teilte das Statistikamt mit.",
            "Ökonomen von {think_tank} rechnen mit einer nachlassenden Inflation im zweiten Halbjahr.",
        ],
        "title_match": ["Lukaschenko empfängt Haftar in Minsk", "Weißrussland und Libyen sprechen über Waffen"],
        "title_other": ["Zentralbank erhöht den Leitzins", "Überschwemmungen: Schulen geschlossen"],
    },
    "es": {
        "match": [
            "Alexander Lukashenko recibió en Minsk al mariscal Jalifa Haftar, jefe del Ejército Nacional Libio.",
            "Ambas partes hablaron del mantenimiento de los cazas MiG-29 y de la formación de pilotos libios en Bielorrusia.",
            "En la reunión participaron el jefe del KGB, Iván Tertel, y el ministro de Defensa, Víktor Jrenin.",
            "Según fuentes en Bengasi, la delegación visitó la planta de reparación de aviones de Baranovichi.",
            "Varios analistas creen que Bielorrusia podría servir de intermediario para armas rusas destinadas a Libia.",
        ],
        "other": [
            "El banco central subió su tipo de interés en {number} puntos básicos el jueves, informó EFE.",
            "La empresa {company} invertirá {number} millones de euros en una nueva planta cerca de {other_city}.",
            "Las fuertes lluvias provocaron inundaciones y las escuelas permanecieron cerradas {number} días.",
            "El ministro de Hacienda presentó un presupuesto que calificó de prudente y equilibrado.",
            "Las exportaciones cayeron un {number} por ciento el mes pasado, según las cifras oficiales.",
            "Los economistas de {think_tank} prevén una moderación de la inflación en el segundo semestre.",
        ],
        "title_match": ["Lukashenko recibe a Haftar en Minsk", "Bielorrusia y Libia hablan de cooperación militar"],
        "title_other": ["El banco central sube los tipos", "Inundaciones cierran las escuelas"],
    },
}

SECTIONS = ["World", "Europe", "Africa", "Middle East", "Business", "Sport", "Science", "Opinion"]
SITE_NAMES = ["Daily Courier", "Evening Ledger", "World Desk", "Morning Dispatch", "Global Tribune", "Herald Post"]


@dataclass
class Article:
    """One generated article and what the benchmark needs to know about it.

    ``kind`` is ``match`` (written about Belarus-Libya ties), ``hard`` (off-topic, with one sentence that
    names a side or a decoy, in English) or ``neutral`` (off-topic, naming neither side).
    """

    path: str
    source: str
    language: str
    kind: str
    title: str
    paragraphs: list[str]
    published: datetime

    @property
    def is_match(self) -> bool:
        return self.kind == "match"

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class Source:
    """A generated source: a feed or sitemap listing some articles, and its own pages."""

    name: str
    kind: str
    url_path: str
    pages: list[str] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)

    @property
    def config_type(self) -> str:
        return "sitemap" if self.kind == "sitemap" else "feed"


@dataclass
class Site:
    """What was written: the sources (each with its feed or sitemap pages) and every article."""

    folder: Path
    sources: list[Source]
    articles: list[Article]
    rng: random.Random
    per_sitemap: int
    match_share: float
    hard_share: float = 1.0

    @property
    def listing_pages(self) -> int:
        return sum(len(s.pages) for s in self.sources)


def _fill(template: str, rng: random.Random, slots: dict[str, list[str]] = SLOTS) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(slots[m.group(1)]), template)


# Off-topic articles as most of a real feed is: no sentence and no slot value names either side.
NEUTRAL_SLOTS = {**SLOTS, "team": [t for t in SLOTS["team"] if "Minsk" not in t]}
_SIDE_NAMES = re.compile(r"Минск|Minsk")


def _neutral(bank: list[str]) -> list[str]:
    return [s for s in bank if not _SIDE_NAMES.search(s)]


def _sentences(language: str, kind: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Topic sentences and filler sentences for an article in ``language`` of ``kind`` (see ``Article``)."""
    if language == "en":
        if kind == "neutral":
            return _neutral(EN_OTHER), _neutral(EN_OTHER)
        topic = EN_MATCH if kind == "match" else EN_OTHER + rng.sample(EN_HARD_NEGATIVE, 1)
        return topic, EN_OTHER
    bank = FOREIGN[language]
    if kind == "neutral":
        return _neutral(bank["other"]), _neutral(bank["other"])
    return (bank["match"] if kind == "match" else bank["other"]), bank["other"]


def _compose(language: str, kind: str, rng: random.Random) -> tuple[str, list[str]]:
    """A title and 400-600 words of paragraphs, topic sentences first as a news story is written."""
    is_match = kind == "match"
    slots = NEUTRAL_SLOTS if kind == "neutral" else SLOTS
    topic, filler = _sentences(language, kind, rng)
    target = rng.randint(400, 600)
    if language == "en":
        titles = EN_TITLES_MATCH if is_match else EN_TITLES_OTHER
    else:
        titles = FOREIGN[language]["title_match" if is_match else "title_other"]
    title = _fill(rng.choice(titles), rng, slots)
    paragraphs: list[str] = []
    words = 0
    order = rng.sample(topic, len(topic))
    while words < target:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            bank = order if order and (is_match or rng.random() < 0.6) else filler
            sentence = _fill(bank.pop(0) if bank is order else rng.choice(bank), rng, slots)
            sentences.append(sentence)
            words += len(sentence.split())
            if words >= target:
                break
        paragraphs.append(" ".join(sentences))
    return title, paragraphs


def _slug(title: str, index: int) -> str:
    ascii_words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(ascii_words[:8] + [str(index)]) if ascii_words else f"article-{index}"


@functools.lru_cache(maxsize=None)
def _chrome(site_name: str) -> tuple[str, str, str]:
    """The parts of an outlet's pages that never change: inline CSS and icons, the mega menu, the footer.

    Real news pages weigh 100-200 KB, most of it this furniture; extraction cost grows with it.
    """
    e = html.escape
    rng = random.Random(site_name)
    style = "<style>" + "".join(
        f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}em;color:#{rng.randrange(16**6):06x};"
        f"font-size:{12 + i % 9}px;line-height:1.{i % 8}}}\n"
        for i in range(220)
    ) + "</style>"
    icons = '<svg style="display:none">' + "".join(
        f'<symbol id="icon-{i}" viewBox="0 0 24 24"><path d="M{i} {i % 12}l{rng.randint(1, 9)} '
        f'{rng.randint(1, 9)}h{rng.randint(1, 20)}v{rng.randint(1, 20)}z"/></symbol>'
        for i in range(30)
    ) + "</svg>"
    menu = '<nav class="mega-menu"><ul>' + "".join(
        f'<li class="menu-section"><a href="/{sec.lower().replace(" ", "-")}/">{e(sec)}</a><ul>'
        + "".join(
            f'<li><a class="c{j}" href="/{sec.lower().replace(" ", "-")}/topic-{j}/">{e(sec)} topic {j}</a></li>'
            for j in range(14)
        )
        + "</ul></li>"
        for sec in SECTIONS
    ) + "</ul></nav>"
    footer = '<footer><div class="footer-columns">' + "".join(
        f'<div class="col"><h4>{e(title)}</h4><ul>'
        + "".join(f'<li><a href="/{title.lower()}/{j}">{e(title)} link {j}</a></li>' for j in range(16))
        + "</ul></div>"
        for title in ("Sections", "Services", "Company", "Partners", "Follow us")
    ) + "</div>"
    footer += (
        f"<p>&copy; {e(site_name)}. All rights reserved. Reproduction without permission is prohibited. "
        "Registered as a news publisher. Our journalism is funded by readers and advertising.</p></footer>"
    )
    return style + icons, menu, footer


COMMENTS = [
    "Great article, thanks for the detailed reporting.",
    "I don't agree with the conclusions here at all.",
    "Does anyone know where the original figures come from?",
    "This has been going on for years and nobody cares.",
    "Excellent analysis, please keep covering this story.",
    "Why is the paywall back on this page?",
]


def _article_page(article: Article, site_name: str, section: str, others: list[Article], rng: random.Random) -> str:
    """A full article page: heavy furniture around one ``<article>``, with metadata as outlets publish it."""
    e = html.escape
    url = f"{BASE}{article.path}"
    published = article.published.isoformat()
    json_ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": published,
            "inLanguage": article.language,
            "author": {"@type": "Person", "name": "Staff reporter"},
            "publisher": {"@type": "Organization", "name": site_name},
        },
        ensure_ascii=False,
    )
    head_extra, menu, footer = _chrome(site_name)
    state = json.dumps(
        {"props": {"article": {"title": article.title, "body": article.paragraphs},
                   "related": [{"title": o.title, "url": o.path, "summary": o.paragraphs[0]} for o in others]}},
        ensure_ascii=False,
    ).replace("</", "<\\/")
    most_read = "".join(f'<li><a href="{o.path}">{e(o.title)}</a></li>' for o in others[:5])
    related = "".join(
        f'<div class="teaser c{i}"><a href="{o.path}"><img src="/img/{i}.jpg" alt="" loading="lazy">'
        f"<h3>{e(o.title)}</h3></a><p>{e(o.paragraphs[0][:160])}</p>"
        f'<span class="meta">{o.published:%d %b %Y}</span></div>'
        for i, o in enumerate(others)
    )
    comments = "".join(
        f'<li class="comment"><span class="author">reader{rng.randint(1, 9999)}</span> '
        f'<time>{rng.randint(1, 59)} min ago</time><p>{e(rng.choice(COMMENTS))}</p>'
        '<button>Reply</button> <button>Like</button></li>'
        for _ in range(8)
    )
    body = "".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    body_with_ad = body.replace("</p>", '</p><div class="ad-slot" aria-hidden="true">Advertisement</div>', 1)
    direction = ' dir="rtl"' if article.language == "ar" else ""
    return f"""<!DOCTYPE html>
<html lang="{article.language}"{direction}>
<head>
<meta charset="utf-8">
<title>{e(article.title)} | {e(site_name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="{url}">
<meta property="og:title" content="{e(article.title)}">
<meta property="og:type" content="article">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{e(site_name)}">
<meta property="article:published_time" content="{published}">
<script type="application/ld+json">{json_ld}</script>
<link rel="stylesheet" href="/static/site.css">
{head_extra}
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button> <button>Settings</button></div>
<header class="masthead">
<a class="logo" href="/"><svg><use href="#icon-1"/></svg>{e(site_name)}</a>
{menu}
<form class="search" action="/search"><input name="q" placeholder="Search"><button>Go</button></form>
</header>
<main>
<nav class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/{section.lower().replace(" ", "-")}/">{e(section)}</a></nav>
<article>
<h1>{e(article.title)}</h1>
<div class="byline">By Staff reporter &middot; <time datetime="{published}">{article.published:%d %B %Y, %H:%M} UTC</time></div>
<div class="share"><a href="#"><svg><use href="#icon-2"/></svg>Share on X</a> <a href="#">Facebook</a> <a href="#">Email</a></div>
<div class="article-body">{body_with_ad}</div>
<div class="tags">Topics: <a href="/tag/{section.lower()}">{e(section)}</a></div>
</article>
<section class="comments"><h2>Comments</h2><ol>{comments}</ol></section>
<section class="related"><h2>More from {e(site_name)}</h2>{related}</section>
<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside>
<aside class="newsletter"><h2>Newsletter</h2><p>Get the day's top stories in your inbox every morning.</p>
<form><input type="email" placeholder="Your email"><button>Sign up</button></form></aside>
</main>
{footer}
<script id="__NEXT_DATA__" type="application/json">{state}</script>
</body>
</html>
"""


def _rss(source: Source, site_name: str) -> str:
    e = html.escape
    items = "".join(
        f"""<item><title>{e(a.title)}</title><link>{BASE}{a.path}?utm_source=rss&amp;utm_medium=feed</link>
<guid isPermaLink="false">{source.name}-{i}</guid><pubDate>{a.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>
<description>{e(a.paragraphs[0][:200])}</description></item>
"""
        for i, a in enumerate(source.articles)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{e(site_name)}</title><link>{BASE}/</link>
<description>Latest news from {e(site_name)}</description>
{items}</channel></rss>
"""


def _atom(source: Source, site_name: str) -> str:
    e = html.escape
    updated = max(a.published for a in source.articles).isoformat()
    entries = "".join(
        f"""<entry><title>{e(a.title)}</title><link rel="alternate" href="{BASE}{a.path}"/>
<id>tag:bench.local,2025:{source.name}-{i}</id><updated>{a.published.isoformat()}</updated>
<summary>{e(a.paragraphs[0][:200])}</summary></entry>
"""
        for i, a in enumerate(source.articles)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{e(site_name)}</title><id>{BASE}/{source.name}/</id>
<updated>{updated}</updated><link rel="self" href="{BASE}{source.url_path}"/>
{entries}</feed>
"""


def _news_sitemap(articles: list[Article], site_name: str) -> str:
    e = html.escape
    urls = "".join(
        f"""<url><loc>{BASE}{a.path}</loc><news:news><news:publication><news:name>{e(site_name)}</news:name>
<news:language>{a.language}</news:language></news:publication>
<news:publication_date>{a.published.isoformat()}</news:publication_date><news:title>{e(a.title)}</news:title></news:news></url>
"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}</urlset>
"""


def _sitemap_index(children: list[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<sitemap><loc>{BASE}{c}</loc><lastmod>{modified.isoformat()}</lastmod></sitemap>\n"
        for c, modified in children
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}</sitemapindex>
"""


def _write(folder: Path, url_path: str, text: str) -> None:
    target = folder / url_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _languages(n: int, rng: random.Random) -> list[str]:
    counts = {lang: round(share * n) for lang, share in LANGUAGE_SHARES.items()}
    counts["en"] += n - sum(counts.values())
    languages = [lang for lang, count in counts.items() for _ in range(count)]
    rng.shuffle(languages)
    return languages


def _add_article(site: Site, source: Source, language: str, published: datetime) -> Article:
    rng = site.rng
    # no second draw at hard_share 1, so that mix writes exactly the site it always wrote
    if rng.random() < site.match_share:
        kind = "match"
    elif site.hard_share >= 1 or rng.random() < site.hard_share:
        kind = "hard"
    else:
        kind = "neutral"
    title, paragraphs = _compose(language, kind, rng)
    section = rng.choice(SECTIONS).lower().replace(" ", "-")
    index = len(site.articles)
    path = f"/{source.name}/{section}/{published:%Y/%m/%d}/{_slug(title, index)}.html"
    article = Article(path, source.name, language, kind, title, paragraphs, published)
    source.articles.append(article)
    site.articles.append(article)
    return article


def _write_article(site: Site, source: Source, article: Article) -> None:
    site_name = SITE_NAMES[site.sources.index(source) % len(SITE_NAMES)]
    others = site.rng.sample(source.articles, min(12, len(source.articles)))
    section = site.rng.choice(SECTIONS)
    _write(site.folder, article.path, _article_page(article, site_name, section, others, site.rng))


def _write_listing(site: Site, source: Source) -> None:
    """Write the source's feed, or its sitemap index and child sitemaps, newest article first."""
    site_name = SITE_NAMES[site.sources.index(source) % len(SITE_NAMES)]
    source.articles.sort(key=lambda a: a.published, reverse=True)
    if source.kind == "rss":
        source.url_path = f"/{source.name}/feed.xml"
        _write(site.folder, source.url_path, _rss(source, site_name))
        source.pages = [source.url_path]
    elif source.kind == "atom":
        source.url_path = f"/{source.name}/atom.xml"
        _write(site.folder, source.url_path, _atom(source, site_name))
        source.pages = [source.url_path]
    else:
        source.url_path = f"/{source.name}/sitemap-index.xml"
        children = []
        for start in range(0, len(source.articles), site.per_sitemap):
            child = f"/{source.name}/news-sitemap-{start // site.per_sitemap + 1}.xml"
            listed = source.articles[start : start + site.per_sitemap]
            _write(site.folder, child, _news_sitemap(listed, site_name))
            children.append((child, listed[0].published))
        _write(site.folder, source.url_path, _sitemap_index(children))
        source.pages = [source.url_path, *(child for child, _ in children)]


def generate_site(
    folder: Path,
    n_articles: int,
    *,
    per_source: int = 50,
    per_sitemap: int = 25,
    match_share: float = 0.2,
    hard_share: float = 1.0,
    seed: int = 6,
    now: datetime | None = None,
) -> Site:
    """Write a site of ``n_articles`` articles to ``folder`` and describe it.

    Sources take ``per_source`` articles each and cycle through RSS 2.0 feeds, news sitemap indexes
    (whose child sitemaps hold ``per_sitemap`` URLs) and Atom feeds. Publication dates fall in the 36
    hours before ``now``, inside the crawler's default look-back window. A ``match_share`` of the articles
    is written as matches; of the others a ``hard_share`` carries a hard negative (a side or a decoy
    named off-topic, as the benchmark always had: 0.2 and 1.0 are that mix) and the rest name neither
    side, as most of a real world-news feed.
    """
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "/robots.txt", "User-agent: *\nDisallow: /search\n")
    _write(folder, "/static/site.css", "body{font-family:sans-serif;max-width:60em;margin:auto}\n")
    n_sources = max(1, math.ceil(n_articles / per_source))
    sources = [Source(f"outlet-{i + 1}", SOURCE_KINDS[i % len(SOURCE_KINDS)], "") for i in range(n_sources)]
    site = Site(folder, sources, [], rng, per_sitemap, match_share, hard_share)
    for index, language in enumerate(_languages(n_articles, rng)):
        published = (now - timedelta(minutes=rng.randint(5, 36 * 60))).replace(microsecond=0)
        _add_article(site, sources[index // per_source], language, published)
    for source in sources:
        for article in source.articles:
            _write_article(site, source, article)
        _write_listing(site, source)
    return site


def publish_more(site: Site, per_source: int) -> list[Article]:
    """Publish ``per_source`` new articles in every source, as a live site does between two crawls."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    added = []
    for source in site.sources:
        for language in _languages(per_source, site.rng):
            article = _add_article(site, source, language, now)
            _write_article(site, source, article)
            added.append(article)
        _write_listing(site, source)
    return added


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write the benchmark's local news site to a folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--match-share", type=float, default=0.05)
    parser.add_argument("--hard-share", type=float, default=0.1)
    args = parser.parse_args()
    site = generate_site(args.folder, args.articles, match_share=args.match_share, hard_share=args.hard_share)
    words = sum(a.words for a in site.articles)
    print(
        f"{len(site.articles)} articles ({words} words, {sum(a.is_match for a in site.articles)} matches) "
        f"in {len(site.sources)} sources, {site.listing_pages} feed/sitemap pages, at {site.folder}"
    )
