// Draw each Vega-Lite chart on the page: an element with data-chart="<id>" names the
// <script type="application/json" id="<id>"> block that holds its specification.
// vega, vega-lite and vega-embed are classic scripts loaded before this module.
import { pageData } from '/static/app.js';

for (const element of document.querySelectorAll('[data-chart]')) {
  const spec = pageData(element.dataset.chart);
  if (!spec) continue;
  window.vegaEmbed(element, spec, { actions: false, renderer: 'svg' })
    .then(() => element.setAttribute('data-drawn', 'true'))
    .catch((error) => {
      element.textContent = 'The chart could not be drawn; the table gives the same numbers.';
      console.error(error);
    });
}
