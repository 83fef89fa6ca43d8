"""The clients as the reminders service knows them (the shared client replica) and what their life does to reminders."""
