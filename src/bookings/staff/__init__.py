"""Staff Members and Resources V2."""
