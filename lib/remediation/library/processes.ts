import { defineRunbook } from '../../domain/remediation/runbook';
import { script } from './script';

/**
 * Stop a runaway process by name: only the instances measured above a CPU threshold, first gracefully
 * then forcibly, with PID reuse ruled out by the recorded start time. High risk (data in flight is lost):
 * only an MSP admin approves it. Never system, shell or remote-management processes.
 */

export const linuxKillRunawayProcess = defineRunbook({
  id: 'linux-kill-runaway-process',
  name: 'Stop a runaway process (Linux)',
  description:
    'Measures CPU over 3 seconds (top) for the processes with an exact name and stops those above a threshold: SIGTERM, a grace period, then ' +
    'SIGKILL. Each PID is checked against its recorded start time before any signal. The rollback starts again the systemd services they belonged to.',
  platform: 'linux',
  risk: 'high',
  match: {
    categories: ['cpu'],
    keywords: ['runaway', 'process', 'spinning', 'hung', 'stuck', 'cpu', 'procstat'],
    signaturePatterns: ['process.*(?:cpu|runaway|hung)', '(?:cpu).*process'],
  },
  parameters: [
    {
      name: 'processName',
      type: 'string',
      description: 'The exact process name (comm, at most 15 characters)',
      pattern: '[A-Za-z0-9][A-Za-z0-9._+-]{0,14}',
      maxLength: 15,
      example: 'java',
      fromLabels: ['process', 'process_name', 'groupname', 'comm', 'exe'],
    },
    {
      name: 'minCpuPercent',
      type: 'integer',
      description: 'Stop only instances above this CPU (% of one core)',
      min: 10,
      max: 10000,
      default: 90,
    },
    { name: 'graceSeconds', type: 'integer', description: 'Seconds between SIGTERM and SIGKILL', min: 1, max: 120, default: 15 },
  ],
  preChecks: script`
    NAME={{processName}}
    MIN_CPU={{minCpuPercent}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    case "$NAME" in
      systemd|init|kthreadd|sshd|sshd-session|amazon-ssm-agen|ssm-agent-worke|ssm-session-wor|dbus-daemon|dbus-broker|systemd-*|rsyslogd|containerd|dockerd|bash|sh|dash)
        echo "refusing to stop $NAME: the system or remote management depends on it" >&2; exit 1 ;;
    esac
    PIDS=$(pgrep -x -d, "$NAME" || true)
    if [ -z "$PIDS" ]; then echo "no process named $NAME" >&2; exit 1; fi
    if [ "$(echo "$PIDS" | tr ',' '\n' | wc -l)" -gt 20 ]; then echo "more than 20 processes named $NAME: not a single runaway" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    LC_ALL=C top -b -n 2 -d 3 -p "$PIDS" | awk -v min="$MIN_CPU" '/^ *PID/ { sample++; next } sample == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= min { print $1 }' > "$STATE_DIR/hot-pids"
    if [ ! -s "$STATE_DIR/hot-pids" ]; then echo "no $NAME process above $MIN_CPU% CPU now" >&2; exit 1; fi
    : > "$STATE_DIR/targets"
    while read -r PID; do
      START=$(awk '{ print $22 }' "/proc/$PID/stat")
      UNIT=$(awk -F / '$NF ~ /\.service$/ { unit = $NF } END { print (unit == "" ? "-" : unit) }' "/proc/$PID/cgroup")
      echo "$PID $START $UNIT" >> "$STATE_DIR/targets"
      ps -o pid=,user=,pcpu=,rss=,lstart=,args= -p "$PID"
    done < "$STATE_DIR/hot-pids"
  `,
  commands: script`
    GRACE={{graceSeconds}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    while read -r PID START UNIT; do
      if [ "$(awk '{ print $22 }' "/proc/$PID/stat" 2>/dev/null)" = "$START" ]; then kill -TERM "$PID" || true; echo "SIGTERM $PID ($UNIT)"; fi
    done < "$STATE_DIR/targets"
    sleep "$GRACE"
    while read -r PID START _; do
      if [ "$(awk '{ print $22 }' "/proc/$PID/stat" 2>/dev/null)" = "$START" ]; then kill -KILL "$PID" || true; echo "SIGKILL $PID"; fi
    done < "$STATE_DIR/targets"
  `,
  verification: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    while read -r PID START _; do
      if [ "$(awk '{ print $22 }' "/proc/$PID/stat" 2>/dev/null)" = "$START" ]; then echo "$PID is still running" >&2; exit 1; fi
    done < "$STATE_DIR/targets"
    echo "the runaway processes are gone"
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    # A stopped process cannot be resumed: start again the systemd services the stopped processes belonged to.
    while read -r _ _ UNIT; do
      if [ "$UNIT" != "-" ] && ! systemctl is-active --quiet "$UNIT"; then systemctl start "$UNIT"; echo "started $UNIT"; fi
    done < "$STATE_DIR/targets"
  `,
  rollbackNote: 'A stopped process cannot be resumed; the rollback starts again every systemd service a stopped process belonged to.',
  timeoutSeconds: 300,
  maxTargets: 3,
});

export const windowsKillRunawayProcess = defineRunbook({
  id: 'windows-kill-runaway-process',
  name: 'Stop a runaway process (Windows)',
  description:
    'Measures CPU over 3 seconds for the processes with a name and stops those above a threshold: CloseMainWindow, a grace period, then ' +
    'Stop-Process -Force. Each PID is checked against its recorded start time. The rollback starts again the services they hosted.',
  platform: 'windows',
  risk: 'high',
  match: {
    categories: ['cpu'],
    keywords: ['runaway', 'process', 'spinning', 'hung', 'stuck', 'cpu'],
    signaturePatterns: ['process.*(?:cpu|runaway|hung)', '(?:cpu).*process'],
  },
  parameters: [
    {
      name: 'processName',
      type: 'string',
      description: 'The process name without .exe',
      pattern: '[A-Za-z0-9][A-Za-z0-9._ -]{0,63}',
      maxLength: 64,
      example: 'w3wp',
      fromLabels: ['process', 'process_name', 'name', 'exe'],
    },
    {
      name: 'minCpuPercent',
      type: 'integer',
      description: 'Stop only instances above this CPU (% of one core)',
      min: 10,
      max: 10000,
      default: 90,
    },
    {
      name: 'graceSeconds',
      type: 'integer',
      description: 'Seconds between the close request and Stop-Process -Force',
      min: 1,
      max: 120,
      default: 15,
    },
  ],
  preChecks: script`
    $Name = {{processName}}
    $MinCpu = {{minCpuPercent}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Protected = @('System', 'Idle', 'csrss', 'wininit', 'winlogon', 'services', 'lsass', 'smss', 'svchost', 'dwm', 'explorer', 'MsMpEng', 'amazon-ssm-agent', 'ssm-agent-worker', 'ssm-session-worker', 'powershell', 'pwsh', 'conhost')
    if ($Protected -contains $Name) { throw "Refusing to stop $($Name): Windows or remote management depends on it" }
    $First = @(Get-Process -Name $Name)
    if ($First.Count -gt 20) { throw "More than 20 processes named $($Name): not a single runaway" }
    Start-Sleep -Seconds 3
    $Hot = @(foreach ($Before in $First) {
      $Now = Get-Process -Id $Before.Id -ErrorAction SilentlyContinue
      if (-not $Now -or $Now.StartTime -ne $Before.StartTime) { continue }
      $Percent = ($Now.TotalProcessorTime - $Before.TotalProcessorTime).TotalSeconds / 3 * 100
      if ($Percent -lt $MinCpu) { continue }
      $Service = Get-CimInstance -ClassName Win32_Service -Filter "ProcessId = $($Before.Id)" | Select-Object -First 1
      [pscustomobject]@{ Id = $Before.Id; StartTime = $Before.StartTime.ToString('o'); Service = if ($Service) { $Service.Name } else { '' }; Cpu = [math]::Round($Percent) }
    })
    if ($Hot.Count -eq 0) { throw "No $Name process above $MinCpu% CPU now" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    $Hot | Export-Csv -Path (Join-Path $StateDir 'targets.csv') -NoTypeInformation
    $Hot | Format-Table -AutoSize
  `,
  commands: script`
    $Grace = {{graceSeconds}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Targets = @(Import-Csv -Path (Join-Path $StateDir 'targets.csv'))
    foreach ($Target in $Targets) {
      $Process = Get-Process -Id $Target.Id -ErrorAction SilentlyContinue
      if ($Process -and $Process.StartTime.ToString('o') -eq $Target.StartTime) { [void]$Process.CloseMainWindow(); "Asked $($Target.Id) to close" }
    }
    Start-Sleep -Seconds $Grace
    foreach ($Target in $Targets) {
      $Process = Get-Process -Id $Target.Id -ErrorAction SilentlyContinue
      if ($Process -and $Process.StartTime.ToString('o') -eq $Target.StartTime) { Stop-Process -Id $Target.Id -Force; "Stopped $($Target.Id)" }
    }
  `,
  verification: script`
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    foreach ($Target in Import-Csv -Path (Join-Path $StateDir 'targets.csv')) {
      $Process = Get-Process -Id $Target.Id -ErrorAction SilentlyContinue
      if ($Process -and $Process.StartTime.ToString('o') -eq $Target.StartTime) { throw "$($Target.Id) is still running" }
    }
    'The runaway processes are gone'
  `,
  rollback: script`
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    # A stopped process cannot be resumed: start again the services the stopped processes hosted.
    foreach ($Target in Import-Csv -Path (Join-Path $StateDir 'targets.csv')) {
      if ($Target.Service -and (Get-Service -Name $Target.Service).Status -ne 'Running') { Start-Service -Name $Target.Service; "Started $($Target.Service)" }
    }
  `,
  rollbackNote: 'A stopped process cannot be resumed; the rollback starts again every service a stopped process hosted.',
  timeoutSeconds: 300,
  maxTargets: 3,
});
