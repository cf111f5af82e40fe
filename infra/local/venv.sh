# Sourced by the scripts that install pinned Python tools: one venv per tool
# set, installed from a requirements file and (optionally) a constraints file
# that pins every transitive package, and reinstalled only when either
# changes (a stamp holds their hash).
#
#   pinned_venv VENV REQUIREMENTS [CONSTRAINTS]

pinned_venv() {
  local venv="$1" req="$2" cons="${3:-}"
  local stamp="$venv/.installed" want
  want="$(cat "$req" ${cons:+"$cons"} | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  printf '[venv] installing %s (pinned) into %s\n' "$(basename "$req")" "$venv" >&2
  mkdir -p "$(dirname "$venv")"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" ${cons:+-c "$cons"}
  echo "$want" > "$stamp"
}
