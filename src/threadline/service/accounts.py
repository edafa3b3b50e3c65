"""People who sign in: creating accounts and granting roles, signing in and out, and finding
who is behind a session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from threadline.auth import permissions
from threadline.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from threadline.auth.ratelimit import Check
from threadline.auth.sessions import csrf_token, hash_session_token, new_session_token
from threadline.domain.errors import AuthRequired, InvalidInput
from threadline.domain.moderation import Actor, Grant, Role, User
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import get_site
from threadline.storage.gateway import Gateway
from threadline.text.checks import clean_text

SESSION_LIFETIME = timedelta(days=7)
LOGINS_PER_MINUTE_PER_EMAIL = 5
LOGINS_PER_MINUTE_PER_IP = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A session: the cookie's token (shown once), its CSRF token, and who it is."""

    token: str
    csrf_token: str
    actor: Actor


@dataclass(frozen=True, slots=True)
class Authenticated:
    actor: Actor
    session_hash: str
    csrf_token: str


def _clean_email(email: str) -> str:
    value = email.strip().casefold()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidInput(f"{email!r} is not an email address.", code="invalid_email")
    return value


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            code="weak_password",
            field="password",
        )


def create_user(
    ctx: ServiceContext,
    email: str,
    display_name: str,
    password: str,
    grants: tuple[Grant, ...] = (),
) -> Actor:
    address = _clean_email(email)
    name = clean_text(display_name, "name", max_length=64, multiline=False)
    _check_password(password)
    hashed = ctx.passwords.hash(password)
    now = ctx.clock()

    def job(db: Gateway) -> Actor:
        user = db.insert_user(address, name, hashed, now)
        for grant in grants:
            db.add_grant(user.id, grant.role, grant.site_id)
        return Actor(user, db.grants(user.id))

    return ctx.store.write(job)


def create_admin(ctx: ServiceContext, email: str, display_name: str, password: str) -> Actor:
    return create_user(ctx, email, display_name, password, (Grant(Role.ADMIN),))


def grant_role(ctx: ServiceContext, email: str, role: Role, site_slug: str | None) -> Actor:
    """Give an existing user a role; moderator and staff roles name a site."""
    address = _clean_email(email)
    site_id = get_site(ctx, site_slug).id if site_slug else None
    if role is not Role.ADMIN and site_id is None:
        raise InvalidInput(f"A {role.value} role is given for one site.", code="site_required")

    def job(db: Gateway) -> Actor:
        found = db.user_with_password(address)
        if found is None:
            raise InvalidInput(f"There is no user {address!r}.", code="user_not_found")
        user = found[0]
        db.add_grant(user.id, role, None if role is Role.ADMIN else site_id)
        return Actor(user, db.grants(user.id))

    return ctx.store.write(job)


def sign_in(ctx: ServiceContext, email: str, password: str, client: ClientInfo) -> SignedIn:
    address = email.strip().casefold()
    ctx.login_limiter.allow_all(
        [
            Check(
                f"login-ip:{client.ip}",
                LOGINS_PER_MINUTE_PER_IP,
                "sign-in attempts from your network",
            ),
            Check(
                f"login-email:{address}",
                LOGINS_PER_MINUTE_PER_EMAIL,
                "sign-in attempts for this account",
            ),
        ]
    )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthRequired("The email or the password is wrong.")
    with ctx.store.reading() as db:
        found = db.user_with_password(address)
    if found is None:
        ctx.passwords.verify_unknown(password)
        raise AuthRequired("The email or the password is wrong.")
    user, stored = found
    if not ctx.passwords.verify(stored, password) or user.disabled:
        raise AuthRequired("The email or the password is wrong.")
    token = new_session_token()
    token_hash = hash_session_token(token)
    now = ctx.clock()
    rehashed = ctx.passwords.hash(password) if ctx.passwords.needs_rehash(stored) else None

    def job(db: Gateway) -> Actor:
        if rehashed is not None:
            db.set_password_hash(user.id, rehashed)
        db.insert_session(
            token_hash, user.id, now, now + SESSION_LIFETIME, client.ip, client.user_agent
        )
        return Actor(user, db.grants(user.id))

    actor = ctx.store.write(job)
    return SignedIn(token, csrf_token(ctx.secret_key, token_hash), actor)


def authenticate(
    ctx: ServiceContext, token: str | None, csrf: str | None, *, changes_state: bool
) -> Authenticated:
    """Who is behind a session cookie; a state-changing request must carry its CSRF token."""
    if not token or len(token) > 200:
        raise AuthRequired("Sign in to continue.")
    token_hash = hash_session_token(token)
    with ctx.store.reading() as db:
        found = db.live_session(token_hash, ctx.clock())
        grants = db.grants(found[1].id) if found else ()
    if found is None:
        raise AuthRequired("Your session has ended; sign in again.")
    if changes_state:
        permissions.check_csrf(ctx.secret_key, token_hash, csrf)
    return Authenticated(
        Actor(found[1], grants), token_hash, csrf_token(ctx.secret_key, token_hash)
    )


def sign_out(ctx: ServiceContext, session_hash: str) -> None:
    now = ctx.clock()
    ctx.store.write(lambda db: db.revoke_session(session_hash, now))


def sign_out_everywhere(ctx: ServiceContext, user: User) -> int:
    now = ctx.clock()
    return ctx.store.write(lambda db: db.revoke_user_sessions(user.id, now))
