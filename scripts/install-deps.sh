#!/bin/sh
# Installs the Debian packages looptrader builds, tests and fuzzes with.
# The one list used by README.md and .ci/run, so a fresh machine matches CI.
set -eu
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    build-essential clang pkg-config \
    libcurl4-openssl-dev libwebsockets-dev libjansson-dev libconfig-dev libssl-dev \
    libpq-dev postgresql \
    libcmocka-dev \
    libclang-rt-dev valgrind curl ca-certificates openssl python3
