# Waiting on a lock without a silent hang, for scripts/toolchain.sh and
# scripts/install-debian-packages.sh (source this file; bash). Each wait says which lock it
# waits for and who holds it (from /proc/locks, which lists flock and fcntl locks with the
# holder's pid, where the kernel has it), prints progress, and gives up after a bound.
#
#   lock_holder FILE            "pid N (command line)" of a process holding a lock on FILE, or ""
#   wait_for_flock FD FILE WHAT TIMEOUT
#                               flock on FD (opened on FILE), waiting up to TIMEOUT seconds
#   wait_for_unlocked FILE WHAT TIMEOUT
#                               waits until no process holds a lock on FILE (apt's and dpkg's
#                               fcntl locks, which flock(1) cannot wait on)
#
# LOCK_PROGRESS_SECONDS (default 15): how often a wait prints that it is still waiting.

_lock_say() { printf '%s %s\n' "${LOCK_LOG_PREFIX:-[toolchain]}" "$*" >&2; }

# The device:inode /proc/locks names FILE by ("fe:00:9978975": major and minor in hex).
_lock_id() {
  local d i
  read -r d i < <(stat -L -c '%d %i' "$1" 2>/dev/null) || return 1
  printf '%02x:%02x:%s' $(((d >> 8) & 0xfff)) $(((d & 0xff) | ((d >> 12) & 0xfff00))) "$i"
}

lock_holder() {
  local id pid cmd
  [ -r /proc/locks ] || return 0
  id="$(_lock_id "$1")" || return 0
  # Holders only: a line with "->" is a process blocked waiting for the lock.
  pid="$(awk -v id="$id" '!/->/ { for (i = 1; i <= NF; i++) if ($i == id) { print $(i - 1); exit } }' /proc/locks)"
  [ -n "$pid" ] || return 0
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
  printf 'pid %s (%s)' "$pid" "${cmd% }"
}

# The holder as the messages name it.
_lock_who() {
  local holder
  holder="$(lock_holder "$1")"
  printf '%s' "${holder:-holder unknown}"
}

_lock_waiting() {
  _lock_say "waiting for the lock $1 ($(_lock_who "$1")): $2; up to $3 s"
}

wait_for_flock() {
  local fd="$1" file="$2" what="$3" timeout="$4" step="${LOCK_PROGRESS_SECONDS:-15}" start=$SECONDS
  flock -n "$fd" && return 0
  _lock_waiting "$file" "$what" "$timeout"
  while :; do
    local left=$((timeout - (SECONDS - start)))
    [ "$left" -gt 0 ] || {
      _lock_say "gave up after $timeout s waiting for the lock $file ($what)"
      return 1
    }
    flock -w "$((left < step ? left : step))" "$fd" && {
      _lock_say "got the lock $file after $((SECONDS - start)) s"
      return 0
    }
    _lock_say "still waiting for the lock $file ($(_lock_who "$file")), $((SECONDS - start)) s so far"
  done
}

wait_for_unlocked() {
  local file="$1" what="$2" timeout="$3" step="${LOCK_PROGRESS_SECONDS:-15}" start=$SECONDS last=$SECONDS
  [ -n "$(lock_holder "$file")" ] || return 0
  _lock_waiting "$file" "$what" "$timeout"
  while [ -n "$(lock_holder "$file")" ]; do
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      _lock_say "gave up after $timeout s waiting for the lock $file ($what)"
      return 1
    fi
    if [ $((SECONDS - last)) -ge "$step" ]; then
      _lock_say "still waiting for the lock $file ($(_lock_who "$file")), $((SECONDS - start)) s so far"
      last=$SECONDS
    fi
    sleep 1
  done
  _lock_say "the lock $file is free after $((SECONDS - start)) s"
}
