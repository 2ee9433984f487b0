"""Publishing a build: atomic directory swap, manifest and output tables."""
