"""Publish: what people read and load, made from the built graph.

Holds the partnership network read by SPARQL (``network``), the map (``diagram``), the evidence
index (``evidence``), the static site (``site``, with ``templates/``), the ontology documentation
(``docs``), the JSON-LD context (``context``) and the VoID/DCAT description (``void``); the
queries they run are package data in ``sparql/``.

May import: every layer below it (checks, linking, query, graph, sources, ground floor); never
``kg.build`` or ``kg.cli``.
"""
