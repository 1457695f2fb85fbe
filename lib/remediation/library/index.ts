import type { Runbook } from '../../domain/remediation/runbook';
import { linuxPermissionFix } from './access';
import { linuxResticBackupRerun, windowsVeeamJobRerun } from './backup';
import { linuxCertbotRenew, windowsWinAcmeRenew } from './certificates';
import { linuxMysqlHealthCheck, linuxPgbouncerReconnect, linuxPostgresHealthCheck, windowsSqlServerHealthCheck } from './database';
import { linuxDiskCleanup, linuxDockerCleanup, linuxLogrotateForce, windowsDiskCleanup, windowsIisLogCompress } from './disk';
import { linuxLeakingServiceRestart, linuxMemoryRelief, linuxOomInvestigation, windowsMemoryInvestigation } from './memory';
import { linuxNetworkDiagnostics, linuxTimeSync, windowsNetworkDiagnostics, windowsTimeSync } from './network';
import { linuxAptSecurityUpgrade, linuxYumSecurityUpdate, windowsSecurityUpdates } from './patching';
import { linuxKillRunawayProcess, windowsKillRunawayProcess } from './processes';
import { linuxApacheReload, linuxNginxReload, linuxServiceRestart, windowsIisAppPoolRecycle, windowsServiceRestart } from './services';

/**
 * The built-in runbook library: every runbook validated by the runbook schema when
 * this module loads. Tenants' own runbooks (validated by the same schema) are matched alongside.
 */
export const RUNBOOK_LIBRARY: readonly Runbook[] = Object.freeze([
  // Disk
  linuxDiskCleanup,
  linuxLogrotateForce,
  linuxDockerCleanup,
  windowsDiskCleanup,
  windowsIisLogCompress,
  // Services and web servers
  linuxServiceRestart,
  linuxNginxReload,
  linuxApacheReload,
  windowsServiceRestart,
  windowsIisAppPoolRecycle,
  // Memory
  linuxMemoryRelief,
  linuxLeakingServiceRestart,
  linuxOomInvestigation,
  windowsMemoryInvestigation,
  // Databases
  linuxPostgresHealthCheck,
  linuxMysqlHealthCheck,
  linuxPgbouncerReconnect,
  windowsSqlServerHealthCheck,
  // Certificates
  linuxCertbotRenew,
  windowsWinAcmeRenew,
  // Patching
  linuxAptSecurityUpgrade,
  linuxYumSecurityUpdate,
  windowsSecurityUpdates,
  // Access
  linuxPermissionFix,
  // Network and time
  linuxNetworkDiagnostics,
  windowsNetworkDiagnostics,
  linuxTimeSync,
  windowsTimeSync,
  // Backup
  linuxResticBackupRerun,
  windowsVeeamJobRerun,
  // Processes
  linuxKillRunawayProcess,
  windowsKillRunawayProcess,
]);

const BY_ID: ReadonlyMap<string, Runbook> = new Map(RUNBOOK_LIBRARY.map((runbook) => [runbook.id, runbook]));

/** The built-in runbook with this id, or undefined. */
export function libraryRunbook(id: string): Runbook | undefined {
  return BY_ID.get(id);
}

/** Ids of the built-in runbooks (a tenant's own runbook may not reuse one). */
export const LIBRARY_IDS: ReadonlySet<string> = new Set(BY_ID.keys());
