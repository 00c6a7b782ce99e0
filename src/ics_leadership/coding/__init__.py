"""The toolkit for coded qualitative data: the canonical format (:mod:`.format`, any attribute values),
mappings, every analysis, the synthetic generator."""
