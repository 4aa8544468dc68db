"""plan domain of slaplan (see ARCHITECTURE.md)."""
