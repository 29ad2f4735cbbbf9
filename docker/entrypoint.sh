#!/bin/sh
# Starts latentcycles in the role LATENTCYCLES_ROLE with its options from environment variables (see docs/CLUSTER.md):
#   coordinator: train --cluster in LATENTCYCLES_RUN_DIR, or resume it when it already holds a run (a restarted
#                coordinator container continues from the shared store; a finished run exits 0 and stays down);
#                with LATENTCYCLES_DASHBOARD_PORT, the dashboard and /metrics on that port
#   worker:      node --seed LATENTCYCLES_SEED
# Any arguments are passed on unchanged; with a first argument that is not an option, they replace the command.
set -eu

program=${LATENTCYCLES_PROGRAM:-"dotnet /app/latentcycles.dll"}
role=${LATENTCYCLES_ROLE:-worker}
# The address the other containers reach this one at: the container's own IP unless given.
address=${LATENTCYCLES_HOSTNAME:-$(hostname -i | cut -d' ' -f1)}
threads=${LATENTCYCLES_THREADS:-$(nproc)}

case "${1:-}" in
    ""|-*) ;;
    *) exec $program "$@" ;;
esac

case "$role" in
    coordinator)
        run_dir=${LATENTCYCLES_RUN_DIR:-/runs/run}
        set -- --cluster --hostname "$address" --port "${LATENTCYCLES_PORT:-4053}" --threads "$threads" \
            --min-workers "${LATENTCYCLES_MIN_WORKERS:-0}" \
            --checkpoint-every "${LATENTCYCLES_CHECKPOINT_EVERY:-500}" --evaluate-every "${LATENTCYCLES_EVALUATE_EVERY:-50}" \
            ${LATENTCYCLES_STORE:+--store "$LATENTCYCLES_STORE"} \
            ${LATENTCYCLES_DASHBOARD_PORT:+--dashboard "$LATENTCYCLES_DASHBOARD_PORT" --dashboard-host 0.0.0.0} "$@"
        if [ -f "$run_dir/config.json" ]; then
            exec $program resume "$run_dir" --finished-ok "$@"
        fi
        # LATENTCYCLES_TRAIN_ARGS: what the run computes, e.g. "--k 10 --chains 2000 --rounds 2000 --seed 1".
        # shellcheck disable=SC2086
        exec $program train --out "$run_dir" ${LATENTCYCLES_TRAIN_ARGS:-} "$@"
        ;;
    worker)
        : "${LATENTCYCLES_SEED:?LATENTCYCLES_SEED must name the coordinator as HOST:PORT}"
        exec $program node --seed "$LATENTCYCLES_SEED" --hostname "$address" --threads "$threads" \
            ${LATENTCYCLES_PORT:+--port "$LATENTCYCLES_PORT"} "$@"
        ;;
    *)
        echo "error: LATENTCYCLES_ROLE must be coordinator or worker, got '$role'" >&2
        exit 2
        ;;
esac
