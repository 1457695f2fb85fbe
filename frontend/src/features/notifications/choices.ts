export type UserChannel = 'email' | 'slack' | 'teams' | 'sms' | 'voice' | 'dashboard';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const USER_CHANNELS: { value: UserChannel; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'slack', label: 'Slack' },
  { value: 'teams', label: 'Teams' },
  { value: 'sms', label: 'SMS' },
  { value: 'voice', label: 'Voice call' },
  { value: 'dashboard', label: 'Dashboard' },
];

export const WEEKDAYS: { value: Weekday; label: string }[] = [
  { value: 'mon', label: 'Mon' },
  { value: 'tue', label: 'Tue' },
  { value: 'wed', label: 'Wed' },
  { value: 'thu', label: 'Thu' },
  { value: 'fri', label: 'Fri' },
  { value: 'sat', label: 'Sat' },
  { value: 'sun', label: 'Sun' },
];

export const KIND_LABELS: Record<string, string> = {
  assignment: 'Assigned to me',
  'sla-warning': 'SLA warning',
  'sla-breach': 'SLA breach',
  escalation: 'Escalation',
  'approval-request': 'Approval request',
  'remediation-result': 'Runbook result',
  resolved: 'Incident resolved',
  maintenance: 'Maintenance window started or ended',
};
