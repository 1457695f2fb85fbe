import { defineRunbook } from '../../domain/remediation/runbook';
import { hostParam, portParam, script } from './script';

/** Network diagnostics (read-only) and time synchronisation. */

export const linuxNetworkDiagnostics = defineRunbook({
  id: 'linux-network-diagnostics',
  name: 'Linux network diagnostics (read-only)',
  description:
    'Addresses and routes, ping, traceroute (or tracepath), DNS resolution (resolvectl or getent), socket summary (ss) and a TCP connect test ' +
    'to a host and port. Verification reports whether the host answers on the port now.',
  platform: 'linux',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['network'],
    keywords: ['network', 'unreachable', 'dns', 'ping', 'packet', 'packets', 'latency', 'timeout', 'icmp', 'resolve', 'connectivity'],
    signaturePatterns: ['(?:host|target|endpoint).*unreachable', 'dns', 'packet.?loss', 'ping'],
  },
  parameters: [hostParam, portParam(443)],
  preChecks: script`
    for TOOL in ip ss timeout; do
      if ! command -v "$TOOL" >/dev/null 2>&1; then echo "$TOOL is missing" >&2; exit 1; fi
    done
  `,
  commands: script`
    HOST={{host}}
    PORT={{port}}
    ip -brief address || true
    ip route || true
    if command -v ping >/dev/null 2>&1; then ping -c 4 -W 2 "$HOST" || echo "ping failed (ICMP may be filtered)"; else echo "ping is not installed"; fi
    if command -v traceroute >/dev/null 2>&1; then traceroute -n -w 2 -q 1 -m 20 "$HOST" || true
    elif command -v tracepath >/dev/null 2>&1; then tracepath -n -m 20 "$HOST" || true; fi
    if command -v resolvectl >/dev/null 2>&1; then resolvectl query "$HOST" || true; else getent ahosts "$HOST" || true; fi
    ss -s
    ss -tn state established "( dport = :$PORT )" || true
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner shell, never in a re-parsed string
    if timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$HOST" "$PORT"; then echo "TCP $HOST:$PORT reachable"; else echo "TCP $HOST:$PORT not reachable"; fi
  `,
  verification: script`
    HOST={{host}}
    PORT={{port}}
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner shell, never in a re-parsed string
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$HOST" "$PORT"
    echo "TCP $HOST:$PORT reachable"
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only.',
  timeoutSeconds: 180,
  maxTargets: 20,
});

export const windowsNetworkDiagnostics = defineRunbook({
  id: 'windows-network-diagnostics',
  name: 'Windows network diagnostics (read-only)',
  description:
    'IP configuration, DNS resolution (Resolve-DnsName), Test-NetConnection with trace route and a TCP port test, and TCP connections by state. ' +
    'Verification reports whether the host answers on the port now.',
  platform: 'windows',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['network'],
    keywords: ['network', 'unreachable', 'dns', 'ping', 'packet', 'packets', 'latency', 'timeout', 'icmp', 'resolve', 'connectivity'],
    signaturePatterns: ['(?:host|target|endpoint).*unreachable', 'dns', 'packet.?loss', 'ping'],
  },
  parameters: [hostParam, portParam(443)],
  preChecks: script`
    if (-not (Get-Command -Name Test-NetConnection -ErrorAction SilentlyContinue)) { throw 'Test-NetConnection is not available (Windows Server 2012 R2 or later needed)' }
  `,
  commands: script`
    $Target = {{host}}
    $Port = {{port}}
    Get-NetIPConfiguration | Format-List InterfaceAlias, IPv4Address, IPv4DefaultGateway, DNSServer
    Resolve-DnsName -Name $Target -ErrorAction SilentlyContinue | Format-Table -AutoSize Name, Type, IPAddress
    Test-NetConnection -ComputerName $Target -TraceRoute -Hops 20 -WarningAction SilentlyContinue | Format-List ComputerName, RemoteAddress, PingSucceeded, TraceRoute
    Test-NetConnection -ComputerName $Target -Port $Port -WarningAction SilentlyContinue | Format-List ComputerName, RemoteAddress, RemotePort, TcpTestSucceeded
    Get-NetTCPConnection | Group-Object -Property State | Sort-Object -Property Count -Descending | Format-Table -AutoSize Name, Count
  `,
  verification: script`
    $Target = {{host}}
    $Port = {{port}}
    if (-not (Test-NetConnection -ComputerName $Target -Port $Port -WarningAction SilentlyContinue).TcpTestSucceeded) { throw "$Target does not answer on TCP $Port" }
    "$Target answers on TCP $Port"
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only.',
  timeoutSeconds: 300,
  maxTargets: 20,
});

export const linuxTimeSync = defineRunbook({
  id: 'linux-time-sync',
  name: 'Linux clock step and resync (chrony)',
  description:
    'Checks chrony has a reachable source, steps the clock at once (chronyc makestep) instead of slewing for hours, and verifies the offset ' +
    'is below a threshold and the leap status is normal.',
  platform: 'linux',
  risk: 'low',
  match: {
    categories: ['time'],
    keywords: ['ntp', 'clock', 'skew', 'chrony', 'chronyd', 'drift', 'timesync', 'offset', 'synchronising', 'synchronized'],
    signaturePatterns: ['clock.?(?:skew|drift|not.?sync)', 'ntp', 'time.?(?:sync|offset|drift)'],
  },
  parameters: [
    {
      name: 'maxOffsetMs',
      type: 'integer',
      description: 'Largest acceptable offset after the step, in ms',
      min: 1,
      max: 60000,
      default: 100,
    },
  ],
  preChecks: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! command -v chronyc >/dev/null 2>&1; then echo "chrony is not installed" >&2; exit 1; fi
    chronyc tracking
    chronyc -n sources
    if ! chronyc -n sources | awk '$1 ~ /^[\^=#]/ && $5 != "0" { ok = 1 } END { exit !ok }'; then echo "no reachable time source: stepping would not help" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    chronyc tracking | awk '/^System time/ { print $4, $5, $6 }' | tee "$STATE_DIR/offset-before"
  `,
  commands: script`
    chronyc -a makestep
    sleep 5
    chronyc tracking
  `,
  verification: script`
    MAX_MS={{maxOffsetMs}}
    chronyc tracking | awk -v max="$MAX_MS" '/^System time/ { ms = $4 * 1000; if (ms < 0) ms = -ms; printf "offset %.3f ms (max %d ms)\n", ms, max; found = 1; ok = (ms <= max) } END { exit !(found && ok) }'
    chronyc tracking | grep -Eq '^Leap status *: Normal'
  `,
  rollback: script`
    # A clock step cannot be undone: restart chrony so it resumes normal synchronisation.
    if systemctl cat chronyd.service >/dev/null 2>&1; then systemctl restart chronyd; else systemctl restart chrony; fi
    chronyc tracking
  `,
  rollbackNote: 'A clock step cannot be undone; the rollback restarts chrony so it resynchronises from its sources.',
  timeoutSeconds: 120,
  maxTargets: 20,
});

export const windowsTimeSync = defineRunbook({
  id: 'windows-time-sync',
  name: 'Windows time resync (w32tm)',
  description:
    'Starts the Windows Time service if needed, forces a resynchronisation (w32tm /resync /force) and measures the offset to the configured ' +
    'source with w32tm /stripchart. Refuses when the only source is the local CMOS clock.',
  platform: 'windows',
  risk: 'low',
  match: {
    categories: ['time'],
    keywords: ['ntp', 'clock', 'skew', 'w32time', 'w32tm', 'drift', 'timesync', 'offset'],
    signaturePatterns: ['clock.?(?:skew|drift|not.?sync)', 'ntp', 'time.?(?:sync|offset|drift)', 'w32t'],
  },
  parameters: [
    {
      name: 'maxOffsetMs',
      type: 'integer',
      description: 'Largest acceptable offset after the resync, in ms',
      min: 1,
      max: 60000,
      default: 100,
    },
  ],
  preChecks: script`
    $Source = ((w32tm /query /source) | Out-String).Trim()
    "Time source: $Source"
    if ($Source -match 'Local CMOS Clock|Free-running System Clock') { throw 'No time source is configured: resync would not help' }
    w32tm /query /status
  `,
  commands: script`
    if ((Get-Service -Name w32time).Status -ne 'Running') { Start-Service -Name w32time }
    w32tm /resync /force
    if ($LASTEXITCODE -ne 0) { throw "w32tm /resync failed with exit code $LASTEXITCODE" }
    Start-Sleep -Seconds 5
  `,
  verification: script`
    $MaxMs = {{maxOffsetMs}}
    $Source = (((w32tm /query /source) | Out-String).Trim() -split ',')[0]
    $Samples = w32tm /stripchart /computer:$Source /samples:3 /dataonly
    $Offsets = @($Samples | Select-String -Pattern '([+-]\d+\.\d+)s' | ForEach-Object { [double]$_.Matches[0].Groups[1].Value * 1000 })
    if ($Offsets.Count -eq 0) { throw "No offset sample from $Source" }
    $Offset = [math]::Abs($Offsets[-1])
    "Offset to $($Source): $([math]::Round($Offset, 3)) ms (max $MaxMs ms)"
    if ($Offset -gt $MaxMs) { throw "Clock is still $Offset ms off" }
  `,
  rollback: script`
    # A resync cannot be undone: restart the Windows Time service so it resumes normal synchronisation.
    Restart-Service -Name w32time -Force
    w32tm /query /status
  `,
  rollbackNote: 'A clock correction cannot be undone; the rollback restarts the Windows Time service.',
  timeoutSeconds: 120,
  maxTargets: 20,
});
