"""Identity's invitation and password-reset e-mails go out through the mailings sender, over the real broker."""

from sqlalchemy import text

from tests.identity_support import (  # noqa: F401 (fixtures)
    bearer,
    from_new_address,
    identity_api,
    identity_app,
    new_owner,
    tokens_of,
    unique_email,
)
from tests.mailings_support import mailings_app, smtp  # noqa: F401 (fixtures)
from tests.support import eventually


async def emails_to(app, address: str) -> list:
    """The mailings e-mails whose recipients include an address, oldest first."""
    async with app.state.context.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT * FROM emails WHERE :to = ANY(recipients) ORDER BY id"), {"to": address}
        )
        return list(rows.mappings())


async def sent_to(app, address: str, count: int = 1) -> list | None:
    emails = await emails_to(app, address)
    return emails if len(emails) == count and all(e["status"] == "sent" for e in emails) else None


async def test_an_invitation_ends_up_as_a_sent_email_with_its_link(mailings_app, smtp, identity_app, identity_api):
    owner = await new_owner(identity_app, name="Domaine des Essais")
    email = unique_email("invitee")
    invited = await identity_api.post(
        "/api/identity/invitations",
        json={"email": email, "name": "Invitée", "role": "staff"},
        headers=bearer(await tokens_of(identity_api, owner)),
    )
    assert invited.status_code == 201
    [row] = await eventually(lambda: sent_to(mailings_app, email), timeout=30)
    assert (row["account_id"], row["user_id"], row["created_by"]) == (
        owner.account_id,
        invited.json()["user"]["id"],
        "identity",
    )
    [received] = smtp.to(email)
    assert "Domaine des Essais" in received.message["Subject"]
    assert invited.json()["invitation_url"] in received.message.get_content()
    # A user's e-mail, not a client's correspondence: the e-mail routes do not list it.
    assert row["client_id"] == 0
    # Once sent, the link (as good as a password until used) is not kept in the mailings database.
    assert row["body"] == "" and row["subject"]


async def test_a_password_reset_link_is_emailed_once(mailings_app, smtp, identity_app, identity_api):
    owner = await new_owner(identity_app)
    asked = await identity_api.post(
        "/api/identity/password-reset", json={"email": owner.email}, headers=from_new_address()
    )
    assert asked.status_code == 202
    [row] = await eventually(lambda: sent_to(mailings_app, owner.email), timeout=30)
    [received] = smtp.to(owner.email)
    assert "/password-reset?token=" in received.message.get_content()
    assert row["subject"] == "Réinitialisation de votre mot de passe Négoce" and row["body"] == ""
