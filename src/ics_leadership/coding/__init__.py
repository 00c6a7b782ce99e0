"""The toolkit for coded qualitative data: the canonical format, mappings, every analysis, the synthetic generator."""
