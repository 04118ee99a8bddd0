#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Time the stages of `make check` and print them as a table at the end.
#
#   stage-time.sh run FILE LABEL COMMAND [ARG...]
#       runs COMMAND, appends "LABEL SECONDS STATUS" to FILE and exits with
#       COMMAND's status
#   stage-time.sh table FILE
#       prints FILE as a table with a total
set -u

case ${1:-} in
run)
    [ $# -ge 4 ] || { echo "usage: stage-time.sh run FILE LABEL COMMAND..." >&2; exit 2; }
    file=$2 label=$3
    shift 3
    start=$(date +%s)
    "$@"
    status=$?
    echo "$label $(($(date +%s) - start)) $status" >> "$file"
    exit $status
    ;;
table)
    [ $# -eq 2 ] || { echo "usage: stage-time.sh table FILE" >&2; exit 2; }
    [ -f "$2" ] || { echo "stage-time: no stages recorded in $2" >&2; exit 1; }
    awk '
        BEGIN { printf "%-24s %10s  %s\n", "stage", "time", "result";
                printf "%-24s %10s  %s\n", "-----", "----", "------" }
        { printf "%-24s %7d:%02d  %s\n", $1, $2 / 60, $2 % 60,
                 $3 == 0 ? "ok" : "FAILED (status " $3 ")"; total += $2 }
        END { printf "%-24s %7d:%02d\n", "total", total / 60, total % 60 }
    ' "$2"
    ;;
*)
    echo "usage: stage-time.sh run FILE LABEL COMMAND... | table FILE" >&2
    exit 2
    ;;
esac
