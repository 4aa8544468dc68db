"""present domain of slaplan (see ARCHITECTURE.md)."""
