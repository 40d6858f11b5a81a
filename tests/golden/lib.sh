# SPDX-License-Identifier: MIT
# Shared by run.sh and regen.sh: iterate over the cases and render one case's JSON, without
# the fields that change from run to run (the wall-clock start time).
golden_cases() {
	grep -v '^#' tests/golden/cases | grep -v '^[[:space:]]*$'
}
golden_render() { # INPUT ARGS...
	local input=$1
	shift
	# shellcheck disable=SC2068
	"$WL" -r "tests/golden/$input" --json $@ | jq -S 'del(.source.started)'
}
