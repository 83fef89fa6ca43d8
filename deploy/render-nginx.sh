#!/bin/sh
# Render deploy/nginx.conf.template into OUTPUT_DIR/nginx.conf.
#
# usage: deploy/render-nginx.sh OUTPUT_DIR PORT CLIENTS_PORT ORDERS_PORT REMINDERS_PORT MAILINGS_PORT IDENTITY_PORT \
#            CONSOLE_PORT INTERNAL_PORT
#
# INTERNAL_PORT is the gateway's second port, for the web console only: there the browser's
# address the console passes in X-Real-IP is believed (never on PORT).
# A service's port may be a comma-separated list (8101,8111): one upstream server each, for
# several replicas of it on one host, among which nginx balances and fails over.
#
# Optional environment:
#   LISTEN_ADDRESS   address nginx listens on            (default 127.0.0.1; 0.0.0.0 in compose)
#   CLIENTS_HOST, ORDERS_HOST, REMINDERS_HOST, MAILINGS_HOST, IDENTITY_HOST, CONSOLE_HOST
#                    upstream host of each service        (default 127.0.0.1; service names in compose)
#   RUNTIME_DIR      where nginx keeps pid and temp files (default OUTPUT_DIR, made absolute)
#   ACCESS_LOG       off | stdout                         (default off)
#   RATE_LIMIT       requests a second per client address on /api/ (default 50)
#   RATE_BURST       requests beyond the rate let through at once before 429 (default 100)
#
# Then start nginx with:
#   nginx -p OUTPUT_DIR -c OUTPUT_DIR/nginx.conf -e stderr
#
# Used by deploy/run.sh (make run), by the gateway tests and inside the
# nginx:alpine container of docker-compose.yml. That last one has no bash and
# no envsubst, hence POSIX sh + sed only, and no pipes (no pipefail in sh).
set -eu

die() { echo "render-nginx: $*" >&2; exit 2; }

[ "$#" -eq 9 ] || die "usage: $0 OUTPUT_DIR PORT CLIENTS_PORT ORDERS_PORT REMINDERS_PORT MAILINGS_PORT IDENTITY_PORT CONSOLE_PORT INTERNAL_PORT"

output_dir=$1
template=${TEMPLATE:-$(dirname "$0")/nginx.conf.template}
[ -r "$template" ] || die "template not found: $template"

# Values end up inside nginx.conf and inside a sed expression: validate them
# strictly instead of escaping, so a typo fails here and not as an nginx error.
check_port() {
    case $2 in ''|*[!0-9]*) die "$1 must be a port number, got '$2'" ;; esac
    if [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then die "$1 out of range: $2"; fi
}
check_host() {
    case $2 in ''|*[!]A-Za-z0-9._:[-]*) die "$1 must be a host name or address, got '$2'" ;; esac
}

check_port PORT "$2"
check_port INTERNAL_PORT "$9"
[ "$9" != "$2" ] || die "INTERNAL_PORT must differ from PORT"

listen_address=${LISTEN_ADDRESS:-127.0.0.1}
clients_host=${CLIENTS_HOST:-127.0.0.1}
orders_host=${ORDERS_HOST:-127.0.0.1}
reminders_host=${REMINDERS_HOST:-127.0.0.1}
mailings_host=${MAILINGS_HOST:-127.0.0.1}
identity_host=${IDENTITY_HOST:-127.0.0.1}
console_host=${CONSOLE_HOST:-127.0.0.1}
for pair in "LISTEN_ADDRESS=$listen_address" "CLIENTS_HOST=$clients_host" \
    "ORDERS_HOST=$orders_host" "REMINDERS_HOST=$reminders_host" "MAILINGS_HOST=$mailings_host" \
    "IDENTITY_HOST=$identity_host" "CONSOLE_HOST=$console_host"; do
    check_host "${pair%%=*}" "${pair#*=}"
done

# IPv6 literals need brackets in front of ":port".
bracket() { case $1 in \[*) printf '%s' "$1" ;; *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }
listen_address=$(bracket "$listen_address")
clients_host=$(bracket "$clients_host")
orders_host=$(bracket "$orders_host")
reminders_host=$(bracket "$reminders_host")
mailings_host=$(bracket "$mailings_host")
identity_host=$(bracket "$identity_host")
console_host=$(bracket "$console_host")

# The servers of one upstream: HOST:PORT for each port of the list, joined so that the template's
# "server @@X_UPSTREAM@@ max_fails=0;" line becomes one server line per port, each with max_fails=0.
servers() {
    name=$1 host=$2 list=$3 joined=
    set -f
    old_ifs=$IFS
    IFS=,
    # shellcheck disable=SC2086 # split on commas on purpose
    set -- $list
    IFS=$old_ifs
    set +f
    [ "$#" -gt 0 ] || die "$name must be a port number or a comma-separated list of them, got '$list'"
    for port in "$@"; do
        check_port "$name" "$port"
        if [ -z "$joined" ]; then joined="$host:$port"; else joined="$joined max_fails=0; server $host:$port"; fi
    done
    printf '%s' "$joined"
}
clients_servers=$(servers CLIENTS_PORT "$clients_host" "$3")
orders_servers=$(servers ORDERS_PORT "$orders_host" "$4")
reminders_servers=$(servers REMINDERS_PORT "$reminders_host" "$5")
mailings_servers=$(servers MAILINGS_PORT "$mailings_host" "$6")
identity_servers=$(servers IDENTITY_PORT "$identity_host" "$7")
console_servers=$(servers CONSOLE_PORT "$console_host" "$8")

case ${ACCESS_LOG:-off} in
    off) access_log=off ;;
    stdout) access_log="/dev/stdout negoce" ;;
    *) die "ACCESS_LOG must be 'off' or 'stdout', got '${ACCESS_LOG}'" ;;
esac

rate_limit=${RATE_LIMIT:-50}
rate_burst=${RATE_BURST:-100}
case $rate_limit in ''|0|*[!0-9]*) die "RATE_LIMIT must be a whole number above 0, got '$rate_limit'" ;; esac
case $rate_burst in ''|*[!0-9]*) die "RATE_BURST must be a whole number, got '$rate_burst'" ;; esac

mkdir -p "$output_dir"
output_dir=$(cd "$output_dir" && pwd)
runtime_dir=${RUNTIME_DIR:-$output_dir}
case $runtime_dir in
    /*) ;;
    *) die "RUNTIME_DIR must be absolute, got '$runtime_dir'" ;;
esac
# Quoted in the template, so spaces are fine; '|', '&', '"', '\', '$' are not
# (they would break the sed expression or the nginx quoting).
case $runtime_dir in
    *[!A-Za-z0-9._/@%+=,~\ -]*) die "RUNTIME_DIR contains unsupported characters: '$runtime_dir'" ;;
esac

# Write next to the target, then rename: a half-written nginx.conf must never
# be picked up by a concurrently starting nginx.
tmp="$output_dir/nginx.conf.tmp.$$"
sed \
    -e "s|@@LISTEN@@|$listen_address:$2|g" \
    -e "s|@@CLIENTS_UPSTREAM@@|$clients_servers|g" \
    -e "s|@@ORDERS_UPSTREAM@@|$orders_servers|g" \
    -e "s|@@REMINDERS_UPSTREAM@@|$reminders_servers|g" \
    -e "s|@@MAILINGS_UPSTREAM@@|$mailings_servers|g" \
    -e "s|@@IDENTITY_UPSTREAM@@|$identity_servers|g" \
    -e "s|@@CONSOLE_UPSTREAM@@|$console_servers|g" \
    -e "s|@@INTERNAL_LISTEN@@|$listen_address:$9|g" \
    -e "s|@@INTERNAL_PORT@@|$9|g" \
    -e "s|@@RUNTIME_DIR@@|$runtime_dir|g" \
    -e "s|@@ACCESS_LOG@@|$access_log|g" \
    -e "s|@@RATE_LIMIT@@|$rate_limit|g" \
    -e "s|@@RATE_BURST@@|$rate_burst|g" \
    "$template" >"$tmp"

# A placeholder added to the template but not to this script must not reach nginx.
if grep -q '@@[A-Z_]*@@' "$tmp"; then
    grep -n '@@[A-Z_]*@@' "$tmp" >&2
    rm -f "$tmp"
    die "unsubstituted placeholder(s) left in $template"
fi
mv -f "$tmp" "$output_dir/nginx.conf"
