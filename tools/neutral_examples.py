"""Neutral texts added to the toxicity training data as non-toxic examples.

They are negatives for both the n-gram model and the combiner (tools/toxicity_training.py).

Short replies ("lol", "haha", "hello") are rare among the Wikipedia comments and common in
the toxic tweets, so without them a bare "lol" scored like an insult. And sentences that
name identity groups:

A model fitted on 210 toxic comments learns that words naming groups appear in abuse, and
flags neutral mentions (Dixon et al., "Measuring and Mitigating Unintended Bias in Text
Classification", AIES 2018, balance the training data with such sentences). These templates
and terms are deliberately not those of `threadline.moderation.bias`, which stays an
independent check. The n-gram model needs them most: fitted with the Davidson tweets as
extra positives, it otherwise weighs group names used there as slurs ("queer", "gay") like
insults.
"""

from __future__ import annotations

TERMS = (
    "gay", "lesbian", "bisexual", "transgender", "trans", "queer", "lgbt", "homosexual",
    "heterosexual", "muslim", "islamic", "jewish", "christian", "catholic", "protestant",
    "mormon", "hindu", "buddhist", "sikh", "atheist", "black", "white", "asian", "latino",
    "latina", "hispanic", "african", "african american", "mexican", "chinese", "japanese",
    "indian", "arab", "middle eastern", "european", "immigrant", "refugee", "deaf", "blind",
    "disabled", "older", "elderly", "young", "female", "male", "feminist", "canadian",
    "american", "russian", "palestinian", "israeli", "korean", "nigerian", "syrian",
)  # fmt: skip

TEMPLATES = (
    "{t} people live in every part of this city.",
    "She wrote a book about {t} history.",
    "The {t} club meets on Tuesdays at the library.",
    "He is {t}.",
    "She is {t}.",
    "They are {t}.",
    "We are {t}.",
    "I'm {t}.",
    "My uncle is {t} and loves fishing.",
    "A {t} student won the science prize.",
    "The {t} couple next door invited us to dinner.",
    "This article about {t} voters is well researched.",
    "There are many {t} teachers at our school.",
    "Our {t} friends came to the wedding.",
    "The {t} festival draws thousands of visitors.",
    "I met a {t} engineer at the conference.",
    "Being {t} should not matter when hiring.",
    "The {t} organisation donated books to the school.",
    "Is the {t} community represented on the council?",
    "The study included {t} and non-{t} participants.",
    "What do {t} readers think about the new policy?",
    "My coworker is {t}, and we often have lunch together.",
    "The {t} band played at the town square.",
    "Her grandmother was a {t} seamstress.",
    "The {t} candidate spoke about housing and schools.",
    "I support equal rights for {t} people.",
    "{t}",
    "{t} person",
    "a {t} woman",
    "a {t} man",
)


def neutral_identity_sentences() -> list[str]:
    out = []
    for template in TEMPLATES:
        for term in TERMS:
            text = template.format(t=term)
            out.append(text[0].upper() + text[1:])
    return out


SHORT_REPLIES = (
    "lol", "lol.", "LOL", "haha", "hahaha", "hehe", "lmao", "rofl", ":)", ":-)", ";)", ":D",
    "hello", "hello!", "hi", "hi there", "hey", "hey!", "ok", "okay", "OK.", "yes", "yes!",
    "no", "nope", "yep", "yeah", "sure", "true", "exactly", "agreed", "+1", "this.",
    "thanks", "thank you", "thx", "ty", "cheers", "nice", "nice!", "cool", "wow", "wow!",
    "omg", "oh", "oh no", "ouch", "hmm", "huh?", "what?", "why?", "really?", "seriously?",
    "good point", "well said", "me too", "same here", "interesting", "great", "amazing",
    "so true", "spot on", "bump", "first!", "following", "same", "lol same", "haha yes",
    "good morning", "good night", "congrats!", "happy new year", "welcome back",
)  # fmt: skip


def neutral_examples() -> list[str]:
    """The short replies, then the identity sentences."""
    return list(SHORT_REPLIES) + neutral_identity_sentences()
