import { defineRunbook } from '../../domain/remediation/runbook';
import { script } from './script';

/** Disk space: journal, package caches, old logs and Docker leftovers on Linux; temp files, components and IIS logs on Windows. */

export const linuxDiskCleanup = defineRunbook({
  id: 'linux-disk-cleanup',
  name: 'Linux disk cleanup (journal, package cache, old logs)',
  description:
    'Frees space on the file system holding /var: vacuums the systemd journal to a retention, cleans the apt/dnf/yum package cache, ' +
    'deletes rotated logs older than a cut-off and runs systemd-tmpfiles --clean. Refuses when /var/log is on another mount than the alerting one.',
  platform: 'linux',
  risk: 'low',
  match: {
    categories: ['disk'],
    keywords: ['disk', 'filesystem', 'space', 'full', 'inode', 'inodes', 'volume'],
    signaturePatterns: ['(?:disk|filesystem|volume|storage).*(?:full|space|usage|low|filling)', 'inodes?'],
  },
  parameters: [
    {
      name: 'mountPoint',
      type: 'string',
      description: 'The alerting mount point; must be the one holding /var/log',
      pattern: '/|(?:/[A-Za-z0-9._-]+)+',
      default: '/',
      fromLabels: ['mountpoint', 'mount_point', 'path'],
    },
    { name: 'journalDays', type: 'integer', description: 'Journal entries to keep, in days', min: 1, max: 90, default: 7 },
    { name: 'logAgeDays', type: 'integer', description: 'Delete rotated logs older than this many days', min: 1, max: 365, default: 14 },
    { name: 'targetUsagePercent', type: 'integer', description: 'Usage must end below this percentage', min: 50, max: 99, default: 90 },
  ],
  preChecks: script`
    MOUNT={{mountPoint}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! mountpoint -q "$MOUNT"; then echo "$MOUNT is not a mount point" >&2; exit 1; fi
    LOG_MOUNT=$(df --output=target /var/log | tail -n 1)
    if [ "$LOG_MOUNT" != "$MOUNT" ]; then echo "/var/log is on $LOG_MOUNT, not $MOUNT: this cleanup would not free space there" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    df --output=pcent "$MOUNT" | tail -n 1 | tr -dc '0-9' > "$STATE_DIR/usage-before"
    echo "usage before: $(cat "$STATE_DIR/usage-before")%"
    du -sh /var/log /var/cache/apt /var/cache/dnf /var/cache/yum 2>/dev/null || true
  `,
  commands: script`
    MOUNT={{mountPoint}}
    if command -v journalctl >/dev/null 2>&1; then journalctl --vacuum-time={{journalDays}}d; fi
    if command -v apt-get >/dev/null 2>&1; then apt-get clean; fi
    if command -v dnf >/dev/null 2>&1; then dnf clean packages; elif command -v yum >/dev/null 2>&1; then yum clean packages; fi
    find /var/log -xdev -type f \( -name '*.gz' -o -name '*.xz' -o -name '*.bz2' -o -name '*.zst' -o -name '*.[0-9]' -o -name '*.old' \) -mtime +{{logAgeDays}} -print -delete
    if command -v systemd-tmpfiles >/dev/null 2>&1; then systemd-tmpfiles --clean; fi
    df -h "$MOUNT"
  `,
  verification: script`
    MOUNT={{mountPoint}}
    TARGET={{targetUsagePercent}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    USED=$(df --output=pcent "$MOUNT" | tail -n 1 | tr -dc '0-9')
    echo "usage before: $(cat "$STATE_DIR/usage-before")%, now: $USED%, target: below $TARGET%"
    if [ "$USED" -ge "$TARGET" ]; then echo "$MOUNT is still at $USED%: the space is used by something else" >&2; exit 1; fi
  `,
  rollback: script`
    MOUNT={{mountPoint}}
    # Deleted logs and caches cannot come back: make sure logging and the package manager work after the cleanup.
    if systemctl cat systemd-journald.service >/dev/null 2>&1; then systemctl restart systemd-journald; fi
    if systemctl cat rsyslog.service >/dev/null 2>&1; then systemctl try-restart rsyslog; fi
    if command -v apt-get >/dev/null 2>&1; then mkdir -p /var/cache/apt/archives/partial; fi
    df -h "$MOUNT"
  `,
  rollbackNote:
    'Deleted journal entries, rotated logs and cached packages cannot be restored; the rollback restarts journald/rsyslog and recreates the apt cache directory.',
  timeoutSeconds: 900,
  maxTargets: 20,
});

export const linuxLogrotateForce = defineRunbook({
  id: 'linux-logrotate-force',
  name: 'Linux forced log rotation (logrotate -f)',
  description:
    'Rotates now the logs of one /etc/logrotate.d configuration (its own compress and postrotate rules apply), after a logrotate --debug dry run. ' +
    "Verification checks logrotate's state file records today's rotation for every existing log of the configuration.",
  platform: 'linux',
  risk: 'low',
  match: {
    categories: ['disk'],
    keywords: ['log', 'logs', 'logfile', 'logrotate', 'varlog'],
    signaturePatterns: ['log(?:file|s)?(?:size|growth|full|big|large)', 'logrotate'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'config',
      type: 'string',
      description: 'File name under /etc/logrotate.d',
      pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,63}',
      example: 'nginx',
      fromLabels: ['logrotate_config', 'service', 'app'],
    },
  ],
  preChecks: script`
    CONFIG=/etc/logrotate.d/{{config}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! command -v logrotate >/dev/null 2>&1; then echo "logrotate is not installed" >&2; exit 1; fi
    if [ ! -f "$CONFIG" ]; then echo "$CONFIG does not exist" >&2; exit 1; fi
    logrotate --debug "$CONFIG"
    mkdir -p "$STATE_DIR"
    grep -Eo '^[[:space:]]*"?/[^[:space:]{"]+' "$CONFIG" | tr -d ' \t"' > "$STATE_DIR/paths" || true
    if [ ! -s "$STATE_DIR/paths" ]; then echo "no log paths found in $CONFIG" >&2; exit 1; fi
    STATUS=""
    for CANDIDATE in /var/lib/logrotate/status /var/lib/logrotate/logrotate.status /var/lib/logrotate.status; do
      if [ -f "$CANDIDATE" ]; then STATUS=$CANDIDATE; break; fi
    done
    if [ -z "$STATUS" ]; then echo "no logrotate state file found" >&2; exit 1; fi
    echo "$STATUS" > "$STATE_DIR/status-path"
    cp -p "$STATUS" "$STATE_DIR/logrotate.status"
  `,
  commands: script`
    CONFIG=/etc/logrotate.d/{{config}}
    logrotate --force --verbose "$CONFIG"
  `,
  verification: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    STATUS=$(cat "$STATE_DIR/status-path")
    TODAY=$(date +%Y-%-m-%-d)
    ROTATED=0
    while read -r PATTERN; do
      for FILE in $PATTERN; do
        [ -e "$FILE" ] || continue
        if awk -v f="\"$FILE\"" -v d="$TODAY" '$1 == f && ($2 == d || index($2, d "-") == 1) { found = 1 } END { exit !found }' "$STATUS"; then
          ROTATED=$((ROTATED + 1))
        else
          echo "$FILE was not rotated today" >&2
          exit 1
        fi
      done
    done < "$STATE_DIR/paths"
    echo "$ROTATED log files rotated"
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    # Rotated files stay rotated; put logrotate's state back so the scheduled rotation keeps its rhythm.
    if [ -f "$STATE_DIR/logrotate.status" ]; then cp -p "$STATE_DIR/logrotate.status" "$(cat "$STATE_DIR/status-path")"; fi
  `,
  rollbackNote: "Rotation itself is not undone (files keep their new names); logrotate's state file is restored from the pre-check copy.",
  timeoutSeconds: 600,
  maxTargets: 20,
});

export const linuxDockerCleanup = defineRunbook({
  id: 'linux-docker-cleanup',
  name: 'Docker cleanup (system prune with an age filter)',
  description:
    'Removes stopped containers, unused networks, dangling images (all unused images when allImages=yes) and build cache older than a cut-off ' +
    'with docker system prune. Volumes are never pruned. Containers running before must still run after.',
  platform: 'linux',
  risk: 'low',
  match: {
    categories: ['disk'],
    keywords: ['docker', 'container', 'containers', 'overlay', 'overlay2', 'image', 'images', 'dockerd'],
    signaturePatterns: ['docker'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'olderThanHours',
      type: 'integer',
      description: 'Prune only objects older than this many hours',
      min: 1,
      max: 8760,
      default: 72,
    },
    { name: 'allImages', type: 'enum', description: 'Also remove unused (not only dangling) images', values: ['no', 'yes'], default: 'no' },
  ],
  preChecks: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! command -v docker >/dev/null 2>&1; then echo "docker is not installed" >&2; exit 1; fi
    if ! docker info >/dev/null; then echo "the docker daemon does not answer" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    docker ps --quiet --no-trunc | sort > "$STATE_DIR/running-before"
    echo "$(wc -l < "$STATE_DIR/running-before") containers running"
    docker system df
  `,
  commands: script`
    ALL_IMAGES={{allImages}}
    if [ "$ALL_IMAGES" = yes ]; then
      docker system prune --force --all --filter until={{olderThanHours}}h
    else
      docker system prune --force --filter until={{olderThanHours}}h
    fi
    docker system df
  `,
  verification: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    docker info >/dev/null
    docker ps --quiet --no-trunc | sort > "$STATE_DIR/running-after"
    STOPPED=$(comm -23 "$STATE_DIR/running-before" "$STATE_DIR/running-after")
    if [ -n "$STOPPED" ]; then echo "containers no longer running: $STOPPED" >&2; exit 1; fi
    df -h /var/lib/docker
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    # Pruned objects cannot come back (images are pulled again on demand): restart the daemon if needed and every container that ran before.
    if ! systemctl is-active --quiet docker; then systemctl start docker; fi
    docker ps --quiet --no-trunc | sort > "$STATE_DIR/running-after"
    comm -23 "$STATE_DIR/running-before" "$STATE_DIR/running-after" | xargs -r docker start
  `,
  rollbackNote:
    'Pruned containers, networks, images and cache are gone (images are pulled again when needed); the rollback starts the daemon and every container that was running before.',
  timeoutSeconds: 1800,
  maxTargets: 20,
});

export const windowsDiskCleanup = defineRunbook({
  id: 'windows-disk-cleanup',
  name: 'Windows disk cleanup (temp files, WinSxS component cleanup)',
  description:
    'Frees space on the system drive: deletes files older than a cut-off from the Windows and user temp folders, empties the recycle bin of the drive ' +
    'and runs DISM /StartComponentCleanup to remove superseded WinSxS components. Refuses while Windows Modules Installer is busy.',
  platform: 'windows',
  risk: 'low',
  match: {
    categories: ['disk'],
    keywords: ['disk', 'space', 'full', 'volume', 'drive', 'logicaldisk', 'free'],
    signaturePatterns: ['(?:disk|volume|drive|logicaldisk).*(?:full|space|free|low)'],
  },
  parameters: [
    {
      name: 'driveLetter',
      type: 'string',
      description: 'The alerting drive; must be the system drive',
      pattern: '[C-Zc-z]:?',
      default: 'C',
      fromLabels: ['volume', 'drive', 'instance_drive'],
    },
    { name: 'tempAgeDays', type: 'integer', description: 'Delete temp files older than this many days', min: 1, max: 365, default: 7 },
    { name: 'componentCleanup', type: 'enum', description: 'Run DISM /StartComponentCleanup', values: ['yes', 'no'], default: 'yes' },
    {
      name: 'targetFreePercent',
      type: 'integer',
      description: 'Free space must end at or above this percentage',
      min: 1,
      max: 90,
      default: 10,
    },
  ],
  preChecks: script`
    $Letter = ({{driveLetter}}).TrimEnd(':').ToUpper()
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    if ($Letter -ne $env:SystemDrive.TrimEnd(':')) { throw "Drive $Letter is not the system drive: temp and component cleanup would not free space there" }
    $Volume = Get-Volume -DriveLetter $Letter
    if (Get-Process -Name TiWorker -ErrorAction SilentlyContinue) { throw 'Windows Modules Installer (TiWorker) is busy: try again later' }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    [math]::Round(100 * $Volume.SizeRemaining / $Volume.Size, 1) | Set-Content -Path (Join-Path $StateDir 'free-before.txt')
    Get-Service -Name wuauserv, bits, TrustedInstaller | Select-Object Name, Status | Export-Clixml -Path (Join-Path $StateDir 'services.xml')
    "Free before: $(Get-Content -Path (Join-Path $StateDir 'free-before.txt'))%"
  `,
  commands: script`
    $Letter = ({{driveLetter}}).TrimEnd(':').ToUpper()
    $Cutoff = (Get-Date).AddDays(-{{tempAgeDays}})
    $Folders = @(Join-Path $env:SystemRoot 'Temp') + @(Get-ChildItem -Path (Join-Path $env:SystemDrive 'Users') -Directory -Force -ErrorAction SilentlyContinue | ForEach-Object { Join-Path $_.FullName 'AppData\Local\Temp' })
    foreach ($Folder in $Folders) {
      if (-not (Test-Path -Path $Folder)) { continue }
      Get-ChildItem -Path $Folder -Recurse -Force -File -ErrorAction SilentlyContinue |
        Where-Object { $_.LastWriteTime -lt $Cutoff } |
        Remove-Item -Force -ErrorAction SilentlyContinue
    }
    Clear-RecycleBin -DriveLetter $Letter -Force -ErrorAction SilentlyContinue
    if ({{componentCleanup}} -eq 'yes') {
      Dism.exe /Online /Cleanup-Image /StartComponentCleanup
      if ($LASTEXITCODE -ne 0) { throw "DISM /StartComponentCleanup failed with exit code $LASTEXITCODE" }
    }
  `,
  verification: script`
    $Letter = ({{driveLetter}}).TrimEnd(':').ToUpper()
    $Target = {{targetFreePercent}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Volume = Get-Volume -DriveLetter $Letter
    $Free = [math]::Round(100 * $Volume.SizeRemaining / $Volume.Size, 1)
    "Free before: $(Get-Content -Path (Join-Path $StateDir 'free-before.txt'))%, now: $Free%, target: $Target%"
    if ($Free -lt $Target) { throw "Drive $Letter still has only $Free% free: the space is used by something else" }
  `,
  rollback: script`
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    # Deleted temp files and removed components cannot come back: put the servicing services back as they were and check the component store.
    foreach ($Service in Import-Clixml -Path (Join-Path $StateDir 'services.xml')) {
      if ("$($Service.Status)" -eq 'Running' -and (Get-Service -Name $Service.Name).Status -ne 'Running') { Start-Service -Name $Service.Name }
    }
    Dism.exe /Online /Cleanup-Image /CheckHealth
  `,
  rollbackNote:
    'Deleted temp files and superseded components cannot be restored; the rollback restarts Windows Update, BITS and TrustedInstaller if they ran before and checks the component store.',
  timeoutSeconds: 3600,
  maxTargets: 20,
});

export const windowsIisLogCompress = defineRunbook({
  id: 'windows-iis-log-compress',
  name: 'IIS log compression (archive old W3SVC logs)',
  description:
    'Moves IIS log files older than a cut-off into one zip archive per site folder (logs compress about tenfold) and removes the originals ' +
    'once the archive holds them all. The rollback expands the archives back.',
  platform: 'windows',
  risk: 'low',
  match: {
    categories: ['disk'],
    keywords: ['iis', 'w3svc', 'inetpub', 'log', 'logs'],
    signaturePatterns: ['iis.*log', 'inetpub'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'logRoot',
      type: 'string',
      description: 'IIS log folder (under inetpub\\logs\\LogFiles)',
      pattern: '[A-Za-z]:\\\\inetpub\\\\logs\\\\LogFiles(?:\\\\[A-Za-z0-9_.-]+)?',
      default: 'C:\\inetpub\\logs\\LogFiles',
    },
    { name: 'ageDays', type: 'integer', description: 'Archive logs older than this many days', min: 1, max: 365, default: 14 },
  ],
  preChecks: script`
    $LogRoot = {{logRoot}}
    $AgeDays = {{ageDays}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    if (-not (Test-Path -LiteralPath $LogRoot -PathType Container)) { throw "$LogRoot does not exist" }
    $Cutoff = (Get-Date).AddDays(-$AgeDays)
    $Old = @(Get-ChildItem -LiteralPath $LogRoot -Recurse -File -Filter '*.log' | Where-Object { $_.LastWriteTime -lt $Cutoff })
    if ($Old.Count -eq 0) { throw "No IIS logs older than $AgeDays days under $LogRoot" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    "$($Old.Count) files, $([math]::Round(($Old | Measure-Object -Property Length -Sum).Sum / 1MB)) MB to archive"
  `,
  commands: script`
    $LogRoot = {{logRoot}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Cutoff = (Get-Date).AddDays(-{{ageDays}})
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $Archives = @()
    foreach ($Group in Get-ChildItem -LiteralPath $LogRoot -Recurse -File -Filter '*.log' | Where-Object { $_.LastWriteTime -lt $Cutoff } | Group-Object -Property DirectoryName) {
      $Zip = Join-Path $Group.Name ('aw-archive-' + {{executionId}} + '.zip')
      Compress-Archive -LiteralPath $Group.Group.FullName -DestinationPath $Zip -CompressionLevel Optimal
      $Archive = [System.IO.Compression.ZipFile]::OpenRead($Zip)
      try { $Names = @($Archive.Entries.Name) } finally { $Archive.Dispose() }
      foreach ($File in $Group.Group) { if ($Names -notcontains $File.Name) { throw "$($File.FullName) is missing from $Zip" } }
      $Group.Group | Remove-Item -Force
      $Archives += $Zip
    }
    $Archives | Set-Content -Path (Join-Path $StateDir 'archives.txt')
    "$($Archives.Count) archives written"
  `,
  verification: script`
    $LogRoot = {{logRoot}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Cutoff = (Get-Date).AddDays(-{{ageDays}})
    foreach ($Zip in Get-Content -Path (Join-Path $StateDir 'archives.txt')) { if (-not (Test-Path -Path $Zip)) { throw "$Zip is missing" } }
    $Left = @(Get-ChildItem -LiteralPath $LogRoot -Recurse -File -Filter '*.log' | Where-Object { $_.LastWriteTime -lt $Cutoff })
    if ($Left.Count -gt 0) { throw "$($Left.Count) old logs are still there" }
  `,
  rollback: script`
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $List = Join-Path $StateDir 'archives.txt'
    if (Test-Path -Path $List) {
      foreach ($Zip in Get-Content -Path $List) {
        if (Test-Path -Path $Zip) {
          Expand-Archive -Path $Zip -DestinationPath (Split-Path -Path $Zip -Parent) -Force
          Remove-Item -Path $Zip -Force
        }
      }
    }
  `,
  rollbackNote: 'Expands every archive written by this run back into its folder and deletes the archive.',
  timeoutSeconds: 1800,
  maxTargets: 20,
});
