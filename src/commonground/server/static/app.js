// Start GOV.UK Frontend's components (buttons, error summaries, service navigation).
import { initAll } from '/static/vendor/govuk/govuk-frontend.min.js';
initAll();

// Pages hand data to their scripts as JSON in <script type="application/json"> blocks.
export function pageData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}
