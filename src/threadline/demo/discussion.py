"""The demo discussions: who said what, when (minutes after publication), in reply to whom.

The Harbour Street thread is the showcase: several top-level comments, a reply chain seven
levels deep, a reader answering two people at once (quoting both), a comment its author
deleted after others had replied (it stays as a placeholder), an edited comment, and votes.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.demo.content import HARBOUR_STREET, LIBRARY

COMMUNITY_DESK = "Courier Community Desk"


@dataclass(frozen=True, slots=True)
class DemoComment:
    ref: str
    author: str
    minutes: int  # after the article was published
    body: str
    parent: str | None = None
    website: str | None = None
    up: int = 0
    down: int = 0
    # Minutes after publication at which the moderators removed it.
    deleted_at: int | None = None
    # (minutes after publication, new body): an edit within the window.
    edited: tuple[int, str] | None = None


C = DemoComment

HARBOUR_STREET_COMMENTS: tuple[DemoComment, ...] = (
    # -- the bakery and the school run --------------------------------------------------------
    C(
        "bakery",
        "Margaret Hollis",
        12,
        "I’ve run the bakery at number 14 for twenty-two years. Nobody from the council has "
        "once asked how our deliveries are supposed to arrive if the loading bay goes. "
        "“Consultation” meant an online survey that closed in August, when half of us were "
        "working flat out.\n\n"
        "I’m not against fewer cars. I’m against a plan made by people who don’t have to "
        "unload sixty kilos of flour every morning.",
        up=34,
        down=9,
    ),
    C(
        "bakery-2",
        "Tom Reyes",
        25,
        "With respect, the report (appendix C) keeps a delivery window until 10 a.m. for "
        "vehicles under 7.5 tonnes. Your loading bay isn’t going anywhere before ten.\n\n"
        "I walk my kids across Harbour Street every day. Last year there were **eleven** "
        "collisions involving pedestrians there. That’s the number I can’t get past.",
        parent="bakery",
        up=21,
        down=6,
    ),
    C(
        "bakery-3",
        "Margaret Hollis",
        41,
        "Appendix C also says the window “may be reviewed after six months”. I’ve seen what "
        "“reviewed” means in this town. And my supplier doesn’t arrive until 9:40 on a good "
        "day.",
        parent="bakery-2",
        up=17,
        down=3,
    ),
    C(
        "bakery-4",
        "Dev Chaudhary",
        58,
        "> **Margaret Hollis:** my supplier doesn’t arrive until 9:40 on a good day.\n\n"
        "> **Tom Reyes:** Last year there were eleven collisions involving pedestrians "
        "there.\n\n"
        "You’re both describing real problems, and the plan as written doesn’t properly solve "
        "either of them.\n\n"
        "Eleven collisions is the figure for Harbour Street *and* the Quay Road junction — the "
        "junction accounts for seven of them, and it isn’t in the scheme at all. Meanwhile a "
        "fixed 10 a.m. cut-off will catch exactly the small suppliers the traders rely on.\n\n"
        "A permit scheme for named delivery vans until noon would cost next to nothing and "
        "take most of the heat out of this.",
        parent="bakery-3",
        up=41,
        down=2,
    ),
    C(
        "bakery-5",
        "Tom Reyes",
        70,
        "Fair point on the junction, I hadn’t separated those figures. I’d back a permit "
        "scheme. Would the traders?",
        parent="bakery-4",
        up=12,
    ),
    C(
        "bakery-6",
        "Margaret Hollis",
        84,
        "Yes. Genuinely, yes. That’s the first workable suggestion I’ve read in three months "
        "of this.",
        parent="bakery-5",
        up=19,
    ),
    # -- access ----------------------------------------------------------------------------
    C(
        "access",
        "Sandra Okafor",
        30,
        "Nobody seems to have mentioned blue badge holders. The nearest disabled bays after "
        "this change are on Chapel Lane, which is up a 1-in-8 hill. I use a wheelchair. "
        "“Car-free” for me means “access-free” unless the council keeps some bays at the "
        "harbour end.\n\n"
        "The report says accessibility “will be considered during implementation”. It should "
        "have been considered before the vote, not after.",
        up=52,
        down=1,
    ),
    C(
        "access-2",
        "Ellie Marsh",
        48,
        "This matters, and I say that as someone who campaigned for the scheme. The Cycle "
        "Forum wrote to the council last week asking for four blue badge bays to stay at the "
        "Quay end. I’ll post the letter on our site tonight if that’s useful.",
        parent="access",
        website="https://wexmouth-cycle-forum.example.org/",
        up=23,
    ),
    C(
        "access-3",
        "Sandra Okafor",
        63,
        "Thank you, Ellie, please do. It helps to know it isn’t only disabled people raising it.",
        parent="access-2",
        up=9,
    ),
    C(
        "access-4",
        COMMUNITY_DESK,
        95,
        "We put this question to the council this morning. A spokesperson told the Courier "
        "that “a minimum of four accessible bays will be retained at the southern end” and "
        "that exact locations will be published before the trial starts. We’ll update the "
        "article when the plans are out.",
        parent="access",
        up=31,
    ),
    # -- a comment the moderators removed after two replies --------------------------------
    C(
        "rant",
        "RealWexmouth",
        110,
        "Typical. A few lycra warriors shout loudest and the council rolls over. Anyone who "
        "thinks this is about safety is either naive or on the payroll.",
        deleted_at=123,
    ),
    C(
        "rant-2",
        "Bernard Keane",
        114,
        "There’s no need for that. Plenty of us who drive think the scheme is wrong without "
        "calling the other side names.",
        parent="rant",
        up=27,
    ),
    C(
        "rant-3",
        "Nadia Haddad",
        120,
        "Some of those “lycra warriors” are my customers, and they spend more per visit than "
        "you’d think. Play the ball, not the person.",
        parent="rant",
        up=15,
        down=2,
    ),
    # -- the taxi rank: a chain seven replies deep ------------------------------------------
    C(
        "taxi",
        "Gareth Pryce",
        140,
        "Where do the taxis go? The rank outside the Harbour Hotel serves the station late at "
        "night. Moving it means people walking a long way in the dark, after midnight, to "
        "get a cab. Has anyone thought about that?",
        up=14,
        down=4,
    ),
    C(
        "taxi-1",
        "Tom Reyes",
        152,
        "The report moves the rank to the end of Quay Road, not Chapel Lane. It’s about "
        "150 m from the hotel.",
        parent="taxi",
        up=6,
    ),
    C(
        "taxi-2",
        "Gareth Pryce",
        161,
        "150 m from the hotel, 400 m from the pubs at the top of the street. That’s where the "
        "fares come from on a Friday.",
        parent="taxi-1",
        up=8,
    ),
    C(
        "taxi-3",
        "Tom Reyes",
        170,
        "So people walk 400 m? In most towns that’s nothing, and the trial comes with new "
        "lighting.",
        parent="taxi-2",
        up=3,
        down=7,
    ),
    C(
        "taxi-4",
        "Dev Chaudhary",
        184,
        "The lighting is in the *phase two* budget, which hasn’t been approved. Phase one is "
        "signs, planters and bollards. So as things stand, Gareth is right about the dark "
        "stretch.",
        parent="taxi-3",
        up=18,
    ),
    C(
        "taxi-5",
        "Gareth Pryce",
        197,
        "Thank you. I drive nights. I’ve picked up people who were followed along the "
        "seafront. That stretch matters.",
        parent="taxi-4",
        up=22,
    ),
    C(
        "taxi-6",
        "Tom Reyes",
        215,
        "OK, that changes my view on the timing at least. The lighting should be in phase "
        "one. I’ll email my councillor tonight.",
        parent="taxi-5",
        up=16,
    ),
    C(
        "taxi-7",
        "Gareth Pryce",
        232,
        "Appreciated. Mention the rank too — they’ll listen to a resident before they listen "
        "to a cabbie.",
        parent="taxi-6",
        up=11,
    ),
    # -- other towns -------------------------------------------------------------------------
    C(
        "towns",
        "Hannah Lowe",
        250,
        "Ghent, Pontevedra, half the market towns in the Netherlands: footfall went *up* "
        "after the first year. Traders predict disaster every time and it almost never comes. "
        "I’d rather we tried it than spent another ten years arguing.",
        up=29,
        down=18,
    ),
    C(
        "towns-2",
        "Margaret Hollis",
        262,
        "Pontevedra has 80,000 people and a regional government pouring money into it. We "
        "have a harbour, a hill and a bus every forty minutes.",
        parent="towns",
        up=24,
        down=5,
    ),
    C(
        "towns-3",
        "Hannah Lowe",
        280,
        "Fair, the buses are the weak point. But “we’re too small” was said about the Quay "
        "market too, and that’s now the busiest Saturday in the county.",
        parent="towns-2",
        up=10,
        down=3,
    ),
    C(
        "towns-4",
        "Bernard Keane",
        301,
        "The Quay market is held in a car park. With parking. I rest my case.",
        parent="towns-3",
        up=22,
        down=6,
    ),
    C(
        "towns-5",
        "Nadia Haddad",
        309,
        "Ha. Touché, Bernard.",
        parent="towns-4",
        up=8,
    ),
    # -- a café owner in favour, and an edit -------------------------------------------------
    C(
        "cafe",
        "Nadia Haddad",
        330,
        "For balance: I run the café at number 31 and I’ve wanted the street closed since "
        "2019. The six weeks it was shut for the water main repairs were my best summer ever. "
        "Tables outside, no fumes, people lingering. That’s anecdote, not data, but it isn’t "
        "nothing.",
        up=25,
        down=4,
    ),
    C(
        "cafe-2",
        "Margaret Hollis",
        345,
        "Nadia, your café has tables. My bakery is takeaway. People don’t linger to buy a "
        "loaf, they stop the car, run in, run out.",
        parent="cafe",
        up=13,
        edited=(
            349,
            "Nadia, your café has tables outside. My bakery is takeaway. People don’t linger to "
            "buy a loaf: they stop the car, run in and run out. That’s the trade we’d lose.",
        ),
    ),
    C(
        "cafe-3",
        "Nadia Haddad",
        360,
        "That’s true, and I don’t want to lose you: your sourdough is half the reason people "
        "come to our end of the street. Come to the traders’ meeting on Thursday? The permit "
        "idea upthread is worth pushing together.",
        parent="cafe-2",
        up=20,
    ),
    # -- the numbers -----------------------------------------------------------------------
    C(
        "air",
        "Jonas Berg",
        400,
        "Has anyone actually read the air quality section? NO₂ at the harbour monitor was over "
        "the legal annual limit in 2024 and 2025. This isn’t only about parking.",
        up=16,
        down=3,
    ),
    C(
        "air-2",
        "Bernard Keane",
        418,
        "The monitor is on the wall above the bus stop. Of course it reads high. Move the "
        "buses and see what happens.",
        parent="air",
        up=7,
        down=5,
    ),
    C(
        "air-3",
        "Jonas Berg",
        431,
        "The council’s diffusion tubes at three other points along the street show the same "
        "pattern. It’s table 4 in the report:\n\n"
        "- Quay Road end: 44 µg/m³\n"
        "- outside number 20: 41 µg/m³\n"
        "- Chapel Lane corner: 38 µg/m³\n\n"
        "The legal limit is 40.",
        parent="air-2",
        up=12,
    ),
    # -- the market ------------------------------------------------------------------------
    C(
        "market",
        "Kate Morrow",
        470,
        "Genuine question: will the Saturday market still be able to set up on the street? "
        "Nothing in the article says.",
        up=5,
    ),
    C(
        "market-2",
        COMMUNITY_DESK,
        488,
        "Good question, Kate. The report says the market keeps its current pitch; stalls are "
        "covered by the events exemption. We’ve added a line to the article.",
        parent="market",
        up=9,
    ),
)

LIBRARY_COMMENTS: tuple[DemoComment, ...] = (
    C(
        "den",
        "Alice Turner",
        95,
        "Took my two to the new children’s floor this morning. The reading den under the "
        "stairs is a stroke of genius; I couldn’t get them out.",
        up=12,
    ),
    C(
        "den-2",
        "Ray Whitcombe",
        140,
        "Good to hear. Is the local history room open yet? I’ve a box of my dad’s harbour "
        "photos from the sixties I’d like to donate.",
        parent="den",
        up=4,
    ),
    C(
        "den-3",
        COMMUNITY_DESK,
        205,
        "Ray, the library tells us the local history room opens on 12 January and they are "
        "collecting photographs now. Ask for Moira at the front desk.",
        parent="den-2",
        up=6,
    ),
    C(
        "barrier",
        "Fern O’Leary",
        310,
        "Glad it’s back, but two years is a long time for a town to go without its library. I "
        "hope the flood barriers actually get built this time.",
        up=9,
        down=1,
    ),
    C(
        "barrier-2",
        "Sam Ibe",
        362,
        "The barrier contract was signed in September according to the Environment Agency’s "
        "project page. Work starts in April.",
        parent="barrier",
        up=7,
    ),
)

DISCUSSIONS: dict[str, tuple[DemoComment, ...]] = {
    HARBOUR_STREET.key: HARBOUR_STREET_COMMENTS,
    LIBRARY.key: LIBRARY_COMMENTS,
}
