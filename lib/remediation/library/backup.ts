import { defineRunbook } from '../../domain/remediation/runbook';
import { script } from './script';

/** Re-run a failed backup: restic on Linux, Veeam Backup & Replication on Windows. */

export const linuxResticBackupRerun = defineRunbook({
  id: 'linux-restic-backup-rerun',
  name: 'Re-run a restic backup',
  description:
    'Runs again the restic backup of a profile: /etc/restic/<profile>.env holds the repository settings (RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, ' +
    'credentials) and /etc/restic/<profile>.files the paths, one a line. Checks the repository answers and no other restic runs; verification ' +
    'requires a snapshot newer than the start of the run.',
  platform: 'linux',
  risk: 'medium',
  match: {
    categories: ['backup'],
    keywords: ['backup', 'backups', 'restic', 'snapshot', 'failed', 'missed', 'stale'],
    signaturePatterns: ['backup.*(?:fail|miss|stale|old|age)', 'restic'],
  },
  parameters: [
    {
      name: 'profile',
      type: 'string',
      description: 'The backup profile (file names under /etc/restic)',
      pattern: '[A-Za-z0-9][A-Za-z0-9_-]{0,63}',
      example: 'daily',
      fromLabels: ['backup_job', 'job', 'profile'],
    },
  ],
  preChecks: script`
    PROFILE={{profile}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    ENV_FILE="/etc/restic/$PROFILE.env"
    FILES="/etc/restic/$PROFILE.files"
    if ! command -v restic >/dev/null 2>&1; then echo "restic is not installed" >&2; exit 1; fi
    if [ ! -r "$ENV_FILE" ] || [ ! -r "$FILES" ]; then echo "$ENV_FILE (repository settings) and $FILES (paths) are needed" >&2; exit 1; fi
    if pgrep -x restic >/dev/null; then echo "a restic process is already running" >&2; exit 1; fi
    set -a
    # shellcheck source=/dev/null
    . "$ENV_FILE"
    set +a
    restic cat config >/dev/null
    restic snapshots --tag "$PROFILE" --latest 1 --compact || true
    mkdir -p "$STATE_DIR"
    date +%s > "$STATE_DIR/started"
  `,
  commands: script`
    PROFILE={{profile}}
    set -a
    # shellcheck source=/dev/null
    . "/etc/restic/$PROFILE.env"
    set +a
    restic backup --files-from "/etc/restic/$PROFILE.files" --tag alert-whisperer --tag "$PROFILE" --exclude-caches
  `,
  verification: script`
    PROFILE={{profile}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    set -a
    # shellcheck source=/dev/null
    . "/etc/restic/$PROFILE.env"
    set +a
    STARTED=$(cat "$STATE_DIR/started")
    LATEST=$(restic snapshots --tag "$PROFILE" --host "$(hostname)" --json | grep -o '"time":"[^"]*"' | cut -d '"' -f 4 | sort | tail -n 1)
    if [ -z "$LATEST" ]; then echo "no snapshot tagged $PROFILE" >&2; exit 1; fi
    echo "latest snapshot: $LATEST"
    if [ "$(date -d "$LATEST" +%s)" -lt "$STARTED" ]; then echo "no snapshot since the run started" >&2; exit 1; fi
  `,
  rollback: script`
    PROFILE={{profile}}
    set -a
    # shellcheck source=/dev/null
    . "/etc/restic/$PROFILE.env"
    set +a
    # An interrupted backup writes no snapshot; remove the stale lock it may leave so the next scheduled run is not blocked.
    if ! pgrep -x restic >/dev/null; then restic unlock; fi
  `,
  rollbackNote:
    'An interrupted restic backup leaves no snapshot; the rollback removes the stale repository lock it may leave (restic unlock).',
  timeoutSeconds: 7200,
  maxTargets: 3,
});

export const windowsVeeamJobRerun = defineRunbook({
  id: 'windows-veeam-job-rerun',
  name: 'Re-run a Veeam backup job',
  description:
    'On the Veeam Backup & Replication server: starts a backup job again (Start-VBRJob, waiting for it) when it is not already running and ' +
    'requires the new session to end in Success or Warning. Uses the Veeam.Backup.PowerShell module (v11+) or the VeeamPSSnapin (older). ' +
    'Agent jobs managed as computer backup jobs in v12 are not covered by Get-VBRJob.',
  platform: 'windows',
  risk: 'medium',
  match: {
    categories: ['backup'],
    keywords: ['backup', 'backups', 'veeam', 'vbr', 'job', 'failed', 'missed'],
    signaturePatterns: ['backup.*(?:fail|miss|stale|old|age)', 'veeam'],
  },
  parameters: [
    {
      name: 'jobName',
      type: 'string',
      description: 'The Veeam job name',
      pattern: '[A-Za-z0-9][A-Za-z0-9 ._()-]{0,127}',
      example: 'Daily VM backup',
      fromLabels: ['job', 'job_name', 'backup_job'],
    },
  ],
  preChecks: script`
    $JobName = {{jobName}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    if (Get-Module -ListAvailable -Name Veeam.Backup.PowerShell) { Import-Module Veeam.Backup.PowerShell -WarningAction SilentlyContinue } else { Add-PSSnapin VeeamPSSnapin }
    $Jobs = @(Get-VBRJob -Name $JobName | Where-Object { $_.Name -eq $JobName })
    if ($Jobs.Count -ne 1) { throw "Expected one Veeam job named $JobName, found $($Jobs.Count)" }
    if ($Jobs[0].IsRunning) { throw "$JobName is already running" }
    $Last = $Jobs[0].FindLastSession()
    if ($Last) { "Last session: $($Last.Result), ended $($Last.EndTime)" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    (Get-Date).ToString('o') | Set-Content -Path (Join-Path $StateDir 'started.txt')
  `,
  commands: script`
    $JobName = {{jobName}}
    if (Get-Module -ListAvailable -Name Veeam.Backup.PowerShell) { Import-Module Veeam.Backup.PowerShell -WarningAction SilentlyContinue } else { Add-PSSnapin VeeamPSSnapin }
    $Job = Get-VBRJob -Name $JobName | Where-Object { $_.Name -eq $JobName }
    $Session = Start-VBRJob -Job $Job
    "Session result: $($Session.Result)"
    if (@('Success', 'Warning') -notcontains "$($Session.Result)") { throw "$JobName ended with $($Session.Result)" }
  `,
  verification: script`
    $JobName = {{jobName}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    if (Get-Module -ListAvailable -Name Veeam.Backup.PowerShell) { Import-Module Veeam.Backup.PowerShell -WarningAction SilentlyContinue } else { Add-PSSnapin VeeamPSSnapin }
    $Job = Get-VBRJob -Name $JobName | Where-Object { $_.Name -eq $JobName }
    $Started = [datetime]::Parse((Get-Content -Path (Join-Path $StateDir 'started.txt')), $null, 'RoundtripKind')
    $Last = $Job.FindLastSession()
    if (-not $Last -or $Last.CreationTime -lt $Started) { throw "No session of $JobName since the run started" }
    if (@('Success', 'Warning') -notcontains "$($Last.Result)") { throw "Last session of $JobName ended with $($Last.Result)" }
    "Last session: $($Last.Result), ended $($Last.EndTime)"
  `,
  rollback: script`
    $JobName = {{jobName}}
    if (Get-Module -ListAvailable -Name Veeam.Backup.PowerShell) { Import-Module Veeam.Backup.PowerShell -WarningAction SilentlyContinue } else { Add-PSSnapin VeeamPSSnapin }
    $Job = Get-VBRJob -Name $JobName | Where-Object { $_.Name -eq $JobName }
    # Stop a re-run that is still going so the next scheduled run is not blocked (existing restore points are untouched).
    if ($Job.IsRunning) { Stop-VBRJob -Job $Job; "$JobName stopped" } else { "$JobName is not running" }
  `,
  rollbackNote: 'Stops the re-run if it is still running, so the scheduled run is not blocked; restore points already written are kept.',
  timeoutSeconds: 7200,
  maxTargets: 1,
});
