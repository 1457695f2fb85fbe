import * as z from 'zod';
import { approveBody, rejectBody } from '../../../lib/domain/remediation/approval-decision';
import type { Verdict } from './approval-card';

export interface DecisionDraft {
  comment: string;
}

export const emptyDecisionDraft: DecisionDraft = { comment: '' };

/**
 * The comment checked as the body the verdict sends, against the API's own schemas (lib/domain/remediation/
 * approval-decision.ts): a rejection with no reason shows the API's message before any request.
 */
export function decisionFormSchema(verdict: Verdict) {
  const draft = z.custom<DecisionDraft>();
  return verdict === 'approve' ? draft.transform(approvalOf).pipe(approveBody) : draft.pipe(rejectBody);
}

/** An approval's comment is optional: an empty one is left out, as the dashboard sends it. */
function approvalOf(draft: DecisionDraft): z.input<typeof approveBody> {
  const comment = draft.comment.trim();
  return comment ? { comment } : {};
}
