/**
 * Typed errors of the lease capability. `name` is part of the contract: Step Functions matches
 * Retry/Catch rules on the error name a Lambda throws (e.g. Retry on `NoIpAvailable`).
 */
export class NoIpAvailable extends Error {
  override readonly name = 'NoIpAvailable';
  constructor(
    readonly country: string,
    /** Countries actually searched (more than one when the any-country fallback was allowed). */
    readonly searched: readonly string[],
  ) {
    super(`No healthy IP available for country '${country}' (searched: ${searched.join(', ') || 'none'})`);
  }
}

// Defined in lambdas/shared/errors.ts (the proxy-credential resolver there throws them too), and
// re-exported so the lease capability keeps one place for its errors.
export { LeaseConfigError, ProviderCredentialsError } from '../shared/errors';
