import { createHash } from 'node:crypto';

/**
 * The dashboard's Content-Security-Policy, one definition for CloudFront (infra/constructs/dashboard.ts)
 * and the local gateway, so the browser tests run the pages under the policy production sends. No CDK
 * import here: the local stack loads this module.
 *
 * Scripts come from the dashboard's own origin (plus the hashed inline scripts of index.html, if any);
 * inline styles stay allowed (React sets style attributes at run time; styles cannot run code).
 */
export function dashboardCsp(options: { connectSources: string[]; scriptHashes?: string[]; upgradeInsecureRequests: boolean }): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...(options.scriptHashes ?? [])].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...options.connectSources].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.upgradeInsecureRequests ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/**
 * CSP hashes ('sha256-...') of the inline `<script>` elements of an HTML page, so that a page with an
 * inline script runs under a CSP without 'unsafe-inline'.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    const [, attributes = '', body = ''] = match;
    if (/\bsrc\s*=/i.test(attributes) || body === '') continue;
    hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return [...hashes];
}
