import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { createCatalogFunctions, type SharedResources } from './functions';
import type { PublicHttpApi } from './http-api';

export interface ReportsProps {
  shared: SharedResources;
  httpApi: PublicHttpApi;
}

/**
 * The client reports capability: the `reports` function serves a company's service report (JSON, a
 * printable HTML page, a PDF it builds itself) and the MSP's branding on it (functions/catalog.ts sends
 * `/v1/reports` and `/v1/branding` to it). A function of its own: the PDF library would not fit the
 * operator API's bundles.
 */
export class Reports extends Construct {
  readonly functions: { reports: NodejsFunction };

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    const { shared } = props;
    const { reports } = createCatalogFunctions(
      this,
      ['reports'] as const,
      {
        reports: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn,
        },
      },
      shared,
    );
    this.functions = { reports };
    props.httpApi.addCatalogRoutes(this.functions);
  }
}
