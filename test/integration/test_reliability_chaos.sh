#!/usr/bin/env bash
# The short chaos run of make test: chaos.sh (issue 4's whole fault mix,
# the trader killed with SIGKILL twice at random moments and restarted with
# the same command until a run exits 0, then every user read back from the
# simulator) with a fixed seed, three users, a smaller target and a 35 s
# bound.  make chaos runs the full one with a fresh seed.
export CHAOS_SEED=${CHAOS_SEED:-4242} CHAOS_TIME=${CHAOS_TIME:-35} CHAOS_TARGET=${CHAOS_TARGET:-150}
export CHAOS_USERS=${CHAOS_USERS:-alice carol erin} CHAOS_KILL_MS=${CHAOS_KILL_MS:-2500}
exec bash "$(dirname "$0")/chaos.sh"
