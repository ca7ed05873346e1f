#!/usr/bin/env bash
# Builds DeployOps and stages the importable module into module/DeployOps/.
#   ./build.sh          build + stage
#   ./build.sh test     build + stage, then run the xunit suites and every Pester suite (tests/pester, examples/)
#                       against the staged module, each in a fresh pwsh, and print "N passed, N failed, N skipped"
#   ./build.sh install  build + stage, then install the staged module for the current user
# build.ps1 does the same from PowerShell (-Test, -Install). Building and staging need only the .NET SDK; the test
# command also needs PowerShell 7.4+ and Pester 5 and fails, with the lines that install them, where they are missing.
#
# Build output goes to artifacts/ (DEPLOYOPS_ARTIFACTS, see Directory.Build.props): no bin/ or obj/ in the sources.
# Timeouts (seconds): DEPLOYOPS_XUNIT_TIMEOUT (all of dotnet test, 900), DEPLOYOPS_XUNIT_HANG_TIMEOUT (one test, 300),
# DEPLOYOPS_PESTER_TIMEOUT (one Pester suite, 300), DEPLOYOPS_PESTER_BUDGET (all Pester suites, 1500);
#   DEPLOYOPS_PESTER_PARALLEL: Pester suites run at once (4).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
stage="$root/module/DeployOps"
export DEPLOYOPS_ARTIFACTS="${DEPLOYOPS_ARTIFACTS:-$root/artifacts}"
publish="$(mktemp -d)"
trap 'rm -rf "$publish"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# `dotnet tool install -g PowerShell` puts pwsh here; a non-login shell may not have it on PATH yet.
case ":$PATH:" in *":$HOME/.dotnet/tools:"*) ;; *) [ -d "$HOME/.dotnet/tools" ] && export PATH="$PATH:$HOME/.dotnet/tools" ;; esac

# The one version source: <Version> in Directory.Build.props (assemblies get it from MSBuild, the staged psd1 here).
module_version() {
  local v; v="$(sed -n 's:.*<Version>\([^<]*\)</Version>.*:\1:p' Directory.Build.props | head -1)"
  [ -n "$v" ] || { echo "no <Version> in Directory.Build.props" >&2; exit 1; }
  echo "${v%%-*}"  # a ModuleVersion (and the install folder) is numeric: 1.2.0-beta1 stages as 1.2.0
}

stage_module() {
  local version; version="$(module_version)"
  echo "==> publishing src/DeployOps ($configuration, version $version)"
  dotnet publish src/DeployOps/DeployOps.csproj -c "$configuration" -o "$publish" --nologo -v quiet
  rm -rf "$stage"
  mkdir -p "$stage/Dependencies" "$stage/en-US"
  # The module root holds what PowerShell itself loads: the cmdlets, the contracts shared with the engine (when the
  # project has them), the manifest, views and help. Everything else the cmdlets need (engine, Npgsql, YamlDotNet,
  # the Redis client …) goes to Dependencies/, behind DeployOps' own load context.
  cp "$publish/DeployOps.dll" "$stage/"
  if [ -f "$publish/DeployOps.Contracts.dll" ]; then cp "$publish/DeployOps.Contracts.dll" "$stage/"; fi
  sed -E "s/^([[:space:]]*ModuleVersion[[:space:]]*=[[:space:]]*)'[^']*'/\1'$version'/" DeployOps.psd1 > "$stage/DeployOps.psd1"
  if [ "$(grep -cE "^[[:space:]]*ModuleVersion[[:space:]]*=[[:space:]]*'$version'" "$stage/DeployOps.psd1")" != 1 ]; then
    echo "staged DeployOps.psd1 does not carry ModuleVersion '$version' from Directory.Build.props" >&2; exit 1
  fi
  cp module/*.format.ps1xml "$stage/"
  if compgen -G "module/*.types.ps1xml" >/dev/null; then cp module/*.types.ps1xml "$stage/"; fi
  cp module/about_DeployOps.help.txt "$stage/en-US/"
  # Cmdlet help (MAML) from docs/cmdlets; fails when a cmdlet or parameter has no help text.
  dotnet run --project tools/DeployOps.HelpGen -c "$configuration" -- docs/cmdlets "$stage/en-US/DeployOps.dll-Help.xml"
  for f in "$publish"/*.dll; do
    case "$(basename "$f")" in
      DeployOps.dll|DeployOps.Contracts.dll|System.Management.Automation.dll) ;;
      *) cp "$f" "$stage/Dependencies/" ;;
    esac
  done
  echo "==> staged module $version at $stage"
}

# PowerShell 7.4+ and Pester 5 are required by the test command; say exactly how to get them.
require_pwsh_and_pester() {
  local problem="" code=0
  if ! command -v pwsh >/dev/null 2>&1; then
    problem="pwsh (PowerShell 7.4+) is not on PATH"
  else
    pwsh -NoProfile -NonInteractive -Command \
      'if ($PSVersionTable.PSVersion -lt [version]"7.4") { exit 2 }; try { Import-Module Pester -MinimumVersion 5.0 -MaximumVersion 5.999 -ErrorAction Stop } catch { exit 3 }' \
      >/dev/null 2>&1 || code=$?
    case "$code" in
      0) ;;
      2) problem="pwsh is older than 7.4" ;;
      3) problem="Pester 5 is not installed for pwsh" ;;
      *) problem="pwsh does not start (exit $code)" ;;
    esac
  fi
  [ -z "$problem" ] && return 0
  cat >&2 <<'EOF'
The test command runs the Pester suites in PowerShell and needs PowerShell 7.4+ and Pester 5. Install them with:

  dotnet tool install -g PowerShell --version 7.6.9
  export PATH="$PATH:$HOME/.dotnet/tools"
  curl -fsSL -o /tmp/pester.5.9.1.nupkg https://api.nuget.org/v3-flatcontainer/pester/5.9.1/pester.5.9.1.nupkg
  rm -rf /tmp/pester-nupkg && unzip -q /tmp/pester.5.9.1.nupkg 'tools/*' -d /tmp/pester-nupkg
  mkdir -p ~/.local/share/powershell/Modules/Pester/5.9.1 && cp -r /tmp/pester-nupkg/tools/. ~/.local/share/powershell/Modules/Pester/5.9.1/

(.ci/run does exactly this when they are missing.)
EOF
  echo "test command failed: $problem" >&2
  exit 1
}

# Sums one TRX counter attribute over every report in $1.
trx_sum() {
  local dir="$1" attr="$2" total=0 value trx
  for trx in "$dir"/*.trx; do
    [ -e "$trx" ] || continue
    value="$(grep -o '<Counters [^>]*>' "$trx" | head -1 | sed -nE "s/.* $attr=\"([0-9]+)\".*/\1/p")"
    total=$((total + ${value:-0}))
  done
  echo "$total"
}

# One top-level counter of the Pester runner's JSON summary ("passed": N at the first indentation level).
json_count() {
  local value; value="$(grep -m1 -E "^  \"$2\": [0-9]+" "$1" 2>/dev/null | grep -oE '[0-9]+' || true)"
  echo "${value:-0}"
}

run_tests() {
  local results="$DEPLOYOPS_ARTIFACTS/test-results"
  rm -rf "$results"; mkdir -p "$results/xunit"
  local status=0 xunit_status=0 pester_status=0
  local xunit_timeout="${DEPLOYOPS_XUNIT_TIMEOUT:-900}" hang="${DEPLOYOPS_XUNIT_HANG_TIMEOUT:-300}"

  echo "==> running xunit suites (a test hanging ${hang}s is aborted; all of dotnet test is stopped after ${xunit_timeout}s)"
  timeout --kill-after=30 "$xunit_timeout" \
    dotnet test DeployOps.sln -c "$configuration" --nologo --logger "trx" --logger "console;verbosity=minimal" \
      --results-directory "$results/xunit" --blame-hang-timeout "${hang}s" --blame-hang-dump-type none || xunit_status=$?
  if [ "$xunit_status" -eq 124 ] || [ "$xunit_status" -eq 137 ]; then
    echo "==> TIMEOUT: dotnet test did not finish within ${xunit_timeout}s and was stopped" >&2
  fi
  local x_passed x_failed x_skipped x_total
  x_passed="$(trx_sum "$results/xunit" passed)"; x_failed="$(trx_sum "$results/xunit" failed)"
  x_skipped="$(trx_sum "$results/xunit" notExecuted)"; x_total="$(trx_sum "$results/xunit" total)"
  # A run that stopped before a suite wrote its report (build error, crash, timeout) is one failure, never zero.
  if [ "$xunit_status" -ne 0 ] && [ "$x_failed" -eq 0 ]; then x_failed=1; fi
  # Aborted tests (hang timeout, crashed test host) are in total but neither passed nor failed: they failed.
  local x_lost=$((x_total - x_passed - x_failed - x_skipped))
  if [ "$x_lost" -gt 0 ]; then x_failed=$((x_failed + x_lost)); fi
  echo "==> xunit: $x_passed passed, $x_failed failed, $x_skipped skipped (exit $xunit_status)"

  echo "==> building examples/DemoApp once for the Pester suites"
  local demo="$DEPLOYOPS_ARTIFACTS/demoapp"
  rm -rf "$demo"
  dotnet build examples/DemoApp/DemoApp.csproj -c "$configuration" -o "$demo" --artifacts-path "$DEPLOYOPS_ARTIFACTS" --nologo -v quiet
  export DEPLOYOPS_DEMOAPP_DLL="$demo/DemoApp.dll"

  echo "==> running Pester suites against the staged module (each in a fresh pwsh)"
  local summary="$results/pester-summary.json"
  pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-PesterSuites.ps1 -ModulePath "$stage/DeployOps.psd1" \
    -ResultPath "$summary" -DemoAppDll "$DEPLOYOPS_DEMOAPP_DLL" || pester_status=$?
  local p_passed p_failed p_skipped
  p_passed="$(json_count "$summary" passed)"; p_failed="$(json_count "$summary" failed)"; p_skipped="$(json_count "$summary" skipped)"
  if [ "$pester_status" -ne 0 ] && [ "$p_failed" -eq 0 ]; then p_failed=1; fi

  local passed=$((x_passed + p_passed)) failed=$((x_failed + p_failed)) skipped=$((x_skipped + p_skipped))
  if [ "$xunit_status" -ne 0 ] || [ "$pester_status" -ne 0 ] || [ "$failed" -gt 0 ]; then status=1; fi
  if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "no tests ran"; status=1; fi
  echo "(xunit $x_passed/$x_failed/$x_skipped, Pester $p_passed/$p_failed/$p_skipped; reports in $results)"
  echo "$passed passed, $failed failed, $skipped skipped"
  return $status
}

# The first user-scope folder of PSModulePath (where Install-Module -Scope CurrentUser puts modules).
user_module_root() {
  local entry
  IFS=: read -ra entries <<<"${PSModulePath:-}"
  for entry in "${entries[@]}"; do
    case "$entry" in "$HOME"/*) echo "$entry"; return ;; esac
  done
  echo "${XDG_DATA_HOME:-$HOME/.local/share}/powershell/Modules"
}

install_module() {
  local version target; version="$(module_version)"
  target="$(user_module_root)/DeployOps/$version"
  rm -rf "$target"
  mkdir -p "$target"
  cp -r "$stage/." "$target/"
  echo "==> installed DeployOps $version at $target"
  echo "    Import-Module DeployOps"
}

case "${1:-}" in
  test) require_pwsh_and_pester; stage_module; run_tests ;;
  install) stage_module; install_module ;;
  "") stage_module ;;
  *) echo "usage: ./build.sh [test|install]" >&2; exit 2 ;;
esac
