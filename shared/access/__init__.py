"""Who may call a service: identity's accounts, users and revocations as each service keeps them.

Every service but identity keeps a copy of what identity announces (accounts, users, revoked
sessions and API tokens) in its own database, fed by identity's events, and each API process holds
it in memory, reloaded every second: a token is checked without a call to identity, and a
revocation or a disabled user is refused everywhere within a couple of seconds.
"""
