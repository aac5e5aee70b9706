"""Sites (tenants), API keys and OAuth access tokens."""
