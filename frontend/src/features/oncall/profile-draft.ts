import * as z from 'zod';
import { technicianSchema } from '../../../../lib/domain/oncall/routing';
import type { Schemas } from '../../api/client';
import type { ProfileChange } from './hooks';

type Technician = Schemas['Technician'];

/** The profile as typed: skills as one comma-separated text, the cap as the number input's text. */
export interface ProfileDraft {
  skills: string;
  maxOpenIncidents: string;
  active: boolean;
}

export function profileDraftOf(technician: Technician): ProfileDraft {
  return { skills: technician.skills.join(', '), maxOpenIncidents: String(technician.maxOpenIncidents), active: technician.active };
}

function parseSkills(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((skill) => skill.trim())
        .filter(Boolean),
    ),
  ];
}

export function profileChangeOf(draft: ProfileDraft): ProfileChange {
  return { skills: parseSkills(draft.skills), maxOpenIncidents: Number(draft.maxOpenIncidents), active: draft.active };
}

/**
 * The draft checked as the change it becomes, against the routing's own technician schema
 * (lib/domain/oncall/routing.ts, the bounds the profile and user routes enforce), so the messages are the API's.
 */
export const profileFormSchema = z
  .custom<ProfileDraft>()
  .transform(profileChangeOf)
  .pipe(technicianSchema.pick({ skills: true, maxOpenIncidents: true, active: true }).required());
