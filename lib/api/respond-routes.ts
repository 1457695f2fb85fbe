import type { PhoneVerificationDeps } from '../notify/phone-verification';
import type { Route, RouteContext } from './context';
import { actionLinkRoutes } from './routes/action-links';
import { phoneRoutes } from './routes/phone';
import { slackAppRoutes, type SlackAppRouteOptions } from './routes/slack-app';
import { slackAppAdminRoutes } from './routes/slack-app-admin';

export interface RespondRouteOptions {
  /** How verification codes are texted. */
  phone: Omit<PhoneVerificationDeps, 'table' | 'now'>;
  slack?: SlackAppRouteOptions;
}

/**
 * What the `respond` function serves: responding from a notification (the signed links' page, the Slack
 * app's buttons and its install) and the caller's phone number for SMS and voice pages. Its own function,
 * because it carries the SMS and Slack clients the operator API's bundles have no room for.
 */
export function respondRoutes(context: RouteContext, options: RespondRouteOptions): Route[] {
  return [
    ...actionLinkRoutes(context),
    ...slackAppRoutes(context, options.slack),
    ...slackAppAdminRoutes(context, options.slack),
    ...phoneRoutes(context, options.phone),
  ];
}
