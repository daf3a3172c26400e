"""The pages, rendered with Jinja2 (autoescaped): small, plain, readable without JavaScript
except for running a query."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from commonground.governance import Actor
from commonground.research import ProjectView

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} · CommonGround</title>
<style>
 body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#1b1b1b}
 header{display:flex;justify-content:space-between;border-bottom:2px solid #005ea5;
        margin-bottom:1rem}
 textarea{width:100%;font-family:monospace;font-size:1rem}
 table{border-collapse:collapse;margin-top:1rem} td,th{border:1px solid #bbb;padding:.25rem .5rem}
 th{background:#eef} .error{color:#b10e1e;font-weight:bold} code{background:#f3f3f3}
 button{background:#00703c;color:#fff;border:0;padding:.5rem 1rem;font-size:1rem}
</style></head><body>
<header><h1>CommonGround</h1><p>{% if who %}{{ who }} · <a href="/logout">sign out</a>
{% endif %}</p></header>
{{ body | safe }}</body></html>"""


def _page(title: str, body: str, who: str | None = None) -> str:
    return _ENV.from_string(_LAYOUT).render(title=title, body=body, who=who)


def login(error: str = "") -> str:
    body = _ENV.from_string("""<h2>Sign in</h2>
<form method="post" action="/login"><label>API token
<input name="token" type="password" size="60" autocomplete="off"></label>
<button type="submit">Sign in</button></form>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}""").render(error=error)
    return _page("Sign in", body)


def projects(actor: Actor, mine: list[ProjectView]) -> str:
    body = _ENV.from_string("""<h2>Your research projects</h2>
{% if not mine %}<p>You are not named on any project.</p>{% endif %}
<ul>{% for p in mine %}<li><a href="/research/{{ p.slug }}">{{ p.title }}</a>
 — {{ p.status }}, until {{ p.ends_on }}</li>{% endfor %}</ul>""").render(mine=mine)
    return _page("Projects", body, actor.username)


def workspace(actor: Actor, slug: str, views: dict[str, Any]) -> str:
    body = _ENV.from_string("""<h2>Workspace: {{ slug }}</h2>
<p>Your project's views (approved columns only; identifiers re-keyed for this project).
Queries are checked and audited; outputs leave only through the airlock.</p>
<ul>{% for name, v in views.items() %}<li><code>{{ name }}</code> ({{ v.rows }} rows):
 {{ v.columns | join(", ") }}</li>{% endfor %}</ul>
<label for="sql">SQL</label>
<textarea id="sql" rows="5">SELECT count(*) AS n FROM {{ first }}</textarea>
<p><button id="run" type="button">Run query</button></p>
<p id="status" role="status"></p><div id="result"></div>
<script>
const slug = {{ slug | tojson }};
document.getElementById("run").addEventListener("click", async () => {
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  status.textContent = "Running…"; status.className = ""; result.innerHTML = "";
  const response = await fetch(`/api/projects/${slug}/query`, {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({sql: document.getElementById("sql").value})});
  const data = await response.json();
  if (!response.ok) { status.textContent = data.error; status.className = "error"; return; }
  status.textContent = `${data.row_count} rows` + (data.truncated ? " (first 1,000 shown)" : "");
  const table = document.createElement("table");
  const head = table.insertRow();
  for (const c of data.columns) { const th = document.createElement("th");
    th.textContent = c; head.appendChild(th); }
  for (const row of data.rows) { const tr = table.insertRow();
    for (const c of data.columns) { tr.insertCell().textContent = String(row[c]); } }
  result.appendChild(table);
});
</script>""").render(slug=slug, views=views, first=next(iter(views), "view"))
    return _page(f"Workspace {slug}", body, actor.username)
