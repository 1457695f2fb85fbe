import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE } from '../../lib/store/table';
import type { Stage } from '../config';

export interface DataStoreProps {
  stage: Stage;
  /** The customer-managed key the table is encrypted with (infra/constructs/encryption.ts). */
  key: kms.IKey;
}

/**
 * The data capability: the single table, built from the shared TABLE definition so CDK, local mode and
 * tests agree. Point-in-time recovery in every stage; deletion protection and retention in prod.
 * Functions get their access through infra/constructs/functions.ts (TABLE_ACCESS, ITEM_ACCESS). Its
 * stream (new images) carries committed events and new alerts to the relay.
 */
export class DataStore extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: DataStoreProps) {
    super(scope, id);
    const isProd = props.stage === 'prod';
    const key = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: key(TABLE.partitionKey),
      sortKey: key(TABLE.sortKey),
      globalSecondaryIndexes: TABLE.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      timeToLiveAttribute: TABLE.ttlAttribute,
      // The outbox: new outbox and alert items leave through the stream (infra/constructs/event-delivery.ts).
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Switching keys re-encrypts in place: no data migration, no downtime.
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.key),
      // Production data must survive a stack deletion or a mistaken replacement; dev tables are disposable.
      deletionProtection: isProd,
      removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
