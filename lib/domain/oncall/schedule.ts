import * as z from 'zod';
import {
  dateOfDayNumber,
  dayNumber,
  formatLocalDate,
  hhmmSchema,
  instantOfWallTime,
  localDateSchema,
  minutesOfDay,
  parseLocalDate,
  timeZoneSchema,
  wallTime,
} from '../../util/zoned-time';

/**
 * On-call schedules: layers in priority order, each a rotation of members that hands
 * off at a local wall time in its own time zone, daily or weekly; overrides on top. Hand-offs follow
 * the wall clock across DST changes (09:00 stays 09:00 when the clocks move: that day's shift is 23
 * or 25 hours long), computed with Intl.DateTimeFormat only.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** When a layer covers, in its time zone: the days a window starts on, from `from` to `to` (overnight when `to` <= `from`). */
export const coverageSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
    from: hhmmSchema,
    to: hhmmSchema,
  })
  .strict();
export type Coverage = z.infer<typeof coverageSchema>;

export const rotationLayerSchema = z
  .object({
    name: z.string().min(1).max(100),
    /** User ids in rotation order; the first is on call from `startDate`. */
    members: z.array(z.string().min(1)).min(1).max(100),
    rotation: z.enum(['daily', 'weekly']),
    /** Local wall time of the hand-off. A weekly rotation hands off on the weekday of `startDate`. */
    handoffTime: hhmmSchema,
    timeZone: timeZoneSchema,
    /** The first shift starts on this local date at `handoffTime`; the layer covers nothing before. */
    startDate: localDateSchema,
    /** Optional last local date (inclusive) of the layer. */
    endDate: localDateSchema.optional(),
    /** Optional windows (business hours, nights); outside them the layer falls through to the next. */
    coverage: z.array(coverageSchema).max(14).optional(),
  })
  .strict()
  .refine((layer) => layer.endDate === undefined || layer.endDate >= layer.startDate, {
    message: 'endDate cannot be before startDate',
    path: ['endDate'],
  });
export type RotationLayer = z.infer<typeof rotationLayerSchema>;

export const overrideSchema = z
  .object({
    userId: z.string().min(1),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .refine((override) => Date.parse(override.end) > Date.parse(override.start), { message: 'end must be after start', path: ['end'] });
export type Override = z.infer<typeof overrideSchema>;

export const scheduleSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1).max(100),
    /** Highest priority first: the first layer covering an instant decides. */
    layers: z.array(rotationLayerSchema).min(1).max(10),
    /** Replace whoever the layers name; where overrides overlap, the later one in the list wins. */
    overrides: z.array(overrideSchema).max(500).default([]),
  })
  .strict();
export type Schedule = z.infer<typeof scheduleSchema>;

export interface OnCall {
  userId: string;
  source: 'override' | 'layer';
  /** The layer's name, or 'override'. */
  layer: string;
  /** The current shift (the override's interval, or the rotation shift the instant falls in). */
  shiftStart: string;
  shiftEnd: string;
  reason: string;
}

const DAYS_PER: Record<RotationLayer['rotation'], number> = { daily: 1, weekly: 7 };

/** The instant of a layer's hand-off on a local date (a day number). */
function handoffInstant(layer: RotationLayer, day: number): number {
  const date = dateOfDayNumber(day);
  const minutes = minutesOfDay(layer.handoffTime);
  return instantOfWallTime({ ...date, hour: Math.floor(minutes / 60), minute: minutes % 60 }, layer.timeZone);
}

/** The rotation shift an instant falls in: its index from the first, and its start and end instants. */
export function shiftAt(layer: RotationLayer, instantMs: number): { index: number; start: number; end: number } | null {
  const start = parseLocalDate(layer.startDate);
  const firstDay = dayNumber(start.year, start.month, start.day);
  const length = DAYS_PER[layer.rotation];
  const wall = wallTime(instantMs, layer.timeZone);
  const today = dayNumber(wall.year, wall.month, wall.day);
  // The shift that began on the latest hand-off day at or before the instant's local date...
  let index = Math.floor((today - firstDay) / length);
  // ...unless that hand-off is still ahead (earlier in the day than the hand-off time).
  while (index >= 0 && handoffInstant(layer, firstDay + index * length) > instantMs) index--;
  if (index < 0) return null;
  // And in the odd case of a zone skipping a day, move on while the next hand-off has passed.
  while (handoffInstant(layer, firstDay + (index + 1) * length) <= instantMs) index++;
  return {
    index,
    start: handoffInstant(layer, firstDay + index * length),
    end: handoffInstant(layer, firstDay + (index + 1) * length),
  };
}

/** Whether a layer's coverage windows include an instant (wall time in the layer's zone). */
export function covers(layer: RotationLayer, instantMs: number): boolean {
  const wall = wallTime(instantMs, layer.timeZone);
  if (layer.endDate && formatLocalDate(wall) > layer.endDate) return false;
  if (!layer.coverage || layer.coverage.length === 0) return true;
  const now = wall.hour * 60 + wall.minute;
  const today = WEEKDAYS[wall.weekday - 1] as Weekday;
  const yesterday = WEEKDAYS[(wall.weekday + 5) % 7] as Weekday;
  return layer.coverage.some((window) => {
    const from = minutesOfDay(window.from);
    const to = minutesOfDay(window.to);
    if (to > from) return window.days.includes(today) && now >= from && now < to;
    // Overnight: the evening part on a listed day, the morning part on the day after one.
    return (window.days.includes(today) && now >= from) || (window.days.includes(yesterday) && now < to);
  });
}

/** Who is on call at an instant: an override, else the first layer that covers it; null when nobody. */
export function onCallAt(schedule: Schedule, instant: Date): OnCall | null {
  const at = instant.getTime();
  const overrides = schedule.overrides ?? [];
  for (let index = overrides.length - 1; index >= 0; index--) {
    const override = overrides[index] as Override;
    if (Date.parse(override.start) <= at && at < Date.parse(override.end)) {
      return {
        userId: override.userId,
        source: 'override',
        layer: 'override',
        shiftStart: new Date(Date.parse(override.start)).toISOString(),
        shiftEnd: new Date(Date.parse(override.end)).toISOString(),
        reason: `override ${override.start} to ${override.end}${override.reason ? ` (${override.reason})` : ''}`,
      };
    }
  }
  for (const layer of schedule.layers) {
    const shift = shiftAt(layer, at);
    if (!shift || !covers(layer, at)) continue;
    const userId = layer.members[shift.index % layer.members.length] as string;
    return {
      userId,
      source: 'layer',
      layer: layer.name,
      shiftStart: new Date(shift.start).toISOString(),
      shiftEnd: new Date(shift.end).toISOString(),
      reason: `${layer.name}: ${layer.rotation} rotation, shift ${shift.index + 1} (hand-off ${layer.handoffTime} ${layer.timeZone})`,
    };
  }
  return null;
}

/** The users on call at an instant across several schedules (the routing's `onCallUserIds`). */
export function onCallUserIds(schedules: readonly Schedule[], instant: Date): Set<string> {
  const users = new Set<string>();
  for (const schedule of schedules) {
    const onCall = onCallAt(schedule, instant);
    if (onCall) users.add(onCall.userId);
  }
  return users;
}
