"""Compliance before publishing: word lists as data (广告法 absolute terms, traffic diversion, medical and
financial promises), the matcher that finds them in an item's text, acknowledgements (`allow:`), and the
near-duplicate fingerprints. Pure: no I/O beyond reading the YAML lists it is given."""
