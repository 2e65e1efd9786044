"""Where the pipelines read and write: `zoo/` holds the committed model directories, `work/`
(git-ignored) the checkpoints, caches and logs of runs; both beside this package in models/."""
import os

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO = os.path.join(MODELS, "zoo")
WORK = os.path.join(MODELS, "work")
TOOLS = os.path.join(MODELS, "tools")
