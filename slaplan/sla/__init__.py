"""sla domain of slaplan (see ARCHITECTURE.md)."""
