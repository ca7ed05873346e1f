#!/usr/bin/env bash
# Builds DeployOps and stages the importable module into module/DeployOps/.
#   ./build.sh          build + stage
#   ./build.sh test     build + stage, then run every test suite and print "N passed, N failed"
# build.ps1 does the same from PowerShell; this script exists for machines without pwsh (and CI).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
stage="$root/module/DeployOps"
publish="$(mktemp -d)"
trap 'rm -rf "$publish"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

stage_module() {
  echo "==> publishing src/DeployOps ($configuration)"
  dotnet publish src/DeployOps/DeployOps.csproj -c "$configuration" -o "$publish" --nologo -v quiet
  rm -rf "$stage"
  mkdir -p "$stage/Dependencies" "$stage/en-US"
  cp "$publish/DeployOps.dll" "$publish/DeployOps.Contracts.dll" "$stage/"
  cp DeployOps.psd1 "$stage/"
  cp module/*.format.ps1xml "$stage/"
  if compgen -G "module/*.types.ps1xml" >/dev/null; then cp module/*.types.ps1xml "$stage/"; fi
  cp module/about_DeployOps.help.txt "$stage/en-US/"
  # Cmdlet help (MAML) from docs/cmdlets; fails when a cmdlet or parameter has no help text.
  dotnet run --project tools/DeployOps.HelpGen -c "$configuration" -- docs/cmdlets "$stage/en-US/DeployOps.dll-Help.xml"
  # Everything else the cmdlets need (engine + Npgsql, YamlDotNet, the Redis client …) goes behind our load context.
  for f in "$publish"/*.dll; do
    case "$(basename "$f")" in
      DeployOps.dll|DeployOps.Contracts.dll|System.Management.Automation.dll) ;;
      *) cp "$f" "$stage/Dependencies/" ;;
    esac
  done
  echo "==> staged module at $stage"
}

run_tests() {
  local results; results="$(mktemp -d)"
  local status=0
  echo "==> running xunit suites"
  dotnet test DeployOps.sln -c "$configuration" --nologo --logger "trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || status=$?
  # Sum the counters of every suite's TRX report for one closing line.
  local passed=0 failed=0 skipped=0 counters
  for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
    skipped=$((skipped + $(sed -E 's/.* notExecuted="([0-9]+)".*/\1/' <<<"$counters")))
  done
  if command -v pwsh >/dev/null 2>&1; then
    echo "==> running Pester suites against the staged module"
    pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-PesterSuites.ps1 -ModulePath "$stage/DeployOps.psd1" || status=1
  else
    echo "==> pwsh not found: Pester suites skipped (they run where PowerShell 7.4+ and Pester 5 exist)"
  fi
  rm -rf "$results"
  if [ "$failed" -gt 0 ] && [ "$status" -eq 0 ]; then status=1; fi
  if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "no tests ran"; status=1; fi
  echo "$passed passed, $failed failed, $skipped skipped"
  return $status
}

stage_module
case "${1:-}" in
  test) run_tests ;;
  "") ;;
  *) echo "usage: ./build.sh [test]" >&2; exit 2 ;;
esac
