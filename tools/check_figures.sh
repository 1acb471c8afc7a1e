#!/usr/bin/env bash
# Checks the committed figures (docs/figures): draw_figures makes exactly them again, each is well-formed
# XML (xmllint), and a headless Chromium renders each to a PNG without error.
#   tools/check_figures.sh path/to/draw_figures
# Needs libxml2-utils and chromium (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
draw=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$draw" "$work/svg"
if ! diff -r docs/figures "$work/svg" > "$work/diff"; then
  echo "docs/figures differ from what draw_figures draws now; run: $1 docs/figures"
  head -20 "$work/diff"
  exit 1
fi
mkdir -p "$work/png"
xmllint --noout docs/figures/*.svg
render() {  # one figure to a PNG at its own size; fails unless Chromium writes a PNG
  local svg=$1 name width height
  name=$(basename "$svg" .svg)
  width=$(grep -o 'width="[0-9]*"' "$svg" | head -1 | tr -dc 0-9)
  height=$(grep -o 'height="[0-9]*"' "$svg" | head -1 | tr -dc 0-9)
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="$work/png/$name.png" "file://$PWD/$svg" > "$work/png/$name.log" 2>&1 || {
    echo "chromium failed on $svg"; tail -5 "$work/png/$name.log"; return 1; }
  [ "$(head -c 8 "$work/png/$name.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || {
    echo "chromium wrote no PNG for $svg"; return 1; }
}
export -f render
export work
ls docs/figures/*.svg | xargs -P 2 -I{} bash -c 'render {}'
echo "check_figures: $(ls "$work"/png/*.png | wc -l) figures up to date, well-formed and rendered by Chromium"
