import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import middy from '@middy/core';
import { correlateDepsFromEnv } from '../../lib/correlation/deps';
import { readEnv } from '../../lib/config/env';
import { batchCorrelationId, correlateRecords } from '../../lib/correlation/queue-consumer';
import { observed } from '../../lib/observability';

const env = readEnv('correlate');
const deps = correlateDepsFromEnv(env);

/** SQS consumer with partial batch failure reporting: a failed alert is retried alone, then dead-lettered. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(observed<SQSEvent, SQSBatchResponse>({ correlationId: (event) => batchCorrelationId(event.Records) }))
  .handler((event) => correlateRecords(event.Records, deps));
