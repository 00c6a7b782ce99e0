"""Infrastructure every product uses: where folders are, errors, publishing outputs safely, the manifest,
tables and YAML."""
