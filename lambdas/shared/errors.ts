/** Typed errors. AppErrors are mapped to HTTP in exactly one place (http-errors middleware in middleware.ts). */
export class AppError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super(message, 400, 'bad_request', details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 404, 'not_found');
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, 'conflict');
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(message, 413, 'payload_too_large');
  }
}

// Not AppErrors: errors of the lease pool and the proxy-credential resolver, never an HTTP answer. As
// with every Lambda error, `name` is what a Step Functions Retry/Catch rule matches.

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

/** Invalid configuration passed to a lease or proxy-credential module (a programming or deployment error). */
export class LeaseConfigError extends Error {
  override readonly name = 'LeaseConfigError';
}
