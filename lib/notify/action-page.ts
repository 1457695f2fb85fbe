import { createHash } from 'node:crypto';
import { ACTION_LINK_ACTIONS, type ActionLinkAction } from '../domain/notify/action-link';

/**
 * The page of a one-tap action link (GET and POST /a/{token}): server-rendered, no script, a few kB, for a
 * phone (390 px wide and up): the incident, what the last tap did, and a button per action, each a form
 * that posts `action=<action>` back to the same URL. Every value from the store or the request is escaped.
 */

export const PRODUCT_NAME = 'Alert Whisperer';

/** The page's only style: its hash goes in the Content-Security-Policy (no inline style attribute is used). */
const STYLE = [
  '*{box-sizing:border-box}',
  'body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1c1e21}',
  'main{max-width:480px;margin:0 auto;padding:16px}',
  '.brand{margin:0 0 12px;font-weight:600;color:#5b6270;font-size:14px;letter-spacing:.02em}',
  'h1{font-size:20px;margin:0 0 12px;overflow-wrap:anywhere}',
  '.msg{padding:12px 14px;border-radius:8px;margin:0 0 16px;font-weight:600;overflow-wrap:anywhere}',
  '.ok{background:#e3f6e8;color:#14532d}.info{background:#e7effd;color:#1e3a8a}',
  '.warn{background:#fff4d6;color:#713f12}.error{background:#fde8e8;color:#7f1d1d}',
  'dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0 0 20px;background:#fff;padding:14px;border-radius:8px}',
  'dt{color:#5b6270}dd{margin:0;overflow-wrap:anywhere}',
  '.sev{font-weight:700;text-transform:uppercase;font-size:14px}',
  '.sev-critical{color:#b91c1c}.sev-high{color:#c2410c}.sev-medium{color:#a16207}.sev-low,.sev-info{color:#1d4ed8}',
  'form{margin:0 0 12px}',
  'button{width:100%;min-height:56px;font:inherit;font-size:18px;font-weight:600;border:0;border-radius:10px;color:#fff;cursor:pointer}',
  '.acknowledge{background:#2563eb}.resolve{background:#15803d}.escalate{background:#b45309}',
  '.note{color:#5b6270;font-size:14px;margin:16px 0 0}',
].join('');

/** The CSP source of the style element (`'sha256-…'`). */
export const ACTION_PAGE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Text as HTML text or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

export type PageTone = 'ok' | 'info' | 'warn' | 'error';

export interface ActionPageIncident {
  title: string;
  severity: string;
  status: string;
  company: string;
  openedAt: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
}

export interface ActionPageView {
  /** The browser tab's title. */
  heading: string;
  /** What the request did, or why the link does not work. */
  message?: { text: string; tone: PageTone };
  /** A second line under the message. */
  detail?: string;
  incident?: ActionPageIncident;
  /** Show the action buttons (only on a working link to an incident still active). */
  actions: boolean;
}

const ACTION_LABELS: Readonly<Record<ActionLinkAction, string>> = {
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  escalate: 'Escalate',
};

/** `2025-06-02 06:00 UTC` (the reader may be in any zone: UTC says which). */
export function pageTime(iso: string | undefined): string {
  if (!iso) return '';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function incidentList(incident: ActionPageIncident): string {
  const rows: Array<[string, string]> = [
    ['Severity', `<span class="sev sev-${escapeHtml(incident.severity)}">${escapeHtml(incident.severity)}</span>`],
    ['Company', escapeHtml(incident.company)],
    ['Status', escapeHtml(incident.status)],
    ['Opened', escapeHtml(pageTime(incident.openedAt))],
  ];
  if (incident.acknowledgedBy) {
    const at = incident.acknowledgedAt ? ` at ${pageTime(incident.acknowledgedAt)}` : '';
    rows.push(['Acknowledged', `by ${escapeHtml(incident.acknowledgedBy)}${escapeHtml(at)}`]);
  }
  if (incident.resolvedAt) rows.push(['Resolved', escapeHtml(pageTime(incident.resolvedAt))]);
  return `<dl>${rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

const actionForm = (action: ActionLinkAction) =>
  `<form method="post"><input type="hidden" name="action" value="${action}">` +
  `<button type="submit" class="${action}">${ACTION_LABELS[action]}</button></form>`;

export function renderActionPage(view: ActionPageView): string {
  const parts = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="robots" content="noindex,nofollow">',
    `<title>${escapeHtml(view.heading)} · ${PRODUCT_NAME}</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    `<p class="brand">${PRODUCT_NAME}</p>`,
  ];
  if (view.message) parts.push(`<p class="msg ${view.message.tone}" role="status">${escapeHtml(view.message.text)}</p>`);
  if (view.detail) parts.push(`<p class="note">${escapeHtml(view.detail)}</p>`);
  if (view.incident) {
    parts.push(`<h1>${escapeHtml(view.incident.title)}</h1>`, incidentList(view.incident));
  } else {
    parts.push(`<h1>${escapeHtml(view.heading)}</h1>`);
  }
  if (view.actions) {
    parts.push(...ACTION_LINK_ACTIONS.map(actionForm));
    parts.push('<p class="note">This link acts as you. Each action can be taken once through it, for 24 hours.</p>');
  }
  parts.push('</main></body></html>');
  return parts.join('');
}
