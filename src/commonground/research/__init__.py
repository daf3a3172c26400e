"""Research: commissioned projects, governed workspaces, the airlock for outputs."""
