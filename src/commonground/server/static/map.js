// Draw each LSOA map on the page with Leaflet, with no tile server: the areas' boundaries
// (GET /api/geography/lsoa.geojson) on a plain background, shaded by a count per area.
// An element with data-map="<id>" names the JSON block {counts: {code: n}, label, small};
// an area missing from `counts` had fewer than `small` (or none): the pack withholds which.
import { pageData } from '/static/app.js';

const BINS = ['#deebf7', '#9ecae1', '#4292c6', '#2171b5', '#08306b'];
const WITHHELD = '#f8f8f8';
let boundaries = null;

function boundariesOnce() {
  boundaries ??= fetch('/api/geography/lsoa.geojson').then((r) => r.json());
  return boundaries;
}

// Five equal steps from `small` to the largest count; each area's colour is its step's.
function steps(small, top) {
  const width = Math.max(1, (top - small + 1) / BINS.length);
  return BINS.map((colour, i) => ({
    colour, low: Math.ceil(small + i * width),
    high: i === BINS.length - 1 ? top : Math.ceil(small + (i + 1) * width) - 1,
  })).filter((step) => step.low <= step.high);
}

function shade(count, scale) {
  if (count === undefined) return WITHHELD;
  return (scale.find((step) => count <= step.high) ?? scale[scale.length - 1]).colour;
}

function describe(count, small) {
  if (count === undefined) return `fewer than ${small}, or none (withheld)`;
  return String(count);
}

function legend(scale, small) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const box = L.DomUtil.create('div', 'cg-legend');
    const rows = [[WITHHELD, `fewer than ${small}, or none`]];
    for (const step of scale) {
      rows.push([step.colour, step.low === step.high ? `${step.low}` : `${step.low} to ${step.high}`]);
    }
    for (const [colour, words] of rows) {
      const row = L.DomUtil.create('div', 'cg-legend__row', box);
      const swatch = L.DomUtil.create('span', 'cg-legend__swatch', row);
      swatch.style.background = colour;
      row.append(words);
    }
    return box;
  };
  return control;
}

async function draw(element) {
  const { counts, label, small } = pageData(element.dataset.map);
  const shown = Object.values(counts);
  const scale = shown.length ? steps(small, Math.max(...shown)) : [];
  const map = L.map(element, { attributionControl: true, zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('Boundaries: ONS, OGL v3; © Crown copyright');
  const layer = L.geoJSON(await boundariesOnce(), {
    style: (feature) => {
      const count = counts[feature.properties.code];
      return { color: '#505a5f', weight: 0.4, fillOpacity: 0.85,
               fillColor: shade(count, scale) };
    },
    onEachFeature: (feature, path) => {
      const { code, name } = feature.properties;
      path.bindTooltip(`${name} (${code}): ${describe(counts[code], small)}`, { sticky: true });
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds());
  legend(scale, small).addTo(map);
  element.setAttribute('aria-label', `${label}: a map of Essex's areas; the table below lists the same areas`);
  element.setAttribute('data-drawn', 'true');
}

for (const element of document.querySelectorAll('[data-map]')) {
  draw(element).catch((error) => {
    element.textContent = 'The map could not be drawn; the table gives the same areas.';
    console.error(error);
  });
}
