/** The admin API's schema of a sub-id mapping (zod: the admin function's cold start is nobody's wait). */
import { z } from 'zod';
import { SUB_FIELDS, type SubField } from './pair';

const paramName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a parameter name');
export const subIdMappingSchema = z
  .object(Object.fromEntries(SUB_FIELDS.map((f) => [f, z.array(paramName).min(1).max(10).optional()])) as Record<SubField, z.ZodOptional<z.ZodArray<typeof paramName>>>)
  .strict();
