#!/usr/bin/env bash
# Ensure a PostgreSQL 17 + pgvector (0.8.x) test server is running on
# 127.0.0.1:5433 (trust auth) with a database draftd_test, then print its URL
# as the only line on stdout. All progress output goes to stderr.
#
#   - server already answering  -> just make sure the database/extension exist
#   - host has an apt candidate for postgresql-17-pgvector (Debian 13, ...)
#                               -> apt install it, cluster "17/draftd" on :5433
#   - otherwise (Debian 12)     -> Debian trixie chroot built with debootstrap in
#                                  $DRAFTD_PG_ROOT (default /var/cache/draftd/pg-trixie),
#                                  cluster "17/main" on :5433 started inside it
#
# Needs root for anything but the "already running" case. Safe to re-run.
set -Eeuo pipefail

PORT="${DRAFTD_PG_PORT:-5433}"
DB=draftd_test
URL="postgres://postgres@127.0.0.1:${PORT}/${DB}?sslmode=disable"
ADMIN_URL="postgres://postgres@127.0.0.1:${PORT}/postgres?sslmode=disable"
ROOT="$(realpath -m -- "${DRAFTD_PG_ROOT:-/var/cache/draftd/pg-trixie}")"
SUITE=trixie
MIRROR="${DRAFTD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PG_MAJOR=17
PACKAGES=("postgresql-${PG_MAJOR}" "postgresql-${PG_MAJOR}-pgvector")

MARKER="$ROOT/.draftd-setup-complete" # written last: chroot is usable
STAMP="$ROOT/.draftd-setup-started"   # written first: directory is ours to delete

export PGCONNECT_TIMEOUT=5 PGOPTIONS="-c client_min_messages=warning"

# Keep the real stdout on fd 3 for the URL; everything else goes to stderr.
exec 3>&1 1>&2

log() { echo "pgvector.sh: $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

# ---------------------------------------------------------------- helpers --

# Run a command inside the chroot with a clean environment (no host locale).
in_root() {
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		chroot "$ROOT" "$@"
}

# Run a PostgreSQL client tool (psql, pg_isready) from the host, or from the
# chroot if the host has none. Versioned binaries are preferred over Debian's
# pg_wrapper, which warns when it cannot pick a default cluster.
pg_tool() {
	local tool="$1" c bin=""
	shift
	for c in /usr/lib/postgresql/*/bin/"$tool"; do
		if [[ -x $c ]]; then bin="$c"; fi
	done
	if [[ -n $bin ]]; then
		"$bin" "$@"
	elif command -v "$tool" >/dev/null 2>&1; then
		"$tool" "$@"
	elif [[ -f $MARKER ]]; then
		in_root "/usr/lib/postgresql/$PG_MAJOR/bin/$tool" "$@"
	else
		return 127
	fi
}

server_up() {
	pg_tool pg_isready -q -h 127.0.0.1 -p "$PORT" -t 3 >/dev/null 2>&1 &&
		pg_tool psql "$ADMIN_URL" -XtAqc 'select 1' >/dev/null 2>&1
}

wait_ready() { # wait_ready LOGFILE
	local i
	for ((i = 0; i < 60; i++)); do
		server_up && return 0
		sleep 0.5
	done
	[[ -f $1 ]] && tail -n 30 "$1" >&2
	die "PostgreSQL did not become ready on 127.0.0.1:$PORT (log: $1)"
}

# apt_candidate PKG: prints the candidate version, or nothing.
apt_candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# apt_install PKG...: install on the host; runs apt-get update only if a package has no candidate.
apt_install() {
	local p
	for p in "$@"; do
		if [[ -z $(apt_candidate "$p") ]]; then
			log "apt-get update (no candidate for $p)"
			apt-get update -q >&2 || die "apt-get update failed"
			break
		fi
	done
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >&2 ||
		die "apt-get install $* failed"
}

host_has_pgvector() {
	[[ -n $(apt_candidate "postgresql-${PG_MAJOR}-pgvector") ]] && return 0
	# Releases known to ship it may just have stale/empty package lists.
	local ID="" VERSION_ID=""
	# shellcheck disable=SC1091
	[[ -r /etc/os-release ]] && . /etc/os-release
	case "$ID" in
	debian) [[ ${VERSION_ID%%.*} =~ ^[0-9]+$ && ${VERSION_ID%%.*} -ge 13 ]] || return 1 ;;
	ubuntu) [[ ${VERSION_ID%%.*} =~ ^[0-9]+$ && ${VERSION_ID%%.*} -ge 24 ]] || return 1 ;;
	*) return 1 ;;
	esac
	log "apt-get update (looking for postgresql-${PG_MAJOR}-pgvector)"
	apt-get update -q >&2 || die "apt-get update failed"
	[[ -n $(apt_candidate "postgresql-${PG_MAJOR}-pgvector") ]]
}

# Remove a stale postmaster.pid (e.g. after a reboot, when its PID now belongs
# to an unrelated process and PostgreSQL would refuse to start).
clear_stale_pid() { # clear_stale_pid DATADIR
	local pidfile="$1/postmaster.pid" pid
	[[ -f $pidfile ]] || return 0
	pid=$(head -n 1 "$pidfile")
	if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres* ]]; then
		return 0
	fi
	log "removing stale $pidfile (pid $pid)"
	rm -f "$pidfile"
}

# write_config CONFDIR: server settings and trust auth for local + 127.0.0.1.
write_config() {
	local confdir="$1"
	cat >"$confdir/conf.d/90-draftd-test.conf" <<EOF
# Written by draftd .ci/pgvector.sh: throwaway test/benchmark server.
listen_addresses = '127.0.0.1'
max_connections = 200
shared_buffers = 256MB
maintenance_work_mem = 512MB
random_page_cost = 1.1
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	# Overwrite in place so ownership/mode (postgres, 0640) are kept.
	cat >"$confdir/pg_hba.conf" <<'EOF'
# Written by draftd .ci/pgvector.sh: test server, trust on loopback only.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
EOF
}

# start_cluster CLUSTER LOGFILE RUNNER...: pg_ctlcluster start, without leaking
# our stdout/stderr/lock fds into the daemon (that would hang "$(...)" callers).
start_cluster() {
	local cluster="$1" logfile="$2"
	shift 2
	log "starting cluster $PG_MAJOR/$cluster"
	if ! "$@" pg_ctlcluster "$PG_MAJOR" "$cluster" start </dev/null >"$logfile" 2>&1 3>&- 9>&-; then
		cat "$logfile" >&2
		die "pg_ctlcluster $PG_MAJOR $cluster start failed"
	fi
}

ensure_db() {
	local exists ver
	exists=$(pg_tool psql "$ADMIN_URL" -XtAq -v ON_ERROR_STOP=1 \
		-c "select 1 from pg_database where datname = '$DB'") ||
		die "cannot query the server at $ADMIN_URL"
	if [[ $exists != 1 ]]; then
		log "creating database $DB"
		pg_tool psql "$ADMIN_URL" -XtAq -v ON_ERROR_STOP=1 -c "create database $DB owner postgres" ||
			[[ $(pg_tool psql "$ADMIN_URL" -XtAq -c "select 1 from pg_database where datname = '$DB'") == 1 ]] ||
			die "cannot create database $DB"
	fi
	ver=$(pg_tool psql "$URL" -XtAq -v ON_ERROR_STOP=1 \
		-c "create extension if not exists vector" \
		-c "select extversion from pg_extension where extname = 'vector'") ||
		die "CREATE EXTENSION vector failed in $DB (is pgvector installed for this server?)"
	if ! [[ $ver =~ ^0\.([0-9]+)\. && ${BASH_REMATCH[1]} -ge 8 || $ver =~ ^[1-9] ]]; then
		die "pgvector $ver is too old, need >= 0.8"
	fi
	log "ready: PostgreSQL $(pg_tool psql "$URL" -XtAqc 'show server_version'), pgvector $ver"
}

# ------------------------------------------------------------ host (apt) --

provision_host() {
	local cluster=draftd
	log "host has postgresql-${PG_MAJOR}-pgvector: using host packages"
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) || apt_install "${missing[@]}"

	if [[ ! -d /etc/postgresql/$PG_MAJOR/$cluster ]]; then
		log "creating cluster $PG_MAJOR/$cluster on port $PORT"
		LANG=C.UTF-8 LC_ALL=C.UTF-8 pg_createcluster --port "$PORT" --locale C.UTF-8 \
			"$PG_MAJOR" "$cluster" >&2 || die "pg_createcluster failed"
		write_config "/etc/postgresql/$PG_MAJOR/$cluster"
	fi
	clear_stale_pid "/var/lib/postgresql/$PG_MAJOR/$cluster"
	mkdir -p /var/cache/draftd
	start_cluster "$cluster" /var/cache/draftd/pg_ctlcluster.log
	wait_ready "/var/log/postgresql/postgresql-$PG_MAJOR-$cluster.log"
}

# ---------------------------------------------------------- trixie chroot --

mounts_under_root() {
	awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r
}

umount_root() {
	local m
	for m in $(mounts_under_root); do
		umount "$m" || umount -l "$m" || die "cannot unmount $m"
	done
	[[ -z $(mounts_under_root) ]] || die "mounts left under $ROOT: $(mounts_under_root | tr '\n' ' ')"
}

# Mount what PostgreSQL needs inside the chroot: /proc, /dev/shm (POSIX shared
# memory for parallel workers / HNSW builds), a fresh /run (sockets, no stale
# lock files after a reboot), and basic /dev nodes.
mount_root() {
	mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc" || die "cannot mount proc in $ROOT"
	mkdir -p "$ROOT/dev/shm"
	mountpoint -q "$ROOT/dev/shm" || mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ROOT/dev/shm" ||
		die "cannot mount tmpfs on $ROOT/dev/shm"
	mountpoint -q "$ROOT/run" || mount -t tmpfs -o mode=0755,nosuid,nodev run "$ROOT/run" ||
		die "cannot mount tmpfs on $ROOT/run"
	local n
	for n in null zero full random urandom tty; do
		[[ -c $ROOT/dev/$n ]] && continue
		# debootstrap creates these with mknod; inside a container it may not be allowed.
		rm -f "$ROOT/dev/$n"
		if ! cp -a "/dev/$n" "$ROOT/dev/$n" 2>/dev/null; then
			touch "$ROOT/dev/$n"
			mount --bind "/dev/$n" "$ROOT/dev/$n" || die "cannot provide /dev/$n in $ROOT"
		fi
	done
}

build_root() {
	if [[ -e $ROOT ]]; then
		if [[ -f $STAMP || -z $(ls -A "$ROOT") ]]; then
			log "removing incomplete chroot $ROOT (interrupted earlier run)"
			umount_root
			rm -rf --one-file-system "$ROOT" || die "cannot remove $ROOT"
		else
			die "$ROOT exists, is not empty and was not created by this script; remove it or set DRAFTD_PG_ROOT"
		fi
	fi

	command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[[ -f $keyring ]] || apt_install debian-archive-keyring

	mkdir -p "$ROOT"
	touch "$STAMP"
	log "debootstrap $SUITE into $ROOT (about a minute)"
	local t0=$SECONDS
	debootstrap --variant=minbase --keyring="$keyring" "$SUITE" "$ROOT" "$MIRROR" </dev/null >&2 ||
		die "debootstrap failed (see $ROOT/debootstrap/debootstrap.log if present)"
	log "debootstrap done in $((SECONDS - t0))s"

	mount_root
	# No service starts from maintainer scripts; the cluster is started by us.
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
	cat >"$ROOT/etc/apt/apt.conf.d/90draftd" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
Dpkg::Use-Pty "0";
EOF

	log "installing ${PACKAGES[*]} in the chroot"
	t0=$SECONDS
	in_root apt-get update -q </dev/null >&2 || die "apt-get update in chroot failed"
	in_root apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" </dev/null >&2 ||
		die "apt-get install ${PACKAGES[*]} in chroot failed"
	in_root apt-get clean
	log "install done in $((SECONDS - t0))s"

	# postgresql-17's postinst created cluster 17/main (not started); move it to our port.
	[[ -d $ROOT/etc/postgresql/$PG_MAJOR/main ]] ||
		in_root pg_createcluster --locale C.UTF-8 "$PG_MAJOR" main >&2 || die "pg_createcluster failed"
	in_root pg_conftool "$PG_MAJOR" main set port "$PORT" || die "pg_conftool failed"
	write_config "$ROOT/etc/postgresql/$PG_MAJOR/main"

	rm -f "$STAMP"
	date -u +%FT%TZ >"$MARKER"
	log "chroot ready: $ROOT"
}

provision_chroot() {
	if [[ ! -f $MARKER ]]; then
		build_root
	else
		log "using chroot $ROOT"
	fi
	mount_root
	in_root install -d -o postgres -g postgres -m 2775 /run/postgresql
	clear_stale_pid "$ROOT/var/lib/postgresql/$PG_MAJOR/main"
	start_cluster main "$ROOT/var/log/draftd-pg_ctlcluster.log" in_root
	wait_ready "$ROOT/var/log/postgresql/postgresql-$PG_MAJOR-main.log"
}

# ------------------------------------------------------------------- main --

main() {
	if ! server_up; then
		[[ $EUID -eq 0 ]] || die "no server on 127.0.0.1:$PORT and not root: run as root to provision one"
		[[ $ROOT == /* && $ROOT != / ]] || die "DRAFTD_PG_ROOT must be an absolute path other than /"
		mkdir -p "$(dirname "$ROOT")"
		exec 9>"$ROOT.lock"
		flock -w 900 9 || die "timed out waiting for another pgvector.sh ($ROOT.lock)"
		if server_up; then
			: # another run started it meanwhile
		elif host_has_pgvector; then
			provision_host
		else
			provision_chroot
		fi
		exec 9>&-
	fi
	ensure_db
	echo "$URL" >&3
}

main "$@"
