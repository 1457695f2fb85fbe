import { Template } from 'aws-cdk-lib/assertions';
import { HTTP_ROUTES } from '../../functions/catalog';
import { HTTP_ROUTE_AUTH } from '../../infra/constructs/http-api';
import { Reports } from '../../infra/constructs/reports';
import { functionId, nagFindings, sharedFixture } from './helpers';

function reports() {
  const fixture = sharedFixture();
  new Reports(fixture.stack, 'Reports', { shared: fixture.shared, httpApi: fixture.httpApi });
  return { ...fixture, template: Template.fromStack(fixture.stack) };
}

const REPORT_PATHS = ['/v1/kpis', '/v1/reports', '/v1/reports/{proxy+}', '/v1/branding'];

describe('Reports', () => {
  it('builds the reports function with the table and the signing keys it reads, and no state machine (it starts no runbook)', () => {
    const { template } = reports();
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'reports')] as Record<string, any>;
    expect(fn.Properties.MemorySize).toBe(1024);
    expect(fn.Properties.Timeout).toBe(10);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      expect.arrayContaining(['AUTH_KEYS_SECRET_ARN', 'AW_STAGE', 'TABLE_NAME']),
    );
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('STATE_MACHINE_ARN');
  });

  it('serves the KPI, report and branding routes, each with a documented way it authenticates', () => {
    const { template } = reports();
    const routed = HTTP_ROUTES.filter((route) => route.function === 'reports').map((route) => route.path);
    expect(routed.sort()).toEqual([...REPORT_PATHS].sort());
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as Record<string, any>).Properties.RouteKey as string,
    );
    for (const path of REPORT_PATHS) {
      expect(routeKeys).toContain(`ANY ${path}`);
      expect(HTTP_ROUTE_AUTH[`ANY ${path}`]).toMatch(/reports function verifies the access JWT/);
    }
  });

  it('passes cdk-nag', () => {
    expect(nagFindings(reports().stack)).toEqual([]);
  });
});
