#!/usr/bin/env bash
# A throwaway single-node Slurm cluster for the sweep's --slurm test.
#   slurm_cluster.sh start DIR   writes DIR/slurm.conf, starts munged (if not
#                                running; it is left running), slurmctld and
#                                slurmd; waits until the node is idle
#   slurm_cluster.sh stop DIR    stops the slurmctld and slurmd of DIR
# Clients find the cluster with SLURM_CONF=DIR/slurm.conf. Needs root.
set -euo pipefail
cmd=$1
dir=$2
case "$cmd" in
  start)
    mkdir -p "$dir/state" "$dir/spool"
    host=$(hostname -s)
    port=$((20000 + ($$ % 20000) * 2))
    cat > "$dir/slurm.conf" <<CONF
ClusterName=mmusimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    # munged is the machine's, shared with any other cluster started here
    # (other test processes may run this script at the same time): started
    # when missing, never stopped.
    if ! pgrep -x munged >/dev/null; then
      mkdir -p /run/munge && chown munge:munge /run/munge
      [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
      runuser -u munge -- /usr/sbin/munged || pgrep -x munged >/dev/null
    fi
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld
    slurmd
    for _ in $(seq 1 100); do
      if sinfo -h -o %t 2>/dev/null | grep -q idle; then exit 0; fi
      sleep 0.2
    done
    echo "slurm_cluster: node never became idle; logs:" >&2
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    exit 1
    ;;
  stop)
    pids=""
    for f in slurmd slurmctld; do
      [ -f "$dir/$f.pid" ] && pids="$pids $(cat "$dir/$f.pid")"
    done
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do  # up to 10 s to save state and exit
      alive=""
      for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
      [ -z "$alive" ] && break
      sleep 0.2
    done
    for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
