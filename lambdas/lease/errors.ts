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

/** A provider's secret is missing or malformed. Never carries the secret's content. */
export class ProviderCredentialsError extends Error {
  override readonly name = 'ProviderCredentialsError';
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(`Credentials for provider '${provider}': ${message}`);
  }
}

/** Invalid configuration passed to a lease module (a programming or deployment error). */
export class LeaseConfigError extends Error {
  override readonly name = 'LeaseConfigError';
}
