#!/usr/bin/env bash
# Regenerate the translation sources resources/i18n/nnstudio_<lang>.ts from the tr() calls
# in nnstudio/ui (pyside6-lupdate). Existing translations are kept; texts no longer in the
# code stay in the file marked "vanished" (Qt Linguist shows them as obsolete).
#
#   bash scripts/update_translations.sh            # every language that has a .ts (ja if none)
#   bash scripts/update_translations.sh ja de      # these languages (a new one gets a new file)
#   bash scripts/update_translations.sh --out DIR  # write fresh files into DIR instead (tests)
#
# Translate with Qt Linguist (.venv/bin/pyside6-linguist resources/i18n/nnstudio_ja.ts);
# the app compiles the .ts into a .qm itself (nnstudio/ui/translation.py), so a saved
# translation shows at the next start: NNSTUDIO_LANG=ja nnstudio (or nnstudio --lang ja).
#
# Recognised spellings: self.tr("…"), QCoreApplication.translate("Context", "…") (also as
# translate("Context", "…")), and the modules' helper _tr("…") (-tr-function-alias below;
# lupdate files those under the unnamed context, see nnstudio/ui/translation.py). The text
# must be a literal: lupdate cannot see a variable or an f-string.
set -euo pipefail
cd "$(dirname "$0")/.."

out="resources/i18n"
langs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        -*) echo "update_translations.sh: unknown option $1" >&2; exit 2 ;;
        *) langs+=("$1"); shift ;;
    esac
done
if [ ${#langs[@]} -eq 0 ]; then
    for ts in resources/i18n/nnstudio_*.ts; do
        [ -e "$ts" ] || continue
        name=$(basename "$ts" .ts); langs+=("${name#nnstudio_}")
    done
fi
[ ${#langs[@]} -gt 0 ] || langs=(ja)

lupdate=.venv/bin/pyside6-lupdate
[ -x "$lupdate" ] || lupdate=$(command -v pyside6-lupdate) || {
    echo "update_translations.sh: pyside6-lupdate not found (run scripts/setup.sh)" >&2; exit 1; }

mkdir -p "$out"
for lang in "${langs[@]}"; do
    "$lupdate" -silent -extensions py -tr-function-alias tr+=_tr -source-language en \
        -target-language "$lang" nnstudio/ui -ts "$out/nnstudio_$lang.ts"
    echo "$out/nnstudio_$lang.ts: $(grep -c '<source>' "$out/nnstudio_$lang.ts") texts"
done
