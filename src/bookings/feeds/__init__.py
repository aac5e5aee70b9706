"""Calendar feeds: a secret ICS URL per site and per staff member (our extension)."""
