"""The one-command pipeline: configuration, run directory, resumable stages, manifest."""
