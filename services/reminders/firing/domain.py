"""Rules of firing that need no database: how the notification e-mail names the client and reads."""

from __future__ import annotations

from datetime import datetime

from shared.text import one_line


def who(*, client_name: str, client_id: int) -> str:
    """How a notification e-mail names the client: its name on one line, else its number."""
    # The name becomes a header: one line, whatever a client record accepted before names were checked.
    return one_line(client_name) or f"client {client_id}"


def email_subject(client: str) -> str:
    """The subject of a notification e-mail about this client (as ``who`` names it)."""
    return f"Rappel : {client}"


def email_text(*, client_name: str, client_id: int, text: str, due_local: datetime) -> tuple[str, str]:
    """Subject and body of the e-mail that tells the assigned user a reminder is due."""
    client = who(client_name=client_name, client_id=client_id)
    when = due_local.strftime("%d/%m/%Y %H:%M %Z")
    return email_subject(client), f"Rappel du {when} pour {client} (n° {client_id}) :\n\n{text}\n"
