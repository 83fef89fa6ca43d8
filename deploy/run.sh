#!/usr/bin/env bash
# `make run`: the whole Négoce back end in the foreground, behind the nginx
# gateway on http://127.0.0.1:${NEGOCE_PORT:-8080}. Ctrl-C stops everything.
#
# Steps: check the ports are free -> .venv + project install (skipped when
# up to date) -> PostgreSQL/RabbitMQ/Redis + nginx (deploy/ensure-infra.sh) ->
# migrations -> demo account -> render the gateway config into .run/ ->
# supervisord runs deploy/Procfile and restarts any process that dies.
#
# Environment (all optional):
#   NEGOCE_PORT                 gateway port (8080)
#   NEGOCE_CLIENTS_PORT ... NEGOCE_CONSOLE_PORT   service ports (8101..8106)
#   NEGOCE_GATEWAY_INTERNAL_PORT  the gateway port the console calls the API on (8081)
#   NEGOCE_NGINX_ACCESS_LOG=1   gateway access log on stdout (off by default)
#   NEGOCE_GATEWAY_RATE_LIMIT, NEGOCE_GATEWAY_RATE_BURST  /api/ requests a second per client
#                               address (50), and the burst let through before 429 (100)
#   NEGOCE_SKIP_INFRA=1         do not check/start PostgreSQL, RabbitMQ, Redis
#   NEGOCE_DEMO=0               no demo account and no demo orders
#   NEGOCE_RUN_DIR              where the run's files go: gateway config, exports, mail, pid (.run)
#   plus every NEGOCE_* setting the services read; a .env file at the repo root
#   is loaded here too, so the migrations, the demo token and the services all
#   see the same values.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { printf 'run: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf 'run: %s\n' "$*" >&2; }

if [ -f .env ]; then
    log "loading .env"
    set -a
    # shellcheck disable=SC1091
    . ./.env
    set +a
fi

PORT=${NEGOCE_PORT:-8080}
export NEGOCE_CLIENTS_PORT=${NEGOCE_CLIENTS_PORT:-8101}
export NEGOCE_ORDERS_PORT=${NEGOCE_ORDERS_PORT:-8102}
export NEGOCE_REMINDERS_PORT=${NEGOCE_REMINDERS_PORT:-8103}
export NEGOCE_MAILINGS_PORT=${NEGOCE_MAILINGS_PORT:-8104}
export NEGOCE_IDENTITY_PORT=${NEGOCE_IDENTITY_PORT:-8105}
export NEGOCE_CONSOLE_PORT=${NEGOCE_CONSOLE_PORT:-8106}
# The gateway's second port, where the web console calls the API (deploy/render-nginx.sh says why).
export NEGOCE_GATEWAY_INTERNAL_PORT=${NEGOCE_GATEWAY_INTERNAL_PORT:-8081}
export NEGOCE_CONSOLE_API_URL=${NEGOCE_CONSOLE_API_URL:-http://127.0.0.1:$NEGOCE_GATEWAY_INTERNAL_PORT}
# Every service checks tokens against identity's published keys, wherever identity listens.
export NEGOCE_IDENTITY_JWKS_URL=${NEGOCE_IDENTITY_JWKS_URL:-http://127.0.0.1:$NEGOCE_IDENTITY_PORT/api/identity/.well-known/jwks.json}
# The mailings service resolves a campaign's selection through the clients service's API.
export NEGOCE_MAILINGS_CLIENTS_URL=${NEGOCE_MAILINGS_CLIENTS_URL:-http://127.0.0.1:$NEGOCE_CLIENTS_PORT}
BASE_URL="http://127.0.0.1:$PORT"

# Same environment for the one-shot commands below and for the services:
# the demo token printed here must be signed with the secret the services use.
export NEGOCE_ENVIRONMENT=${NEGOCE_ENVIRONMENT:-development}
# Production refuses the demo account (shared/settings.py, services/cli.py): none unless asked for.
[ "$NEGOCE_ENVIRONMENT" = production ] && export NEGOCE_DEMO=${NEGOCE_DEMO:-0}
export PYTHONUNBUFFERED=1          # logs go through supervisord's pipe: no block buffering
NEGOCE_RUN_DIR=${NEGOCE_RUN_DIR:-$ROOT/.run}
export NEGOCE_RUN_DIR              # read by deploy/Procfile
export NEGOCE_CLIENTS_EXPORT_DIR=${NEGOCE_CLIENTS_EXPORT_DIR:-$NEGOCE_RUN_DIR/exports}
export NEGOCE_MAILINGS_RENDER_DIR=${NEGOCE_MAILINGS_RENDER_DIR:-$NEGOCE_RUN_DIR/renders}
export NEGOCE_ORDERS_DOCUMENT_DIR=${NEGOCE_ORDERS_DOCUMENT_DIR:-$NEGOCE_RUN_DIR/documents}
mkdir -p "$NEGOCE_RUN_DIR"

# ------------------------------------------------------------ 1. free ports
# Checked first so a second `make run` fails in a second, not after the
# migrations. Connecting (bash /dev/tcp) catches listeners on 127.0.0.1 and on
# 0.0.0.0 alike; nginx would fail later anyway, but less readably.
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
who_listens() {
    command -v ss >/dev/null 2>&1 || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | sed 's/^/      /' >&2 || true
}
check_port_free() {
    local what=$1 port=$2
    if port_busy "$port"; then
        log "port $port ($what) is already in use:"
        who_listens "$port"
        die "port $port is taken: stop whatever listens there (a previous 'make run'?) or choose another with ${3}=<port>"
    fi
}
check_port_free gateway "$PORT" NEGOCE_PORT
check_port_free clients "$NEGOCE_CLIENTS_PORT" NEGOCE_CLIENTS_PORT
check_port_free orders "$NEGOCE_ORDERS_PORT" NEGOCE_ORDERS_PORT
check_port_free reminders "$NEGOCE_REMINDERS_PORT" NEGOCE_REMINDERS_PORT
check_port_free mailings "$NEGOCE_MAILINGS_PORT" NEGOCE_MAILINGS_PORT
check_port_free identity "$NEGOCE_IDENTITY_PORT" NEGOCE_IDENTITY_PORT
check_port_free console "$NEGOCE_CONSOLE_PORT" NEGOCE_CONSOLE_PORT
check_port_free "gateway (console side)" "$NEGOCE_GATEWAY_INTERNAL_PORT" NEGOCE_GATEWAY_INTERNAL_PORT

# -------------------------------------------- 2. virtualenv and infrastructure
deploy/ensure-infra.sh venv
deploy/ensure-infra.sh all
NEGOCE_NGINX_BIN=$(deploy/ensure-infra.sh nginx-path)
export NEGOCE_NGINX_BIN            # read by deploy/Procfile

# ------------------------------------------------- 3. database and demo data
log "applying migrations (negoce db upgrade)"
.venv/bin/negoce db upgrade || die "'negoce db upgrade' failed (see above)"
# Queues exist before any relay publishes, so no first-start event goes unrouted.
log "declaring the RabbitMQ queues (negoce broker declare)"
.venv/bin/negoce broker declare >/dev/null || die "'negoce broker declare' failed (see above)"

# Accounts made before the identity service get an owner (once); their one-time passwords are shown.
log "giving accounts made before identity an owner (negoce account adopt)"
adopted=$(.venv/bin/negoce account adopt) || die "'negoce account adopt' failed (see above)"
[ -n "$adopted" ] && printf 'adopted accounts (owner e-mail and one-time password, shown once):\n%s\n' "$adopted" >&2

# Captured (stdout only; its logs still reach stderr) so it can be shown again
# right before the process logs start, and kept in .run/demo.txt for later.
if [ "${NEGOCE_DEMO:-1}" = 0 ]; then
    seed_output=" NEGOCE_DEMO=0: no demo account (negoce account create makes an owner)"
else
    log "ensuring the demo account (negoce demo seed)"
    seed_output=$(.venv/bin/negoce demo seed --base-url "$BASE_URL") \
        || die "'negoce demo seed' failed (see above)"
fi
printf '%s\n' "$seed_output" >"$NEGOCE_RUN_DIR/demo.txt"

# ------------------------------------------------------------- 4. gateway
access_log=off
[ "${NEGOCE_NGINX_ACCESS_LOG:-0}" = 1 ] && access_log=stdout
RATE_LIMIT=${NEGOCE_GATEWAY_RATE_LIMIT:-50} RATE_BURST=${NEGOCE_GATEWAY_RATE_BURST:-100} \
ACCESS_LOG=$access_log deploy/render-nginx.sh "$NEGOCE_RUN_DIR/nginx" "$PORT" \
    "$NEGOCE_CLIENTS_PORT" "$NEGOCE_ORDERS_PORT" "$NEGOCE_REMINDERS_PORT" "$NEGOCE_MAILINGS_PORT" \
    "$NEGOCE_IDENTITY_PORT" "$NEGOCE_CONSOLE_PORT" "$NEGOCE_GATEWAY_INTERNAL_PORT"
# Validate now: a broken config would otherwise only show up as one log line
# among the services starting, restarted over and over.
"$NEGOCE_NGINX_BIN" -q -t -e stderr -p "$NEGOCE_RUN_DIR/nginx" -c "$NEGOCE_RUN_DIR/nginx/nginx.conf" \
    || die "the rendered nginx configuration is invalid: $NEGOCE_RUN_DIR/nginx/nginx.conf"

# --------------------------------------------------------------- 5. start
cat >&2 <<EOF

================================================================================
 Négoce is starting — console and API: $BASE_URL   (Ctrl-C stops everything)

$seed_output

 (saved in .run/demo.txt)   health: $BASE_URL/health   readiness: $BASE_URL/ready/<service>
================================================================================

EOF

# exec: supervisord becomes the foreground process. It starts every Procfile
# line, starts again whatever dies (with a back-off when it keeps dying), and
# turns Ctrl-C / SIGTERM into SIGTERM for every process group (SIGKILL after
# 15 s). `.venv/bin/supervisorctl -c "$NEGOCE_RUN_DIR/supervisord.conf" status`
# lists the processes from another terminal.
exec .venv/bin/python deploy/supervise.py deploy/Procfile "$NEGOCE_RUN_DIR"
