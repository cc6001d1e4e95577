#!/usr/bin/env bash
# Installs smtp4dev (a real SMTP server with a web API to read what it received) for the email
# tests: it is a local dotnet tool of this repository (dotnet-tools.json), restored from NuGet.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet tool run smtp4dev --help >/dev/null 2>&1 || { echo "smtp4dev did not start" >&2; exit 1; }
echo "smtp4dev ready"
