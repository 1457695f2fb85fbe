export type UserChannel = 'email' | 'slack' | 'teams' | 'sms' | 'voice' | 'dashboard';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export type PhoneChannel = 'voice' | 'sms';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** The phone channels of the paging kinds, in the order they ring: a call, then a text. */
export const PHONE_CHANNELS: { value: PhoneChannel; label: string }[] = [
  { value: 'voice', label: 'Voice call' },
  { value: 'sms', label: 'SMS' },
];

export const SEVERITY_LABELS: { value: Severity; label: string }[] = [
  { value: 'critical', label: 'Critical' },
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
  { value: 'info', label: 'Info' },
];

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
  'callback-request': 'A client asks for a callback',
};
