#!/usr/bin/env bash
# Records changes of the public contract (src/DeployOps, src/DeployOps.Contracts) in their PublicAPI.Unshipped.txt.
#   tools/Update-PublicApi.sh            build both projects, then from the analyzer's findings:
#                                        RS0016 (public symbol not declared)  -> append it to PublicAPI.Unshipped.txt
#                                        RS0017 (declared symbol gone)        -> drop it from PublicAPI.Unshipped.txt, or,
#                                                                               when it had shipped, add "*REMOVED*<symbol>"
#   tools/Update-PublicApi.sh --ship     also move everything in PublicAPI.Unshipped.txt into PublicAPI.Shipped.txt
#                                        (do this when a version is released)
# Run it after merging a branch that adds public members, then review `git diff -- '*PublicAPI*.txt'`: every line is a
# change scripts may depend on (a renamed parameter or output property breaks them). Idempotent; needs the .NET SDK.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ship=false
case "${1:-}" in --ship) ship=true ;; "") ;; *) echo "usage: tools/Update-PublicApi.sh [--ship]" >&2; exit 2 ;; esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DEPLOYOPS_ARTIFACTS="${DEPLOYOPS_ARTIFACTS:-$root/artifacts}"
projects=(DeployOps.Contracts DeployOps)
log="$(mktemp)"; trap 'rm -f "$log"' EXIT

# Writes a PublicAPI file as the analyzer expects it: "#nullable enable" first, then the entries sorted, once each.
write_sorted() { # file, entries on stdin
  local body; body="$(grep -v '^#nullable enable$' | grep -v '^[[:space:]]*$' | LC_ALL=C sort -u || true)"
  { echo '#nullable enable'; [ -z "$body" ] || printf '%s\n' "$body"; } > "$1"
}

# Touching the AdditionalFiles makes MSBuild recompile these two projects, so the analyzer reports again.
for project in "${projects[@]}"; do touch "src/$project/PublicAPI.Unshipped.txt"; done
# Warnings stay warnings for this build only, so every finding of every project is listed instead of the first error.
dotnet build src/DeployOps/DeployOps.csproj -c Release --nologo -p:TreatWarningsAsErrors=false >"$log" 2>&1 || {
  grep -E ': error ' "$log" | grep -v 'RS00' | sort -u >&2 || true
  echo "build failed for a reason other than the public API; fix that first" >&2; exit 1; }

for project in "${projects[@]}"; do
  dir="src/$project"; shipped="$dir/PublicAPI.Shipped.txt"; unshipped="$dir/PublicAPI.Unshipped.txt"
  [ -f "$shipped" ] || echo '#nullable enable' > "$shipped"
  [ -f "$unshipped" ] || echo '#nullable enable' > "$unshipped"
  findings="$(grep -F "[$root/$dir/$project.csproj]" "$log" | grep -E 'RS001[67]' | sort -u || true)"
  added="$(sed -nE "s/.*RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/p" <<<"$findings" | sort -u)"
  gone="$(sed -nE "s/.*RS0017: Symbol '(.*)' is part of the declared (public )?API.*/\1/p" <<<"$findings" | sort -u)"
  current="$(cat "$unshipped")"
  if [ -n "$gone" ]; then
    while IFS= read -r symbol; do
      if grep -qxF -- "$symbol" "$unshipped"; then
        current="$(grep -vxF -- "$symbol" <<<"$current" || true)"      # added since the release, now gone again
      elif grep -qxF -- "$symbol" "$shipped"; then
        current+=$'\n'"*REMOVED*$symbol"                                 # a released member removed: a breaking change
      fi
    done <<<"$gone"
  fi
  [ -z "$added" ] || current+=$'\n'"$added"
  write_sorted "$unshipped" <<<"$current"
  if $ship; then
    removed="$(grep '^\*REMOVED\*' "$unshipped" | sed 's/^\*REMOVED\*//' || true)"
    { if [ -n "$removed" ]; then grep -vxF -f <(printf '%s\n' "$removed") "$shipped" || true; else cat "$shipped"; fi
      grep -v '^\*REMOVED\*' "$unshipped"; } | write_sorted "$shipped.new"
    mv "$shipped.new" "$shipped"; echo '#nullable enable' > "$unshipped"
  fi
  echo "$project: $(grep -c . <<<"${added:-}" || true) added, $(grep -c . <<<"${gone:-}" || true) removed ($unshipped)"
done
