import { useQueryClient, type QueryKey } from '@tanstack/react-query';

/** A company's settings: each tab's policy or channels are one entry under ['settings', tenant]. */
export const settingsKey = (tenantId: string) => ['settings', tenantId] as const;

/** A save or reset answers with the setting as stored: shown at once, then read again. */
export function useStoreAnswer(queryKey: QueryKey): (answer: unknown) => void {
  const queryClient = useQueryClient();
  return (answer) => {
    queryClient.setQueryData(queryKey, answer);
    void queryClient.invalidateQueries({ queryKey });
  };
}
