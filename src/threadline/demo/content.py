"""The demo newspaper's articles (fictional people and places, written in newsroom style)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_SITE = "demo"
PAPER = "The Wexmouth Courier"


@dataclass(frozen=True, slots=True)
class Article:
    key: str  # the thread key, and the article's address: /demo/<key>
    section: str
    title: str
    standfirst: str
    author: str
    role: str
    published_minutes_ago: int  # relative to when the demo was seeded
    paragraphs: tuple[str, ...]


HARBOUR_STREET = Article(
    key="harbour-street-car-free-vote",
    section="Local politics",
    title="Harbour Street to go car-free from March after 7–5 council vote",
    standfirst=(
        "An 18-month trial will close Wexmouth’s main shopping street to through traffic and "
        "remove 46 parking spaces. Traders say it will cost them customers; supporters point "
        "to eleven pedestrian collisions last year."
    ),
    author="Priya Natarajan",
    role="Local Democracy Reporter",
    published_minutes_ago=540,
    paragraphs=(
        "Wexmouth Town Council has voted to close Harbour Street to through traffic for an "
        "18-month trial beginning on 2 March, ending more than a year of consultation on the "
        "future of the town’s main shopping street.",
        "Councillors backed the scheme by seven votes to five on Tuesday evening after a "
        "three-hour debate watched by more than 80 residents and traders, some of whom had to "
        "follow proceedings from the corridor outside the Guildhall chamber.",
        "Under the plans, the section between the Quay Road junction and Chapel Lane will be "
        "closed to vehicles from 10 a.m. to 8 p.m. daily. Deliveries will be allowed before "
        "10 a.m., and the 46 on-street parking spaces will be replaced by planters, cycle racks "
        "and seating. The taxi rank outside the Harbour Hotel will move to the end of Quay Road.",
        "“This is not a war on drivers,” said Cllr Jo Whitfield, the council’s cabinet member "
        "for transport, who proposed the trial. “Last year there were eleven collisions "
        "involving pedestrians on and around Harbour Street. We owe it to the people who walk "
        "there — which is nearly everybody — to try something different.”",
        "The Harbour Street Traders’ Association, which represents 41 businesses, said the vote "
        "ignored the people most affected. Its chair, Alan Brierley, who runs a hardware shop "
        "on the street, said members feared a repeat of the roadworks closures of 2023. "
        "“Footfall fell by a third that summer. Some of us are still paying off the "
        "overdraft,” he said.",
        "Opposition councillors questioned the cost of the trial, estimated at £380,000 for "
        "the first phase, and the timing of new street lighting, which is part of a second "
        "phase that has yet to be funded.",
        "Disability campaigners have asked the council to guarantee accessible parking at the "
        "southern end of the street. A council spokesperson said details of blue badge "
        "provision would be published before the trial begins.",
        "The council will publish monthly figures on footfall, air quality and collisions "
        "during the trial. A decision on whether to make the scheme permanent is expected in "
        "the autumn of 2028.",
    ),
)

LIBRARY = Article(
    key="riverside-library-reopens",
    section="Community",
    title="Riverside Library reopens its doors two years after the flood",
    standfirst=(
        "The Victorian building on Mill Walk has been restored with a new children’s floor, a "
        "flood-proof ground level and a local history room that opens in January."
    ),
    author="Tom Adeyemi",
    role="Community Reporter",
    published_minutes_ago=2 * 24 * 60 + 75,
    paragraphs=(
        "Riverside Library reopened on Saturday morning, two years and four months after flood "
        "water from the River Wex filled its ground floor to a depth of almost a metre.",
        "A queue had formed along Mill Walk by 9 a.m., and staff said more than 600 people came "
        "through the doors on the first day — roughly what the library used to see in a "
        "fortnight.",
        "The £2.1 million restoration, paid for largely by the council’s insurers and a "
        "heritage lottery grant, has raised the building’s wiring and shelving above flood "
        "level and replaced the old parquet with a sealed stone floor that can be hosed down.",
        "Upstairs, the former reading room has become a children’s floor with a reading den "
        "built under the original cast-iron staircase. “We wanted somewhere children would "
        "want to hide,” said head librarian Moira Castle. “Judging by this morning, it works.”",
        "A local history room, housing the town’s photographic archive, will open on "
        "12 January. The library is asking residents to lend or donate photographs of the "
        "harbour and the old mills.",
        "Flood defences for the Mill Walk area, first proposed in 2019, are due to begin "
        "construction next spring.",
    ),
)

CUP_FINAL = Article(
    key="rovers-under-14s-county-cup-final",
    section="Sport",
    title="Wexmouth Rovers under-14s reach their first county cup final",
    standfirst=(
        "A penalty save at Brackenfield sends the youth side to the final at Eastgate Park "
        "on 14 December."
    ),
    author="Sam Whitlock",
    role="Sports Reporter",
    published_minutes_ago=190,
    paragraphs=(
        "Wexmouth Rovers’ under-14s will play in a county cup final for the first time in the "
        "club’s 96-year history after beating Brackenfield Town 4–3 on penalties on Sunday.",
        "The match finished 1–1 after extra time. Striker Kayden Moss gave Rovers the lead "
        "shortly before half-time, turning in a low cross from Ruby Ashworth, before "
        "Brackenfield equalised from a corner with ten minutes to play.",
        "Goalkeeper Isaac Ferreira saved the fifth Brackenfield penalty, diving low to his "
        "right, to send the travelling parents into celebrations that, by one account, could "
        "be heard from the car park.",
        "“They’ve trained through the wind and the rain on the rec since August,” said coach "
        "Dawn Pellew. “Nobody gave us a chance in the second round, never mind now. I’m very "
        "proud of them.”",
        "Rovers will face Eastgate Athletic in the final at Eastgate Park on Saturday "
        "14 December, kick-off 11 a.m. The club is running a coach for supporters; seats can "
        "be booked at the clubhouse.",
    ),
)

ARTICLES: tuple[Article, ...] = (HARBOUR_STREET, CUP_FINAL, LIBRARY)


def find_article(key: str) -> Article | None:
    return next((a for a in ARTICLES if a.key == key), None)
