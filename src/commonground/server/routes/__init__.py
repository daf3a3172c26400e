"""The web app's routers, one per face of the service (a role's pages, the partners' API)."""
