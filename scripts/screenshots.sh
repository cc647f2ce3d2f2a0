#!/usr/bin/env bash
# Render a report folder the way a supervisor sees it: every HTML page through headless
# Chromium (PNG) and every workbook through LibreOffice (PDF) + pdftoppm (PNG per page).
# Usage: scripts/screenshots.sh [REPORT_DIR] [OUT_DIR]
#   REPORT_DIR defaults to a fresh `qa demo` run in screenshots/demo; OUT_DIR to screenshots/.
# Needs: chromium, libreoffice-calc, poppler-utils, fonts-noto-cjk (apt-get install them).
# screenshots/ is git-ignored: nothing generated is committed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${2:-$ROOT/screenshots}"
QA="${QA:-qa}"
mkdir -p "$OUT"
if [[ $# -ge 1 ]]; then
  REPORT="$1"
else
  REPORT="$OUT/demo"
  "$QA" demo -o "$REPORT" >/dev/null
  REPORT="$REPORT/report"
fi

CHROME="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$CHROME" ]]; then echo "screenshots: chromium not found" >&2; exit 2; fi

shoot() {  # shoot HTML PNG [height]
  "$CHROME" --no-sandbox --disable-gpu --no-first-run --disable-background-networking --headless \
    --hide-scrollbars --window-size=1200,"${3:-2400}" --screenshot="$2" "file://$1" >/dev/null 2>&1
  echo "$2"
}

shoot "$REPORT/index.html" "$OUT/html-index.png" 3600
for page in $(ls "$REPORT"/agents/*.html 2>/dev/null | head -3); do
  shoot "$page" "$OUT/html-agent-$(basename "$page" .html).png" 3000
done
# The print layout (A4) as Chromium would print it.
"$CHROME" --no-sandbox --disable-gpu --no-first-run --disable-background-networking --headless \
  --print-to-pdf="$OUT/html-agent-print.pdf" --no-pdf-header-footer \
  "file://$(ls "$REPORT"/agents/*.html | head -1)" >/dev/null 2>&1 || true
if [[ -f "$OUT/html-agent-print.pdf" ]]; then
  pdftoppm -png -r 60 "$OUT/html-agent-print.pdf" "$OUT/html-agent-print"
fi

if command -v libreoffice >/dev/null; then
  for book in "$REPORT"/report.xlsx; do
    libreoffice --headless --convert-to pdf --outdir "$OUT" "$book" >/dev/null 2>&1
    pdftoppm -png -r 60 -l 6 "$OUT/$(basename "$book" .xlsx).pdf" "$OUT/xlsx-$(basename "$book" .xlsx)"
  done
else
  echo "screenshots: libreoffice not found, workbook not rendered" >&2
fi
ls -1 "$OUT"/*.png
