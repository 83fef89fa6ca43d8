"""Rules of e-mails without servers: which failures are retried, which addresses a relay takes, who gets a document."""

from __future__ import annotations

from typing import Any

import aiosmtplib
import pytest

from services.mailings.emails.domain import document_recipients, failure, retry_delay, smtp_address


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@x.fr")]), True),
        # One recipient only greylisted: the next attempt may reach both.
        (
            aiosmtplib.SMTPRecipientsRefused(
                [
                    aiosmtplib.SMTPRecipientRefused(550, "no", "a@x.fr"),
                    aiosmtplib.SMTPRecipientRefused(450, "later", "b@x.fr"),
                ]
            ),
            False,
        ),
        (aiosmtplib.SMTPDataError(554, "message refused as spam"), True),
        (aiosmtplib.SMTPDataError(451, "local error"), False),
        # The relay's configuration, not the message's: retried until fixed, then reported.
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), False),
        (aiosmtplib.SMTPSenderRefused(553, "sender not allowed", "no-reply@x.fr"), False),
        (aiosmtplib.SMTPConnectError("connection refused"), False),
        (TimeoutError(), False),
    ],
)
def test_only_what_the_message_itself_causes_fails_at_once(error, permanent):
    outcome = failure(error)
    assert (outcome.delivered, outcome.permanent) == (False, permanent) and outcome.error


def test_addresses_are_written_as_a_relay_without_smtputf8_takes_them():
    assert smtp_address(" Bob@Château.fr ") == "Bob@xn--chteau-xta.fr"
    assert smtp_address("a@example.fr") == "a@example.fr"
    with pytest.raises(ValueError, match="ASCII"):
        smtp_address("hélène@example.fr")


def test_a_document_goes_to_its_flagged_contacts_else_to_the_client():
    contacts: list[dict[str, Any]] = [
        {"email": "a@x.fr", "receives_dunning": True},
        {"email": "A@X.FR", "receives_dunning": True},
        {"email": None, "receives_quotes": True},
        {"email": "b@x.fr", "receives_quotes": False},
    ]
    assert document_recipients(kind="dunning", contacts=contacts, client_email="c@x.fr") == ["a@x.fr"]
    assert document_recipients(kind="quotes", contacts=contacts, client_email="c@x.fr") == ["c@x.fr"]
    assert document_recipients(kind="quotes", contacts=contacts, client_email=None) == []


def test_waits_between_attempts_double_up_to_a_cap():
    assert [retry_delay(attempts=n, base_seconds=30, max_seconds=300) for n in range(1, 7)] == [
        30,
        60,
        120,
        240,
        300,
        300,
    ]
