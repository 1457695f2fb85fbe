import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import type { Schemas } from '../api/client';
import { useDecideApproval } from '../features/approvals/hooks';
import { formErrors } from '../features/form-errors';
import { decisionFormSchema, type DecisionDraft, emptyDecisionDraft } from './approval-decision-draft';
import type { ApprovalView, Verdict } from './approval-card';
import { Dialog } from './dialog';
import { RiskBadge } from './runbook-parts';
import { FieldError, invalidProps } from './settings-form';
import { errorMessage } from './states';

export type DecidedApproval = Schemas['Approval'];

function DecisionForm({
  approval,
  verdict,
  companyName,
  onCancel,
  onDone,
}: {
  approval: ApprovalView;
  verdict: Verdict;
  companyName: string;
  onCancel: () => void;
  onDone: (decided: DecidedApproval, verdict: Verdict) => void;
}) {
  const formId = useId();
  const approving = verdict === 'approve';
  const { register, handleSubmit, formState } = useForm<DecisionDraft>({
    defaultValues: emptyDecisionDraft,
    // The API requires a reason to reject: its own schema says so before any request.
    resolver: zodResolver(decisionFormSchema(verdict), undefined, { raw: true }),
  });
  const mutation = useDecideApproval(approval, verdict, { onSuccess: (decided) => onDone(decided, verdict) });
  const errors = formErrors(formState.errors);
  const id = `${formId}-comment`;
  const submit = handleSubmit((draft) => mutation.mutate(draft.comment.trim()));

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div className="approval-dialog-summary">
        <div className="row">
          <RiskBadge risk={approval.risk} />
          <span className="muted">{companyName}</span>
        </div>
        <p className="approval-dialog-runbook">{approval.runbookName}</p>
        <p className="muted approval-dialog-effect">
          {approving
            ? 'The runbook starts right away on the targets of this request.'
            : 'The execution ends and the incident is routed to a technician.'}
        </p>
      </div>
      <label className="field" htmlFor={id}>
        {approving ? 'Comment (optional)' : 'Why reject it (required)'}
        <textarea
          id={id}
          maxLength={1000}
          required={!approving}
          placeholder={
            approving ? 'e.g. Checked with the customer, go ahead' : 'e.g. Maintenance window tonight, a technician will handle it'
          }
          {...register('comment')}
          {...invalidProps(errors, 'comment', id)}
        />
        <FieldError errors={errors} path="comment" id={id} />
      </label>
      {mutation.isError ? (
        <p className="form-error" role="alert">
          {errorMessage(mutation.error)}
        </p>
      ) : null}
      <div className="row approval-dialog-buttons">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className={`button ${approving ? 'button-primary' : 'button-danger'}`} disabled={mutation.isPending}>
          {mutation.isPending ? (approving ? 'Approving…' : 'Rejecting…') : approving ? 'Confirm approval' : 'Confirm rejection'}
        </button>
      </div>
    </form>
  );
}

/** Approve or reject one request, with a comment (required to reject). */
export function ApprovalDecisionDialog({
  target,
  companyName,
  onClose,
  onDone,
}: {
  target: { approval: ApprovalView; verdict: Verdict } | undefined;
  companyName: string;
  onClose: () => void;
  onDone: (decided: DecidedApproval, verdict: Verdict) => void;
}) {
  return (
    <Dialog open={Boolean(target)} title={target?.verdict === 'reject' ? 'Reject this run' : 'Approve this run'} onClose={onClose}>
      {target ? (
        <DecisionForm
          key={`${target.approval.id}-${target.verdict}`}
          approval={target.approval}
          verdict={target.verdict}
          companyName={companyName}
          onCancel={onClose}
          onDone={onDone}
        />
      ) : null}
    </Dialog>
  );
}
