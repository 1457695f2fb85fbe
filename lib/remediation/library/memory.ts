import { defineRunbook } from '../../domain/remediation/runbook';
import { script, systemdUnitParam } from './script';

/** Memory: relieve cache and swap pressure, restart a leaking service, investigate OOM kills (read-only). */

export const linuxMemoryRelief = defineRunbook({
  id: 'linux-memory-relief',
  name: 'Linux memory relief (drop caches, cycle swap)',
  description:
    'Writes dirty pages out (sync) and drops clean caches (1: page cache; 3: also dentries and inodes), and with cycleSwap=yes turns swap off and on ' +
    'to pull swapped pages back into RAM, refusing when swap in use would not fit in 80% of available memory. Medium risk: a cache drop ' +
    'makes the next reads slow and an ill-timed swap cycle can trigger the OOM killer.',
  platform: 'linux',
  risk: 'medium',
  match: {
    categories: ['memory'],
    keywords: ['memory', 'mem', 'cache', 'swap', 'available', 'pressure', 'ram'],
    signaturePatterns: ['(?:memory|mem|ram).*(?:high|low|pressure|usage|available)', 'swap'],
  },
  parameters: [
    { name: 'dropLevel', type: 'enum', description: '1: page cache; 3: page cache, dentries and inodes', values: ['1', '3'], default: '1' },
    {
      name: 'cycleSwap',
      type: 'enum',
      description: 'Turn swap off and on to bring swapped pages back',
      values: ['no', 'yes'],
      default: 'no',
    },
    {
      name: 'minAvailablePercent',
      type: 'integer',
      description: 'MemAvailable must end at or above this share',
      min: 1,
      max: 90,
      default: 10,
    },
  ],
  preChecks: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    CYCLE_SWAP={{cycleSwap}}
    mkdir -p "$STATE_DIR"
    free -m | tee "$STATE_DIR/free-before"
    swapon --show=NAME --noheadings | sort > "$STATE_DIR/swap-devices"
    if [ "$CYCLE_SWAP" = yes ]; then
      SWAP_USED_KB=$(awk '/^SwapTotal:/ { t = $2 } /^SwapFree:/ { f = $2 } END { print t - f }' /proc/meminfo)
      AVAILABLE_KB=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
      if [ "$SWAP_USED_KB" -gt $((AVAILABLE_KB * 8 / 10)) ]; then
        echo "swap in use ($SWAP_USED_KB kB) does not fit in 80% of available memory ($AVAILABLE_KB kB): cycling swap would invite the OOM killer" >&2
        exit 1
      fi
    fi
  `,
  commands: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    CYCLE_SWAP={{cycleSwap}}
    sync
    echo {{dropLevel}} > /proc/sys/vm/drop_caches
    if [ "$CYCLE_SWAP" = yes ] && [ -s "$STATE_DIR/swap-devices" ]; then
      swapoff -a
      swapon -a
    fi
    free -m
  `,
  verification: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    MIN={{minAvailablePercent}}
    swapon --show=NAME --noheadings | sort > "$STATE_DIR/swap-after"
    if ! cmp -s "$STATE_DIR/swap-devices" "$STATE_DIR/swap-after"; then echo "swap devices differ from before" >&2; exit 1; fi
    awk -v min="$MIN" '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { p = 100 * a / t; printf "MemAvailable %.1f%% (target %d%%)\n", p, min; exit (p >= min ? 0 : 1) }' /proc/meminfo
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    # Dropped caches refill by themselves; what must come back is swap, if it was turned off.
    if [ -s "$STATE_DIR/swap-devices" ]; then swapon -a; fi
    swapon --show
    free -m
  `,
  rollbackNote: 'Dropped caches refill on their own; the rollback turns every swap device from /etc/fstab back on.',
  timeoutSeconds: 600,
  maxTargets: 5,
});

export const linuxLeakingServiceRestart = defineRunbook({
  id: 'linux-leaking-service-restart',
  name: 'Restart a leaking service (memory)',
  description:
    "Restarts a systemd service only when it really holds the memory: its cgroup's MemoryCurrent (or its main process' RSS) must be at least " +
    'a share of total memory. Checks the unit is active again and uses less memory than before.',
  platform: 'linux',
  risk: 'medium',
  match: {
    categories: ['memory'],
    keywords: ['leak', 'leaking', 'rss', 'heap', 'oom', 'oomkilled'],
    signaturePatterns: ['(?:memory|mem).*leak', 'rss', 'oom'],
  },
  parameters: [
    systemdUnitParam('The systemd unit holding the memory'),
    {
      name: 'minMemoryPercent',
      type: 'integer',
      description: 'Restart only if the unit uses at least this share of memory',
      min: 1,
      max: 95,
      default: 25,
    },
  ],
  preChecks: script`
    SERVICE={{service}}
    MIN_PERCENT={{minMemoryPercent}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    case "$SERVICE" in
      sshd|sshd.service|ssh|ssh.service|amazon-ssm-agent*|snap.amazon-ssm-agent*|systemd-*|dbus*) echo "refusing to restart $SERVICE: remote management depends on it" >&2; exit 1 ;;
    esac
    if ! systemctl is-active --quiet "$SERVICE"; then echo "$SERVICE is not running" >&2; exit 1; fi
    USED=$(systemctl show "$SERVICE" -p MemoryCurrent --value)
    if ! [[ "$USED" =~ ^[0-9]+$ ]]; then
      PID=$(systemctl show "$SERVICE" -p MainPID --value)
      USED=$(( $(ps -o rss= -p "$PID") * 1024 ))
    fi
    TOTAL=$(awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo)
    PERCENT=$((USED * 100 / TOTAL))
    echo "$SERVICE uses $((USED / 1048576)) MiB, $PERCENT% of memory"
    if [ "$PERCENT" -lt "$MIN_PERCENT" ]; then echo "below $MIN_PERCENT%: $SERVICE is not what holds the memory" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    echo "$USED" > "$STATE_DIR/memory-before"
  `,
  commands: script`
    SERVICE={{service}}
    systemctl restart "$SERVICE"
    sleep 15
  `,
  verification: script`
    SERVICE={{service}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! systemctl is-active --quiet "$SERVICE"; then echo "$SERVICE is not active" >&2; exit 1; fi
    USED=$(systemctl show "$SERVICE" -p MemoryCurrent --value)
    if ! [[ "$USED" =~ ^[0-9]+$ ]]; then
      PID=$(systemctl show "$SERVICE" -p MainPID --value)
      USED=$(( $(ps -o rss= -p "$PID") * 1024 ))
    fi
    BEFORE=$(cat "$STATE_DIR/memory-before")
    echo "$SERVICE memory: $((BEFORE / 1048576)) MiB before, $((USED / 1048576)) MiB now"
    if [ "$USED" -ge "$BEFORE" ]; then echo "memory did not go down" >&2; exit 1; fi
  `,
  rollback: script`
    SERVICE={{service}}
    # A restart cannot be undone: clear the failed state, start the unit again and show why it failed.
    systemctl reset-failed "$SERVICE" || true
    systemctl start "$SERVICE" || true
    journalctl -u "$SERVICE" --no-pager -n 50 || true
    systemctl is-active "$SERVICE"
  `,
  rollbackNote: 'Clears the unit’s failed state and starts it again, printing its last 50 journal lines.',
  timeoutSeconds: 300,
  maxTargets: 5,
});

export const linuxOomInvestigation = defineRunbook({
  id: 'linux-oom-investigation',
  name: 'Linux swap and OOM investigation (read-only)',
  description:
    'Collects what an engineer needs about memory pressure: free and swap, pressure stall information, the 15 largest processes, ' +
    'OOM-killer events of the last 24 hours and failed units. Verification reports whether MemAvailable is back above a floor.',
  platform: 'linux',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['memory'],
    keywords: ['oom', 'oomkilled', 'swap', 'memory', 'killed', 'pressure'],
    signaturePatterns: ['oom', 'swap', 'out.?of.?memory'],
  },
  parameters: [
    {
      name: 'minAvailablePercent',
      type: 'integer',
      description: 'MemAvailable share that counts as healthy',
      min: 1,
      max: 90,
      default: 10,
    },
  ],
  preChecks: script`
    for TOOL in free ps awk; do
      if ! command -v "$TOOL" >/dev/null 2>&1; then echo "$TOOL is missing" >&2; exit 1; fi
    done
  `,
  commands: script`
    free -m
    swapon --show || true
    if [ -r /proc/pressure/memory ]; then cat /proc/pressure/memory; else echo "pressure stall information not available"; fi
    ps -eo pid,user,rss,vsz,pmem,etime,comm --sort=-rss | head -n 16 || true
    journalctl -k --since '24 hours ago' --no-pager 2>/dev/null | grep -iE 'out of memory|oom-kill|killed process' | tail -n 20 || true
    systemctl list-units --state=failed --no-pager || true
  `,
  verification: script`
    MIN={{minAvailablePercent}}
    awk -v min="$MIN" '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { p = 100 * a / t; printf "MemAvailable %.1f%% (healthy from %d%%)\n", p, min; exit (p >= min ? 0 : 1) }' /proc/meminfo
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only.',
  timeoutSeconds: 120,
  maxTargets: 20,
});

export const windowsMemoryInvestigation = defineRunbook({
  id: 'windows-memory-investigation',
  name: 'Windows memory and page file investigation (read-only)',
  description:
    'Collects free physical memory, commit charge, page file usage, the 15 processes with the largest working set and the resource-exhaustion ' +
    'events (Event ID 2004) of the last day. Verification reports whether free memory is back above a floor.',
  platform: 'windows',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['memory'],
    keywords: ['memory', 'mem', 'pagefile', 'paging', 'commit', 'committed', 'available'],
    signaturePatterns: ['(?:memory|mem|pagefile|commit).*(?:high|low|usage|available)'],
  },
  parameters: [
    {
      name: 'minFreePercent',
      type: 'integer',
      description: 'Free physical memory share that counts as healthy',
      min: 1,
      max: 90,
      default: 10,
    },
  ],
  preChecks: script`
    $Os = Get-CimInstance -ClassName Win32_OperatingSystem
    "Windows $($Os.Version), $([math]::Round($Os.TotalVisibleMemorySize / 1MB, 1)) GB"
  `,
  commands: script`
    $Os = Get-CimInstance -ClassName Win32_OperatingSystem
    "Free physical memory: $([math]::Round($Os.FreePhysicalMemory / 1KB)) MB of $([math]::Round($Os.TotalVisibleMemorySize / 1KB)) MB"
    "Commit: $([math]::Round(($Os.TotalVirtualMemorySize - $Os.FreeVirtualMemory) / 1KB)) MB of $([math]::Round($Os.TotalVirtualMemorySize / 1KB)) MB"
    Get-CimInstance -ClassName Win32_PageFileUsage | Format-Table -AutoSize Name, AllocatedBaseSize, CurrentUsage, PeakUsage
    Get-Process | Sort-Object -Property WorkingSet64 -Descending | Select-Object -First 15 Id, ProcessName, @{ Name = 'WorkingSetMB'; Expression = { [math]::Round($_.WorkingSet64 / 1MB) } }, @{ Name = 'PrivateMB'; Expression = { [math]::Round($_.PrivateMemorySize64 / 1MB) } } | Format-Table -AutoSize
    Get-WinEvent -FilterHashtable @{ LogName = 'System'; Id = 2004; StartTime = (Get-Date).AddDays(-1) } -MaxEvents 10 -ErrorAction SilentlyContinue | Format-List TimeCreated, Message
  `,
  verification: script`
    $Min = {{minFreePercent}}
    $Os = Get-CimInstance -ClassName Win32_OperatingSystem
    $Free = [math]::Round(100 * $Os.FreePhysicalMemory / $Os.TotalVisibleMemorySize, 1)
    "Free physical memory: $Free% (healthy from $Min%)"
    if ($Free -lt $Min) { throw "Free memory is still low: $Free%" }
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only.',
  timeoutSeconds: 120,
  maxTargets: 20,
});
