import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AppConfig } from './config';
import { Apis } from './constructs/apis';
import { DataStore } from './constructs/data';
import { AppFunctions } from './constructs/functions';
import { Messaging } from './constructs/messaging';
import { AuthKeys } from './constructs/secrets';

export interface AlertWhispererStackProps extends StackProps {
  config: AppConfig;
}

/** Composes the capabilities; the wiring between them lives in the constructs. */
export class AlertWhispererStack extends Stack {
  constructor(scope: Construct, id: string, props: AlertWhispererStackProps) {
    super(scope, id, props);
    const { stage, corsOrigin } = props.config;

    const data = new DataStore(this, 'Data', { stage });
    const messaging = new Messaging(this, 'Messaging', { stage });
    const authKeys = new AuthKeys(this, 'AuthKeys', { stage });
    const apis = new Apis(this, 'Apis', { stage, corsOrigin });

    const functions = new AppFunctions(this, 'Functions', {
      stage,
      table: data.table,
      alertQueue: messaging.alertQueue,
      eventBus: messaging.eventBus,
      authKeys: authKeys.secret,
      webSocketStage: apis.webSocketStage,
    });
    apis.connect(functions.byName);
    messaging.connect(functions.byName);

    new CfnOutput(this, 'HttpApiUrl', { value: apis.httpStage.url });
    new CfnOutput(this, 'WebSocketUrl', { value: apis.webSocketStage.url });
    new CfnOutput(this, 'TableName', { value: data.table.tableName });
    new CfnOutput(this, 'AlertQueueUrl', { value: messaging.alertQueue.queueUrl });
    new CfnOutput(this, 'EventBusName', { value: messaging.eventBus.eventBusName });
  }
}
