"""The one-command pipeline: configuration, run directory, resumable stages, manifest.

From Python::

    from hedonic.pipeline import RunConfig, run_pipeline
    result = run_pipeline(RunConfig())        # the demo; or load_config("run.toml")
    print(result.layout.report)
"""

from hedonic.pipeline.config import RunConfig, config_toml, load_config
from hedonic.pipeline.context import RunContext
from hedonic.pipeline.run import Pipeline, RunResult, run_pipeline

__all__ = ["Pipeline", "RunConfig", "RunContext", "RunResult", "config_toml", "load_config", "run_pipeline"]
