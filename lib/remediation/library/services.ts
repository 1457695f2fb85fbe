import { defineRunbook } from '../../domain/remediation/runbook';
import { loopbackUrlParam, script, systemdUnitParam } from './script';

/** Services and web servers: restart a unit or Windows service, reload nginx/Apache after a config test, recycle an IIS app pool. */

export const linuxServiceRestart = defineRunbook({
  id: 'linux-service-restart',
  name: 'Linux service restart (systemd)',
  description:
    'Restarts a systemd unit and checks it is active again after a settling time. Refuses masked units and the units remote management ' +
    'depends on (sshd, amazon-ssm-agent, systemd-*, dbus).',
  platform: 'linux',
  risk: 'low',
  match: {
    categories: ['service'],
    keywords: ['systemd', 'service', 'down', 'failed', 'unit', 'crash', 'crashed', 'stopped', 'inactive'],
    signaturePatterns: ['systemd.*(?:fail|down)', 'service.?(?:down|failed|stopped)', 'process.?(?:down|not.?running)'],
  },
  parameters: [
    systemdUnitParam('The systemd unit to restart'),
    { name: 'settleSeconds', type: 'integer', description: 'Seconds to wait before checking the unit', min: 0, max: 300, default: 10 },
  ],
  preChecks: script`
    SERVICE={{service}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    case "$SERVICE" in
      sshd|sshd.service|ssh|ssh.service|amazon-ssm-agent*|snap.amazon-ssm-agent*|systemd-*|dbus*) echo "refusing to restart $SERVICE: remote management depends on it" >&2; exit 1 ;;
    esac
    if ! systemctl cat "$SERVICE" >/dev/null 2>&1; then echo "unit $SERVICE not found" >&2; exit 1; fi
    if [ "$(systemctl is-enabled "$SERVICE" 2>/dev/null || true)" = masked ]; then echo "$SERVICE is masked: not restarting it" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    systemctl show "$SERVICE" -p ActiveState -p SubState -p MainPID -p NRestarts | tee "$STATE_DIR/before"
  `,
  commands: script`
    SERVICE={{service}}
    systemctl restart "$SERVICE"
    sleep {{settleSeconds}}
  `,
  verification: script`
    SERVICE={{service}}
    if ! systemctl is-active --quiet "$SERVICE"; then
      systemctl status "$SERVICE" --no-pager --lines=30 || true
      echo "$SERVICE is not active" >&2
      exit 1
    fi
    echo "$SERVICE active since $(systemctl show "$SERVICE" -p ActiveEnterTimestamp --value)"
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
  maxTargets: 10,
});

export const linuxNginxReload = defineRunbook({
  id: 'linux-nginx-reload',
  name: 'nginx reload after a config test',
  description:
    'Tests the nginx configuration (nginx -t) and only then reloads nginx (or starts it when it is down); checks a local URL answers.',
  platform: 'linux',
  risk: 'low',
  match: { categories: ['service'], keywords: ['nginx'], signaturePatterns: ['nginx'], requireSignal: true },
  parameters: [loopbackUrlParam('http://127.0.0.1/')],
  preChecks: script`
    if ! command -v nginx >/dev/null 2>&1; then echo "nginx is not installed" >&2; exit 1; fi
    nginx -t
    systemctl show nginx -p ActiveState -p MainPID
  `,
  commands: script`
    nginx -t
    if systemctl is-active --quiet nginx; then systemctl reload nginx; else systemctl start nginx; fi
    sleep 2
  `,
  verification: script`
    URL={{healthUrl}}
    systemctl is-active --quiet nginx
    curl --silent --show-error --fail --max-time 10 --output /dev/null --write-out 'HTTP %{http_code}\n' "$URL"
  `,
  rollback: script`
    # The configuration was not changed: make sure nginx runs and show its last errors.
    if ! systemctl is-active --quiet nginx; then systemctl restart nginx; fi
    tail -n 30 /var/log/nginx/error.log || true
    systemctl is-active nginx
  `,
  rollbackNote:
    'The configuration is not changed by this runbook; the rollback restarts nginx if it is not running and prints its error log.',
  timeoutSeconds: 120,
  maxTargets: 10,
});

export const linuxApacheReload = defineRunbook({
  id: 'linux-apache-reload',
  name: 'Apache httpd graceful reload after configtest',
  description:
    'Runs apachectl configtest and only then reloads Apache gracefully (apache2 on Debian/Ubuntu, httpd on RHEL-family), or starts it when down; ' +
    'checks a local URL answers.',
  platform: 'linux',
  risk: 'low',
  match: { categories: ['service'], keywords: ['apache', 'apache2', 'httpd'], signaturePatterns: ['apache|httpd'], requireSignal: true },
  parameters: [loopbackUrlParam('http://127.0.0.1/')],
  preChecks: script`
    if systemctl cat apache2.service >/dev/null 2>&1; then CTL=apache2ctl; elif systemctl cat httpd.service >/dev/null 2>&1; then CTL=apachectl; else echo "neither apache2 nor httpd is installed" >&2; exit 1; fi
    "$CTL" configtest
  `,
  commands: script`
    if systemctl cat apache2.service >/dev/null 2>&1; then UNIT=apache2; CTL=apache2ctl; else UNIT=httpd; CTL=apachectl; fi
    "$CTL" configtest
    if systemctl is-active --quiet "$UNIT"; then systemctl reload "$UNIT"; else systemctl start "$UNIT"; fi
    sleep 2
  `,
  verification: script`
    URL={{healthUrl}}
    if systemctl cat apache2.service >/dev/null 2>&1; then UNIT=apache2; else UNIT=httpd; fi
    systemctl is-active --quiet "$UNIT"
    curl --silent --show-error --fail --max-time 10 --output /dev/null --write-out 'HTTP %{http_code}\n' "$URL"
  `,
  rollback: script`
    if systemctl cat apache2.service >/dev/null 2>&1; then UNIT=apache2; LOG=/var/log/apache2/error.log; else UNIT=httpd; LOG=/var/log/httpd/error_log; fi
    # The configuration was not changed: make sure Apache runs and show its last errors.
    if ! systemctl is-active --quiet "$UNIT"; then systemctl restart "$UNIT"; fi
    tail -n 30 "$LOG" || true
    systemctl is-active "$UNIT"
  `,
  rollbackNote:
    'The configuration is not changed by this runbook; the rollback restarts Apache if it is not running and prints its error log.',
  timeoutSeconds: 120,
  maxTargets: 10,
});

export const windowsServiceRestart = defineRunbook({
  id: 'windows-service-restart',
  name: 'Windows service restart',
  description:
    'Restarts a Windows service (Restart-Service -Force, dependent services included) and checks it is still running after a settling time. ' +
    'Refuses disabled services and those remote management depends on (SSM agent, WinRM, RPC, EventLog).',
  platform: 'windows',
  risk: 'low',
  match: {
    categories: ['service'],
    keywords: ['service', 'stopped', 'down', 'crash', 'crashed', 'failed', 'windows'],
    signaturePatterns: ['service.?(?:down|stopped|failed|not.?running)'],
  },
  parameters: [
    {
      name: 'serviceName',
      type: 'string',
      description: 'The service name (not the display name), e.g. Spooler or MSSQL$SQLEXPRESS',
      pattern: '[A-Za-z0-9][A-Za-z0-9_.$-]{0,79}',
      example: 'Spooler',
      fromLabels: ['service', 'name', 'service_name', 'servicename'],
    },
    { name: 'settleSeconds', type: 'integer', description: 'Seconds to wait before checking the service', min: 0, max: 300, default: 10 },
  ],
  preChecks: script`
    $Name = {{serviceName}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    if (@('AmazonSSMAgent', 'WinRM', 'RpcSs', 'RpcEptMapper', 'EventLog', 'LanmanServer', 'Winmgmt') -contains $Name) { throw "Refusing to restart $($Name): remote management depends on it" }
    $Service = Get-Service -Name $Name
    if ($Service.StartType -eq 'Disabled') { throw "$Name is disabled: not restarting it" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    $Service | Select-Object Name, DisplayName, Status, StartType | Format-List
  `,
  commands: script`
    $Name = {{serviceName}}
    Restart-Service -Name $Name -Force
    (Get-Service -Name $Name).WaitForStatus('Running', [TimeSpan]::FromSeconds(120))
    Start-Sleep -Seconds {{settleSeconds}}
  `,
  verification: script`
    $Name = {{serviceName}}
    $Status = (Get-Service -Name $Name).Status
    if ($Status -ne 'Running') { throw "$Name is $Status" }
    "$Name is running"
  `,
  rollback: script`
    $Name = {{serviceName}}
    # A restart cannot be undone: start the service again and show what the Service Control Manager logged.
    if ((Get-Service -Name $Name).Status -ne 'Running') { Start-Service -Name $Name }
    Get-WinEvent -FilterHashtable @{ LogName = 'System'; ProviderName = 'Service Control Manager' } -MaxEvents 20 -ErrorAction SilentlyContinue | Format-Table -AutoSize TimeCreated, Id, Message
    (Get-Service -Name $Name).Status
  `,
  rollbackNote: 'Starts the service again if it is not running and prints the last Service Control Manager events.',
  timeoutSeconds: 300,
  maxTargets: 10,
});

export const windowsIisAppPoolRecycle = defineRunbook({
  id: 'windows-iis-apppool-recycle',
  name: 'IIS application pool recycle',
  description:
    'Recycles an IIS application pool (or starts it when stopped): new worker process, fresh memory and fresh database connection pools; ' +
    'checks the pool is started and a local URL answers.',
  platform: 'windows',
  risk: 'low',
  match: {
    categories: ['service', 'database', 'memory'],
    keywords: ['iis', 'apppool', 'w3wp', 'aspnet', 'w3svc', 'pool'],
    signaturePatterns: ['app.?pool', 'w3wp', 'iis'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'appPool',
      type: 'string',
      description: 'The application pool name',
      pattern: '[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}',
      example: 'DefaultAppPool',
      fromLabels: ['app_pool', 'apppool', 'pool'],
    },
    loopbackUrlParam('http://localhost/'),
  ],
  preChecks: script`
    $Pool = {{appPool}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    Import-Module WebAdministration
    if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + $Pool))) { throw "Application pool $Pool does not exist" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    (Get-WebAppPoolState -Name $Pool).Value | Set-Content -Path (Join-Path $StateDir 'pool-state.txt')
    "Pool $Pool is $(Get-Content -Path (Join-Path $StateDir 'pool-state.txt'))"
  `,
  commands: script`
    $Pool = {{appPool}}
    Import-Module WebAdministration
    if ((Get-WebAppPoolState -Name $Pool).Value -eq 'Started') { Restart-WebAppPool -Name $Pool } else { Start-WebAppPool -Name $Pool }
    Start-Sleep -Seconds 5
  `,
  verification: script`
    $Pool = {{appPool}}
    $Url = {{healthUrl}}
    Import-Module WebAdministration
    $State = (Get-WebAppPoolState -Name $Pool).Value
    if ($State -ne 'Started') { throw "Application pool $Pool is $State" }
    $Response = Invoke-WebRequest -Uri $Url -UseBasicParsing -TimeoutSec 15
    "HTTP $($Response.StatusCode) from $Url"
  `,
  rollback: script`
    $Pool = {{appPool}}
    Import-Module WebAdministration
    # A recycle cannot be undone: make sure IIS and the pool run.
    if ((Get-Service -Name W3SVC).Status -ne 'Running') { Start-Service -Name W3SVC }
    if ((Get-WebAppPoolState -Name $Pool).Value -ne 'Started') { Start-WebAppPool -Name $Pool }
    (Get-WebAppPoolState -Name $Pool).Value
  `,
  rollbackNote: 'Starts the World Wide Web Publishing Service and the pool if either is stopped.',
  timeoutSeconds: 180,
  maxTargets: 10,
});
