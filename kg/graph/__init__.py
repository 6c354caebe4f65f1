"""Graph: the checked facts as RDF quads.

Holds the loader (``loader``: one named graph per source, one provenance graph per source with
PROV-O and Web Annotation evidence for every asserted triple, the ontology and the registry), the
SSSOM mappings (``mappings``), the Wikidata snapshot graph (``snapshot``) and deterministic
reading and writing of datasets (``export``).

May import: ``kg.sources`` and the ground floor.
"""
