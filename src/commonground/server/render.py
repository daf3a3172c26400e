"""Pages from Jinja2 templates in the GOV.UK Frontend design system, always autoescaped.

Every value a partner or a researcher typed (a dataset's, project's or agreement's name) goes
through autoescape; a template never marks such a value `safe`. Data for charts and maps
reaches the browser as JSON in a `<script type="application/json">` block (`tojson` escapes
`<`, `>` and `&`), which the page's own script reads: no inline script runs, so the
Content-Security-Policy forbids them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from commonground.server.web import CSRF_FIELD, Caller

TEMPLATES = Path(__file__).parent / "templates"

# The sections of the service, and which roles see each in the navigation. The navigation is a
# convenience only: each page's operation checks the policy itself.
SECTIONS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("Data", "/steward", frozenset({"steward"})),
    ("Governance", "/governance", frozenset({"governance_lead", "admin"})),
    ("Research", "/research", frozenset({"researcher"})),
    ("Output checking", "/checking", frozenset({"output_checker"})),
    ("Analysis", "/analysis", frozenset({"analyst"})),
    ("Partnership", "/board", frozenset({"board", "governance_lead", "analyst"})),
    ("Catalogue", "/catalogue", frozenset()),  # everyone signed in
)

# auto_reload off: the templates ship in the package and do not change while it serves, and
# checking each one's modification time on every page was a system call per template.
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def compile_templates() -> int:
    """Compile every page template now (at start) rather than on its first request."""
    names = _ENV.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        _ENV.get_template(name)
    return len(names)


def sections_for(caller: Caller | None) -> list[tuple[str, str]]:
    if caller is None:
        return []
    roles = caller.actor.roles
    return [(label, href) for label, href, who in SECTIONS if not who or who & roles]


def render(request: Request, template: str, caller: Caller | None, *,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    page = _ENV.get_template(template)
    context.setdefault("notice", "")  # a success banner after a form (post/redirect/get)
    context.setdefault("error_summary", [])  # [(field id, message)] for a form's errors
    html = page.render(request=request, caller=caller, actor=caller.actor if caller else None,
                       csrf_field=CSRF_FIELD, csrf=caller.csrf if caller else "",
                       sections=sections_for(caller), path=request.url.path, **context)
    return HTMLResponse(html, status_code)
