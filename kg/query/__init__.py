"""Query: asking the built graph, here or elsewhere.

Holds the stored-query catalogue (``catalogue``: grlc headers, parameters), parameter binding
(``binding``), the embedded store and rdflib's reference engine (``store``), running a query where
the user asked (``run``), remote endpoints and push (``remote``), federated queries
(``federation``), the SPARQL server (``serve``) and terminal tables (``table``).

May import: ``kg.graph``, ``kg.sources`` and the ground floor. It sits below ``kg.checks`` and
``kg.linking`` because the quality checks are stored queries run by its engine.
"""
