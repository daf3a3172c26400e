#!/usr/bin/env bash
# The web app's front-end assets, from npm at the versions web/package-lock.json pins, copied
# into the package so the app serves them itself and needs no internet (nor a CDN) at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
modules=web/node_modules
vendor=src/commonground/server/static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/govuk" "$vendor/leaflet" "$vendor/vega"
cp "$modules/govuk-frontend/dist/govuk/govuk-frontend.min.css" \
   "$modules/govuk-frontend/dist/govuk/govuk-frontend.min.js" "$vendor/govuk/"
cp -r "$modules/govuk-frontend/dist/govuk/assets" "$vendor/govuk/assets"
cp "$modules/leaflet/dist/leaflet.js" "$modules/leaflet/dist/leaflet.css" "$vendor/leaflet/"
cp -r "$modules/leaflet/dist/images" "$vendor/leaflet/images"
cp "$modules/vega/build/vega.min.js" "$modules/vega-lite/build/vega-lite.min.js" \
   "$modules/vega-embed/build/vega-embed.min.js" "$vendor/vega/"
for package in govuk-frontend leaflet vega vega-lite vega-embed; do
  cp "$modules/$package/LICENSE" "$vendor/LICENSE-$package" 2>/dev/null || true
done
echo "assets: GOV.UK Frontend, Leaflet and Vega-Lite copied to $vendor" >&2
