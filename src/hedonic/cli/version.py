"""``hedonic version``: print the versions that matter for reproducing a run."""

from __future__ import annotations

from hedonic.cli._app import app


@app.command()
def version() -> None:
    """Print the versions of hedonic and of its main dependencies."""
    from hedonic.manifest import package_versions

    for name, value in package_versions().items():
        print(f"{name} {value}")
