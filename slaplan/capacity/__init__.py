"""capacity domain of slaplan (see ARCHITECTURE.md)."""
