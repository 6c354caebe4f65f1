"""Sources: reading and checking what each source says, before any RDF exists.

Holds the YAML reader with line numbers (``yamlio``) and its JSON schemas, the typed fact model
(``model``), the reader of curated sources (``curated``: ``source.yaml`` + ``facts.yaml`` and the
entity registry), the grounding of quotes in their texts (``grounding``: offsets, ``anchors.json``),
sentence coverage (``coverage``) and the checked corpus the later stages start from (``corpus``).

May import: the ground floor (``kg.vocab``, ``kg.config``, ``kg.errors``, ``kg.atomic``,
``kg.version``, ``kg.terms``, ``kg.ontology``). Nothing above it.
"""
