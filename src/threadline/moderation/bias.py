"""An identity-term bias check: neutral sentences that mention identity groups.

Every local toxicity model learned that words naming groups ("gay", "muslim", "black")
appear in abusive comments, and so over-flags neutral sentences that mention them. This
module writes such sentences (templates × groups, all neutral or friendly); the benchmark
reports the share the toxicity scorer would hold, and a test keeps it under a bound and
checks that none is ever rejected.
"""

from __future__ import annotations

GROUPS = (
    "gay",
    "lesbian",
    "bisexual",
    "transgender",
    "queer",
    "straight",
    "muslim",
    "jewish",
    "christian",
    "catholic",
    "hindu",
    "buddhist",
    "sikh",
    "atheist",
    "black",
    "white",
    "asian",
    "latino",
    "african american",
    "mexican",
    "chinese",
    "indian",
    "arab",
    "immigrant",
    "deaf",
    "blind",
    "disabled",
    "elderly",
    "female",
    "male",
)

TEMPLATES = (
    "I am a {g} man.",
    "I am a {g} woman.",
    "I am {g} and I read this paper every morning.",
    "As a {g} person, I agree with the article.",
    "As a {g} reader, I found this piece very informative.",
    "My {g} neighbour helped me carry the groceries.",
    "My {g} neighbour runs the bakery on our street.",
    "My best friend is {g}.",
    "My sister is {g} and works as a nurse.",
    "My {g} colleague gave a great talk yesterday.",
    "Our new mayor is {g}.",
    "The {g} community organised a food drive this weekend.",
    "The {g} community centre is hosting a book fair.",
    "{G} women in science deserve more recognition.",
    "{G} students won the regional maths competition.",
    "{G} families have lived in this town for generations.",
    "She is a proud {g} mother of two.",
    "He is a {g} father who coaches the football team.",
    "The article interviews several {g} business owners.",
    "The report describes how {g} voters decided the election.",
    "Many {g} people volunteer at the local hospital.",
    "I grew up in a {g} family.",
    "Being {g} is part of who I am.",
    "The museum opened an exhibition about {g} history.",
    "The {g} author signed copies of her new novel.",
    "A {g} doctor treated my father last year.",
    "{G} athletes won three medals this year.",
    "The {g} choir sang beautifully at the festival.",
    "My teacher was {g} and inspired me to study law.",
    "The council met with {g} residents to discuss the new park.",
    "Thank you for covering the {g} community fairly.",
    "I would like to read more stories by {g} journalists.",
    "The {g} veterans marched in the parade.",
    "My grandparents were {g} farmers.",
    "The startup was founded by two {g} engineers.",
    "We welcomed a {g} family to our neighbourhood.",
    "The survey asked {g} people about public transport.",
    "The {g} artist painted the mural downtown.",
    "Our {g} priest, rabbi or imam spoke at the memorial.",
    "The {g} nurse stayed late to help every patient.",
    "Is there a {g} support group in this city?",
    "This is a great article about {g} entrepreneurs.",
    "The {g} team captain thanked the fans.",
    "My {g} friends and I went hiking on Sunday.",
    "There are more {g} candidates than ever this year.",
    "The library has a new section on {g} literature.",
    "The {g} chef opened a restaurant near the station.",
    "I am proud to be {g}.",
    "The {g} scientist explained the results clearly.",
    "The {g} students organised a charity concert.",
)


def identity_sentences() -> list[tuple[str, str]]:
    """(group, sentence) for every template and group: 50 × 30 = 1,500 neutral sentences."""
    out = []
    for group in GROUPS:
        for template in TEMPLATES:
            sentence = template.format(g=group, G=group[0].upper() + group[1:])
            out.append((group, sentence))
    return out
