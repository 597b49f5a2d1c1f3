"""Metrics: engagement pulled from the platforms (or imported from creator-centre exports) into the store."""
