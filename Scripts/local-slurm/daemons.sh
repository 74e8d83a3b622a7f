# Process checks shared by start.sh and stop.sh (sourced, not run).

# pid_of <pidfile> <executable>: print the PID if the pidfile names a live
# process running that executable, else print nothing.
pid_of() {
    local pidfile="$1" exe="$2" pid running
    [ -s "$pidfile" ] || return 0
    pid="$(tr -dc '0-9' < "$pidfile")"
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
    running="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
    running="${running% (deleted)}"
    [ "$running" = "$(readlink -f "$exe")" ] && echo "$pid"
    return 0
}

# alive <pid>: true while the process exists and is not a zombie (an exited
# daemon stays a zombie until PID 1 reaps it, which some container inits
# never do).
alive() {
    local st
    st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)"
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
