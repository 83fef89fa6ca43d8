"""A reminder's life through the API: create, read, list, edit, reschedule, snooze, mark done, delete."""
