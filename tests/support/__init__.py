"""Helpers shared by the reliability suites: sandbox workspaces, store probes, and subprocess runners."""
