"""Linking: the graph's entities and Wikidata's.

Holds the links report (``report``: every entity's link or why it has none, checked against the
reference) and the snapshot's live refresh and offline seed (``wikidata``).

May import: ``kg.query``, ``kg.graph``, ``kg.sources`` and the ground floor; not ``kg.checks``.
"""
