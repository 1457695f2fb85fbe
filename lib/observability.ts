import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger for every function; the log level comes from POWERTOOLS_LOG_LEVEL. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'alert-whisperer' });
