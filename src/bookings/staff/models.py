"""Tables of this slice (registered on the shared metadata)."""
