// Alert categories: real signatures from many tools land in one category per condition,
// host and tenant names never decide, and `related` is the symmetric relation the same-asset rule uses.
import {
  CATEGORIES,
  DEFAULT_RELATED_CATEGORIES,
  STANDALONE,
  SYMPTOMS,
  categorize,
  nameWords,
  related,
  wordsOf,
  type Category,
} from '../../lib/domain/correlation/categories';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';

const bySignature = (signature: string, labels: Record<string, string> = {}) => categorize({ signature, labels });

describe('categorize', () => {
  test.each<[string, string, Category]>([
    // Prometheus node-exporter mixin and common Alertmanager rules.
    ['prometheus', 'NodeFilesystemAlmostOutOfSpace', 'disk'],
    ['prometheus', 'NodeFilesystemSpaceFillingUp', 'disk'],
    ['prometheus', 'NodeFilesystemAlmostOutOfFiles', 'disk'],
    ['prometheus', 'NodeFilesystemReadOnly', 'disk'],
    ['prometheus', 'NodeDiskIOSaturation', 'disk'],
    ['prometheus', 'NodeMemoryHighUtilization', 'memory'],
    ['prometheus', 'NodeCPUHighUsage', 'cpu'],
    ['prometheus', 'NodeCPUHigh', 'cpu'],
    ['prometheus', 'NodeLoadHigh', 'cpu'],
    ['prometheus', 'NodeClockSkewDetected', 'time'],
    ['prometheus', 'NodeClockNotSynchronising', 'time'],
    ['prometheus', 'NodeNetworkReceiveErrs', 'network'],
    ['prometheus', 'NodeNetworkInterfaceFlapping', 'network'],
    ['prometheus', 'NodeSystemdServiceFailed', 'service'],
    ['prometheus', 'InstanceDown', 'service'],
    ['prometheus', 'TargetDown', 'service'],
    ['prometheus', 'KubePodCrashLooping', 'service'],
    ['prometheus', 'KubeNodeNotReady', 'service'],
    ['prometheus', 'KubePersistentVolumeFillingUp', 'disk'],
    ['prometheus', 'HostOutOfMemory', 'memory'],
    ['prometheus', 'HostOomKillDetected', 'memory'],
    ['prometheus', 'HostSwapIsFillingUp', 'memory'],
    ['prometheus', 'HostOutOfDiskSpace', 'disk'],
    ['prometheus', 'HostHighCpuLoad', 'cpu'],
    ['prometheus', 'PostgresqlDown', 'database'],
    ['prometheus', 'PostgreSQLDown', 'database'],
    ['prometheus', 'PostgresqlTooManyConnections', 'database'],
    ['prometheus', 'MysqlReplicationLag', 'database'],
    ['prometheus', 'MSSQLServerDown', 'database'],
    ['prometheus', 'RedisDown', 'database'],
    ['prometheus', 'BlackboxProbeFailed', 'service'],
    ['prometheus', 'BlackboxProbeHttpFailure', 'service'],
    ['prometheus', 'BlackboxSslCertificateWillExpireSoon', 'certificate'],
    ['prometheus', 'CertManagerCertExpirySoon', 'certificate'],
    // Datadog-style metric names.
    ['datadog', 'system.cpu.user', 'cpu'],
    ['datadog', 'system.load.1', 'cpu'],
    ['datadog', 'system.mem.used', 'memory'],
    ['datadog', 'system.disk.in_use', 'disk'],
    ['datadog', 'system.net.bytes_rcvd', 'network'],
    ['datadog', 'postgresql.connections', 'database'],
    ['datadog', 'mysql.replication.seconds_behind_master', 'database'],
    ['datadog', 'http.can_connect', 'service'],
    ['datadog', 'process.up', 'service'],
    ['datadog', 'ntp.in_sync', 'time'],
    ['datadog', 'tls.days_left', 'certificate'],
    ['datadog', 'aws.ec2.status_check_failed', 'service'],
    // Zabbix template trigger names.
    ['zabbix', 'High CPU utilization (over 90% for 5m)', 'cpu'],
    ['zabbix', 'Load average is too high (per CPU load over 1.5 for 5m)', 'cpu'],
    ['zabbix', 'High memory utilization (>90% for 5m)', 'memory'],
    ['zabbix', 'Lack of free swap space', 'memory'],
    ['zabbix', '/: Disk space is critically low', 'disk'],
    ['zabbix', '/: Disk space is critically low (used > 90%)', 'disk'],
    ['zabbix', 'Interface eth0: Link down', 'network'],
    ['zabbix', 'Unavailable by ICMP ping', 'network'],
    ['zabbix', 'MySQL: Service is down', 'database'],
    ['zabbix', 'Nginx: Service is down', 'service'],
    ['zabbix', '{HOST.NAME} has been restarted (uptime < 10m)', 'service'],
    ['zabbix', 'System time is out of sync (diff with Zabbix server > 60s)', 'time'],
    ['zabbix', 'SSL certificate expires soon', 'certificate'],
    // Windows and backup tools.
    ['windows', 'Service W3SVC stopped', 'service'],
    ['windows', 'Service MSSQLSERVER stopped', 'service'],
    ['windows', 'Low disk space on C:', 'disk'],
    ['windows', 'Pagefile usage high', 'memory'],
    ['windows', 'Windows Update pending reboot', 'patching'],
    ['windows', 'Windows Defender threat detected', 'security'],
    ['windows', 'Failed logon attempts', 'security'],
    ['veeam', 'Veeam backup job failed', 'backup'],
    ['generic', 'BackupJobFailed', 'backup'],
    // Generic and Azure names.
    ['generic', 'HighCPU', 'cpu'],
    ['generic', 'DiskFull', 'disk'],
    ['generic', 'DiskSpaceLow', 'disk'],
    ['generic', 'PostgresDown', 'database'],
    ['generic', 'SSLCertExpiringSoon', 'certificate'],
    ['generic', 'LBUnhealthy', 'service'],
    ['generic', 'EndpointProbeFailed', 'service'],
    ['generic', 'Heartbeat missed', 'service'],
    ['generic', 'Memory usage high', 'memory'],
    ['generic', 'WAF blocked requests spike', 'security'],
    ['azure', 'Percentage CPU', 'cpu'],
    ['azure', 'Available Memory Bytes', 'memory'],
    ['azure', 'Data Disk IOPS Consumed Percentage', 'disk'],
    ['azure', 'HttpResponseTime', 'service'],
  ])('%s %p is %s', (_tool, signature, category) => {
    expect(bySignature(signature)).toBe(category);
  });

  test.each<[string, Category]>([
    ['CPUUtilization', 'cpu'],
    ['CPUCreditBalance', 'cpu'],
    ['FreeableMemory', 'memory'],
    ['mem_used_percent', 'memory'],
    ['SwapUsage', 'memory'],
    ['FreeStorageSpace', 'disk'],
    ['disk_used_percent', 'disk'],
    ['ReadIOPS', 'disk'],
    ['DiskQueueDepth', 'disk'],
    ['VolumeQueueLength', 'disk'],
    ['NetworkPacketsIn', 'network'],
    ['StatusCheckFailed', 'service'],
    ['StatusCheckFailed_System', 'service'],
    ['HTTPCode_Target_5XX_Count', 'service'],
    ['TargetResponseTime', 'service'],
    ['UnHealthyHostCount', 'service'],
    ['HealthyHostCount', 'service'],
    ['HealthCheckStatus', 'service'],
    ['Latency', 'service'],
    ['5XXError', 'service'],
    ['DatabaseConnections', 'database'],
    ['ReplicaLag', 'database'],
    ['DaysToExpiry', 'certificate'],
  ])('CloudWatch metric %p (alarm name saying nothing) is %s', (metric, category) => {
    expect(bySignature('acme-prod-alarm-17', { metric })).toBe(category);
  });

  test('the metric decides over the alarm name, since the alarm name is free text', () => {
    expect(bySignature('acme-web-01-disk-alarm', { metric: 'CPUUtilization' })).toBe('cpu');
    expect(bySignature('acme-web-01-cpu-high', { metric: 'CPUUtilization' })).toBe('cpu');
  });

  test('then the signature, then the rule or check labels, then the namespace', () => {
    expect(bySignature('DiskFull', { alertname: 'HighCPU', namespace: 'AWS/RDS' })).toBe('disk');
    expect(bySignature('Foo', { alertname: 'NodeDiskFull' })).toBe('disk');
    expect(bySignature('Foo', { check: 'check_disk' })).toBe('disk');
    expect(bySignature('acme-prod-alarm-17', { namespace: 'AWS/RDS' })).toBe('database');
    expect(bySignature('Foo', { namespace: 'Custom/Billing' })).toBe('other');
  });

  test('an unknown signature is "other"', () => {
    expect(bySignature('Foo')).toBe('other');
    expect(bySignature('Number of installed packages has been changed')).toBe('other');
  });

  test('a more specific word wins over a weaker one in the same name', () => {
    // "DatabaseDiskFull" is a disk problem; "PostgresTooManyConnections" a database one; "NodeCPUHigh" cpu.
    expect(bySignature('DatabaseDiskFull')).toBe('disk');
    expect(bySignature('NodeCPUHigh')).toBe('cpu');
    expect(bySignature('InstanceMemoryHigh')).toBe('memory');
    // Weak words decide only alone.
    expect(bySignature('InstanceDown')).toBe('service');
    expect(bySignature('HostUnreachable')).toBe('network');
  });

  test('host and tenant name words never decide', () => {
    const signature = 'acme-db-prod-01-status-check-failed';
    expect(categorize({ signature, labels: {} }, nameWords('db-prod-01'))).toBe('service');
    expect(categorize({ signature, labels: {} }, nameWords('db-prod-01', 'acme'))).toBe('service');
    // Without the names, "db" reads as a database problem: the exclusion is what makes it right.
    expect(categorize({ signature, labels: {} })).toBe('database');
    // A name word that is the only word left: nothing decides.
    expect(categorize({ signature: 'web-01', labels: {} }, nameWords('web-01.acme.internal:9100'))).toBe('other');
  });

  // "Zabbix agent is not available": the Zabbix template trigger for a host whose agent stopped answering.
  test('the Zabbix agent availability trigger is a service problem, like InstanceDown', () => {
    expect(bySignature('Zabbix agent is not available')).toBe('service');
    expect(bySignature('Zabbix agent is not available (for 3m)')).toBe('service');
  });

  // Letters and digits glued together ("Http5xx", Azure App Service's metric) are parted.
  test('a 5xx glued to a word is still a 5xx', () => {
    expect(bySignature('Http5xx')).toBe('service');
    expect(bySignature('HTTP5xxRate')).toBe('service');
  });

  // The metric an alert watches, as each adapter labels it: metric (CloudWatch), metricName/metricNamespace
  // (Azure Monitor), alert_metric (Datadog), decides even when the rule's name says nothing.
  test('the metric named by Azure Monitor and Datadog decides too', () => {
    expect(bySignature('acme-prod-rule-7', { metricName: 'Percentage CPU', metricNamespace: 'Microsoft.Compute/virtualMachines' })).toBe(
      'cpu',
    );
    expect(bySignature('[Prod] Monitor 42', { alert_metric: 'system.cpu.user' })).toBe('cpu');
  });
});

describe('wordsOf', () => {
  test.each<[string, string[]]>([
    ['NodeCPUHigh', ['node', 'cpu', 'high']],
    ['HTTPCode_Target_5XX_Count', ['http', 'code', 'target', '5', 'xx', 'count']],
    ['system.disk.in_use', ['system', 'disk', 'in', 'use']],
    ['acme-web-01-cpu-high', ['acme', 'web', '01', 'cpu', 'high']],
    ['/: Disk space is critically low', ['disk', 'space', 'is', 'critically', 'low']],
    ['LoadBalancer unhealthy', ['loadbalancer', 'unhealthy']],
    ['load balancer 5xx', ['loadbalancer', '5xx']],
    ['', []],
  ])('%p -> %p', (text, words) => {
    expect(wordsOf(text)).toEqual(words);
  });
});

describe('nameWords', () => {
  test('collects every name given as its word sequence, with its short host name, skipping missing ones', () => {
    expect([...nameWords('db-prod-01.acme.internal:5432', undefined, 'Primary DB')].sort()).toEqual(
      ['db prod 01 acme internal 5432', 'db prod 01 acme internal', 'db prod 01', 'primary db'].sort(),
    );
    expect(nameWords().size).toBe(0);
  });

  test('only a whole name inside a signature is ignored, not its words one by one', () => {
    expect(categorize({ signature: 'pg_isready failed', labels: {} }, nameWords('pg-payments-01'))).toBe('database');
    expect(categorize({ signature: 'acme-pg-payments-01-cpu-high', labels: {} }, nameWords('pg-payments-01', 'acme'))).toBe('cpu');
    expect(categorize({ signature: 'queue_depth_critical', labels: {} })).toBe('service');
  });
});

describe('related', () => {
  const pairs = DEFAULT_POLICY.relatedCategories;

  test('is symmetric for every pair of categories', () => {
    for (const a of CATEGORIES) for (const b of CATEGORIES) expect([a, b, related(a, b, pairs)]).toEqual([a, b, related(b, a, pairs)]);
  });

  test('every category but "other" is related to itself', () => {
    for (const category of CATEGORIES) expect([category, related(category, category, pairs)]).toEqual([category, category !== 'other']);
  });

  test('standalone categories are related only to themselves', () => {
    for (const a of STANDALONE) {
      for (const b of CATEGORIES) {
        if (a === 'other') continue;
        expect([a, b, related(a, b, pairs)]).toEqual([a, b, a === b]);
      }
    }
    expect([...STANDALONE].sort()).toEqual(['backup', 'certificate', 'other', 'patching', 'security', 'time']);
  });

  test('"other" is never related, not even to itself', () => {
    for (const b of CATEGORIES) expect(related('other', b, pairs)).toBe(false);
  });

  test('the default causal pairs, in both directions, and nothing else', () => {
    expect(related('disk', 'database', pairs)).toBe(true);
    expect(related('database', 'disk', pairs)).toBe(true);
    expect(related('service', 'cpu', pairs)).toBe(true);
    expect(related('memory', 'service', pairs)).toBe(true);
    expect(related('network', 'database', pairs)).toBe(true);
    expect(related('cpu', 'memory', pairs)).toBe(false);
    expect(related('cpu', 'disk', pairs)).toBe(false);
    expect(related('disk', 'network', pairs)).toBe(false);
    const relatedPairs = CATEGORIES.flatMap((a) => CATEGORIES.filter((b) => a < b && related(a, b, pairs)).map((b) => `${a}+${b}`));
    expect(relatedPairs.sort()).toEqual(DEFAULT_RELATED_CATEGORIES.map(([a, b]) => (a < b ? `${a}+${b}` : `${b}+${a}`)).sort());
  });

  test('follows the pairs it is given', () => {
    expect(related('cpu', 'memory', [['memory', 'cpu']])).toBe(true);
    expect(related('disk', 'database', [])).toBe(false);
    // A pair naming a standalone category cannot relate it to another.
    expect(related('certificate', 'service', [['certificate', 'service']])).toBe(false);
  });

  test('symptoms are what an upstream failure shows downstream', () => {
    expect([...SYMPTOMS].sort()).toEqual(['database', 'network', 'service']);
  });
});
