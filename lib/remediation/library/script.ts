import type { RunbookParameterInput } from '../../domain/remediation/runbook';

/**
 * Script lines written as a raw template: `script\`...\`` keeps backslashes as typed (Windows paths,
 * regular expressions), drops the first and last blank lines and the common indentation, and takes
 * no `${}` interpolation: write `$\{VAR}` for a shell's `${VAR}` and `\`` for PowerShell's backtick.
 *
 * Conventions of the library's scripts: parameters are assigned to variables at the top of each
 * section (`SERVICE={{service}}`, `$Service = {{service}}`), since each section runs as its own SSM
 * invocation; pre-checks record what a rollback needs under a per-execution state directory,
 * `/var/tmp/alert-whisperer/{{executionId}}` on Linux and `%ProgramData%\AlertWhisperer\<id>` on Windows.
 */
export function script(strings: TemplateStringsArray, ...values: never[]): string[] {
  if (values.length) throw new Error('script`...` takes no interpolation: use {{param}} placeholders');
  const text = strings.raw
    .join('')
    .replace(/\$\\\{/g, '${')
    .replace(/\\`/g, '`');
  const lines = text.split('\n').map((line) => line.replace(/\s+$/, ''));
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const indent = Math.min(...lines.filter(Boolean).map((line) => (/^ */.exec(line) as RegExpExecArray)[0].length));
  return lines.map((line) => line.slice(indent));
}

/** A systemd unit name (`nginx`, `nginx.service`, `getty@tty1.service`), often in an alert's labels. */
export const systemdUnitParam = (description: string): RunbookParameterInput => ({
  name: 'service',
  type: 'string',
  description,
  pattern: '[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}',
  maxLength: 128,
  example: 'nginx.service',
  fromLabels: ['service', 'systemd_unit', 'unit', 'name', 'service_name'],
});

/** A URL on the host itself (loopback only: the check must not reach elsewhere). */
export const loopbackUrlParam = (defaultUrl: string): RunbookParameterInput => ({
  name: 'healthUrl',
  type: 'string',
  description: 'URL on the host itself that must answer 2xx/3xx after the change (loopback only)',
  pattern: 'https?://(?:127\\.0\\.0\\.1|localhost|\\[::1\\])(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?',
  maxLength: 200,
  default: defaultUrl,
  fromLabels: [],
});

/** A host name or IP address (v4 or v6). */
export const hostParam: RunbookParameterInput = {
  name: 'host',
  type: 'string',
  description: 'Host name or IP address to test',
  pattern: '[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f:.]{2,45}',
  maxLength: 253,
  example: 'example.com',
  fromLabels: ['target', 'remote_host', 'destination', 'dst_host', 'hostname'],
};

export const portParam = (defaultPort: number): RunbookParameterInput => ({
  name: 'port',
  type: 'integer',
  description: 'TCP port',
  min: 1,
  max: 65535,
  default: defaultPort,
  fromLabels: ['port'],
});
