// The workspace's SQL editor: run one query through the API and show the rows as a table.
import { pageData } from '/static/app.js';

const { slug, csrf } = pageData('workspace-data');
document.getElementById('run').addEventListener('click', async () => {
  const status = document.getElementById('status');
  const result = document.getElementById('result');
  status.textContent = 'Running…';
  status.className = 'govuk-body';
  result.replaceChildren();
  const response = await fetch(`/api/projects/${encodeURIComponent(slug)}/query`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify({ sql: document.getElementById('sql').value }),
  });
  const data = await response.json();
  if (!response.ok) {
    status.textContent = data.error;
    status.className = 'govuk-error-message';
    return;
  }
  status.textContent = `${data.row_count} rows` + (data.truncated ? ' (first 1,000 shown)' : '');
  const table = document.createElement('table');
  table.className = 'govuk-table';
  const head = table.createTHead().insertRow();
  for (const column of data.columns) {
    const th = document.createElement('th');
    th.className = 'govuk-table__header';
    th.scope = 'col';
    th.textContent = column;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of data.rows) {
    const tr = body.insertRow();
    for (const column of data.columns) {
      const cell = tr.insertCell();
      cell.className = 'govuk-table__cell';
      cell.textContent = String(row[column]);
    }
  }
  result.appendChild(table);
});
