#!/usr/bin/env bash
# Installs Debian's strace: the storage test watches the system calls that make a blob durable.
set -euo pipefail
if [ -x /usr/bin/strace ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq strace >/dev/null
