#!/usr/bin/env bash
# Make sure what the Négoce processes need is present, so that `make run` and
# `make test` work the same on a developer machine, on CI and on a fresh Debian.
#
# usage: deploy/ensure-infra.sh [all|services|nginx|python|venv]
#   services  PostgreSQL :5432, RabbitMQ :5672, Redis :6379 answering on 127.0.0.1
#   nginx     an nginx binary (the gateway runs it unprivileged, we only need it installed)
#   python    python3 with the venv module (Debian ships it separately)
#   venv      .venv holds exactly what requirements/dev.txt pins (runtime packages and
#             the development group, every one with its hashes), then the project
#             itself, editable (skipped when the install stamp is newer than the
#             requirement files and pyproject.toml)
#   uv        the pinned uv (UV_VERSION) in .tools/uv; uv-path prints its path
#   lock      re-resolve pyproject.toml into requirements/*.txt (`make lock`)
#   compose   a `docker-compose` (Debian's package) to check docker-compose.yml with
#   assets    the console's npm packages (npm ci, skipped when package-lock.json is unchanged)
#   browser   Debian's Chromium, for the console's browser tests
#   pgbouncer Debian's PgBouncer, which the tests start in front of PostgreSQL (transaction pooling)
#   all       services + nginx + assets + pgbouncer (default)
#
# For the backing services, in order of preference:
#   1. whatever already answers on the port (local install, another compose, ...);
#   2. a Debian package that is installed but stopped: start it;
#   3. `docker-compose up -d <svc>` (or `docker compose`) from docker-compose.yml when `docker info` works;
#   4. apt-get install + start the Debian packages (root or passwordless sudo);
#   5. otherwise stop with a message naming what is missing.
# NEGOCE_SKIP_INFRA=1 skips the services check (infrastructure managed elsewhere,
# pointed at with the NEGOCE_*_URL variables).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf 'ensure-infra: %s\n' "$*" >&2; }
die() { printf 'ensure-infra: ERROR: %s\n' "$*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive   # CI has no stdin: apt must never prompt

# ---------------------------------------------------------------- privileges
# Installing and starting system services needs root; use sudo only when it
# works without a password (never hang on a prompt, e.g. in CI).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}
can_root() { as_root true 2>/dev/null; }
can_apt() { command -v apt-get >/dev/null 2>&1 && can_root; }

apt_updated=0
apt_install() {
    # Fresh machines and containers have empty package lists: update once per run.
    if [ "$apt_updated" -eq 0 ]; then
        log "apt-get update"
        as_root apt-get update -q >&2 || die "apt-get update failed (no network to the Debian mirrors?)"
        apt_updated=1
    fi
    log "apt-get install $*"
    as_root apt-get install -y -q --no-install-recommends "$@" >&2
}

# ------------------------------------------------------------------- python
usable_python() {
    # 3.11 or newer, with the venv module (Debian ships it apart, in python3-venv).
    "$1" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

pick_python() {
    # NEGOCE_PYTHON wins. Otherwise the distribution's interpreter comes first:
    # it is built with PGO and LTO, while a pyenv build without
    # --enable-optimizations ran this project's CPU-bound work (XLSX export,
    # JSON, the consumers) 1.8x slower on the same machine (README, figures).
    local candidate
    for candidate in ${NEGOCE_PYTHON:-} /usr/bin/python3 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && usable_python "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_python() {
    pick_python >/dev/null && return 0
    [ -z "${NEGOCE_PYTHON:-}" ] || die "NEGOCE_PYTHON=$NEGOCE_PYTHON is not a Python 3.11+ with the venv module"
    can_apt || die "python3 (3.11+) with the venv module is missing; install it (Debian: apt-get install python3 python3-venv)"
    apt_install python3 python3-venv
}

# ----------------------------------------------------------------------- uv
# uv resolves pyproject.toml into two lock files, requirements/runtime.txt (what
# the image and a production install get) and requirements/dev.txt (the same
# versions plus the development group), each package pinned with its hashes.
# They are requirement files rather than uv.lock because they name no package
# index: the install takes packages from whichever index the machine is set up
# for, and the hashes prove they are the ones locked. uv comes from PyPI like the
# rest, at one version, into its own small venv (.tools/uv): `uv pip sync`
# removes from .venv whatever the lock does not name, uv included.
UV_VERSION=0.13.8
TOOLS=.tools
UV=$TOOLS/uv/bin/uv

ensure_uv() {
    # `uv --version` prints "uv 0.13.8 (<platform>)" on some builds, "uv 0.13.8" on others.
    case $([ -x "$UV" ] && "$UV" --version 2>/dev/null) in
        "uv $UV_VERSION" | "uv $UV_VERSION "*) return 0 ;;
    esac
    ensure_python
    local python
    python=$(pick_python) || die "no Python 3.11+ with the venv module"
    log "installing uv $UV_VERSION into $TOOLS/uv"
    rm -rf "$TOOLS/uv"
    "$python" -m venv "$TOOLS/uv" || die "$python -m venv $TOOLS/uv failed"
    "$TOOLS/uv/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" >&2 \
        || die "pip install uv==$UV_VERSION failed (see the pip output above)"
}

# --------------------------------------------------------------------- venv
VENV=.venv
# Inside .venv, so deleting the venv drops the stamp too; "-bytecode" since installs compile
# the packages (an older venv without their .pyc files is synced again once).
STAMP=$VENV/.negoce-installed-bytecode

ensure_venv() {
    ensure_python
    ensure_uv
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python=$(pick_python) || die "no Python 3.11+ with the venv module"
        log "creating $VENV with $python"
        "$python" -m venv "$VENV" || { rm -rf "$VENV"; die "$python -m venv $VENV failed"; }
    fi
    # Syncing on every start costs a second; the installed set only changes with
    # the lock files (or pyproject.toml, which then needs `make lock`).
    if [ -f "$STAMP" ] && [ ! requirements/dev.txt -nt "$STAMP" ] && [ ! pyproject.toml -nt "$STAMP" ] \
        && [ -x "$VENV/bin/negoce" ]; then
        compile_sources
        return 0
    fi
    # --require-hashes: every download is checked against the lock; the venv made
    # above (the distribution's interpreter, see pick_python) is the one uv fills.
    log "installing requirements/dev.txt into $VENV (uv pip sync --require-hashes), then the project"
    # --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on CI machines and in the image)
    # nothing ever writes .pyc files, and every process the suite starts would compile SQLAlchemy,
    # FastAPI and pydantic from source again: 4 s of CPU each instead of 2.
    "$UV" pip sync --quiet --require-hashes --compile-bytecode --python "$VENV/bin/python" requirements/dev.txt >&2 \
        || die "uv pip sync failed (see above; after editing pyproject.toml's dependencies run 'make lock')"
    "$UV" pip install --quiet --no-deps --python "$VENV/bin/python" -e . >&2 \
        || die "installing the project into $VENV failed (see above)"
    rm -f "$VENV"/.negoce-installed*
    touch "$STAMP"
    compile_sources
}

# The project is installed editable, so its own modules are read from the checkout: compile them
# too, for the same reason (only what changed since the last run is compiled again).
compile_sources() {
    "$VENV/bin/python" -m compileall -q -j 0 services shared bench docs tests >&2 \
        || die "compiling the project's modules failed (a syntax error? see above)"
}

# The development file is constrained by the runtime one, so both install the same
# version of every package they share.
COMPILE_OPTIONS=(--universal --python-version 3.11 --generate-hashes --quiet)

lock() {
    ensure_uv
    "$UV" pip compile pyproject.toml "${COMPILE_OPTIONS[@]}" -o requirements/runtime.txt >&2 \
        || die "uv pip compile (runtime) failed (see above)"
    "$UV" pip compile pyproject.toml --group pyproject.toml:dev "${COMPILE_OPTIONS[@]}" \
        -c requirements/runtime.txt -o requirements/dev.txt >&2 \
        || die "uv pip compile (dev) failed (see above)"
}

# --------------------------------------------------------------- compose
# Debian packages Compose as `docker-compose` (1.29, the v1 command); Docker's own
# `docker compose` plugin is not in Debian. The file is kept valid for both.
compose_bin() {
    if command -v docker-compose >/dev/null 2>&1; then
        echo docker-compose
    elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
        echo "docker compose"
    else
        return 1
    fi
}

ensure_compose() {
    compose_bin >/dev/null && return 0
    can_apt || die "docker-compose is not installed and cannot be installed from here: apt-get install docker-compose"
    apt_install docker-compose
    compose_bin >/dev/null || die "docker-compose installation failed (apt-get install docker-compose)"
}

# -------------------------------------------------------------------- nginx
nginx_bin() {
    # /usr/sbin is not on a normal user's PATH on Debian.
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }
}

ensure_nginx() {
    nginx_bin >/dev/null && return 0
    can_apt || die "nginx is not installed and cannot be installed from here (needs apt-get and root or passwordless sudo). Install it: apt-get install nginx-light"
    # nginx-light is the small Debian build (bookworm); later releases only have
    # "nginx". Its postinst also starts the system nginx on :80; if that fails
    # (port 80 busy) apt reports an error although the binary we need is unpacked.
    apt_install nginx-light || apt_install nginx || true
    nginx_bin >/dev/null || die "nginx installation failed (apt-get install nginx-light)"
    log "nginx installed at $(nginx_bin)"
}

# ------------------------------------------------------ console front end
# The console's front-end packages (htmx; axe-core for the accessibility tests) come from the npm
# registry through services/console/package-lock.json; nothing of theirs is in the repository.
CONSOLE_DIR=services/console
ASSETS_STAMP=$CONSOLE_DIR/node_modules/.negoce-installed

ensure_assets() {
    if [ -f "$ASSETS_STAMP" ] && [ ! "$CONSOLE_DIR/package-lock.json" -nt "$ASSETS_STAMP" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        can_apt || die "npm is not installed and cannot be installed from here: apt-get install npm"
        apt_install nodejs npm
    fi
    log "installing the console's front-end packages (npm ci)"
    npm ci --prefix "$CONSOLE_DIR" --no-audit --no-fund --loglevel=error >&2 \
        || die "npm ci in $CONSOLE_DIR failed (see above)"
    touch "$ASSETS_STAMP"
}

# ----------------------------------------------------------------- browser
# The console's tests drive Debian's Chromium (Playwright cannot download its own browser here).
chromium_bin() {
    local candidate
    for candidate in "${NEGOCE_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
        [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    return 1
}

ensure_browser() {
    chromium_bin >/dev/null && return 0
    can_apt || die "Chromium is not installed and cannot be installed from here: apt-get install chromium"
    apt_install chromium
    chromium_bin >/dev/null || die "Chromium installation failed (apt-get install chromium)"
    log "Chromium installed at $(chromium_bin)"
}

# --------------------------------------------------------------- pgbouncer
# The tests run the services through a PgBouncer they start themselves (tests/test_pgbouncer.py), as
# compose and Kubernetes put one in front of PostgreSQL; only the binary is needed.
pgbouncer_bin() {
    command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; }
}

ensure_pgbouncer() {
    pgbouncer_bin >/dev/null && return 0
    can_apt || die "PgBouncer is not installed and cannot be installed from here: apt-get install pgbouncer"
    apt_install pgbouncer
    # The package starts a system PgBouncer on :6432, which nothing here uses.
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        as_root systemctl disable --now pgbouncer >&2 || true
    elif [ -x /etc/init.d/pgbouncer ]; then
        as_root /etc/init.d/pgbouncer stop >&2 || true
    fi
    pgbouncer_bin >/dev/null || die "PgBouncer installation failed (apt-get install pgbouncer)"
    log "PgBouncer installed at $(pgbouncer_bin)"
}

# ------------------------------------------------------- backing services
# compose service name, TCP port, Debian package (= init script / systemd unit)
SERVICES=(
    "postgres 5432 postgresql"
    "rabbitmq 5672 rabbitmq-server"
    "redis 6379 redis-server"
)

port_open() {
    # bash's /dev/tcp: no dependency on nc/ss; `timeout` guards against a filtered port.
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

port_wait() {   # port seconds -> status
    local i
    for ((i = 0; i < $2; i++)); do
        port_open "$1" && return 0
        sleep 1
    done
    return 1
}

wait_port() {   # name port seconds -> dies on timeout
    port_wait "$2" "$3" || die "$1 did not start answering on 127.0.0.1:$2 within ${3}s"
}

deb_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

start_deb_service() {
    local unit=$1
    # systemd on a normal machine; SysV scripts in containers (CI) without systemd.
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        as_root systemctl start "$unit" >&2 && return 0
    fi
    if [ -x "/etc/init.d/$unit" ]; then
        as_root "/etc/init.d/$unit" start >&2 && return 0
    fi
    # Last resort, the daemons' own commands (what machines without an init
    # system use to start them).
    case $unit in
        postgresql)
            local version ok=1
            for version in /etc/postgresql/*/; do
                version=$(basename "$version")
                as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 && ok=0
            done
            return "$ok" ;;
        redis-server) as_root redis-server /etc/redis/redis.conf --daemonize yes >&2 ;;
        rabbitmq-server) as_root rabbitmq-server -detached >&2 ;;
        *) return 1 ;;
    esac
}

docker_usable() {
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && compose_bin >/dev/null
}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

ensure_postgres_trust() {
    # The project's default URLs connect as "postgres" over TCP without a
    # password; Debian's pg_hba asks for one on 127.0.0.1. Only fixable (and
    # only checked) when the server is a local Debian cluster with psql around.
    command -v psql >/dev/null 2>&1 || return 0
    if psql -h 127.0.0.1 -U postgres -d postgres -w -XAtqc 'select 1' >/dev/null 2>&1; then
        return 0
    fi
    if ! can_root || ! id postgres >/dev/null 2>&1; then
        log "WARNING: cannot connect to PostgreSQL as postgres@127.0.0.1 without a password;"
        log "         allow it (pg_hba.conf: host all postgres 127.0.0.1/32 trust) or set NEGOCE_*_DATABASE_URL"
        return 0
    fi
    local hba marker='# added by negoce deploy/ensure-infra.sh: passwordless postgres over loopback (development)'
    hba=$(as_postgres psql -XAtqc 'show hba_file') || { log "WARNING: could not locate pg_hba.conf"; return 0; }
    if ! as_root grep -qF "$marker" "$hba"; then
        log "allowing passwordless loopback connections for user postgres in $hba"
        # pg_hba is first-match: prepend. Rewrite in place to keep owner and mode.
        local tmp
        tmp=$(mktemp)
        { printf '%s\nhost all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n\n' "$marker"
          as_root cat "$hba"; } >"$tmp"
        # shellcheck disable=SC2016  # $1/$2 are expanded by the inner sh, on purpose
        as_root sh -c 'cat "$1" > "$2"' sh "$tmp" "$hba"
        rm -f "$tmp"
    fi
    as_postgres psql -XAtqc 'select pg_reload_conf()' >/dev/null
    sleep 1
    psql -h 127.0.0.1 -U postgres -d postgres -w -XAtqc 'select 1' >/dev/null 2>&1 \
        || log "WARNING: still cannot connect to PostgreSQL as postgres@127.0.0.1 without a password"
}

# RabbitMQ before 4.0 keeps its own count of file handles, with a ceiling of 0.9 of
# its process's open-files limit (927 under the usual 1,024), and reserves 3-4 per
# quorum queue whether or not a file is open. Each stack the tests start declares
# about 90 queues: the suite's apps, a console stack and a `make run` together passed
# the ceiling, and queue declarations then waited forever (an API that never got
# ready). Real open files stay near 50, so a local development broker gets a
# higher ceiling; a broker already allowing as much, or a newer one, is left alone.
RABBITMQ_FILE_HANDLES=4000

ensure_rabbitmq_file_handles() {
    command -v rabbitmqctl >/dev/null 2>&1 && can_root || return 0
    local limit
    limit=$(as_root rabbitmqctl -q eval 'file_handle_cache:get_limit().' 2>/dev/null) || return 0
    case $limit in '' | *[!0-9]*) return 0 ;; esac
    [ "$limit" -lt "$RABBITMQ_FILE_HANDLES" ] || return 0
    log "raising the local RabbitMQ's file handle ceiling from $limit to $RABBITMQ_FILE_HANDLES (quorum queues of test stacks)"
    as_root rabbitmqctl -q eval "file_handle_cache:set_limit($RABBITMQ_FILE_HANDLES)." >/dev/null 2>&1 \
        || log "WARNING: could not raise RabbitMQ's file handle ceiling; many test stacks at once may hang"
}

ensure_services() {
    if [ "${NEGOCE_SKIP_INFRA:-0}" = 1 ]; then
        log "NEGOCE_SKIP_INFRA=1: not checking PostgreSQL/RabbitMQ/Redis"
        return 0
    fi

    local entry name port pkg missing=() still=()
    for entry in "${SERVICES[@]}"; do
        read -r name port pkg <<<"$entry"
        port_open "$port" || missing+=("$entry")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        ensure_postgres_trust
        ensure_rabbitmq_file_handles
        return 0
    fi

    # 2. Installed but stopped (e.g. a container or machine restarted): start it.
    if command -v dpkg-query >/dev/null 2>&1 && can_root; then
        for entry in "${missing[@]}"; do
            read -r name port pkg <<<"$entry"
            if deb_installed "$pkg"; then
                log "starting the installed $pkg"
                if start_deb_service "$pkg"; then
                    wait_port "$name" "$port" 90   # RabbitMQ can take a while to boot
                    continue
                fi
                log "could not start $pkg, trying other means"
            fi
            still+=("$entry")
        done
        missing=("${still[@]}")
    fi

    # 3. Docker: only the services that are missing, so we never fight a local
    #    server for its port. The file requires passwords (production); for
    #    development the servers take the project's default URLs instead:
    #    postgres without a password (trust), RabbitMQ's guest, Redis open.
    #    Compose checks every variable even for services it does not start.
    if [ ${#missing[@]} -gt 0 ] && docker_usable; then
        local names=() compose
        for entry in "${missing[@]}"; do read -r name port pkg <<<"$entry"; names+=("$name"); done
        compose=$(compose_bin)
        log "starting ${names[*]} with $compose (development credentials)"
        # shellcheck disable=SC2086  # "docker compose" is two words on purpose
        NEGOCE_POSTGRES_USER=postgres NEGOCE_POSTGRES_PASSWORD=development-only \
            NEGOCE_POSTGRES_HOST_AUTH_METHOD=trust \
            NEGOCE_RABBITMQ_USER=guest NEGOCE_RABBITMQ_PASSWORD=guest NEGOCE_REDIS_PASSWORD='' \
            NEGOCE_JWT_SECRET=unused-by-infrastructure NEGOCE_CONSOLE_SECRET=unused-by-infrastructure \
            NEGOCE_GRAFANA_ADMIN_PASSWORD=unused-by-infrastructure \
            $compose up -d "${names[@]}" >&2 \
            || die "$compose up ${names[*]} failed"
        for entry in "${missing[@]}"; do read -r name port pkg <<<"$entry"; wait_port "$name" "$port" 60; done
        missing=()
    fi

    # 4. Debian packages.
    if [ ${#missing[@]} -gt 0 ] && can_apt; then
        local pkgs=()
        for entry in "${missing[@]}"; do read -r name port pkg <<<"$entry"; pkgs+=("$pkg"); done
        apt_install "${pkgs[@]}" || die "apt-get install ${pkgs[*]} failed"
        for entry in "${missing[@]}"; do
            read -r name port pkg <<<"$entry"
            # The package's postinst usually starts it already (systemd, or
            # init scripts where allowed): give it a moment before starting it ourselves.
            if ! port_wait "$port" 10; then
                start_deb_service "$pkg" || die "could not start $pkg"
            fi
            wait_port "$name" "$port" 90
        done
        missing=()
    fi

    if [ ${#missing[@]} -gt 0 ]; then
        local what=""
        for entry in "${missing[@]}"; do read -r name port pkg <<<"$entry"; what+="${what:+, }$name (127.0.0.1:$port)"; done
        die "not reachable: $what.
  No usable Docker engine and no apt-get with root/sudo to install them.
  Start them yourself (Debian: apt-get install postgresql rabbitmq-server redis-server),
  or run 'docker-compose up -d postgres rabbitmq redis' on a machine with Docker,
  or point NEGOCE_*_URL elsewhere and set NEGOCE_SKIP_INFRA=1."
    fi
    ensure_postgres_trust
    ensure_rabbitmq_file_handles
}

# ------------------------------------------------------------------- fonts
# The PDFs (letters, labels) embed DejaVu Sans from the distribution's package.
FONTS_DIR=${NEGOCE_FONTS_DIR:-/usr/share/fonts/truetype/dejavu}

ensure_fonts() {
    [ -f "$FONTS_DIR/DejaVuSans.ttf" ] && [ -f "$FONTS_DIR/DejaVuSans-Bold.ttf" ] && return 0
    can_apt || die "DejaVu fonts are missing from $FONTS_DIR and cannot be installed from here: apt-get install fonts-dejavu-core (or set NEGOCE_FONTS_DIR)"
    apt_install fonts-dejavu-core
    [ -f "$FONTS_DIR/DejaVuSans.ttf" ] || die "fonts-dejavu-core installed but $FONTS_DIR/DejaVuSans.ttf is missing (set NEGOCE_FONTS_DIR)"
}

case ${1:-all} in
    all) ensure_services; ensure_nginx; ensure_assets; ensure_pgbouncer; ensure_fonts ;;
    services) ensure_services ;;
    nginx) ensure_nginx ;;
    fonts) ensure_fonts ;;
    python) ensure_python ;;
    venv) ensure_venv ;;
    uv) ensure_uv ;;
    uv-path) ensure_uv; echo "$ROOT/$UV" ;;
    lock) lock ;;
    compose) ensure_compose ;;
    compose-path) ensure_compose; compose_bin ;;
    nginx-path) ensure_nginx; nginx_bin ;;
    assets) ensure_assets ;;
    browser) ensure_browser ;;
    browser-path) ensure_browser; chromium_bin ;;
    pgbouncer) ensure_pgbouncer ;;
    pgbouncer-path) ensure_pgbouncer; pgbouncer_bin ;;
    *) die "usage: $0 [all|services|nginx|python|venv|uv|uv-path|lock|compose|compose-path|nginx-path|assets|browser|browser-path|pgbouncer|pgbouncer-path]" ;;
esac
