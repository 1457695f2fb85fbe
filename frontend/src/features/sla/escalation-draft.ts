import * as z from 'zod';
import { escalationPolicySchema } from '../../../../lib/domain/escalation/policy';
import type { PolicyDraft, PolicyForm } from '../policies/versioned-policy-form';
import type { EscalationPolicy, Level, Target } from './types';

/** A level as the form shows it: a checkbox per kind of target, the people picked, the delay as the input's text. */
export interface LevelValues {
  delayMinutes: string;
  assignee: boolean;
  onCall: boolean;
  /** Empty: the company's default schedule. */
  scheduleId: string;
  companyAdmins: boolean;
  mspAdmins: boolean;
  users: string[];
  /** Reach only the people at work by their own working hours. */
  onlyAtWork: boolean;
}

/** The chain as typed; the delay keeps the name of the field it becomes, so a message lands on its input. */
export interface EscalationValues {
  name: string;
  levels: LevelValues[];
}

/** A level added to the chain: the MSP admins after 30 minutes, the usual last resort. */
export const newLevel: LevelValues = {
  delayMinutes: '30',
  assignee: false,
  onCall: false,
  scheduleId: '',
  companyAdmins: false,
  mspAdmins: true,
  users: [],
  onlyAtWork: false,
};

const hasRole = (level: Level, role: 'company_admin' | 'msp_admin') =>
  level.targets.some((target) => target.kind === 'role' && target.role === role);

function levelValuesOf(level: Level): LevelValues {
  const onCall = level.targets.find((target) => target.kind === 'on-call');
  return {
    delayMinutes: String(level.delayMinutes),
    assignee: level.targets.some((target) => target.kind === 'assignee'),
    onCall: Boolean(onCall),
    scheduleId: onCall?.scheduleId ?? '',
    companyAdmins: hasRole(level, 'company_admin'),
    mspAdmins: hasRole(level, 'msp_admin'),
    users: level.targets.flatMap((target) => (target.kind === 'user' ? [target.userId] : [])),
    onlyAtWork: level.onlyAtWork === true,
  };
}

function levelOf(values: LevelValues): Level {
  const targets: Target[] = [];
  if (values.assignee) targets.push({ kind: 'assignee' });
  if (values.onCall) targets.push(values.scheduleId ? { kind: 'on-call', scheduleId: values.scheduleId } : { kind: 'on-call' });
  if (values.companyAdmins) targets.push({ kind: 'role', role: 'company_admin' });
  if (values.mspAdmins) targets.push({ kind: 'role', role: 'msp_admin' });
  for (const userId of values.users) targets.push({ kind: 'user', userId });
  return { delayMinutes: Number(values.delayMinutes), targets, ...(values.onlyAtWork ? { onlyAtWork: true } : {}) };
}

function escalationValuesOf(policy: EscalationPolicy): EscalationValues {
  return { name: policy.name, levels: policy.levels.map(levelValuesOf) };
}

/** The chain's name and levels as the API checks them (lib/domain/escalation/policy.ts); its id is not the form's to change. */
const chainSchema = escalationPolicySchema.pick({ name: true, levels: true });

type CheckedChain = z.output<typeof chainSchema>;

export const escalationDraft: PolicyDraft<EscalationPolicy, EscalationValues, CheckedChain> = {
  valuesOf: escalationValuesOf,
  schema: z
    .custom<EscalationValues>()
    .transform((values): z.input<typeof chainSchema> => ({ name: values.name.trim(), levels: values.levels.map(levelOf) }))
    .pipe(chainSchema),
};

export type EscalationForm = PolicyForm<EscalationValues, CheckedChain>;
