// Start GOV.UK Frontend's components (buttons, error summaries, service navigation).
import { initAll } from '/static/vendor/govuk/govuk-frontend.min.js';
initAll();

// Pages hand data to their scripts as JSON in <script type="application/json"> blocks.
export function pageData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

// A wide table scrolls sideways inside its .cg-scroll box; keyboard users reach the hidden
// columns only if the box can take focus (WCAG 2.1.1). It becomes a labelled region, named
// after the table's caption.
for (const box of document.querySelectorAll('.cg-scroll')) {
  if (!box.hasAttribute('tabindex')) box.tabIndex = 0;
  if (!box.hasAttribute('role')) box.setAttribute('role', 'region');
  if (!box.hasAttribute('aria-label') && !box.hasAttribute('aria-labelledby')) {
    const caption = box.querySelector('caption');
    box.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Scrollable table');
  }
}
