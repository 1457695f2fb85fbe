/** What the remediation resources (approvals, executions, the policy and access) share. */

/** Their OpenAPI tag. */
export const REMEDIATION_TAG = 'remediation';

/** An approval request's or execution's id: a ULID. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
