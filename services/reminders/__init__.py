"""The reminders service: Dated reminders about clients, fired on time exactly once."""
