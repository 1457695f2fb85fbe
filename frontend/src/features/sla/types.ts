import type { Schemas } from '../../api/client';

export type SlaPolicy = Schemas['SlaPolicy'];

export type Severity = keyof SlaPolicy['targets'];

export type EscalationPolicy = Schemas['EscalationPolicy'];

export type Level = EscalationPolicy['levels'][number];

export type Target = Level['targets'][number];
