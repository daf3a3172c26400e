"""Research: commissioned projects, governed workspaces, the airlock for outputs.

The public API below is what the CLI, the web app and a researcher's notebook call; each
operation takes the acting person and is checked and audited here:

    from commonground.research import Workspace, query_workspace
    query_workspace(hub, me, "exploitation-study", "SELECT count(*) FROM police_crimes")
"""

from commonground.research.airlock import (
    AirlockError,
    OutputView,
    download_output,
    get_output,
    list_outputs,
    release_output,
    request_output,
    review_output,
    submit_output,
    withdraw_output,
)
from commonground.research.disclosure import Thresholds
from commonground.research.projects import (
    NotOnProject,
    ProjectError,
    ProjectView,
    approve_project,
    get_project,
    list_projects,
    propose_project,
    refuse_project,
    revoke_project,
)
from commonground.research.workspace import (
    QueryRefused,
    Workspace,
    query_workspace,
    workspace_views,
)

__all__ = [
    "AirlockError",
    "NotOnProject",
    "OutputView",
    "ProjectError",
    "ProjectView",
    "QueryRefused",
    "Thresholds",
    "Workspace",
    "approve_project",
    "download_output",
    "get_output",
    "get_project",
    "list_outputs",
    "list_projects",
    "propose_project",
    "query_workspace",
    "refuse_project",
    "release_output",
    "request_output",
    "review_output",
    "revoke_project",
    "submit_output",
    "withdraw_output",
    "workspace_views",
]
