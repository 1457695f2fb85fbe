import { defineRunbook } from '../../domain/remediation/runbook';
import { portParam, script } from './script';

/** Databases: read-only health checks (PostgreSQL, MySQL/MariaDB, SQL Server) and a PgBouncer connection pool reset. */

export const linuxPostgresHealthCheck = defineRunbook({
  id: 'linux-postgres-health-check',
  name: 'PostgreSQL health check (read-only)',
  description:
    'pg_isready, the service state, connections against max_connections, recovery (replica) state and replay lag, the longest running ' +
    'transaction, and the data directory file system, all in a read-only transaction as the postgres OS user.',
  platform: 'linux',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['database'],
    keywords: ['postgres', 'postgresql', 'pg', 'pgsql', 'patroni'],
    signaturePatterns: ['postgres|pg_?(?:up|down|stat)'],
    requireSignal: true,
  },
  parameters: [portParam(5432)],
  preChecks: script`
    if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then echo "PostgreSQL client tools are not installed" >&2; exit 1; fi
    if ! id postgres >/dev/null 2>&1; then echo "no postgres OS user" >&2; exit 1; fi
  `,
  commands: script`
    PORT={{port}}
    export PGOPTIONS='-c default_transaction_read_only=on -c statement_timeout=10000'
    READY=0
    pg_isready -p "$PORT" || READY=$?
    systemctl list-units --no-pager 'postgresql*' || true
    if [ "$READY" -eq 0 ]; then
      runuser -u postgres -- psql -p "$PORT" -X -A -t -v ON_ERROR_STOP=1 \
        -c "SELECT 'connections: ' || count(*) || ' of ' || current_setting('max_connections') FROM pg_stat_activity" \
        -c "SELECT 'in recovery: ' || pg_is_in_recovery()" \
        -c "SELECT 'replay lag seconds: ' || coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::int::text, 'n/a')" \
        -c "SELECT 'longest transaction seconds: ' || coalesce(max(extract(epoch FROM now() - xact_start))::int, 0) FROM pg_stat_activity WHERE state <> 'idle'" \
        -c "SELECT 'waiting on locks: ' || count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
      DATA_DIR=$(runuser -u postgres -- psql -p "$PORT" -X -A -t -c 'SHOW data_directory')
      df -h "$DATA_DIR"
    fi
    exit "$READY"
  `,
  verification: script`
    PORT={{port}}
    pg_isready -p "$PORT"
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only (the queries run in read-only transactions).',
  timeoutSeconds: 120,
  maxTargets: 10,
});

export const linuxMysqlHealthCheck = defineRunbook({
  id: 'linux-mysql-health-check',
  name: 'MySQL / MariaDB health check (read-only)',
  description:
    'mysqladmin ping and status, connected threads against max_connections, replica state, and the data directory file system, ' +
    "as root through the server's socket authentication or /root/.my.cnf.",
  platform: 'linux',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['database'],
    keywords: ['mysql', 'mariadb', 'mysqld', 'galera'],
    signaturePatterns: ['mysql|mariadb'],
    requireSignal: true,
  },
  parameters: [],
  preChecks: script`
    if ! command -v mysqladmin >/dev/null 2>&1 || ! command -v mysql >/dev/null 2>&1; then echo "MySQL client tools are not installed" >&2; exit 1; fi
  `,
  commands: script`
    export HOME=/root
    ALIVE=0
    mysqladmin ping || ALIVE=$?
    systemctl list-units --no-pager 'mysql*' 'mariadb*' || true
    if [ "$ALIVE" -eq 0 ]; then
      mysqladmin status
      mysql --batch -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running', 'Max_used_connections', 'Aborted_connects'); SHOW GLOBAL VARIABLES LIKE 'max_connections';"
      mysql --batch -e 'SHOW REPLICA STATUS\G' 2>/dev/null || mysql --batch -e 'SHOW SLAVE STATUS\G' || true
      DATA_DIR=$(mysql --batch --skip-column-names -e 'SELECT @@datadir')
      df -h "$DATA_DIR"
    fi
    exit "$ALIVE"
  `,
  verification: script`
    export HOME=/root
    mysqladmin ping
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only.',
  timeoutSeconds: 120,
  maxTargets: 10,
});

export const linuxPgbouncerReconnect = defineRunbook({
  id: 'linux-pgbouncer-reconnect',
  name: 'PgBouncer connection pool reset (RELOAD, RECONNECT)',
  description:
    'Through the PgBouncer admin console: RELOAD the configuration, then RECONNECT (one database or all) so server connections are closed ' +
    'and reopened as soon as they are released — clients stay connected. Checks no client is left waiting. Needs PgBouncer 1.15+.',
  platform: 'linux',
  risk: 'medium',
  match: {
    categories: ['database'],
    keywords: ['pgbouncer', 'pool', 'pooler', 'connections', 'connection', 'waiting'],
    signaturePatterns: ['pgbouncer', '(?:too.?many|max).?(?:connections|clients)', 'pool.*(?:exhausted|full|waiting)'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'database',
      type: 'string',
      description: 'The database to reconnect, or * for all',
      pattern: '\\*|[A-Za-z_][A-Za-z0-9_]{0,62}',
      default: '*',
      fromLabels: ['database', 'db', 'datname'],
    },
    portParam(6432),
    {
      name: 'adminUser',
      type: 'string',
      description: 'An admin_users entry, connecting as the OS user of the same name over the Unix socket',
      pattern: '[a-z_][a-z0-9_-]{0,31}',
      default: 'postgres',
    },
  ],
  preChecks: script`
    PORT={{port}}
    ADMIN={{adminUser}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if ! systemctl is-active --quiet pgbouncer; then echo "pgbouncer is not running" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    runuser -u "$ADMIN" -- psql -h /var/run/postgresql -p "$PORT" -U "$ADMIN" -d pgbouncer -X -c 'SHOW VERSION' -c 'SHOW POOLS' | tee "$STATE_DIR/pools-before"
  `,
  commands: script`
    PORT={{port}}
    ADMIN={{adminUser}}
    DATABASE={{database}}
    if [ "$DATABASE" = '*' ]; then RECONNECT='RECONNECT'; else RECONNECT="RECONNECT $DATABASE"; fi
    runuser -u "$ADMIN" -- psql -h /var/run/postgresql -p "$PORT" -U "$ADMIN" -d pgbouncer -X -v ON_ERROR_STOP=1 -c 'RELOAD' -c "$RECONNECT"
    sleep 5
  `,
  verification: script`
    PORT={{port}}
    ADMIN={{adminUser}}
    WAITING=$(runuser -u "$ADMIN" -- psql -h /var/run/postgresql -p "$PORT" -U "$ADMIN" -d pgbouncer -X -A -t -F '|' -c 'SHOW POOLS' | awk -F '|' '{ sum += $4 } END { print sum + 0 }')
    echo "clients waiting: $WAITING"
    if [ "$WAITING" -gt 0 ]; then echo "clients are still waiting for a server connection" >&2; exit 1; fi
  `,
  rollback: script`
    PORT={{port}}
    ADMIN={{adminUser}}
    # RECONNECT cannot be undone; make sure PgBouncer is not left paused, else restart it.
    if ! runuser -u "$ADMIN" -- psql -h /var/run/postgresql -p "$PORT" -U "$ADMIN" -d pgbouncer -X -c 'RESUME'; then
      systemctl restart pgbouncer
    fi
    systemctl is-active pgbouncer
  `,
  rollbackNote:
    'Server connections already reopened stay reopened; the rollback resumes PgBouncer if it was left paused, else restarts it.',
  timeoutSeconds: 180,
  maxTargets: 5,
});

export const windowsSqlServerHealthCheck = defineRunbook({
  id: 'windows-sqlserver-health-check',
  name: 'SQL Server health check (read-only)',
  description:
    'Service states, a TCP test of the SQL port (Test-NetConnection), and with sqlcmd: user sessions, blocked requests and databases not ONLINE. ' +
    'The DMV queries need VIEW SERVER STATE for NT AUTHORITY\\SYSTEM; without it only connectivity is reported.',
  platform: 'windows',
  risk: 'low',
  readOnly: true,
  match: {
    categories: ['database'],
    keywords: ['mssql', 'sqlserver', 'mssqlserver', 'sql'],
    signaturePatterns: ['mssql|sql.?server'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'instance',
      type: 'string',
      description: 'Instance name (MSSQLSERVER for the default instance)',
      pattern: '[A-Za-z][A-Za-z0-9_]{0,15}',
      default: 'MSSQLSERVER',
      fromLabels: ['instance_name', 'sql_instance'],
    },
    portParam(1433),
  ],
  preChecks: script`
    $Instance = {{instance}}
    $ServiceName = if ($Instance -eq 'MSSQLSERVER') { 'MSSQLSERVER' } else { 'MSSQL$' + $Instance }
    Get-Service -Name $ServiceName | Format-List Name, DisplayName, Status, StartType
  `,
  commands: script`
    $Instance = {{instance}}
    $Port = {{port}}
    $Services = if ($Instance -eq 'MSSQLSERVER') { @('MSSQLSERVER', 'SQLSERVERAGENT') } else { @('MSSQL$' + $Instance, 'SQLAgent$' + $Instance) }
    Get-Service -Name $Services -ErrorAction SilentlyContinue | Format-Table -AutoSize Name, Status, StartType
    $Tcp = Test-NetConnection -ComputerName localhost -Port $Port -WarningAction SilentlyContinue
    "TCP port $($Port): $($Tcp.TcpTestSucceeded)"
    if (Get-Command -Name sqlcmd -ErrorAction SilentlyContinue) {
      $Server = if ($Instance -eq 'MSSQLSERVER') { 'localhost' } else { 'localhost\' + $Instance }
      sqlcmd -S $Server -E -b -l 10 -W -Q "SET NOCOUNT ON; SELECT @@SERVERNAME AS server, (SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE is_user_process = 1) AS user_sessions, (SELECT COUNT(*) FROM sys.dm_exec_requests WHERE blocking_session_id <> 0) AS blocked_requests; SELECT name, state_desc FROM sys.databases WHERE state_desc <> 'ONLINE';"
      if ($LASTEXITCODE -ne 0) { 'sqlcmd could not run the report (login or VIEW SERVER STATE missing)' }
    } else {
      'sqlcmd is not installed: connectivity only'
    }
  `,
  verification: script`
    $Instance = {{instance}}
    $Port = {{port}}
    $ServiceName = if ($Instance -eq 'MSSQLSERVER') { 'MSSQLSERVER' } else { 'MSSQL$' + $Instance }
    if ((Get-Service -Name $ServiceName).Status -ne 'Running') { throw "$ServiceName is not running" }
    if (-not (Test-NetConnection -ComputerName localhost -Port $Port -WarningAction SilentlyContinue).TcpTestSucceeded) { throw "Port $Port does not answer" }
    "$ServiceName is running and port $Port answers"
  `,
  rollback: [],
  rollbackNote: 'None needed: read-only.',
  timeoutSeconds: 120,
  maxTargets: 10,
});
