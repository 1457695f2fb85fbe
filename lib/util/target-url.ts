/**
 * The syntax half of a webhook target's checks, without node: what the dashboard checks in the browser
 * too. Whether the host is public (DNS, private ranges) is lib/util/safe-url.ts's, on the server only.
 */

/** The URL, or why it cannot be a target at all: not a URL, or credentials before the host. Never repeats the URL. */
export function parseTargetUrl(url: string): URL | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The target URL is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'The target URL must not carry credentials before the host';
  return parsed;
}
