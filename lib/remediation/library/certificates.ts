import { defineRunbook, type RunbookParameterInput } from '../../domain/remediation/runbook';
import { script } from './script';

/** Certificates: Let's Encrypt renewal with certbot (Linux) and win-acme (Windows), each keeping the previous certificate to roll back to. */

const dnsNameParam = (name: string, description: string): RunbookParameterInput => ({
  name,
  type: 'string',
  description,
  pattern: '[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\\.[A-Za-z0-9-]{1,63}){0,10}',
  maxLength: 253,
  example: 'www.example.com',
  fromLabels: ['cert_name', 'domain', 'common_name', 'cn', 'subject'],
});

export const linuxCertbotRenew = defineRunbook({
  id: 'linux-certbot-renew',
  name: "Let's Encrypt renewal with certbot",
  description:
    'Renews one certbot lineage when it is due (certbot renew --cert-name) and reloads the web server from the deploy hook after a config test. ' +
    'The lineage (live, archive, renewal conf) is archived first; verification requires the certificate to stay valid for a minimum number of days.',
  platform: 'linux',
  risk: 'medium',
  match: {
    categories: ['certificate'],
    keywords: ['cert', 'certificate', 'ssl', 'tls', 'expiry', 'expiring', 'expires', 'letsencrypt', 'certbot', 'acme'],
    signaturePatterns: ['(?:ssl|tls|cert).*(?:expir|days)', 'certbot|letsencrypt'],
  },
  parameters: [
    dnsNameParam('certName', 'The certificate lineage name (certbot --cert-name), usually the primary domain'),
    {
      name: 'minDaysValid',
      type: 'integer',
      description: 'The certificate must be valid at least this many more days',
      min: 1,
      max: 89,
      default: 30,
    },
    {
      name: 'webServer',
      type: 'enum',
      description: 'Web server to reload after renewal',
      values: ['nginx', 'apache2', 'httpd', 'none'],
      default: 'nginx',
    },
  ],
  preChecks: script`
    CERT={{certName}}
    WEB={{webServer}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! command -v certbot >/dev/null 2>&1; then echo "certbot is not installed" >&2; exit 1; fi
    if [ ! -d "/etc/letsencrypt/live/$CERT" ]; then echo "no certbot lineage named $CERT" >&2; exit 1; fi
    certbot certificates --cert-name "$CERT"
    case "$WEB" in
      nginx) nginx -t ;;
      apache2) apache2ctl configtest ;;
      httpd) apachectl configtest ;;
    esac
    mkdir -p "$STATE_DIR"
    tar -czf "$STATE_DIR/letsencrypt.tgz" -C /etc/letsencrypt "live/$CERT" "archive/$CERT" "renewal/$CERT.conf"
  `,
  commands: script`
    CERT={{certName}}
    WEB={{webServer}}
    case "$WEB" in
      nginx) HOOK='nginx -t && systemctl reload nginx' ;;
      apache2) HOOK='apache2ctl configtest && systemctl reload apache2' ;;
      httpd) HOOK='apachectl configtest && systemctl reload httpd' ;;
      *) HOOK='true' ;;
    esac
    certbot renew --cert-name "$CERT" --non-interactive --no-random-sleep-on-renew --deploy-hook "$HOOK"
  `,
  verification: script`
    CERT={{certName}}
    DAYS={{minDaysValid}}
    WEB={{webServer}}
    openssl x509 -noout -subject -enddate -in "/etc/letsencrypt/live/$CERT/cert.pem"
    if ! openssl x509 -noout -checkend $((DAYS * 86400)) -in "/etc/letsencrypt/live/$CERT/cert.pem"; then echo "$CERT expires within $DAYS days" >&2; exit 1; fi
    if [ "$WEB" != none ]; then systemctl is-active --quiet "$WEB"; fi
  `,
  rollback: script`
    WEB={{webServer}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    # Put the previous lineage back (the live symlinks point at the previous files again) and reload the web server.
    tar -xzf "$STATE_DIR/letsencrypt.tgz" -C /etc/letsencrypt
    case "$WEB" in
      nginx) nginx -t && systemctl reload nginx ;;
      apache2) apache2ctl configtest && systemctl reload apache2 ;;
      httpd) apachectl configtest && systemctl reload httpd ;;
    esac
  `,
  rollbackNote:
    'Restores the lineage archived by the pre-check (live symlinks, archive files, renewal configuration) and reloads the web server.',
  timeoutSeconds: 600,
  maxTargets: 5,
});

export const windowsWinAcmeRenew = defineRunbook({
  id: 'windows-winacme-renew',
  name: "Let's Encrypt renewal with win-acme (scheduled task)",
  description:
    "Runs win-acme's renewal scheduled task (which renews what is due and updates the IIS bindings), waits for it and checks its result, " +
    'then requires the newest certificate for the host name to stay valid for a minimum number of days. The IIS https bindings are recorded first.',
  platform: 'windows',
  risk: 'medium',
  match: {
    categories: ['certificate'],
    keywords: ['cert', 'certificate', 'ssl', 'tls', 'expiry', 'expiring', 'expires', 'letsencrypt', 'winacme', 'wacs', 'acme'],
    signaturePatterns: ['(?:ssl|tls|cert).*(?:expir|days)', 'win-?acme|wacs'],
  },
  parameters: [
    {
      name: 'taskName',
      type: 'string',
      description: "win-acme's scheduled task",
      pattern: '[A-Za-z0-9][A-Za-z0-9 ()._-]{0,127}',
      default: 'win-acme renew (acme-v02.api.letsencrypt.org)',
    },
    dnsNameParam('hostName', 'A DNS name the certificate covers'),
    {
      name: 'minDaysValid',
      type: 'integer',
      description: 'The certificate must be valid at least this many more days',
      min: 1,
      max: 89,
      default: 30,
    },
  ],
  preChecks: script`
    $TaskName = {{taskName}}
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    $Task = Get-ScheduledTask -TaskName $TaskName
    if ($Task.State -eq 'Running') { throw 'win-acme is already running' }
    if ($Task.State -eq 'Disabled') { throw "$TaskName is disabled" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    Import-Module WebAdministration
    Get-WebBinding -Protocol https | ForEach-Object {
      $Site = if ($_.ItemXPath -match "@name='([^']+)'") { $Matches[1] } else { '' }
      [pscustomobject]@{ Site = $Site; BindingInformation = $_.bindingInformation; Thumbprint = $_.certificateHash; Store = $_.certificateStoreName }
    } | Export-Csv -Path (Join-Path $StateDir 'https-bindings.csv') -NoTypeInformation
    Import-Csv -Path (Join-Path $StateDir 'https-bindings.csv') | Format-Table -AutoSize
  `,
  commands: script`
    $TaskName = {{taskName}}
    $Started = Get-Date
    Start-ScheduledTask -TaskName $TaskName
    Start-Sleep -Seconds 5
    while ((Get-ScheduledTask -TaskName $TaskName).State -eq 'Running') {
      if ((Get-Date) -gt $Started.AddMinutes(15)) { throw 'win-acme did not finish within 15 minutes' }
      Start-Sleep -Seconds 10
    }
    $Result = (Get-ScheduledTaskInfo -TaskName $TaskName).LastTaskResult
    if ($Result -ne 0) { throw "win-acme ended with result $Result" }
  `,
  verification: script`
    $HostName = {{hostName}}
    $Days = {{minDaysValid}}
    $Certificate = Get-ChildItem -Path Cert:\LocalMachine\My, Cert:\LocalMachine\WebHosting -ErrorAction SilentlyContinue |
      Where-Object { $_.DnsNameList.Unicode -contains $HostName } |
      Sort-Object -Property NotAfter -Descending |
      Select-Object -First 1
    if (-not $Certificate) { throw "No certificate for $HostName in LocalMachine\My or WebHosting" }
    "$($Certificate.Thumbprint) valid until $($Certificate.NotAfter)"
    if ($Certificate.NotAfter -lt (Get-Date).AddDays($Days)) { throw "The certificate for $HostName expires within $Days days" }
  `,
  rollback: script`
    $StateDir = Join-Path $env:ProgramData ('AlertWhisperer\' + {{executionId}})
    Import-Module WebAdministration
    # Bind the recorded certificates again where a binding now uses another one (the previous certificate must still be in its store).
    foreach ($Recorded in Import-Csv -Path (Join-Path $StateDir 'https-bindings.csv')) {
      if (-not $Recorded.Thumbprint -or -not $Recorded.Site) { continue }
      $Binding = Get-WebBinding -Name $Recorded.Site -Protocol https | Where-Object { $_.bindingInformation -eq $Recorded.BindingInformation }
      if ($Binding -and $Binding.certificateHash -ne $Recorded.Thumbprint -and (Test-Path -Path ('Cert:\LocalMachine\' + $Recorded.Store + '\' + $Recorded.Thumbprint))) {
        $Binding.AddSslCertificate($Recorded.Thumbprint, $Recorded.Store)
        "Rebound $($Recorded.Site) $($Recorded.BindingInformation) to $($Recorded.Thumbprint)"
      }
    }
  `,
  rollbackNote:
    'Rebinds every IIS https binding recorded by the pre-check to its previous certificate, when that certificate is still in its store.',
  timeoutSeconds: 1200,
  maxTargets: 5,
});
