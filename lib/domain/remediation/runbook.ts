import * as z from 'zod';
import { AppError } from '../../errors';
import { CATEGORIES, wordsOf, type Category } from '../correlation/categories';

/**
 * The runbook model: what a remediation does, on which platform, how risky it is,
 * and the four scripts the executor runs through SSM Run Command, each section as its own invocation:
 *
 *  - preChecks: must exit 0 for the run to go on; they change nothing except recording the state a
 *    rollback needs under a per-execution state directory;
 *  - commands: the change itself;
 *  - verification: exit 0 means the problem is fixed;
 *  - rollback: runs when the commands or the verification fail, and puts back what it can (a
 *    read-only runbook has none, says so with `readOnly: true`, and its rollback list is empty).
 *
 * Scripts are lists of bash (Linux) or PowerShell (Windows) lines with `{{param}}` placeholders. A
 * placeholder is always replaced by a complete, quoted shell word: authors write it bare, usually as
 * an assignment at the top of a section (`SERVICE={{service}}`, `$Service = {{service}}`), never
 * inside quotes. `{{executionId}}` is built in: the executor's id of this run, for state directories.
 *
 * The same schema validates the built-in library (lib/remediation/library) and the runbooks tenants
 * write themselves through the API.
 */

export const PLATFORMS = ['linux', 'windows'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const RISKS = ['low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];
export const RISK_RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/** The SSM document that runs a section's script on each platform. */
export const SSM_DOCUMENT: Record<Platform, string> = { linux: 'AWS-RunShellScript', windows: 'AWS-RunPowerShellScript' };

/** The host an execution targets through SSM (an asset's managed instance). */
export interface RemediationTarget {
  assetId: string;
  /** EC2 instance id (`i-...`) or hybrid managed instance id (`mi-...`). */
  instanceId: string;
  platform: Platform;
  accountId: string;
  region: string;
  /** The remediation role's name in that account, when not the default. */
  roleName?: string;
}

export const RUNBOOK_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const PARAM_NAME_PATTERN = /^[a-z][A-Za-z0-9]{0,39}$/;
/** Built into every runbook: the executor's id of the run (state directories, log tags). */
export const EXECUTION_ID_PARAM = 'executionId';
const EXECUTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
/** A `{{name}}` placeholder; the name follows the parameter name rule. */
const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;
/** Never in a parameter value, whatever its pattern says: control characters (newlines included). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const SECTIONS = ['preChecks', 'commands', 'verification', 'rollback'] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * A regular expression given as source text: it must compile and stay short, and the classic
 * catastrophic form `(a+)+` is refused, since tenants write their own. Inputs are short too
 * (signatures 256 characters, parameter values `maxLength`), which bounds what is left.
 */
const regexSource = z
  .string()
  .min(1)
  .max(200)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'u');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `Invalid regular expression: ${(error as Error).message}` });
      return;
    }
    if (/\((?:\?:)?(?:\\.|\[[^\]]*\]|[^()\\[])[+*]\)[+*{]/.test(source)) {
      ctx.addIssue({ code: 'custom', message: 'A quantified group of one quantified atom, like (a+)+, backtracks catastrophically' });
    }
  });

const paramName = z
  .string()
  .regex(PARAM_NAME_PATTERN, 'Parameter names are camelCase letters and digits, starting with a lower-case letter')
  .refine((name) => name !== EXECUTION_ID_PARAM, `${EXECUTION_ID_PARAM} is built in`);
const labelKey = z.string().min(1).max(128);

const paramBase = {
  name: paramName,
  description: z.string().min(1).max(300),
  /** Alert labels that may carry the value, tried in order (a `service` or `systemd_unit` label...). */
  fromLabels: z.array(labelKey).max(8).default([]),
};

const stringParameterSchema = z
  .object({
    ...paramBase,
    type: z.literal('string'),
    /** The whole value must match (the pattern is anchored): say exactly what is allowed. */
    pattern: regexSource,
    maxLength: z.number().int().min(1).max(1024).default(256),
    default: z.string().optional(),
    /** A realistic value for documentation and tests, when there is no default. */
    example: z.string().optional(),
  })
  .strict();

const integerParameterSchema = z
  .object({
    ...paramBase,
    type: z.literal('integer'),
    min: z.number().int(),
    max: z.number().int(),
    default: z.number().int().optional(),
    example: z.number().int().optional(),
  })
  .strict();

const enumParameterSchema = z
  .object({
    ...paramBase,
    type: z.literal('enum'),
    values: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+/-]{0,63}$/, 'Enum values are plain tokens'))
      .min(1)
      .max(50),
    default: z.string().optional(),
    example: z.string().optional(),
  })
  .strict();

export const runbookParameterSchema = z
  .discriminatedUnion('type', [stringParameterSchema, integerParameterSchema, enumParameterSchema])
  .superRefine((param, ctx) => {
    if (param.type === 'integer' && param.min > param.max)
      ctx.addIssue({ code: 'custom', message: 'min is greater than max', path: ['min'] });
    for (const key of ['default', 'example'] as const) {
      const value = param[key];
      if (value === undefined) continue;
      const problem = parameterProblem(param as RunbookParameter, value);
      if (problem) ctx.addIssue({ code: 'custom', message: `${key}: ${problem}`, path: [key] });
    }
  });
export type RunbookParameter = z.infer<typeof runbookParameterSchema>;
export type RunbookParameterInput = z.input<typeof runbookParameterSchema>;

/** A condition on an alert label; all of a runbook's conditions must hold for it to match. */
const labelConditionSchema = z.union([
  z.object({ key: labelKey, equals: z.string().max(256) }).strict(),
  z.object({ key: labelKey, in: z.array(z.string().max(256)).min(1).max(50) }).strict(),
  z.object({ key: labelKey, matches: regexSource }).strict(),
  z.object({ key: labelKey, exists: z.boolean() }).strict(),
]);
export type LabelCondition = z.infer<typeof labelConditionSchema>;

export const matchRulesSchema = z
  .object({
    /** Incident categories the runbook addresses. */
    categories: z.array(z.enum(CATEGORIES)).max(CATEGORIES.length).default([]),
    /** Words in the signatures or label values that point at this runbook (lower case, matched as whole words). */
    keywords: z
      .array(z.string().regex(/^[a-z0-9]+$/, 'Keywords are lower-case words'))
      .max(50)
      .default([]),
    /** Regular expressions tried on each signature, case-insensitively. */
    signaturePatterns: z.array(regexSource).max(20).default([]),
    /** Label conditions that must all hold. */
    labels: z.array(labelConditionSchema).max(10).default([]),
    /** Match only when a keyword or signature pattern hits (a category alone is not enough). */
    requireSignal: z.boolean().default(false),
  })
  .strict()
  .refine((rules) => rules.categories.length + rules.keywords.length + rules.signaturePatterns.length > 0, {
    message: 'A runbook needs at least one category, keyword or signature pattern to match',
  });
export type MatchRules = z.infer<typeof matchRulesSchema>;

const scriptLines = (max: number) => z.array(z.string().max(2000)).max(max);

export const runbookSchema = z
  .object({
    id: z.string().min(3).max(64).regex(RUNBOOK_ID_PATTERN, 'Runbook ids are lower-case slugs'),
    name: z.string().min(1).max(120),
    description: z.string().min(1).max(2000),
    platform: z.enum(PLATFORMS),
    risk: z.enum(RISKS),
    /** Changes nothing on the host: no rollback needed (the rollback list must then be empty). */
    readOnly: z.boolean().default(false),
    match: matchRulesSchema,
    parameters: z.array(runbookParameterSchema).max(20).default([]),
    preChecks: scriptLines(200).min(1),
    commands: scriptLines(400).min(1),
    verification: scriptLines(200).min(1),
    rollback: scriptLines(200),
    /** What the rollback restores and what it cannot (deleted files, a clock step...). */
    rollbackNote: z.string().min(1).max(500),
    /** Per section, passed to SSM as executionTimeout. */
    timeoutSeconds: z.number().int().min(30).max(7200),
    /** Hosts one execution may target at most. */
    maxTargets: z.number().int().min(1).max(100),
  })
  .strict()
  .superRefine((runbook, ctx) => {
    if (runbook.readOnly && runbook.rollback.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['rollback'], message: 'A read-only runbook has no rollback: leave it empty' });
    }
    if (!runbook.readOnly && runbook.rollback.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['rollback'], message: 'A runbook that changes the host needs a rollback (or readOnly: true)' });
    }
    const names = new Set<string>();
    runbook.parameters.forEach((param, index) => {
      if (names.has(param.name))
        ctx.addIssue({ code: 'custom', path: ['parameters', index, 'name'], message: `Duplicate parameter ${param.name}` });
      names.add(param.name);
    });
    names.add(EXECUTION_ID_PARAM);
    for (const section of SECTIONS) {
      runbook[section].forEach((line, index) => {
        for (const problem of placeholderProblems(line, runbook.platform, names)) {
          ctx.addIssue({ code: 'custom', path: [section, index], message: problem });
        }
      });
    }
  });

export type Runbook = z.infer<typeof runbookSchema>;
/** A runbook as written (defaults not yet applied), e.g. in the library files or an API body. */
export type RunbookInput = z.input<typeof runbookSchema>;

/** Parses a runbook written in code (the library): throws with every issue when it is invalid. */
export function defineRunbook(input: RunbookInput): Runbook {
  const parsed = runbookSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Runbook ${String(input.id)} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Problems with the placeholders of one script line: unknown names, a `{{` that is not a
 * placeholder, and placeholders written inside quotes (the substituted value is already quoted).
 */
function placeholderProblems(line: string, platform: Platform, names: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const withoutPlaceholders = line.replace(PLACEHOLDER, (_match, name: string) => {
    if (!names.has(name)) problems.push(`Unknown placeholder {{${name}}}`);
    return '';
  });
  if (withoutPlaceholders.includes('{{')) problems.push('"{{" that is not a {{parameter}} placeholder');
  for (const match of line.matchAll(PLACEHOLDER)) {
    if (quotedAt(line, match.index, platform))
      problems.push(`Placeholder {{${match[1]}}} is inside quotes: write it bare (its value is quoted)`);
  }
  return problems;
}

/** Whether a position of a line is inside a quoted string (a simple scanner: enough to catch authors' mistakes). */
function quotedAt(line: string, position: number, platform: Platform): boolean {
  const escape = platform === 'linux' ? '\\' : '`';
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < position; index++) {
    const char = line[index] as string;
    if (quote !== "'" && char === escape) {
      index++;
      continue;
    }
    if (quote === null && (char === "'" || char === '"')) quote = char;
    else if (quote === char) quote = null;
  }
  return quote !== null;
}

export type ParamValue = string | number;

export interface ParamIssue {
  name: string;
  message: string;
}

/** Why a value does not fit a parameter, or undefined when it does. */
export function parameterProblem(param: RunbookParameter, value: unknown): string | undefined {
  switch (param.type) {
    case 'integer': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(number)) return 'must be an integer';
      if (number < param.min || number > param.max) return `must be between ${param.min} and ${param.max}`;
      return undefined;
    }
    case 'enum':
      if (typeof value !== 'string' || !param.values.includes(value)) return `must be one of ${param.values.join(', ')}`;
      return undefined;
    case 'string': {
      if (typeof value !== 'string') return 'must be a string';
      return stringProblem(value, param.maxLength, new RegExp(`^(?:${param.pattern})$`, 'u'), param.pattern);
    }
  }
}

function stringProblem(value: string, maxLength: number, pattern: RegExp, patternText: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  // Whatever the pattern allows: these would split a command line or smuggle an option in.
  if (CONTROL_CHARACTERS.test(value)) return 'must not contain control characters or line breaks';
  if (value.startsWith('-')) return 'must not start with "-" (it would be read as an option)';
  if (!pattern.test(value)) return `must match ${patternText}`;
  return undefined;
}

/** Values for every parameter (given, else default), or the issues: unknown names, missing and invalid values. */
export function validateParams(
  runbook: Runbook,
  params: Readonly<Record<string, unknown>>,
): { ok: true; values: Record<string, ParamValue> } | { ok: false; issues: ParamIssue[] } {
  const issues: ParamIssue[] = [];
  const values: Record<string, ParamValue> = {};
  const known = new Set(runbook.parameters.map((param) => param.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name) && params[name] !== undefined) issues.push({ name, message: `unknown parameter for ${runbook.id}` });
  }
  for (const param of runbook.parameters) {
    const value = ownValue(params, param.name) ?? param.default;
    if (value === undefined) {
      issues.push({ name: param.name, message: 'is required' });
      continue;
    }
    const problem = parameterProblem(param, value);
    if (problem) issues.push({ name: param.name, message: problem });
    else values[param.name] = param.type === 'integer' ? Number(value) : (value as string);
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}

/** A bash word that is exactly the value: single quotes, each `'` written as `'\''`. */
export function quoteBash(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A PowerShell verbatim string that is exactly the value: single quotes, each single quote doubled.
 * PowerShell also takes the typographic quotes ‘ ’ ‚ ‛ as single quotes, so those are doubled too.
 */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

export class RunbookParameterError extends AppError {
  constructor(
    runbookId: string,
    readonly issues: ParamIssue[],
  ) {
    super(
      422,
      'invalid_parameters',
      `Invalid parameters for runbook ${runbookId}: ${issues.map((i) => `${i.name} ${i.message}`).join('; ')}`,
      {
        issues,
      },
    );
    this.name = 'RunbookParameterError';
  }
}

export interface RenderedRunbook {
  runbookId: string;
  platform: Platform;
  documentName: string;
  /** The validated values, defaults applied. */
  params: Record<string, ParamValue>;
  preChecks: string[];
  commands: string[];
  verification: string[];
  rollback: string[];
}

/**
 * The runbook's four sections with every placeholder replaced by its quoted value. Parameters are
 * validated first (type, range, enum, anchored pattern; no control characters or leading dash in any
 * string): an invalid value is refused with a RunbookParameterError, never escaped into a command.
 * Integers are written bare (digits only); strings and enum values as single-quoted words.
 */
export function renderCommands(
  runbook: Runbook,
  params: Readonly<Record<string, unknown>>,
  options: { executionId?: string } = {},
): RenderedRunbook {
  const executionId = options.executionId ?? 'adhoc';
  const validated = validateParams(runbook, params);
  const issues = validated.ok ? [] : [...validated.issues];
  if (!EXECUTION_ID_PATTERN.test(executionId))
    issues.push({ name: EXECUTION_ID_PARAM, message: `must match ${EXECUTION_ID_PATTERN.source}` });
  if (!validated.ok || issues.length) throw new RunbookParameterError(runbook.id, issues);
  const quote = runbook.platform === 'linux' ? quoteBash : quotePowerShell;
  const words = new Map<string, string>([[EXECUTION_ID_PARAM, quote(executionId)]]);
  for (const param of runbook.parameters) {
    const value = validated.values[param.name] as ParamValue;
    words.set(param.name, typeof value === 'number' ? String(value) : quote(value));
  }
  const render = (lines: readonly string[]) =>
    lines.map((line) => line.replace(PLACEHOLDER, (_m, name: string) => words.get(name) as string));
  return {
    runbookId: runbook.id,
    platform: runbook.platform,
    documentName: SSM_DOCUMENT[runbook.platform],
    params: validated.values,
    preChecks: render(runbook.preChecks),
    commands: render(runbook.commands),
    verification: render(runbook.verification),
    rollback: render(runbook.rollback),
  };
}

/**
 * One section as the script SSM runs: bash with strict mode (the first failing command fails the
 * section), or PowerShell stopping on the first error.
 */
export function toScript(platform: Platform, lines: readonly string[]): string {
  const header =
    platform === 'linux'
      ? ['#!/bin/bash', 'set -euo pipefail']
      : ["$ErrorActionPreference = 'Stop'", "$ProgressPreference = 'SilentlyContinue'"];
  return [...header, ...lines].join('\n') + '\n';
}

/** Example values for every parameter (default, else example, else the enum's first value): for docs and tests. */
export function exampleParams(runbook: Runbook): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  for (const param of runbook.parameters) {
    const value =
      param.default ?? param.example ?? (param.type === 'enum' ? param.values[0] : param.type === 'integer' ? param.min : undefined);
    if (value !== undefined) values[param.name] = value;
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Matching

/** What matching needs to know about an incident. */
export interface RunbookMatchInput {
  /** The incident's categories, its root's category first. */
  categories: readonly Category[];
  /** Signatures of its alerts (the root's first). */
  signatures: readonly string[];
  /** Labels of its alerts, merged (the root alert's win). */
  labels?: Readonly<Record<string, string>>;
  /** The target's platform: runbooks for the other platform never match. */
  platform?: Platform;
}

export interface RunbookMatch {
  runbook: Runbook;
  /** 0..1: how well the runbook fits the incident. */
  score: number;
  reasons: string[];
  /** Values found in the labels, else defaults. */
  params: Record<string, ParamValue>;
  /** Required parameters with neither a valid label value nor a default. */
  missingParams: string[];
}

const ROOT_CATEGORY_SCORE = 0.5;
const OTHER_CATEGORY_SCORE = 0.3;
const SIGNATURE_PATTERN_SCORE = 0.3;
const FIRST_KEYWORD_SCORE = 0.2;
const MORE_KEYWORD_SCORE = 0.05;
const MAX_KEYWORD_SCORE = 0.3;
const LABEL_SCORE = 0.1;

/**
 * Every runbook that fits the incident, best first, each with a score and its reasons:
 * the incident's root category 0.5 (another of its categories 0.3), a signature pattern 0.3,
 * keywords 0.2 then 0.05 each (at most 0.3), label conditions 0.1; capped at 1. A runbook for
 * another platform, one whose label conditions fail, or one that requires a signal (keyword or
 * pattern) and gets none never matches. Ties go to the lower risk, then the id.
 */
export function matchRunbooks(input: RunbookMatchInput, runbooks: readonly Runbook[]): RunbookMatch[] {
  const labels = input.labels ?? {};
  const words = new Set<string>();
  for (const text of [...input.signatures, ...Object.values(labels)]) for (const word of wordsOf(text)) words.add(word);
  const matches: RunbookMatch[] = [];
  for (const runbook of runbooks) {
    if (input.platform && runbook.platform !== input.platform) continue;
    const { match } = runbook;
    if (!match.labels.every((condition) => labelHolds(condition, labels))) continue;
    const reasons: string[] = [];
    let score = 0;
    const [root] = input.categories;
    if (root && match.categories.includes(root)) {
      score += ROOT_CATEGORY_SCORE;
      reasons.push(`addresses the root category ${root}`);
    } else {
      const other = input.categories.find((category) => match.categories.includes(category));
      if (other) {
        score += OTHER_CATEGORY_SCORE;
        reasons.push(`addresses category ${other} (not the root's)`);
      }
    }
    let signal = false;
    const pattern = match.signaturePatterns.find((source) =>
      input.signatures.some((signature) => new RegExp(source, 'iu').test(signature)),
    );
    if (pattern !== undefined) {
      signal = true;
      score += SIGNATURE_PATTERN_SCORE;
      reasons.push(`signature matches /${pattern}/`);
    }
    const hits = match.keywords.filter((keyword) => words.has(keyword));
    if (hits.length) {
      signal = true;
      score += Math.min(MAX_KEYWORD_SCORE, FIRST_KEYWORD_SCORE + (hits.length - 1) * MORE_KEYWORD_SCORE);
      reasons.push(`keywords ${hits.join(', ')}`);
    }
    if (match.requireSignal && !signal) continue;
    if (score === 0) continue;
    if (match.labels.length) {
      score += LABEL_SCORE;
      reasons.push(`labels ${match.labels.map((condition) => condition.key).join(', ')} as required`);
    }
    const { params, missingParams, notes } = paramsFromLabels(runbook, labels);
    reasons.push(...notes);
    matches.push({ runbook, score: Math.round(Math.min(1, score) * 100) / 100, reasons, params, missingParams });
  }
  return matches.sort(
    (a, b) => b.score - a.score || RISK_RANK[a.runbook.risk] - RISK_RANK[b.runbook.risk] || a.runbook.id.localeCompare(b.runbook.id),
  );
}

/**
 * A label's or parameter's own value: names come from tools and tenants, and one such as `toString` must
 * not find the object's prototype.
 */
function ownValue<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function labelHolds(condition: LabelCondition, labels: Readonly<Record<string, string>>): boolean {
  const value = ownValue(labels, condition.key);
  if ('exists' in condition) return condition.exists === (value !== undefined);
  if (value === undefined) return false;
  if ('equals' in condition) return value === condition.equals;
  if ('in' in condition) return condition.in.includes(value);
  return new RegExp(condition.matches, 'iu').test(value);
}

function paramsFromLabels(
  runbook: Runbook,
  labels: Readonly<Record<string, string>>,
): { params: Record<string, ParamValue>; missingParams: string[]; notes: string[] } {
  const params: Record<string, ParamValue> = {};
  const missingParams: string[] = [];
  const notes: string[] = [];
  for (const param of runbook.parameters) {
    let found = false;
    for (const key of param.fromLabels) {
      const value = ownValue(labels, key);
      if (value === undefined) continue;
      const problem = parameterProblem(param, value);
      if (problem) {
        notes.push(`label ${key} does not fit parameter ${param.name}: ${problem}`);
        continue;
      }
      params[param.name] = param.type === 'integer' ? Number(value) : value;
      notes.push(`parameter ${param.name} from label ${key}`);
      found = true;
      break;
    }
    if (found) continue;
    if (param.default !== undefined) params[param.name] = param.default;
    else missingParams.push(param.name);
  }
  return { params, missingParams, notes };
}
