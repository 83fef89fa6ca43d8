"""The account's side of reminders: its time zone and the directory of users reminders go to."""
