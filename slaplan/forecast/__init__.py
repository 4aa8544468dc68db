"""forecast domain of slaplan (see ARCHITECTURE.md)."""
