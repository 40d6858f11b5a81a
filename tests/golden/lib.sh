# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by run.sh and regen.sh: the list of cases, and one case's JSON without the fields that
# change from run to run or from release to release (the wall-clock start time, the version),
# whatever the machine's /etc/wirelens/wirelens.conf says.
golden_cases() {
	grep -v '^#' tests/golden/cases | grep -v '^[[:space:]]*$'
}
golden_render() { # INPUT ARGS...
	local input=$1
	shift
	# shellcheck disable=SC2068
	"$WL" --config /dev/null -r "tests/golden/$input" --json $@ | jq -S 'del(.source.started, .version)'
}
