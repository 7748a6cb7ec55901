#!/bin/sh
# check-deb.sh: checks of the Debian package that .ci/package builds.
#
#   check-deb.sh deb DEB        its files (dpkg-deb -c), control fields (dpkg-deb -I):
#                               Conflicts/Replaces, Depends = the packages of the shared
#                               libraries its programs link, the conffiles, and its
#                               maintainer scripts (as "scripts" below); lintian, when
#                               installed, reports no error
#   check-deb.sh scripts DIR    the maintainer scripts in DIR parse (sh -n), and, as root
#                               with unshare(1), run in a private mount namespace (empty
#                               tmpfs over /run, /var/lib and /var/log) against logging
#                               stand-ins for deb-systemd-helper, deb-systemd-invoke,
#                               systemctl, dpkg-maintscript-helper and update-rc.d: what
#                               each does on install, upgrade from numad 0.5, removal and
#                               purge. Nothing on this machine is installed or changed.
#
# Exit status: 0 pass, 1 fail, 77 skipped (a tool is missing).
set -u

SKIP=77
bad=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# a failed check, counted: the others still run
no() {
	echo "FAIL: $*" >&2
	bad=1
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# ---- the maintainer scripts ----

# run_script LOG SCRIPT ARGS...: SCRIPT with the stand-ins first on PATH; they log to LOG.
run_script() {
	log=$1 script=$2
	shift 2
	: >"$log"
	PATH="$stubs:$PATH" STUB_LOG="$log" sh -e "$script" "$@" >>"$log.out" 2>&1
}

# logged LOG WORDS: a stand-in was called with exactly these words
logged() {
	grep -qxF -- "$2" "$1"
}

scripts_in_namespace() {
	dir=$1 tmp=$2
	stubs="$tmp/stubs"
	mkdir -p "$stubs"
	for tool in deb-systemd-helper deb-systemd-invoke systemctl dpkg-maintscript-helper update-rc.d; do
		cat >"$stubs/$tool" <<EOF
#!/bin/sh
echo "$tool \$*" >>"\$STUB_LOG"
case "$tool \$*" in
"deb-systemd-helper --quiet was-enabled numad.service") [ "\${WAS_ENABLED:-1}" = 1 ] ;;
esac
EOF
		chmod +x "$stubs/$tool"
	done
	mount -t tmpfs numad-check /run && mount -t tmpfs numad-check /var/lib &&
		mount -t tmpfs numad-check /var/log || fail "cannot mount a tmpfs in the namespace"
	log="$tmp/log"
	v05=0.5+20150602-8+b1

	# first install, under systemd
	mkdir -p /run/systemd/system
	run_script "$log" "$dir/preinst" install || no "preinst install failed: $(cat "$log.out")"
	run_script "$log" "$dir/postinst" configure || no "postinst configure failed: $(cat "$log.out")"
	for want in "deb-systemd-helper enable numad.socket" "deb-systemd-helper enable numad.service" \
	            "systemctl --system daemon-reload" "deb-systemd-invoke start numad.socket" \
	            "deb-systemd-invoke start numad.service"; do
		logged "$log" "$want" || no "postinst configure (first install): no '$want'"
	done
	[ "$(grep '^deb-systemd-invoke' "$log" | head -1)" = "deb-systemd-invoke start numad.socket" ] ||
		no "postinst: numad.socket is not started first"

	# first install without a running systemd (a chroot, this container): enabled, not started
	rmdir /run/systemd/system
	run_script "$log" "$dir/postinst" configure || no "postinst configure (no systemd) failed"
	logged "$log" "deb-systemd-helper enable numad.service" || no "postinst (no systemd): numad.service not enabled"
	! grep -q "^deb-systemd-invoke\|^systemctl" "$log" || no "postinst (no systemd) starts or reloads: $(cat "$log")"
	mkdir -p /run/systemd/system

	# upgrade from Debian's numad 0.5: its daemon stopped before the files are replaced,
	# its init script and defaults file dropped, its enablement followed
	run_script "$log" "$dir/preinst" upgrade "$v05" || no "preinst upgrade failed"
	logged "$log" "deb-systemd-invoke stop numad.service" || no "preinst upgrade $v05: numad 0.5 is not stopped"
	logged "$log" "dpkg-maintscript-helper rm_conffile /etc/init.d/numad 0.9.0-1~ numad -- upgrade $v05" ||
		no "preinst: /etc/init.d/numad is not dropped"
	run_script "$log" "$dir/postinst" configure "$v05" || no "postinst configure $v05 failed"
	logged "$log" "dpkg-maintscript-helper rm_conffile /etc/default/numad 0.9.0-1~ numad -- configure $v05" ||
		no "postinst: /etc/default/numad is not dropped"
	logged "$log" "deb-systemd-helper enable numad.socket" || no "postinst $v05 (enabled): numad.socket not enabled"
	logged "$log" "deb-systemd-invoke restart numad.service" || no "postinst $v05: numad.service not restarted"
	export WAS_ENABLED=0
	run_script "$log" "$dir/postinst" configure "$v05" || no "postinst configure $v05 failed"
	unset WAS_ENABLED
	! grep -q "^deb-systemd-helper enable" "$log" ||
		no "postinst $v05: enables a unit although numad 0.5's numad.service was disabled"

	# a later upgrade: no stop before it, a restart after
	run_script "$log" "$dir/preinst" upgrade 0.9.0-1 || no "preinst upgrade 0.9.0-1 failed"
	! grep -q "^deb-systemd-invoke" "$log" || no "preinst upgrade 0.9.0-1 stops numad"
	run_script "$log" "$dir/prerm" upgrade 0.9.0-2 || no "prerm upgrade failed"
	! grep -q "^deb-systemd-invoke\|^systemctl" "$log" || no "prerm upgrade stops numad: $(cat "$log")"

	# removal: both units stopped, what numad wrote kept until purge
	mkdir -p /var/lib/numad /run/numad
	echo state >/var/lib/numad/state
	echo ledger >/run/numad/ledger
	echo log >/var/log/numad.log
	echo log >/var/log/numad.log.1
	run_script "$log" "$dir/prerm" remove || no "prerm remove failed"
	logged "$log" "deb-systemd-invoke stop numad.service numad.socket" || no "prerm remove: units not stopped"
	run_script "$log" "$dir/postrm" remove || no "postrm remove failed"
	[ -f /var/lib/numad/state ] && [ -f /run/numad/ledger ] || no "postrm remove deletes numad's state"
	run_script "$log" "$dir/postrm" purge || no "postrm purge failed: $(cat "$log.out")"
	logged "$log" "deb-systemd-helper purge numad.socket numad.service" || no "postrm purge: enablement not purged"
	[ ! -e /var/lib/numad ] || no "postrm purge leaves /var/lib/numad"
	[ ! -e /run/numad/ledger ] || no "postrm purge leaves /run/numad/ledger"
	[ ! -e /var/log/numad.log ] && [ ! -e /var/log/numad.log.1 ] || no "postrm purge leaves the log"
	# purge without anything to remove
	run_script "$log" "$dir/postrm" purge || no "postrm purge (nothing left) failed"
	[ $bad -eq 0 ] || exit 1
}

scripts() {
	dir=$1
	for s in preinst postinst prerm postrm; do
		[ -f "$dir/$s" ] || { no "no maintainer script $s"; continue; }
		sh -n "$dir/$s" || no "$s does not parse"
		head -1 "$dir/$s" | grep -qx '#!/bin/sh' || no "$s: not #!/bin/sh"
		grep -q '^set -e' "$dir/$s" || no "$s: no set -e"
		# guests are numad's business once it runs, never the package's
		! grep -v '^[[:space:]]*#' "$dir/$s" | grep -nE 'virsh|numadctl|/usr/s?bin/numad|migratepages|numactl' ||
			no "$s runs something that acts on guests"
	done
	[ $bad -eq 0 ] || exit 1
	echo "maintainer scripts parse: $dir"
	if [ "$(id -u)" -ne 0 ] || ! have unshare; then
		echo "SKIP: running the maintainer scripts needs root and unshare(1)"
		exit $SKIP
	fi
	tmp=$(mktemp -d) || fail "mktemp"
	unshare --mount --propagation private sh "$0" scripts-ns "$dir" "$tmp"
	rc=$?
	rm -rf "$tmp"
	[ $rc -eq 0 ] || fail "maintainer scripts (above)"
	echo "maintainer scripts: install, upgrade from numad 0.5, removal and purge do what they should"
}

# ---- the package ----

deb() {
	pkg=$1
	[ -f "$pkg" ] || fail "no such package: $pkg"
	have dpkg-deb || { echo "SKIP: no dpkg-deb"; exit $SKIP; }
	tmp=$(mktemp -d) || fail "mktemp"
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb -x "$pkg" "$tmp/root" && dpkg-deb -e "$pkg" "$tmp/control" || fail "cannot unpack $pkg"

	# files: exactly these, root's, executables 0755 and the rest 0644
	LC_ALL=C sort >"$tmp/want" <<'EOF'
./etc/logrotate.d/numad -rw-r--r--
./etc/numad.conf -rw-r--r--
./lib/systemd/system/numad.service -rw-r--r--
./lib/systemd/system/numad.socket -rw-r--r--
./usr/bin/numad -rwxr-xr-x
./usr/bin/numadctl -rwxr-xr-x
./usr/sbin/numad -rwxr-xr-x
./usr/sbin/numad-sim -rwxr-xr-x
./usr/share/bash-completion/completions/numad -rw-r--r--
./usr/share/bash-completion/completions/numad-sim -rw-r--r--
./usr/share/bash-completion/completions/numadctl -rw-r--r--
./usr/share/doc/numad/changelog.Debian.gz -rw-r--r--
./usr/share/doc/numad/copyright -rw-r--r--
./usr/share/man/man5/numad.conf.5.gz -rw-r--r--
./usr/share/man/man8/numad-sim.8.gz -rw-r--r--
./usr/share/man/man8/numad.8.gz -rw-r--r--
./usr/share/man/man8/numadctl.8.gz -rw-r--r--
./usr/share/numad/numad-alerts.rules.yml -rw-r--r--
EOF
	dpkg-deb -c "$pkg" >"$tmp/contents" || fail "dpkg-deb -c $pkg"
	awk '$1 !~ /^d/ { print $6, $1 }' "$tmp/contents" | LC_ALL=C sort >"$tmp/have"
	if ! diff -u "$tmp/want" "$tmp/have" >"$tmp/diff"; then
		cat "$tmp/diff" >&2
		no "the package's files (- expected, + in the package)"
	fi
	awk '$2 != "root/root" { print }' "$tmp/contents" | grep . >&2 && no "files not owned by root/root"

	# the programs as the package installs them
	r=$tmp/root
	grep -qx "ExecStart=/usr/sbin/numad -F --pidfile /run/numad/numad.pid" "$r/lib/systemd/system/numad.service" ||
		no "numad.service: ExecStart is not /usr/sbin/numad"
	grep -qF /usr/sbin/numad "$r/usr/bin/numad" || no "/usr/bin/numad does not name /usr/sbin/numad"
	for page in "$r"/usr/share/man/man*/*.gz; do
		gzip -t "$page" || no "not gzip: $page"
	done

	# control fields
	field() {
		dpkg-deb -f "$pkg" "$1"
	}
	dpkg-deb -I "$pkg" >/dev/null || fail "dpkg-deb -I $pkg"
	[ "$(field Package)" = numad ] || no "Package is '$(field Package)', not numad"
	version=$(field Version)
	case "$(basename "$pkg")" in
	"numad_${version}_$(field Architecture).deb") ;;
	*) no "file name $(basename "$pkg") does not match Version $version" ;;
	esac
	dpkg --compare-versions "$version" gt 0.5+20150602-8+b1 || no "Version $version does not upgrade numad 0.5"
	[ "$(field Conflicts)" = "numad (<< 0.9~)" ] || no "Conflicts is '$(field Conflicts)'"
	[ "$(field Replaces)" = "numad (<< 0.9~)" ] || no "Replaces is '$(field Replaces)'"
	[ -n "$(field Maintainer)" ] && [ -n "$(field Description)" ] || no "no Maintainer or Description"

	# Depends: the packages that hold the shared libraries the programs link, no other
	have objdump || { echo "SKIP: no objdump (binutils)"; exit $SKIP; }
	: >"$tmp/libpkgs"
	for bin in "$r"/usr/bin/* "$r"/usr/sbin/*; do
		for soname in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
			path=$(ldconfig -p | awk -v s="$soname" '$1 == s && /x86-64/ { print $NF; exit }')
			[ -n "$path" ] || path=$(ldconfig -p | awk -v s="$soname" '$1 == s { print $NF; exit }')
			[ -n "$path" ] || { no "$bin links $soname, which ldconfig does not know"; continue; }
			owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null ||
			        dpkg -S "/usr$path" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null)
			[ -n "$owner" ] || { no "no package holds $path ($soname)"; continue; }
			echo "${owner%%:*}" >>"$tmp/libpkgs"
		done
	done
	sort -u "$tmp/libpkgs" -o "$tmp/libpkgs"
	field Depends | tr ',' '\n' | sed 's/^ *//; s/[ (:].*//' | grep . | sort -u >"$tmp/depends"
	if ! diff -u "$tmp/libpkgs" "$tmp/depends" >"$tmp/diff"; then
		cat "$tmp/diff" >&2
		no "Depends is not the linked libraries' packages (- linked, + in Depends)"
	fi
	if objdump -p "$r/usr/bin/numad" | grep -q 'NEEDED.*libvirt'; then
		no "/usr/bin/numad links libvirt: libvirt would wait for it at every guest start"
	fi

	# conffiles: the two files under /etc, both in the package
	printf '/etc/logrotate.d/numad\n/etc/numad.conf\n' >"$tmp/want"
	sort "$tmp/control/conffiles" 2>/dev/null | diff -u "$tmp/want" - >&2 || no "conffiles"

	# maintainer scripts: executable, and what they do
	for s in preinst postinst prerm postrm; do
		[ -x "$tmp/control/$s" ] || no "no executable $s in the package"
	done
	[ $bad -eq 0 ] || fail "package $pkg"
	echo "package $pkg: files, control fields (Depends: $(paste -sd' ' "$tmp/depends")), conffiles in order"
	sh "$0" scripts "$tmp/control"
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq $SKIP ] || exit 1

	if have lintian; then
		lintian --tag-display-limit 0 "$pkg" >"$tmp/lintian" 2>&1
		grep -v '^running with root privileges' "$tmp/lintian"
		! grep -q '^E: ' "$tmp/lintian" || fail "lintian reports errors"
		echo "lintian: no errors ($(grep -c '^W: ' "$tmp/lintian") warnings)"
	else
		echo "lintian not installed: not run"
	fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
deb) deb "$@" ;;
scripts) scripts "$@" ;;
scripts-ns) scripts_in_namespace "$@" ;;
*) echo "usage: $0 deb DEB | scripts DIR" >&2; exit 2 ;;
esac
