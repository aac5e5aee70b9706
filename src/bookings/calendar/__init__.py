"""Calendar V3: schedules, events, weekly recurrence."""
