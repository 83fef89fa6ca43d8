"""The clients as the mailings service knows them (the shared client replica) and what their end does here."""
