"""funnel domain of slaplan (see ARCHITECTURE.md)."""
