# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# End-to-end tests of deployment: the configuration file (--config FILE, the default
# /etc/wirelens/wirelens.conf), `make install` and `make uninstall`, and the systemd unit run
# by a real systemd. Sourced by run.sh (its harness runs the test_config_*, test_install_* and
# test_systemd_* functions).

CATALOG=tests/golden/catalog.pcap # 61 frames

# conf NAME LINE...: write the lines to $TMPD/NAME.conf.
conf() {
	local f=$TMPD/$1.conf
	shift
	printf '%s\n' "$@" >"$f"
}

# json_of ARGS...: wirelens' standard output, which must be a JSON document.
json_of() {
	"$WL" "$@" 2>"$TMPD/err" | jq -ce . 2>/dev/null ||
		fail "wirelens $*: no JSON; stderr: $(head -3 "$TMPD/err")"
}

# --- settings from the file, the command line on top ------------------------------------------

test_config_file_applied() {
	local got
	# Comments, blank lines, blanks around both sides, a CRLF line end.
	conf a '# counting from a file' '' "  read   =   $CATALOG  " 'json = yes' $'count = 5\r'
	got=$(json_of --config "$TMPD/a.conf") || return
	[ "$(jq .totals.packets <<<"$got")" = 5 ] || fail "count = 5 not applied: $got" || return
	[ "$(jq -r .source.file <<<"$got")" = "$CATALOG" ] || fail "read not applied" || return
	# The same settings from the command line give the same counts.
	[ "$(jq -c .protocols <<<"$got")" = "$("$WL" -r $CATALOG -c 5 --json | jq -c .protocols)" ] ||
		fail "the file and the command line disagree" || return
}

test_config_cli_overrides_file() {
	local got
	conf a "read = $CATALOG" 'json = true' 'count = 5' 'top = 1'
	got=$(json_of --config "$TMPD/a.conf" -c 7) || return
	[ "$(jq .totals.packets <<<"$got")" = 7 ] || fail "-c 7 did not override count = 5" || return
	[ "$(jq '.talkers.hosts | length' <<<"$got")" = 1 ] || fail "top = 1 lost" || return
	got=$(json_of --config "$TMPD/a.conf" -r tests/golden/catalog-sll.pcap) || return
	[ "$(jq -r .source.file <<<"$got")" = tests/golden/catalog-sll.pcap ] ||
		fail "-r did not override read" || return
	# A file's interface gives way to -r on the command line (and the reverse).
	conf b 'interface = nosuchif0' 'json = true'
	got=$(json_of --config "$TMPD/b.conf" -r $CATALOG) || return
	[ "$(jq .totals.packets <<<"$got")" = 61 ] || fail "-r with interface in the file: $got" ||
		return
	conf c "read = $CATALOG"
	expect_error 1 "no such interface 'nosuchif0'" --config "$TMPD/c.conf" -i nosuchif0 \
		--backend pcap
}

test_config_filter_line() {
	local got want
	conf a "read = $CATALOG" 'json = true' 'filter = tcp port 5000 or udp'
	got=$(json_of --config "$TMPD/a.conf") || return
	want=$("$WL" -r $CATALOG --json tcp port 5000 or udp | jq -c .filter)
	[ "$(jq -c .filter <<<"$got")" = "$want" ] || fail "filter line: $(jq -c .filter <<<"$got"), expected $want" ||
		return
	# A filter on the command line, or -F, replaces the file's.
	got=$(json_of --config "$TMPD/a.conf" icmp) || return
	[ "$(jq -r .filter.expression <<<"$got")" = icmp ] || fail "command-line filter: $got" || return
	echo arp >"$TMPD/f"
	got=$(json_of --config "$TMPD/a.conf" -F "$TMPD/f") || return
	[ "$(jq -r .filter.expression <<<"$got")" = arp ] || fail "-F: $(jq -c .filter <<<"$got")" ||
		return
	conf b 'filter = tcp' "filter-file = $TMPD/f"
	expect_error 2 "$TMPD/b.conf: both filter and filter-file are set" --config "$TMPD/b.conf" ||
		return
	# A bad expression gets the caret display, as on the command line, and exit status 2.
	conf c "read = $CATALOG" 'filter = tcp port 99999'
	"$WL" --config "$TMPD/c.conf" >/dev/null 2>"$TMPD/err"
	[ $? = 2 ] && grep -q "'99999' is not a port" "$TMPD/err" ||
		fail "bad filter in the file: $(cat "$TMPD/err")" || return
}

test_config_repeated_option() {
	local lines=() i got
	conf a "read = $CATALOG" 'json = true' 'count = 3' 'count = 4'
	got=$(json_of --config "$TMPD/a.conf") || return
	[ "$(jq .totals.packets <<<"$got")" = 4 ] || fail "the last count did not win" || return
	# A flag takes its last value too.
	conf b "read = $CATALOG" 'json = true' 'json = off'
	"$WL" --config "$TMPD/b.conf" >"$TMPD/out" 2>&1 || fail "json = off: exit $?" || return
	jq -e . "$TMPD/out" >/dev/null 2>&1 && fail "json = off still printed JSON" && return
	# allow-host adds a name each time: 16 are accepted, the 17th is one too many.
	for i in $(seq 16); do lines+=("allow-host = h$i.example"); done
	conf c "${lines[@]}"
	"$WL" --config "$TMPD/c.conf" --dump-filter >/dev/null 2>"$TMPD/err" ||
		fail "16 allow-host lines refused: $(cat "$TMPD/err")" || return
	conf d "${lines[@]}" 'allow-host = h17.example'
	expect_error 2 "$TMPD/d.conf:17: invalid value 'h17.example' for allow-host: at most 16" \
		--config "$TMPD/d.conf" --dump-filter
}

# The file's --allow-host names reach the web server; the command line's replace them.
test_config_allow_host_http() {
	local p=http://127.0.0.1:8080/api/v1/status
	need_net || return
	net_up || fail "cannot create namespaces" || return
	conf a 'allow-host = a.example' 'allow-host = b.example' 'listen = 127.0.0.1:8080'
	allow_host_start a --config "$TMPD/a.conf" || return
	[ "$(code -H 'Host: a.example' $p)/$(code -H 'Host: b.example' $p)" = 200/200 ] ||
		fail "names of the file refused" || return
	[ "$(code -H 'Host: c.example' $p)" = 403 ] || fail "c.example accepted" || return
	daemon_stop INT
	allow_host_start b --config "$TMPD/a.conf" --allow-host c.example || return
	[ "$(code -H 'Host: c.example' $p)/$(code -H 'Host: a.example' $p)" = 200/403 ] ||
		fail "--allow-host did not replace the file's names" || return
	daemon_stop INT
}
allow_host_start() { # NAME ARGS...: wirelens -r serving its results in namespace A
	local name=$1 i
	shift
	"${IN_A[@]}" "$WL" -r "$CATALOG" "$@" >/dev/null 2>"$TMPD/$name.err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	for i in $(seq 50); do
		grep -q "serving the results" "$TMPD/$name.err" && return 0
		sleep 0.1
	done
	fail "no web server: $(cat "$TMPD/$name.err")"
}

test_config_flags() {
	local v
	for v in true yes on 1 TRUE; do
		conf a "read = $CATALOG" "json = $v"
		json_of --config "$TMPD/a.conf" >/dev/null || return
	done
	conf b 'no-web = true' 'listen = 127.0.0.1:8080'
	expect_error 2 "--no-web turns the web server off" --config "$TMPD/b.conf" || return
	conf c 'verbose = 2' 'no-web = false'
	"$WL" --config "$TMPD/c.conf" --dump-filter >/dev/null 2>"$TMPD/err" ||
		fail "verbose = 2: $(cat "$TMPD/err")" || return
	conf d 'verbose = 4'
	expect_error 2 "$TMPD/d.conf:1: invalid value '4' for verbose" --config "$TMPD/d.conf" &&
		conf e 'json = maybe' &&
		expect_error 2 "$TMPD/e.conf:1: invalid value 'maybe' for json: expected true or false" \
			--config "$TMPD/e.conf"
}

# --- bad configuration files: exit 2 and one line naming the file and the line ----------------

test_config_bad_unknown_option() {
	conf a '# ok' "read = $CATALOG" 'interfce = wlv0'
	expect_error 2 "^wirelens: $TMPD/a.conf:3: unknown option 'interfce'" --config "$TMPD/a.conf" &&
		conf b '--count = 5' &&
		expect_error 2 "$TMPD/b.conf:1: unknown option '--count': write the long option name without dashes" \
			--config "$TMPD/b.conf" &&
		conf c 'c = 5' &&
		expect_error 2 "$TMPD/c.conf:1: unknown option 'c'" --config "$TMPD/c.conf"
}
test_config_bad_value() {
	conf a 'count = abc'
	expect_error 2 "$TMPD/a.conf:1: invalid value 'abc' for count: expected a whole number" \
		--config "$TMPD/a.conf" &&
		conf b '' 'backend = fast' &&
		expect_error 2 "$TMPD/b.conf:2: invalid value 'fast' for backend" --config "$TMPD/b.conf" &&
		conf c 'interface =' &&
		expect_error 2 "$TMPD/c.conf:1: invalid value '' for interface" --config "$TMPD/c.conf" &&
		conf d 'listen = "127.0.0.1:8080"' &&
		expect_error 2 "$TMPD/d.conf:1: invalid value '\"127.0.0.1:8080\"' for listen" \
			--config "$TMPD/d.conf"
}
test_config_bad_missing_equals() {
	conf a '# flags need a value' 'json'
	expect_error 2 "$TMPD/a.conf:2: expected 'option = value' \(a flag as 'json = true'\), found 'json'" \
		--config "$TMPD/a.conf" &&
		conf b ' = 5' &&
		expect_error 2 "$TMPD/b.conf:1: expected an option name before '='" --config "$TMPD/b.conf"
}
test_config_bad_action() {
	local o
	for o in help version config list-interfaces dump-filter; do
		conf a "$o = true"
		expect_error 2 "$TMPD/a.conf:1: '$o' is an action of the command line, not a setting" \
			--config "$TMPD/a.conf" || return
	done
}
test_config_bad_long_line() {
	printf 'interface = %05000d\n' 0 >"$TMPD/a.conf"
	expect_error 2 "$TMPD/a.conf:1: line longer than 4096 characters" --config "$TMPD/a.conf" &&
		printf 'json = true\ncount = 1\0\n' >"$TMPD/b.conf" &&
		expect_error 2 "$TMPD/b.conf:2: NUL byte in the line" --config "$TMPD/b.conf"
}
test_config_bad_missing_file() {
	expect_error 2 "cannot read configuration file '$TMPD/none.conf': No such file or directory" \
		--config "$TMPD/none.conf" &&
		expect_error 2 "invalid value '' for --config: expected a file name" --config '' &&
		expect_error 2 "option '--config' needs an argument" -r $CATALOG --config
}
test_config_bad_directory() {
	expect_error 2 "cannot read configuration file '$TMPD': it is a directory" --config "$TMPD"
}
test_config_bad_unreadable() {
	local PRE=()
	conf a 'json = true'
	chmod 000 "$TMPD/a.conf"
	if [ "$(id -u)" = 0 ]; then
		# Root reads anything: be nobody (who must be able to run the binary).
		PRE=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		chmod o+x "$TMPD"
		"${PRE[@]}" "$WL" --version >/dev/null 2>&1 ||
			skip "user nobody cannot run $WL (a parent directory is private)" || return
	fi
	expect_error 2 "cannot read configuration file '$TMPD/a.conf': Permission denied" \
		--config "$TMPD/a.conf"
}

# /etc/wirelens/wirelens.conf, seen through an overlay on /etc in a private mount namespace (the
# machine's /etc is not changed): read when present, fine when absent, --config replaces it,
# --help works whatever it holds.
test_config_default_file() {
	[ "$(id -u)" = 0 ] || skip "needs root (a mount namespace with an overlay on /etc)" || return
	cat >"$TMPD/etc.sh" <<-'EOF'
		set -u
		mount --make-rprivate / && mount -t tmpfs tmpfs "$OV" && mkdir "$OV/up" "$OV/work" &&
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$OV/up,workdir=$OV/work" /etc ||
			exit 77
		rm -rf /etc/wirelens
		echo "absent $("$WL" -r "$CATALOG" --json | jq .totals.packets)"
		mkdir /etc/wirelens
		printf 'json = true\ncount = 5\n' >/etc/wirelens/wirelens.conf
		echo "present $("$WL" -r "$CATALOG" | jq .totals.packets)"
		echo "explicit $("$WL" --config /dev/null -r "$CATALOG" --json | jq .totals.packets)"
		printf 'json = true\nbogus = 1\n' >/etc/wirelens/wirelens.conf
		err=$("$WL" -r "$CATALOG" 2>&1 >/dev/null)
		echo "broken $?: $err"
		"$WL" --help >/dev/null && echo "help ok"
	EOF
	mkdir "$TMPD/ov"
	OV=$TMPD/ov WL=$WL CATALOG=$CATALOG unshare -m bash "$TMPD/etc.sh" >"$TMPD/out" 2>&1
	case $? in
	0) ;;
	77) skip "cannot mount an overlay on /etc: $(head -1 "$TMPD/out")" || return ;;
	*) fail "$(cat "$TMPD/out")" || return ;;
	esac
	printf 'absent 61\npresent 5\nexplicit 61\n%s\nhelp ok\n' \
		"broken 2: wirelens: /etc/wirelens/wirelens.conf:2: unknown option 'bogus' (see wirelens --help)" \
		>"$TMPD/want"
	diff "$TMPD/want" "$TMPD/out" >"$TMPD/diff" || fail "$(tr '\n' ' ' <"$TMPD/diff")" || return
}

# --- make install / make uninstall -----------------------------------------------------------

# make TARGET into the staging root $TMPD/root with PREFIX=/usr, never rebuilding the binary.
make_stage() {
	make --no-print-directory -o "$BUILD/wirelens" "$1" DESTDIR="$TMPD/root" PREFIX=/usr \
		BUILD="$BUILD" >"$TMPD/make.out" 2>&1 || fail "make $1: $(tail -3 "$TMPD/make.out")"
}

test_install_uninstall() {
	local r=$TMPD/root f
	make_stage install || return
	[ "$(stat -c %a "$r/usr/sbin/wirelens")" = 755 ] || fail "binary not installed 0755" || return
	"$r/usr/sbin/wirelens" --version | grep -qx 'wirelens [0-9.]*' ||
		fail "installed binary: $("$r/usr/sbin/wirelens" --version 2>&1)" || return
	cmp -s docs/wirelens.8 "$r/usr/share/man/man8/wirelens.8" || fail "man page not installed" ||
		return
	cmp -s packaging/wirelens.conf "$r/etc/wirelens/wirelens.conf" ||
		fail "configuration file not installed" || return
	f=$r/lib/systemd/system/wirelens.service
	grep -qx 'ExecStart=/usr/sbin/wirelens --config /etc/wirelens/wirelens.conf' "$f" ||
		fail "unit ExecStart: $(grep ExecStart "$f")" || return
	grep -q /usr/local "$f" && fail "unit still names /usr/local" && return
	for f in "$r/usr/share/man/man8/wirelens.8" "$r/lib/systemd/system/wirelens.service" \
		"$r/etc/wirelens/wirelens.conf"; do
		[ "$(stat -c %a "$f")" = 644 ] || fail "$f not 0644" || return
	done
	# An edited configuration file survives install and uninstall.
	echo 'interface = eth9' >>"$r/etc/wirelens/wirelens.conf"
	make_stage install || return
	grep -q KEEP "$TMPD/make.out" && grep -qx 'interface = eth9' "$r/etc/wirelens/wirelens.conf" ||
		fail "install overwrote the edited configuration file" || return
	make_stage uninstall || return
	[ -z "$(find "$r" -type f ! -path '*/etc/wirelens/wirelens.conf')" ] ||
		fail "left behind: $(find "$r" -type f)" || return
	grep -qx 'interface = eth9' "$r/etc/wirelens/wirelens.conf" ||
		fail "uninstall removed the edited configuration file" || return
	# The unchanged default goes, with its directory.
	cp packaging/wirelens.conf "$r/etc/wirelens/wirelens.conf"
	make_stage uninstall || return
	[ ! -e "$r/etc/wirelens" ] || fail "uninstall kept the default configuration file" || return
}

# The installed unit passes `systemd-analyze verify` (with ExecStart pointing into the staging
# root, and the man page of Documentation= found there) and keeps its hardening: exposure at
# most 2.4 in `systemd-analyze security`.
test_install_unit_verify() {
	local r=$TMPD/root u=$TMPD/wirelens.service
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed" || return
	make_stage install || return
	sed "s|^ExecStart=/usr/sbin/wirelens|ExecStart=$r/usr/sbin/wirelens|" \
		"$r/lib/systemd/system/wirelens.service" >"$u"
	MANPATH=$r/usr/share/man systemd-analyze verify "$u" >"$TMPD/verify" 2>&1 ||
		fail "systemd-analyze verify: $(tr '\n' ' ' <"$TMPD/verify")" || return
	systemd-analyze security --offline=yes --threshold=24 "$u" >"$TMPD/security" 2>&1 ||
		fail "exposure above 2.4: $(tail -1 "$TMPD/security")" || return
}

# --- the unit under systemd ------------------------------------------------------------------

# The unit as installed (binary and configuration file moved under /run, where the sandbox can
# see them), started by systemd in namespace A with each backend: it attaches (XDP: and pins its
# maps although /sys is read-only to it), serves the API, counts the frames sent from B,
# `systemctl reload` switches to the new filter of its filter-file, and `systemctl stop` leaves
# nothing attached and exits 0.
systemd_unit() { # BACKEND
	local comm rc
	need_net || return
	comm=$(ps -p 1 -o comm= 2>/dev/null)
	if [ "$comm" != systemd ]; then
		unit_restricted "$1"
		return
	fi
	SD_UNIT=wirelens-$RUN.service
	SD_DIR=/run/wirelens-$RUN
	systemd_unit_run "$1"
	rc=$?
	systemctl stop "$SD_UNIT" 2>/dev/null
	rm -rf "/run/systemd/system/$SD_UNIT" "/run/systemd/system/$SD_UNIT.d" "$SD_DIR" \
		"/var/lib/wirelens-$RUN"
	systemctl daemon-reload
	systemctl reset-failed "$SD_UNIT" 2>/dev/null
	return $rc
}
test_systemd_unit_xdp() { systemd_unit xdp; }

# Without systemd as PID 1: the unit's own command line (ExecStart) under the unit's
# restrictions that can be had without systemd: only the capabilities of its
# CapabilityBoundingSet=, no_new_privs, and a read-only file system except /sys/fs/bpf (a
# private mount namespace). It attaches, serves the dashboard and /metrics, counts, SIGHUP
# (ExecReload) switches the filter, SIGTERM leaves nothing attached and exits 0.
unit_restricted() { # BACKEND
	local unit=packaging/wirelens.service caps cmd n u t i m dir=$TMPD/unit
	command -v setpriv >/dev/null && command -v unshare >/dev/null ||
		skip "setpriv or unshare missing" || return
	"$MKPCAP" -n 2000 -s 21 bulk "$TMPD/b.pcap" || return 1
	u=$(tcpdump -r "$TMPD/b.pcap" udp 2>/dev/null | wc -l)
	t=$(tcpdump -r "$TMPD/b.pcap" tcp 2>/dev/null | wc -l)
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' |
		sed -e 's/cap_/+/g' -e 's/ /,/g')
	grep -qx 'NoNewPrivileges=yes' "$unit" || fail "the unit lost NoNewPrivileges" || return
	mkdir -p "$dir"
	echo udp >"$dir/filter"
	printf '%s\n' "interface = $VA" "backend = $1" "pin-path = $PIN_BASE-ur" \
		"filter-file = $dir/filter" 'json = true' >"$dir/wirelens.conf"
	cmd=$(sed -n 's/^ExecStart=//p' "$unit" | sed -e "s|/usr/local/sbin/wirelens|$WL|" \
		-e "s|/etc/wirelens/wirelens.conf|$dir/wirelens.conf|")
	net_up || fail "cannot create namespaces" || return
	# (word splitting of $cmd is intended: it is the unit's command line)
	# shellcheck disable=SC2086
	"${IN_A[@]}" unshare --mount --propagation private sh -c \
		'mount -o remount,bind,ro / && mount -o remount,bind,ro /sys && exec "$@"' sh \
		setpriv --bounding-set=-all,$caps --inh-caps=-all --no-new-privs $cmd \
		>"$dir/out" 2>"$dir/err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	for i in $(seq 100); do
		grep -q "dashboard on" "$dir/err" 2>/dev/null && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "counting on '$VA'$([ "$1" = xdp ] && echo ': ingress' || echo ' with libpcap')" "$dir/err" ||
		fail "not counting: $(cat "$dir/err")" || return
	[ "$(code http://127.0.0.1:8080/)" = 200 ] || fail "no dashboard on :8080" || return
	m=$("${IN_A[@]}" curl -sf http://127.0.0.1:8080/metrics) && grep -q '^wirelens_capturing 1$' <<<"$m" ||
		fail "no /metrics" || return
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	sleep 1 # (libpcap's ring is read a moment later: those frames are for the old filter)
	echo tcp >"$dir/filter"
	kill -HUP "$DPID"
	for i in $(seq 50); do grep -q "filter changed" "$dir/err" && break; sleep 0.1; done
	grep -q "filter changed from 'udp' to 'tcp" "$dir/err" || fail "reload: $(cat "$dir/err")" || return
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$dir/err")" || return
	[ -z "$(xdp_attached)" ] && [ -z "$(tc_filters)" ] || fail "left attached after stop" || return
	n=$(jq .directions.in.totals.packets "$dir/out")
	[ "$n" = $((u + t)) ] || fail "counted $n, expected $u UDP + $t TCP" || return
	! grep -q "Operation not permitted\|Permission denied\|Read-only" "$dir/err" ||
		fail "denied by the restrictions: $(cat "$dir/err")" || return
	echo "# $1: the unit's command line with $caps, no_new_privs, read-only /: counted $n"
	net_down
}
test_systemd_unit_pcap() { systemd_unit pcap; }

systemd_unit_run() { # BACKEND
	local n u t i
	"$MKPCAP" -n 2000 -s 21 bulk "$TMPD/b.pcap" || return 1
	u=$(tcpdump -r "$TMPD/b.pcap" udp 2>/dev/null | wc -l)
	t=$(tcpdump -r "$TMPD/b.pcap" tcp 2>/dev/null | wc -l)
	net_up || fail "cannot create namespaces" || return
	mkdir -p "$SD_DIR" "/run/systemd/system/$SD_UNIT.d"
	cp "$WL" "$SD_DIR/wirelens"
	echo udp >"$SD_DIR/filter"
	printf '%s\n' "interface = $VA" "backend = $1" "pin-path = $PIN_BASE-sd" \
		"filter-file = $SD_DIR/filter" 'json = true' >"$SD_DIR/wirelens.conf"
	sed -e "s|/usr/local/sbin/wirelens|$SD_DIR/wirelens|" \
		-e "s|/etc/wirelens/wirelens.conf|$SD_DIR/wirelens.conf|" \
		-e "s|wirelens$|wirelens-$RUN|" packaging/wirelens.service >"/run/systemd/system/$SD_UNIT"
	printf '%s\n' '[Service]' "NetworkNamespacePath=/run/netns/$NSA" 'Restart=no' \
		"StandardOutput=file:$SD_DIR/out" "StandardError=file:$SD_DIR/err" \
		>"/run/systemd/system/$SD_UNIT.d/test.conf"
	systemctl daemon-reload && systemctl start "$SD_UNIT" ||
		fail "systemctl start: $(systemctl status "$SD_UNIT" 2>&1 | tail -5)" || return
	for i in $(seq 300); do
		grep -q "counting on" "$SD_DIR/err" 2>/dev/null && break
		systemctl -q is-active "$SD_UNIT" || break
		sleep 0.1
	done
	grep -q "counting on '$VA'$([ "$1" = xdp ] && echo ': ingress' || echo ' with libpcap')" "$SD_DIR/err" ||
		fail "not counting: $(cat "$SD_DIR/err" 2>/dev/null)" || return
	if [ "$1" = xdp ]; then
		[ -e "$PIN_BASE-sd/wl_stats" ] || fail "no maps pinned in $PIN_BASE-sd" || return
		[ -n "$(xdp_attached)" ] || fail "no XDP program on $VA" || return
	fi
	for i in $(seq 50); do
		[ "$(code http://127.0.0.1:8080/api/v1/status)" = 200 ] && break
		sleep 0.1
	done
	[ "$(code http://127.0.0.1:8080/api/v1/status)" = 200 ] || fail "no API on :8080" || return
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	echo tcp >"$SD_DIR/filter"
	systemctl reload "$SD_UNIT" || fail "systemctl reload failed" || return
	for i in $(seq 50); do grep -q "filter changed" "$SD_DIR/err" && break; sleep 0.1; done
	grep -q "filter changed from 'udp' to 'tcp" "$SD_DIR/err" ||
		fail "reload: $(cat "$SD_DIR/err")" || return
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	sleep 1.5
	systemctl stop "$SD_UNIT"
	[ "$(systemctl show -p Result --value "$SD_UNIT")" = success ] ||
		fail "stopped with $(systemctl show -p Result -p ExecMainStatus "$SD_UNIT" | tr '\n' ' '): $(cat "$SD_DIR/err")" ||
		return
	[ -z "$(xdp_attached)" ] && [ -z "$(tc_filters)" ] || fail "left attached after stop" || return
	n=$(jq .directions.in.totals.packets "$SD_DIR/out")
	[ "$n" = $((u + t)) ] || fail "counted $n, expected $u UDP + $t TCP" || return
	[ "$(jq .directions.in.seen.packets "$SD_DIR/out")" = 4000 ] || fail "seen != 4000" || return
	! grep -q "Operation not permitted\|Permission denied\|Read-only" "$SD_DIR/err" ||
		fail "denied by the sandbox: $(cat "$SD_DIR/err")"
}
