#!/usr/bin/env bash
# Refresh the Apache ECharts build that the HTML report embeds (regcheck/writers/assets/).
#
# The report is one self-contained file that must open on intranets without internet access,
# so the chart library is copied into the package at build time from the npm registry
# (never fetched from a CDN at run time). We embed dist/echarts.common.min.js: line, bar,
# pie and scatter charts with the SVG and canvas renderers, tooltip, legend and markers.
#
# Usage: scripts/vendor-echarts.sh [VERSION]      (needs npm)
set -euo pipefail
version="${1:-6.1.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
assets="$here/regcheck/writers/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "echarts@$version" --silent >/dev/null
tar xzf "echarts-$version.tgz"
cp package/dist/echarts.common.min.js "$assets/echarts.min.js"
cat package/LICENSE package/NOTICE package/licenses/LICENSE-d3 > "$assets/echarts.LICENSE.txt"
echo "$version" > "$assets/echarts.VERSION"
echo "ECharts $version -> $assets/echarts.min.js ($(wc -c < "$assets/echarts.min.js") bytes)"
