"""The e-mails identity asks the mailings service to send, pure: their links, subjects and text."""

from __future__ import annotations

from urllib.parse import quote

from services.identity.models import User
from shared.events.identity import SignInEmailPayload

INVITATION_PATH = "/invitation"
PASSWORD_RESET_PATH = "/password-reset"


def link(public_url: str, path: str, token: str) -> str:
    """A single-use link to the web console's page that takes a token."""
    return f"{public_url.rstrip('/')}{path}?token={quote(token, safe='')}"


def invitation_email(user: User, *, account_name: str, url: str, days: int) -> SignInEmailPayload:
    """The e-mail inviting a user to choose a password and join the account."""
    body = (
        f"Bonjour {user.name},\n\n"
        f"Vous êtes invité(e) à rejoindre le compte « {account_name} » sur Négoce.\n"
        f"Choisissez votre mot de passe avec ce lien (valable {days} jours, une seule fois) :\n\n"
        f"{url}\n\n"
        "Si vous n'attendiez pas cette invitation, ignorez ce message.\n"
    )
    return SignInEmailPayload(
        user_id=user.id,
        to=user.email,
        kind="invitation",
        subject=f"Invitation à rejoindre {account_name} sur Négoce",
        body=body,
    )


def password_reset_email(user: User, *, url: str, minutes: int) -> SignInEmailPayload:
    """The e-mail with a link to choose a new password."""
    body = (
        f"Bonjour {user.name},\n\n"
        "Une réinitialisation de votre mot de passe Négoce a été demandée.\n"
        f"Choisissez-en un nouveau avec ce lien (valable {minutes} minutes, une seule fois) :\n\n"
        f"{url}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste le même.\n"
    )
    return SignInEmailPayload(
        user_id=user.id,
        to=user.email,
        kind="password_reset",
        subject="Réinitialisation de votre mot de passe Négoce",
        body=body,
    )
