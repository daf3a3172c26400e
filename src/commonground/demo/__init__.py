"""The end-to-end demo: the synthetic county through every room, stage by stage.

`context.py` holds what stages share, one module per stage does its work, and `run.py`
orders the stages and runs them. No domain room imports this package.
"""

from commonground.demo.run import STAGES, render_demo, run_demo

__all__ = ["STAGES", "render_demo", "run_demo"]
