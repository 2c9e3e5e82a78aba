"""Every user-facing string (Simplified Chinese), in one package; all layers read labels from here."""
from db.labels.domain import *  # noqa: F401,F403
from db.labels.cli import *  # noqa: F401,F403
from db.labels.workflow import *  # noqa: F401,F403
from db.labels.ingest import *  # noqa: F401,F403
from db.labels.launcher import *  # noqa: F401,F403
from db.labels.pages import *  # noqa: F401,F403
from db.labels.demo import *  # noqa: F401,F403
from db.labels.sources import *  # noqa: F401,F403
from db.labels.retention import *  # noqa: F401,F403
