#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time, one at a time
# (go test -fuzz takes one package and one target). FUZZTIME sets the time
# per target (default 20s); FUZZ_FILTER, a grep pattern over "pkg Target",
# limits the run. A crash leaves its input under the package's
# testdata/fuzz/<Target>/ and fails the script: commit that file as a
# regression test once the bug is fixed.
set -euo pipefail
cd "$(dirname "$0")"
fuzztime="${FUZZTIME:-20s}"
filter="${FUZZ_FILTER:-.}"

targets=()
while IFS= read -r file; do
	pkg="./$(dirname "$file")"
	while IFS= read -r name; do
		targets+=("$pkg $name")
	done < <(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$file")
done < <(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go' -printf '%P\n')

failed=0
for t in "${targets[@]}"; do
	echo "$t" | grep -q -- "$filter" || continue
	read -r pkg name <<<"$t"
	echo "== fuzz $pkg $name ($fuzztime)"
	if ! go test "$pkg" -run "^${name}\$" -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 2; then
		echo "fuzz: $pkg $name failed; see $pkg/testdata/fuzz/$name/" >&2
		failed=1
	fi
done
exit "$failed"
