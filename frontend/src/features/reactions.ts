/**
 * What a component adds to a feature's mutation (a notice, closing its dialog): the hook keeps the cache
 * right, the component only reacts, so no page has to know which queries a change makes stale.
 */
export interface Reactions<TData, TVariables = void> {
  onSuccess?: (data: TData, variables: TVariables) => unknown;
  onError?: (error: Error) => void;
}
