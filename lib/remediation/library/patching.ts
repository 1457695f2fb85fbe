import { defineRunbook } from '../../domain/remediation/runbook';
import { script } from './script';

/**
 * Security patching: apt (Debian/Ubuntu security pocket only), yum/dnf (--security) and PSWindowsUpdate
 * ('Security Updates' category). None reboots: a required reboot is reported for a planned window.
 * High risk: only an MSP admin approves them. Fleet-wide patching belongs to SSM Patch Manager
 * (AWS-RunPatchBaseline); these fix one host an alert points at.
 */

const patchMatch = (keywords: string[]) => ({
  categories: ['patching' as const, 'security' as const],
  keywords: [
    'patch',
    'patches',
    'patching',
    'security',
    'update',
    'updates',
    'cve',
    'vulnerability',
    'vulnerable',
    'outdated',
    ...keywords,
  ],
  signaturePatterns: ['(?:security|pending|missing).*(?:update|patch)', 'cve-\\d{4}'],
});

export const linuxAptSecurityUpgrade = defineRunbook({
  id: 'linux-apt-security-upgrade',
  name: 'Debian/Ubuntu security updates only (apt)',
  description:
    'Refreshes the package lists and upgrades only the packages with a newer version in a -security pocket (apt-get install --only-upgrade), ' +
    'keeping existing configuration files. Records every installed version first; the rollback downgrades what changed. No reboot.',
  platform: 'linux',
  risk: 'high',
  match: patchMatch(['apt', 'ubuntu', 'debian']),
  parameters: [
    { name: 'minFreeMb', type: 'integer', description: 'Free space needed on /var, in MiB', min: 100, max: 100000, default: 1024 },
  ],
  preChecks: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    MIN_FREE_MB={{minFreeMb}}
    if ! command -v apt-get >/dev/null 2>&1; then echo "not an apt system" >&2; exit 1; fi
    if command -v fuser >/dev/null 2>&1 && fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; then echo "another package operation is running" >&2; exit 1; fi
    if [ -n "$(dpkg --audit)" ]; then dpkg --audit; echo "dpkg reports broken packages: fix them first" >&2; exit 1; fi
    FREE_MB=$(( $(df --output=avail -k /var | tail -n 1) / 1024 ))
    if [ "$FREE_MB" -lt "$MIN_FREE_MB" ]; then echo "only $FREE_MB MiB free on /var" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    dpkg-query -W -f='$\{db:Status-Abbrev}|$\{binary:Package}=$\{Version}\n' | awk -F '|' '$1 ~ /^ii/ { print $2 }' | sort > "$STATE_DIR/packages-before"
    echo "$(wc -l < "$STATE_DIR/packages-before") packages installed"
  `,
  commands: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt list --upgradable 2>/dev/null | grep -- '-security' | cut -d/ -f1 | sort -u > "$STATE_DIR/security-packages" || true
    if [ -s "$STATE_DIR/security-packages" ]; then
      xargs -a "$STATE_DIR/security-packages" apt-get install -y --only-upgrade -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
    else
      echo "no security updates pending"
    fi
  `,
  verification: script`
    if [ -n "$(dpkg --audit)" ]; then dpkg --audit; exit 1; fi
    REMAINING=$(apt list --upgradable 2>/dev/null | grep -c -- '-security' || true)
    echo "security updates still pending: $REMAINING"
    if [ -f /var/run/reboot-required ]; then echo "reboot required (not done by this runbook): $(tr '\n' ' ' < /var/run/reboot-required.pkgs 2>/dev/null || true)"; fi
    if [ "$REMAINING" -gt 0 ]; then exit 1; fi
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    export DEBIAN_FRONTEND=noninteractive
    # Downgrade every upgraded package to its recorded version (possible while that version is still in the archive or the apt cache).
    dpkg-query -W -f='$\{db:Status-Abbrev}|$\{binary:Package}=$\{Version}\n' | awk -F '|' '$1 ~ /^ii/ { print $2 }' | sort > "$STATE_DIR/packages-after"
    comm -13 "$STATE_DIR/packages-before" "$STATE_DIR/packages-after" | cut -d= -f1 > "$STATE_DIR/changed"
    awk -F '=' 'NR == FNR { changed[$1] = 1; next } ($1 in changed)' "$STATE_DIR/changed" "$STATE_DIR/packages-before" > "$STATE_DIR/downgrade"
    if [ -s "$STATE_DIR/downgrade" ]; then
      xargs -a "$STATE_DIR/downgrade" apt-get install -y --allow-downgrades -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
    fi
    dpkg --audit
  `,
  rollbackNote:
    'Downgrades every package whose version changed to the version recorded by the pre-check; needs that version to be available (archive or apt cache).',
  timeoutSeconds: 3600,
  maxTargets: 10,
});

export const linuxYumSecurityUpdate = defineRunbook({
  id: 'linux-yum-security-update',
  name: 'RHEL/Amazon Linux security updates only (yum/dnf --security)',
  description:
    'Applies the updates flagged as security advisories (yum update --security, dnf on RHEL 8+ and Amazon Linux 2023). ' +
    'The rollback undoes exactly that transaction with yum history undo. No reboot (needs-restarting -r reports it).',
  platform: 'linux',
  risk: 'high',
  match: patchMatch(['yum', 'dnf', 'rhel', 'centos', 'amazon']),
  parameters: [
    { name: 'minFreeMb', type: 'integer', description: 'Free space needed on /var, in MiB', min: 100, max: 100000, default: 1024 },
  ],
  preChecks: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    MIN_FREE_MB={{minFreeMb}}
    if ! command -v yum >/dev/null 2>&1; then echo "not a yum/dnf system" >&2; exit 1; fi
    if [ -f /var/run/yum.pid ]; then echo "another yum operation is running" >&2; exit 1; fi
    FREE_MB=$(( $(df --output=avail -k /var | tail -n 1) / 1024 ))
    if [ "$FREE_MB" -lt "$MIN_FREE_MB" ]; then echo "only $FREE_MB MiB free on /var" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    yum history list 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && !found { print $1; found = 1 }' > "$STATE_DIR/last-transaction"
    yum -q updateinfo list --security || true
  `,
  commands: script`
    yum -y update --security
  `,
  verification: script`
    REMAINING=$(yum -q updateinfo list --security 2>/dev/null | grep -c . || true)
    echo "security advisories still pending: $REMAINING"
    if command -v needs-restarting >/dev/null 2>&1 && ! needs-restarting -r >/dev/null 2>&1; then echo "reboot required (not done by this runbook)"; fi
    if [ "$REMAINING" -gt 0 ]; then exit 1; fi
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    BEFORE=$(cat "$STATE_DIR/last-transaction")
    AFTER=$(yum history list 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && !found { print $1; found = 1 }')
    # Undo the transaction this run made, if it made one.
    if [ -n "$AFTER" ] && [ "$AFTER" != "$BEFORE" ]; then yum -y history undo "$AFTER"; else echo "no transaction to undo"; fi
  `,
  rollbackNote: 'Undoes the yum/dnf transaction made by the run (yum history undo), which downgrades the updated packages.',
  timeoutSeconds: 3600,
  maxTargets: 10,
});

export const windowsSecurityUpdates = defineRunbook({
  id: 'windows-security-updates',
  name: 'Windows security updates (PSWindowsUpdate)',
  description:
    "Installs the pending updates of the 'Security Updates' category with the PSWindowsUpdate module, without rebooting. Refuses when a reboot is " +
    'already pending. Records installed hotfixes first; the rollback uninstalls the new ones with wusa. Hosts without PSWindowsUpdate: patch with ' +
    'SSM Patch Manager (AWS-RunPatchBaseline) instead.',
  platform: 'windows',
  risk: 'high',
  match: patchMatch(['wsus', 'windows', 'kb', 'hotfix']),
  parameters: [
    { name: 'minFreeGb', type: 'integer', description: 'Free space needed on the system drive, in GB', min: 1, max: 500, default: 5 },
  ],
  preChecks: script`
    $MinFreeGb = {{minFreeGb}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    if (-not (Get-Module -ListAvailable -Name PSWindowsUpdate)) { throw 'PSWindowsUpdate is not installed (Install-Module PSWindowsUpdate), or patch with AWS-RunPatchBaseline' }
    if (Test-Path -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') { throw 'A reboot is already pending: reboot in a maintenance window first' }
    $Free = (Get-PSDrive -Name $env:SystemDrive.TrimEnd(':')).Free / 1GB
    if ($Free -lt $MinFreeGb) { throw "Only $([math]::Round($Free, 1)) GB free on the system drive" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    Get-HotFix | Select-Object -ExpandProperty HotFixID | Sort-Object | Set-Content -Path (Join-Path $StateDir 'hotfixes-before.txt')
    Import-Module PSWindowsUpdate
    Get-WindowsUpdate -Category 'Security Updates' | Format-Table -AutoSize KB, Size, Title
  `,
  commands: script`
    Import-Module PSWindowsUpdate
    Install-WindowsUpdate -Category 'Security Updates' -AcceptAll -IgnoreReboot -Verbose | Format-Table -AutoSize KB, Result, Title
  `,
  verification: script`
    Import-Module PSWindowsUpdate
    $Remaining = @(Get-WindowsUpdate -Category 'Security Updates')
    "Security updates still pending: $($Remaining.Count)"
    if (Get-WURebootStatus -Silent) { 'Reboot required (not done by this runbook)' }
    if ($Remaining.Count -gt 0) { throw "$($Remaining.Count) security updates are still pending" }
  `,
  rollback: script`
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Before = Get-Content -Path (Join-Path $StateDir 'hotfixes-before.txt')
    # Uninstall every hotfix installed by this run (some cumulative updates cannot be uninstalled: wusa then reports it).
    foreach ($HotFix in Get-HotFix | Where-Object { $Before -notcontains $_.HotFixID }) {
      $Number = $HotFix.HotFixID -replace '^KB', ''
      $Process = Start-Process -FilePath wusa.exe -ArgumentList ('/uninstall /kb:' + $Number + ' /quiet /norestart') -Wait -PassThru
      "$($HotFix.HotFixID): wusa exit code $($Process.ExitCode)"
    }
  `,
  rollbackNote:
    'Uninstalls (wusa /uninstall) every hotfix that was not installed before the run; some cumulative updates cannot be removed.',
  timeoutSeconds: 5400,
  maxTargets: 10,
});
