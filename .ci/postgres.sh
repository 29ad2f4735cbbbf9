#!/usr/bin/env bash
# A local PostgreSQL for the checkpoint-store tests: installs the Debian package, starts its cluster on 127.0.0.1, and
# creates the role and database latentcycles (password latentcycles). Safe to run again. Source it to get
# LATENTCYCLES_TEST_POSTGRES exported:   source .ci/postgres.sh
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi

pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters --no-header | awk '{print $1" "$2}' | grep -qx "$pg_version main"; then
    pg_createcluster "$pg_version" main >/dev/null
fi
if pg_lsclusters --no-header | awk -v v="$pg_version" '$1 == v && $2 == "main" {print $4}' | grep -qx down; then
    pg_ctlcluster "$pg_version" main start
fi
pg_port=$(pg_lsclusters --no-header | awk -v v="$pg_version" '$1 == v && $2 == "main" {print $3}')

for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$pg_port"

as_postgres() { runuser -u postgres -- psql -p "$pg_port" -v ON_ERROR_STOP=1 -tAc "$1"; }
if [ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'latentcycles'")" != 1 ]; then
    as_postgres "CREATE ROLE latentcycles LOGIN PASSWORD 'latentcycles'" >/dev/null
fi
if [ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname = 'latentcycles'")" != 1 ]; then
    as_postgres "CREATE DATABASE latentcycles OWNER latentcycles" >/dev/null
fi

export LATENTCYCLES_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=latentcycles;Password=latentcycles;Database=latentcycles"
echo "PostgreSQL $pg_version on 127.0.0.1:$pg_port; LATENTCYCLES_TEST_POSTGRES=$LATENTCYCLES_TEST_POSTGRES"
