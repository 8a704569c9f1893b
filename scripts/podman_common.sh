# What every Podman call of scripts/build-images.sh and the pod test needs on this kind of machine.
# Sourced, not run.
#
#   pm ARGS...       podman with the runc runtime (PODMAN_RUNTIME overrides): crun refuses to start
#                    containers on a hybrid cgroup layout (cgroup v1 controllers, v2 at
#                    /sys/fs/cgroup/unified)
#   podman_limits    --ulimit options for nofile and nproc no higher than this shell's hard limits:
#                    Podman's defaults (1048576) are higher, and a root without CAP_SYS_RESOURCE
#                    cannot raise them, so the container would not start; nproc also stays within
#                    the kernel's pid_max, which Podman gives conmon as its own limit

pm() { podman --runtime "${PODMAN_RUNTIME:-runc}" "$@"; }

podman_limit() {
  local hard=$1 cap=$2
  if [[ $hard == unlimited || $hard -gt $cap ]]; then hard=$cap; fi
  echo "$hard"
}

podman_limits=(
  --ulimit "nofile=$(podman_limit "$(ulimit -Hn)" 1048576):$(podman_limit "$(ulimit -Hn)" 1048576)"
  --ulimit "nproc=$(podman_limit "$(ulimit -Hu)" "$(cat /proc/sys/kernel/pid_max)"):$(podman_limit "$(ulimit -Hu)" "$(cat /proc/sys/kernel/pid_max)")"
)
