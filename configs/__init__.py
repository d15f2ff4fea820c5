"""Configuration files shipped with copydesk (default.yaml, strict.yaml)."""
