"""Checks: is the graph well-formed and consistent?

Holds SHACL and the quality-check queries (``validate``), OWL DL reasoning with HermiT or Pellet
(``reasoning``, ``reasoners``, ``java``, over the OWL view of the asserted facts in ``owl_view``),
explanations of contradictions as minimal sets of quoted facts (``explain``) and OWL 2 RL
materialisation (``owl2rl``).

May import: ``kg.query``, ``kg.graph``, ``kg.sources`` and the ground floor; not ``kg.linking``.
"""
