"""What readers read about their emailed privacy link, in the widget's languages (English,
German, French): the mail, and the page the link opens with its buttons, answers and errors.

Plain data. Placeholders in braces are filled by whoever shows the text: `str.format` for the
mail (plain text), and the page (api/privacy.py) escapes the text first, then puts its own
markup in place of {site}, {email}, {once} and {until}. A language is chosen from a tag
("de", "fr-CH", "en-GB") by its primary subtag; anything else is English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"
MAX_TAG_LENGTH = 35  # RFC 5646's longest well-formed tag without private use is 35 characters


@dataclass(frozen=True, slots=True)
class LinkTexts:
    language: str
    # the mail
    subject: str  # {site}
    body: str  # {site} {address} {minutes} {url}
    minutes: tuple[str, str]  # one, other: "{n} minute", "{n} minutes"
    # the page the link opens
    title: str  # {site}
    intro: str  # {site} {email} {once} {until}
    once: str
    download: str
    erase_note: str
    confirm: str
    copy: str
    erase: str
    unconfirmed_title: str
    unconfirmed: str
    erased_title: str
    erased: str  # {n}
    refused_title: str
    # the API's answer to a request for a link (the same whether the address is known or not)
    accepted: str
    # messages of the service's link errors, by their stable code
    errors: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def duration(self, minutes: int) -> str:
        """ "30 minutes", "1 Minute", "1 minute" (French treats 0 and 1 as singular)."""
        one = minutes < 2 if self.language == "fr" else minutes == 1
        return self.minutes[0 if one else 1].format(n=minutes)

    def mail_body(self, *, site: str, address: str, minutes: int, url: str) -> str:
        return self.body.format(site=site, address=address, minutes=self.duration(minutes), url=url)

    def error(self, code: str, fallback: str) -> str:
        """The message for a link error's code, else the service's own (English) message."""
        return self.errors.get(code, fallback)


ENGLISH = LinkTexts(
    language="en",
    subject="Your data on {site}",
    body=(
        "Hello,\n\n"
        "someone (we hope you) asked for the data {site} holds about the email address "
        "{address}: the comments given with it, with the names and websites they carry.\n\n"
        "This link lets you download that data or erase it. It works once, for "
        "{minutes}:\n\n{url}\n\n"
        "If you did not ask for this, ignore this message: nothing happens without the "
        "link.\n\n-- Threadline, the discussion service of {site}\n"
    ),
    minutes=("{n} minute", "{n} minutes"),
    title="Your data on {site}",
    intro=(
        "This link gives access to the comments given on {site} with the email address "
        "{email}, with the names, websites and network addresses recorded with them. It works "
        "{once}, until {until}."
    ),
    once="once",
    download="Download my data (JSON)",
    erase_note=(
        "Erasing removes your name, email, website and network addresses, and removes your "
        "comments (where others replied, the site may keep their text without your name). It "
        "cannot be undone."
    ),
    confirm="Erase my data on this site",
    copy="Download a copy of it first (as a file, instead of a confirmation page)",
    erase="Erase my data",
    unconfirmed_title="Nothing was changed",
    unconfirmed="Tick the box to confirm the erasure, then send the form again.",
    erased_title="Your data was erased",
    erased="{n} comment(s) on this site no longer carry anything about you. This link is now "
    "spent.",
    refused_title="This link cannot be used",
    accepted=(
        "If comments were given with this address on this site, a link to download or "
        "erase them is on its way to it."
    ),
    errors=MappingProxyType(
        {
            "link_invalid": "This link is not valid; ask for a new one from the comments of "
            "the site.",
            "link_used": "This link has been used already; each link works once. Ask for a "
            "new one.",
            "link_expired": "This link has expired; ask for a new one.",
        }
    ),
)

GERMAN = LinkTexts(
    language="de",
    subject="Ihre Daten bei {site}",
    body=(
        "Guten Tag,\n\n"
        "jemand (hoffentlich Sie) hat die Daten angefordert, die {site} zur E-Mail-Adresse "
        "{address} gespeichert hat: die damit abgegebenen Kommentare, samt den Namen und "
        "Websites, die sie tragen.\n\n"
        "Mit diesem Link können Sie diese Daten herunterladen oder löschen. Er funktioniert "
        "ein einziges Mal, {minutes} lang:\n\n{url}\n\n"
        "Falls Sie das nicht angefordert haben, ignorieren Sie diese Nachricht: Ohne den "
        "Link geschieht nichts.\n\n-- Threadline, der Diskussionsdienst von {site}\n"
    ),
    minutes=("{n} Minute", "{n} Minuten"),
    title="Ihre Daten bei {site}",
    intro=(
        "Dieser Link gibt Zugriff auf die Kommentare, die auf {site} mit der E-Mail-Adresse "
        "{email} abgegeben wurden, samt den dazu gespeicherten Namen, Websites und "
        "Netzwerkadressen. Er funktioniert {once}, bis {until}."
    ),
    once="ein einziges Mal",
    download="Meine Daten herunterladen (JSON)",
    erase_note=(
        "Beim Löschen werden Ihr Name, Ihre E-Mail-Adresse, Ihre Website und Ihre "
        "Netzwerkadressen entfernt, ebenso Ihre Kommentare (wo andere geantwortet haben, kann "
        "die Website deren Text ohne Ihren Namen behalten). Das lässt sich nicht rückgängig "
        "machen."
    ),
    confirm="Meine Daten auf dieser Website löschen",
    copy="Vorher eine Kopie herunterladen (als Datei statt einer Bestätigungsseite)",
    erase="Meine Daten löschen",
    unconfirmed_title="Es wurde nichts geändert",
    unconfirmed="Setzen Sie das Häkchen, um das Löschen zu bestätigen, und senden Sie das "
    "Formular erneut.",
    erased_title="Ihre Daten wurden gelöscht",
    erased="{n} Kommentar(e) auf dieser Website enthalten nichts mehr über Sie. Dieser Link "
    "ist nun verbraucht.",
    refused_title="Dieser Link kann nicht verwendet werden",
    accepted=(
        "Wenn auf dieser Website Kommentare mit dieser Adresse geschrieben wurden, ist ein "
        "Link zum Herunterladen oder Löschen an sie unterwegs."
    ),
    errors=MappingProxyType(
        {
            "link_invalid": "Dieser Link ist ungültig; fordern Sie bei den Kommentaren der "
            "Website einen neuen an.",
            "link_used": "Dieser Link wurde bereits verwendet; jeder Link funktioniert nur "
            "einmal. Fordern Sie einen neuen an.",
            "link_expired": "Dieser Link ist abgelaufen; fordern Sie einen neuen an.",
        }
    ),
)

FRENCH = LinkTexts(
    language="fr",
    subject="Vos données sur {site}",
    body=(
        "Bonjour,\n\n"
        "quelqu’un (vous, nous l’espérons) a demandé les données que {site} conserve sur "
        "l’adresse e-mail {address} : les commentaires publiés avec elle, avec les noms et "
        "sites web qu’ils portent.\n\n"
        "Ce lien vous permet de télécharger ces données ou de les effacer. Il ne fonctionne "
        "qu’une fois, pendant {minutes} :\n\n{url}\n\n"
        "Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : rien ne se "
        "passe sans le lien.\n\n-- Threadline, le service de discussion de {site}\n"
    ),
    minutes=("{n} minute", "{n} minutes"),
    title="Vos données sur {site}",
    intro=(
        "Ce lien donne accès aux commentaires publiés sur {site} avec l’adresse e-mail "
        "{email}, avec les noms, sites web et adresses réseau enregistrés avec eux. Il "
        "fonctionne {once}, jusqu’au {until}."
    ),
    once="une seule fois",
    download="Télécharger mes données (JSON)",
    erase_note=(
        "L’effacement supprime votre nom, votre e-mail, votre site web et vos adresses "
        "réseau, ainsi que vos commentaires (là où d’autres ont répondu, le site peut en "
        "garder le texte sans votre nom). C’est irréversible."
    ),
    confirm="Effacer mes données sur ce site",
    copy="En télécharger d’abord une copie (un fichier, au lieu d’une page de confirmation)",
    erase="Effacer mes données",
    unconfirmed_title="Rien n’a été modifié",
    unconfirmed="Cochez la case pour confirmer l’effacement, puis renvoyez le formulaire.",
    erased_title="Vos données ont été effacées",
    erased="{n} commentaire(s) sur ce site ne portent plus rien sur vous. Ce lien est "
    "désormais utilisé.",
    refused_title="Ce lien ne peut pas être utilisé",
    accepted=(
        "Si des commentaires ont été publiés sur ce site avec cette adresse, un lien pour "
        "les télécharger ou les effacer lui est envoyé."
    ),
    errors=MappingProxyType(
        {
            "link_invalid": "Ce lien n’est pas valide ; demandez-en un nouveau depuis les "
            "commentaires du site.",
            "link_used": "Ce lien a déjà été utilisé ; chaque lien ne fonctionne qu’une fois. "
            "Demandez-en un nouveau.",
            "link_expired": "Ce lien a expiré ; demandez-en un nouveau.",
        }
    ),
)

TEXTS: MappingProxyType[str, LinkTexts] = MappingProxyType(
    {t.language: t for t in (ENGLISH, GERMAN, FRENCH)}
)
LANGUAGES = tuple(TEXTS)


def supported(tag: str | None) -> str | None:
    """The supported language a tag names by its primary subtag ("fr-CH" → "fr"), or None."""
    if not tag or len(tag) > MAX_TAG_LENGTH:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in TEXTS else None


def pick_language(candidates: Iterable[str | None]) -> str:
    """The first supported language among the tags, else English."""
    for tag in candidates:
        found = supported(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE


def texts(language: str | None) -> LinkTexts:
    """The texts for a language tag; English for anything unsupported."""
    return TEXTS[pick_language([language])]
