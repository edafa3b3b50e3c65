"""What readers read about reply notifications, in the widget's languages (English, German,
French): the mail, and the unsubscribe page its link opens.

Plain data, like privacy_texts.py (whose language choice it shares). Placeholders in braces
are filled with `str.format`; the page (api/notifications.py) escapes the text first.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from threadline.service import privacy_texts


@dataclass(frozen=True, slots=True)
class ReplyTexts:
    language: str
    # the mail
    subject: str  # {site} {name}
    body: str  # {site} {name} {excerpt} {url} {unsubscribe}
    # the unsubscribe page
    title: str  # {site}
    confirm: str  # {site} {email}
    button: str
    done_title: str
    done: str  # {site} {email}
    refused_title: str
    refused: str


ENGLISH = ReplyTexts(
    language="en",
    subject="{name} replied to your comment on {site}",
    body=(
        "Hello,\n\n{name} replied to your comment on {site}:\n\n{excerpt}\n\n"
        "Read the reply and answer it here:\n{url}\n\n"
        "You get this mail because you asked to be told about replies to your comments. "
        "To stop these mails for every comment of yours on {site}:\n{unsubscribe}\n\n"
        "-- Threadline, the discussion service of {site}\n"
    ),
    title="Reply notifications from {site}",
    confirm="Stop mailing {email} about replies to its comments on {site}?",
    button="Stop these mails",
    done_title="No more reply notifications",
    done="{email} will not be told about replies to its comments on {site} any more.",
    refused_title="This link cannot be used",
    refused="This unsubscribe link is not valid; use the link from the latest mail.",
)

GERMAN = ReplyTexts(
    language="de",
    subject="{name} hat auf Ihren Kommentar bei {site} geantwortet",
    body=(
        "Guten Tag,\n\n{name} hat auf Ihren Kommentar bei {site} geantwortet:\n\n"
        "{excerpt}\n\nHier lesen und beantworten Sie die Antwort:\n{url}\n\n"
        "Sie erhalten diese E-Mail, weil Sie über Antworten auf Ihre Kommentare "
        "benachrichtigt werden wollten. Um diese E-Mails für alle Ihre Kommentare bei {site} "
        "abzubestellen:\n{unsubscribe}\n\n"
        "-- Threadline, der Diskussionsdienst von {site}\n"
    ),
    title="Benachrichtigungen über Antworten von {site}",
    confirm="Keine E-Mails mehr an {email} über Antworten auf deren Kommentare bei {site}?",
    button="Diese E-Mails abbestellen",
    done_title="Keine Benachrichtigungen mehr",
    done="{email} wird nicht mehr über Antworten auf Kommentare bei {site} benachrichtigt.",
    refused_title="Dieser Link kann nicht verwendet werden",
    refused="Dieser Abmeldelink ist ungültig; verwenden Sie den Link aus der neuesten E-Mail.",
)

FRENCH = ReplyTexts(
    language="fr",
    subject="{name} a répondu à votre commentaire sur {site}",
    body=(
        "Bonjour,\n\n{name} a répondu à votre commentaire sur {site} :\n\n{excerpt}\n\n"
        "Lisez la réponse et répondez-y ici :\n{url}\n\n"
        "Vous recevez ce message parce que vous avez demandé à être averti des réponses à "
        "vos commentaires. Pour ne plus recevoir ces messages pour aucun de vos commentaires "
        "sur {site} :\n{unsubscribe}\n\n"
        "-- Threadline, le service de discussion de {site}\n"
    ),
    title="Avis de réponse de {site}",
    confirm="Ne plus avertir {email} des réponses à ses commentaires sur {site} ?",
    button="Ne plus recevoir ces messages",
    done_title="Plus d’avis de réponse",
    done="{email} ne sera plus averti des réponses à ses commentaires sur {site}.",
    refused_title="Ce lien ne peut pas être utilisé",
    refused="Ce lien de désinscription n’est pas valide ; utilisez celui du dernier message.",
)

TEXTS: MappingProxyType[str, ReplyTexts] = MappingProxyType(
    {t.language: t for t in (ENGLISH, GERMAN, FRENCH)}
)


def texts(language: str | None) -> ReplyTexts:
    """The texts for a language tag (privacy_texts' choice); English for anything else."""
    return TEXTS[privacy_texts.pick_language([language])]
